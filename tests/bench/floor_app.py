"""The least a signed-in page can cost on the portal's fixed stack: the benchmark's second yardstick.

Flask, Flask-SQLAlchemy and Flask-Login, as the portal uses them, and nothing of the
portal: the signed session cookie names a user, Flask-Login's loader reads that one user
by primary key from a SQLite file through the ORM (as any server-side check of a session
must, so that a logout or a password change ends every copy of the cookie), and the view
answers a short text. No template, no CSRF, no session row, no security headers.

A portal page that is signed in cannot serve faster than this; the HTTP benchmark prints
this app's share of bare Flask beside the pages, so that the part of a page's cost that is
the stack's and the part that is the portal's can be told apart.

`BENCH_FLOOR_DB` names the SQLite file (created with one user when missing).
"""

from __future__ import annotations

import os

from flask import Flask
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, text
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
