"""Sessions need no server affinity: two instances on one database serve the same login.

The cookie only carries a random token; the session itself is a row in the database
(portal/accounts/sessions.py). So behind a load balancer any instance honours a login
made on another, and a logout on one ends the session on all of them. Two app objects
here are two web instances: each has its own engine and connection pool, they share
only the database and the SECRET_KEY, as in production.
"""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from portal import create_app
from portal.accounts.sessions import UserSession
from portal.extensions import db
from tests.support import PASSWORD, make_user, own_database, own_settings

NAME = "portal_sessions_shared"


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    base = tmp_path_factory.mktemp("instances")
    url, drop = own_database(base, NAME)

    def instance(name: str):
        return create_app(
            own_settings(
                base,  # its uploads: the shared volume
                url,
                MAIL_DIR=str(base / f"mail-{name}"),
                WTF_CSRF_ENABLED=False,
                # One Limiter serves every app: leave it switched on, as the suite's app has it.
                LOGIN_RATE_LIMIT="1000 per minute",
            )
        )

    first, second = instance("a"), instance("b")
    with first.app_context():
        upgrade()
        make_user("roaming@example.be")
        db.session.commit()
    yield first, second
    for app in (first, second):
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    drop()


def test_a_login_on_one_instance_is_honoured_by_another_and_a_logout_ends_it_everywhere(
    instances,
):
    first, second = instances
    with first.app_context():
        engine_a = db.engine
    with second.app_context():
        assert db.engine is not engine_a  # an engine (a connection pool) per instance

    on_first = first.test_client()
    response = on_first.post(
        "/account/login", data={"email": "roaming@example.be", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert on_first.get("/dashboard").status_code == 200

    # The load balancer sends the same browser (the same cookie) to the other instance.
    on_second = second.test_client()
    on_second.set_cookie("session", on_first.get_cookie("session").value)
    assert on_second.get("/dashboard").status_code == 200
    assert on_second.get("/account/").status_code == 200

    # Logging out on the second instance ends the session on the first one as well.
    assert on_second.post("/account/logout").status_code == 302
    assert on_second.get("/dashboard").status_code == 302
    refused = on_first.get("/dashboard")  # still holding the cookie it logged in with
    assert refused.status_code == 302 and "/account/login" in refused.headers["Location"]
    with first.app_context():
        record = db.session.scalar(select(UserSession))
        assert record.ended_at is not None


def test_a_cookie_signed_with_another_secret_is_no_login(instances):
    first, _ = instances
    stranger = create_app(
        {
            **{k: first.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "UPLOAD_DIR")},
            "TESTING": True,
            "SECRET_KEY": "another-secret-key-of-sufficient-length-1",
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "1000 per minute",
        }
    )
    client = stranger.test_client()
    source = first.test_client()
    login = source.post(
        "/account/login", data={"email": "roaming@example.be", "password": PASSWORD}
    )
    assert login.status_code == 302 and source.get("/dashboard").status_code == 200
    client.set_cookie("session", source.get_cookie("session").value)
    assert client.get("/dashboard").status_code == 302  # every instance needs the one key
    with stranger.app_context():
        db.session.remove()
        db.engine.dispose()
