"""What a plug-in brings besides its blueprints: its migrations and its demo data.

A plug-in named in PORTAL_PLUGINS calls these from its `init_app(app)`; the portal reads
them back from `app.extensions` without knowing the plug-in. Nothing is global: an app
built without the plug-in has none of its migrations, demo data, routes or links.

Migrations: each plug-in keeps an Alembic branch (its own `branch_labels`) in its own
version folder. `flask db upgrade` (Alembic's "head") upgrades every head: the portal's and
each enabled plug-in's (see `portal/migrations/env.py`). Name a line to move one alone:
`db downgrade portal@-1`, `db downgrade onboarding@base` (drops the plug-in's tables, e.g.
before taking it out of PORTAL_PLUGINS), `db migrate --head portal@head`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from flask import Flask, current_app

from portal.extensions import db, migrate

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DemoLoader = Callable[[], Iterable[tuple[str, str]]]


def add_migrations(app: Flask, versions: Path | str) -> None:
    """Add a plug-in's Alembic version folder (a branch of its own) to this app's migrations."""
    app.extensions.setdefault("plugin_migrations", []).append(str(versions))


def add_demo(app: Flask, load: DemoLoader) -> None:
    """Run `load()` after the portal's demo data; it returns (e-mail, role) of its accounts."""
    app.extensions.setdefault("plugin_demo", []).append(load)


def demo_loaders(app: Flask) -> list[DemoLoader]:
    return list(app.extensions.get("plugin_demo", ()))


def version_locations(app: Flask) -> list[str]:
    """The portal's version folder, then each enabled plug-in's."""
    return [str(MIGRATIONS / "versions"), *app.extensions.get("plugin_migrations", ())]


def _configure_alembic(config):
    """Flask-Migrate calls this for every `db` command: the current app's version folders."""
    locations = os.pathsep.join(version_locations(current_app)).replace("%", "%%")
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", locations)
    return config


def init_app(app: Flask) -> None:
    """Point Flask-Migrate at the migrations shipped inside the package."""
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    if _configure_alembic not in migrate.configure_callbacks:
        migrate.configure(_configure_alembic)
