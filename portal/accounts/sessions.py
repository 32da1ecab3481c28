"""Server-side login sessions: one row per login, ended at logout, idle and absolute timeouts.

The signed Flask cookie only carries a random session token; the database keeps its
SHA-256 (a copy of the table opens no session) with when and from where it started. The
Flask-Login loader accepts a cookie only while its row is live, so ending the row (logout,
password change or reset, "end this session" on the account page) kills every copy of
the cookie at once, and an idle or too old session dies on the server whatever the
cookie says.

"Last seen" is written at most once per `SESSION_TOUCH_INTERVAL` (60 s) per session, not
on every request: a write per page view would put every reader behind the database's
write lock (SQLite has one writer at a time), make concurrent requests of one user
contend for the same row and bloat PostgreSQL's table with dead row versions, all for a
precision the 30-minute idle timeout does not need. The price: a session may be refused
up to one interval before its exact idle deadline, never after it.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app, g, request
from flask import session as cookie_session
from flask_login import current_user
from sqlalchemy import ForeignKey, Select, String, and_, bindparam, or_, select, update
from sqlalchemy.orm import Mapped, joinedload, mapped_column

from portal import clock, transactions
from portal.accounts.models import Organisation, User
from portal.db import UtcDateTime
from portal.extensions import db
from portal.security import view_reads_organisation
from portal.validation import record_id

COOKIE_KEY = "sid"
# Whether the user had an organisation when last loaded: the loader reads it with them only
# then (see `load_user`). A hint, never a permission: a wrong one costs a lazy load.
ORGANISATION_KEY = "org"
USER_AGENT_MAX = 200


class UserSession(db.Model):
    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(USER_AGENT_MAX), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


def now() -> datetime:
    """The portal's clock (tests move it with `portal.clock.frozen`)."""
    return clock.now()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (
        timedelta(seconds=config["SESSION_IDLE_TIMEOUT"]),
        timedelta(seconds=config["SESSION_ABSOLUTE_TIMEOUT"]),
    )


def _clean(text: str | None, limit: int) -> str:
    """Printable text only, bounded: the user agent and address are sent by the client."""
    return "".join(ch for ch in (text or "") if ch.isprintable())[:limit]


def start(user: User, *, ip: str | None, user_agent: str | None) -> tuple[UserSession, str]:
    """Open a session for `user`; returns the row and the token for the cookie."""
    token = secrets.token_urlsafe(32)
    moment = now()
    record = UserSession(
        token_hash=_hash(token),
        user_id=user.id,
        created_at=moment,
        last_seen_at=moment,
        ip=_clean(ip, 45),
        user_agent=_clean(user_agent, USER_AGENT_MAX),
    )
    db.session.add(record)
    # The account keeps its last login apart from the session rows, which are purged sooner
    # (retention series sessions). Only forward: of two logins at once, the later moment
    # stays whichever commits last.
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .where(or_(User.last_login_at.is_(None), User.last_login_at < moment))
        .values(last_login_at=moment, updated_at=User.updated_at)  # a login changes nothing
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["last_login_at"])
    db.session.flush()
    return record, token


def is_live(record: UserSession, moment: datetime | None = None) -> bool:
    moment = moment or now()
    idle, absolute = _limits()
    return (
        record.ended_at is None
        and moment - record.last_seen_at <= idle
        and moment - record.created_at <= absolute
    )


def live_clause(moment: datetime):
    """`is_live` as a condition, for reading many rows: the same rule, in SQL."""
    idle, absolute = _limits()
    return and_(
        UserSession.ended_at.is_(None),
        UserSession.last_seen_at >= moment - idle,
        UserSession.created_at >= moment - absolute,
    )


def find(token: str | None) -> UserSession | None:
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))


def touch(record: UserSession, moment: datetime | None = None) -> bool:
    """Move "last seen" forward, at most once per interval; True when it changed."""
    moment = moment or now()
    interval = timedelta(seconds=current_app.config["SESSION_TOUCH_INTERVAL"])
    if moment - record.last_seen_at < interval:
        return False
    record.last_seen_at = moment
    return True


def end(record: UserSession) -> None:
    if record.ended_at is None:
        record.ended_at = now()


def end_all(user: User, *, keep: UserSession | None = None) -> int:
    """End every open session of `user` except `keep`; returns how many ended."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    return db.session.execute(query.values(ended_at=now())).rowcount or 0


def active_for(user: User) -> list[UserSession]:
    """The user's live sessions, newest first.

    Only the rows that can still be live are read: a session closed with the browser, not
    logged out, keeps `ended_at` empty for ever, and a user who signs in daily gathers
    hundreds of them. The timeouts bound what is left (logins within the absolute timeout).
    """
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, live_clause(now()))
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def own(user: User, session_id: int) -> UserSession | None:
    record = db.session.get(UserSession, session_id)
    return record if record is not None and record.user_id == user.id else None


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"))
_BROWSERS += (("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"))
_SYSTEMS += (("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux"))


def browser_label(user_agent: str) -> str:
    """A short "Firefox, Linux" from a user agent; the raw (bounded) text when unknown."""
    browser = next((name for key, name in _BROWSERS if key in user_agent), None)
    system = next((name for key, name in _SYSTEMS if key in user_agent), None)
    if browser or system:
        return ", ".join(filter(None, (browser, system)))
    return re.sub(r"\s+", " ", user_agent)[:60]


# --- The web edge: the Flask-Login loader and the login/logout helpers. ---------------


def login(user: User) -> UserSession:
    """Start a session for the request's client and put its token in the cookie."""
    record, token = start(user, ip=request.remote_addr, user_agent=request.user_agent.string)
    cookie_session[COOKIE_KEY] = token
    cookie_session[ORGANISATION_KEY] = user.organisation_id is not None
    cookie_session.permanent = False  # the cookie dies with the browser; the row sets limits
    g.user_session = record
    return record


def current() -> UserSession | None:
    """The live session row of this request (set by the loader)."""
    return g.get("user_session")


@functools.cache
def _loader_statement(with_organisation: bool) -> Select:
    """The loader's one query, built once per process with its values as parameters.

    It runs on every signed-in request; building the statement anew each time (its
    comparisons, joins and loader options) cost about 40% of the query's time.
    """
    statement = (
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == bindparam("user_id"), UserSession.token_hash == bindparam("token_hash"))
    )
    if with_organisation:
        statement = statement.options(joinedload(User.organisation).joinedload(Organisation.claim))
    return statement


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the user named in the cookie, only while their session is live.

    One query finds the user and their session row, and the organisation with its claim
    when the cookie's hint says the user has one and the view reads them
    (`security.reads_organisation`): otherwise they would be two lazy loads of their own
    there. An officer, a partner or a newcomer has none, and most employer pages (their
    files' list, a timeline, an answer) do not show it: the joins cost about 110 µs of a
    1.7 to 2 ms page for nothing (issue 15). An unmarked view that reads them after all
    gets the truth by a lazy load. A hint proved wrong (an organisation registered or left
    since) is corrected for the next request.
    """
    user_key, _sep, user_token = (user_id or "").partition(":")
    token = cookie_session.get(COOKIE_KEY)
    # An id beyond PostgreSQL's integer (and SQLite's) names nobody; asked, it would fail.
    user_number = record_id(user_key)
    if user_number is None:
        return None
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    # A cookie from before the hint existed loads the organisation, as every loader did.
    hinted = cookie_session.get(ORGANISATION_KEY) is not False
    found = db.session.execute(
        _loader_statement(hinted and view_reads_organisation()),
        {"user_id": user_number, "token_hash": _hash(token)},
    ).first()
    if found is None:
        return None
    user, record = found
    if not secrets.compare_digest(user.session_token, user_token) or not is_live(record):
        return None
    if hinted is not (user.organisation_id is not None):
        cookie_session[ORGANISATION_KEY] = not hinted
    if touch(record):
        g.session_touched = True
    g.user_session = record
    return user


def load_early() -> None:
    """before_request: run the loader first, and save a due "last seen" at once.

    At that point the request has only read, so the commit carries nothing but the touch;
    later in the request a commit could carry a view's unfinished work. On a read request
    on SQLite the loader read in a deferred transaction, so the touch is written apart,
    under the write lock, deciding again on the fresh row (`transactions.write_apart`).
    """
    if request.endpoint == "static" or cookie_session.get("_user_id") is None:
        return
    current_user.is_authenticated  # noqa: B018 - runs the loader
    if g.pop("session_touched", False):
        record = g.user_session
        transactions.write_apart(
            lambda: touch(record), "the touch is saved even if the request then fails"
        )


def seconds_left() -> int:
    """Seconds until this request's session would end if the user did nothing more."""
    idle, absolute = _limits()
    record = current()
    if record is None:
        return int(idle.total_seconds())
    moment = now()
    # From "last seen" as stored: a throttled touch may not have moved it this request.
    left = min(record.last_seen_at + idle, record.created_at + absolute) - moment
    return max(int(left.total_seconds()), 0)
