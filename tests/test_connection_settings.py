"""Each new database connection is set up as the portal needs (`portal.db`): SQLite enforces
foreign keys in the test app too, also on the pooled connection that ran the migrations
(their `PRAGMA foreign_keys=OFF` must not leak into the pool), and keeps more pages than
its default; PostgreSQL compiles no query to machine code."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from portal.db import SQLITE_CACHE_KIB
from portal.extensions import db


def test_every_pooled_connection_enforces_foreign_keys(app):
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            pytest.skip("PostgreSQL always enforces foreign keys")
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_every_pooled_connection_keeps_more_pages_than_sqlites_default(app):
    """At a million files a search walks more index pages than SQLite's 2,000 KiB hold."""
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's buffers are the server's")
        assert SQLITE_CACHE_KIB >= 8192
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB


def test_postgresql_connections_compile_no_query_to_machine_code(app):
    """JIT compilation is for long analytical queries: a search estimated at a million rows
    that found none spent 31 of its 48 ms compiling. Kept off after the transaction that
    set it (a rolled-back SET would be undone)."""
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            pytest.skip("SQLite has no JIT")
        connection.rollback()
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"


def test_a_dangling_foreign_key_is_refused(db_session):
    # An invitation to a file that does not exist, for a user who does not: refused on
    # SQLite as on PostgreSQL.
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(
            db.text("INSERT INTO dossier_viewer (dossier_id, user_id) VALUES (:d, :u)"),
            {"d": 2_000_000_001, "u": 2_000_000_002},
        )


@pytest.mark.parametrize(
    "value",
    [
        "x' OR '1'='1",
        "pending; DROP TABLE mandate",
        "a b",
        "",
        "naïve",
        "a" * 65,
        10**19,
        "line\nbreak",
        "--",
        "/* */",
        True,
        None,
        1.5,
        b"open",
        datetime(2026, 12, 6, 9, 30, tzinfo=UTC),  # a moment: bound, never written in
    ],
)
def test_a_value_that_is_no_constant_is_never_written_into_a_statement(value):
    """`db.constant` writes a code's value into the SQL itself (so PostgreSQL plans the
    statement once): only digits or a plain word, so nothing a value holds could quote its
    way out, whatever reaches it by mistake."""
    from portal.db import constant

    with pytest.raises((TypeError, ValueError)):
        constant(value)


def test_a_constant_selects_what_its_bound_value_selects(db_session):
    """Written in, a status and a size select the same rows as when they are sent apart."""
    from sqlalchemy import select

    from portal.accounts.models import Role, User
    from portal.db import among, constant
    from tests.support import make_user

    for number in range(4):
        make_user(f"officer{number}@constant.example", Role.OFFICER)
    make_user("helpdesk@constant.example", Role.HELPDESK)
    db.session.flush()
    mine = User.email.like("%@constant.example")
    bound = select(User.email).where(mine, User.role == Role.OFFICER).order_by(User.id).limit(3)
    written = (
        select(User.email)
        .where(mine, among(User.role, [Role.OFFICER]))
        .order_by(User.id)
        .limit(constant(3))
    )
    expected = [f"officer{number}@constant.example" for number in range(3)]
    assert db.session.scalars(bound).all() == db.session.scalars(written).all() == expected
    sql = str(written.compile(db.engine))
    assert "'officer'" in sql and " 3" in sql


def test_a_status_written_in_selects_and_excludes_what_its_bound_value_does(db_session):
    """`db.equals` (and its negation, as the decided mandates use it) selects the rows that
    the bound comparison selects, with the status written into the SQL."""
    from sqlalchemy import select

    from portal.accounts.models import Role, User
    from portal.db import equals
    from tests.support import make_user

    for number, role in enumerate([Role.OFFICER, Role.HELPDESK, Role.OFFICER, Role.EMPLOYER]):
        make_user(f"user{number}@equals.example", role)
    db.session.flush()
    mine = User.email.like("%@equals.example")
    for role in (Role.OFFICER, Role.HELPDESK, Role.PARTNER):
        for bound, written in (
            (User.role == role, equals(User.role, role)),
            (User.role != role, ~equals(User.role, role)),
        ):
            assert f"'{role.value}'" in str(written.compile(db.engine))
            expected = db.session.scalars(select(User.email).where(mine, bound)).all()
            assert db.session.scalars(select(User.email).where(mine, written)).all() == expected
            assert expected or role is Role.PARTNER


def test_a_day_written_in_compares_as_the_bound_day(db_session):
    """A day (a proof's last valid day, say) is written as 2026-12-06 and compares with a
    date column as the bound day does, on SQLite (text) and PostgreSQL (a date) alike."""
    from sqlalchemy import select

    from portal.accounts.models import Mandate
    from portal.db import constant
    from tests.factories import MandateFactory

    mandates = [MandateFactory(starts_on=date(2026, 12, day)) for day in (5, 6, 7)]
    db.session.flush()
    ours = Mandate.id.in_([mandate.id for mandate in mandates])
    for day in (date(2026, 12, 6), date(2026, 1, 1), date(2027, 1, 1)):
        written = constant(day, Mandate.starts_on.type)
        assert f"'{day.isoformat()}'" in str(written.compile(db.engine))
        for compare in ("__ge__", "__lt__"):
            bound = db.session.scalars(
                select(Mandate.id).where(ours, getattr(Mandate.starts_on, compare)(day))
            ).all()
            inline = db.session.scalars(
                select(Mandate.id).where(ours, getattr(Mandate.starts_on, compare)(written))
            ).all()
            assert sorted(bound) == sorted(inline), (day, compare)
