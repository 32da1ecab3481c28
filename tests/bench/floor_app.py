"""What a signed-in page costs at least: the way the portal signs in, and the fixed stack alone.

Flask, Flask-SQLAlchemy and Flask-Login, as the portal uses them, and nothing of the
portal: the signed session cookie names a user, Flask-Login's loader reads that one user
by primary key from a SQLite file through the ORM (as any server-side check of a session
must, so that a logout or a password change ends every copy of the cookie), and the view
answers a short text. No template, no CSRF, no session row, no security headers.

The HTTP benchmark prints this app's share of bare Flask beside the pages, so that the part
of a page's cost that is this way of signing in and the part that is the page can be told
apart.

`/core` answers the same check with the fixed stack alone: the session cookie read by Flask
and the user's row read by SQLAlchemy Core on a pooled connection, without Flask-Login and
without the ORM: the least Flask and SQLAlchemy can do. It reads the same cookie as `/`,
and the app's Flask-Login hooks still run around it, so this row errs on the dear side.

`/orm` answers the same check through the ORM (`Session.get`, Flask-SQLAlchemy's
request-scoped session), without Flask-Login. The design card asks for typed ORM models and
services that take the loaded actor, so a signed-in portal request loads its user this
way: between this row and the Core floor lies what the ORM costs, between this row and the
signed-in floor what Flask-Login adds.

`BENCH_FLOOR_DB` names the SQLite file (created with one user when missing).
"""

from __future__ import annotations

import os

from flask import Flask, abort, session
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, bindparam, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()


class Person(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "bench-floor-secret-key-of-sufficient-length"
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.environ.get(
        "BENCH_FLOOR_DB", "/tmp/portal-bench-floor.sqlite"
    )
    db.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        # gunicorn's workers import this at the same moment: each statement is one that two
        # processes may run at once (a check-then-create raced, and a worker failed to boot).
        db.session.execute(
            text(
                "CREATE TABLE IF NOT EXISTS person"
                " (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL)"
            )
        )
        db.session.execute(text("INSERT OR IGNORE INTO person (id, name) VALUES (1, 'Employer')"))
        db.session.commit()
    return app


@login_manager.user_loader
def load(user_id: str) -> Person | None:
    return db.session.get(Person, int(user_id))


app = create_app()


@app.get("/login")
def login() -> str:
    login_user(db.session.get(Person, 1))
    return "logged in"


@app.get("/")
@login_required
def page() -> str:
    return f"Hello, {current_user.name}!"


NAME_BY_ID = select(Person.__table__.c.name).where(Person.__table__.c.id == bindparam("user_id"))


def _cookie_user_id() -> int:
    """The user id the session cookie names (set by the Flask-Login login above); 401 else."""
    user_id = session.get("_user_id")
    if not isinstance(user_id, str) or not user_id.isdecimal():
        abort(401)
    return int(user_id)


@app.get("/core")
def core_page() -> str:
    """The same signed-in check and answer, with the fixed stack alone (see the docstring)."""
    user_id = _cookie_user_id()  # before a connection is taken: a refusal needs none
    with db.engine.connect() as connection:
        name = connection.execute(NAME_BY_ID, {"user_id": user_id}).scalar_one_or_none()
    if name is None:
        abort(401)
    return f"Hello, {name}!"


@app.get("/orm")
def orm_page() -> str:
    """The same signed-in check and answer through the ORM, without Flask-Login."""
    person = db.session.get(Person, _cookie_user_id())
    if person is None:
        abort(401)
    return f"Hello, {person.name}!"
