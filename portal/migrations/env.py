import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
# Not when the portal has set up its own logs (portal/logs.py: JSON lines in production),
# so that `flask db upgrade` on deploy logs in the same format as everything else.
if not any(getattr(h, "_portal_log_handler", False) for h in logging.getLogger().handlers):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
    except AttributeError:
        return str(get_engine().url).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=get_metadata(), literal_binds=True)

    with context.begin_transaction():
        context.run_migrations()


def render_item(type_, obj, autogen_context):
    """Render the portal's column types as plain SQLAlchemy types in migrations."""
    from portal.db import UtcDateTime

    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def every_head(conf_args: dict) -> dict:
    """`upgrade head` (Flask-Migrate's default) upgrades every head when there are several.

    Each enabled plug-in keeps its own branch (portal/plugins.py), so the portal's head and
    each plug-in's head coexist, and Alembic refuses "head". Only that case changes: the
    step becomes Alembic's own `upgrade heads`. (`context._proxy` is the running
    EnvironmentContext; `_upgrade_revs` is what `alembic.command.upgrade` itself calls.)
    """
    environment = context._proxy
    opts = environment.context_opts
    script = environment.script
    upgrading = getattr(opts.get("fn"), "__name__", "") == "upgrade"
    if upgrading and opts.get("destination_rev") == "head" and len(script.get_heads()) > 1:
        return {**conf_args, "fn": lambda rev, _context: script._upgrade_revs("heads", rev)}
    return conf_args


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite rebuilds a table to alter it (batch mode); with foreign keys enforced the
            # rebuild fails as soon as other rows point at the table. The pragma only works
            # outside a transaction, so it goes straight to the driver; the rows are checked
            # after the migrations instead (as SQLite's own documentation advises).
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            render_item=render_item,
            **every_head(conf_args),
        )

        try:
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                # The pragma is a no-op while a transaction is open, and Alembic's may still
                # be: never hand this connection back to the pool (it would keep foreign keys
                # off for whoever gets it next). The next one is opened afresh, with the
                # pragmas of portal.db.
                connection.invalidate()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
