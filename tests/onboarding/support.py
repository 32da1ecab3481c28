"""Helpers for the orange-carpet tests: talents, partners, granted files, a webhook receiver.

(A module of helpers, named so that only tests/test_onboarding*.py files are involved.)
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count

import pytest
from sqlalchemy import select

from onboarding.models import Partner, WelcomeInvitation, WelcomeProfile
from portal.accounts.models import PartnerKind, Role, User
from portal.dossiers.models import Dossier
from portal.extensions import db
from portal.mail import OutboxMessage
from tests.onboarding.factories import (  # the places are the tests' vocabulary too
    ANTWERP,  # noqa: F401
    BRUSSELS,  # noqa: F401
    GHENT,
    GrantedDossierFactory,
    PartnerFactory,
    WelcomeInvitationFactory,
    WelcomeProfileFactory,
)
from tests.support import make_user

_serial = count(1)


def granted_dossier(owner: User, *, granted_on: date | None = None, **fields) -> Dossier:
    """A file of `owner` whose permit was granted (`GrantedDossierFactory`, by the status machine)."""
    if granted_on is not None:
        fields["federal_decision_on"] = granted_on
    return GrantedDossierFactory(owner=owner, **fields)


def make_talent(
    email: str | None = None,
    *,
    dossier: Dossier | None = None,
    locale: str = "en",
    consent_employer_view: bool = False,
    **profile,
) -> User:
    """A talent with a welcome profile; with `dossier`, that file's invitation (and consent)."""
    user = make_user(email or f"talent{next(_serial)}@example.in", Role.TALENT, locale=locale)
    welcome = WelcomeProfileFactory(user=user, dossier=dossier, preferred_locale=locale, **profile)
    if dossier is not None:
        WelcomeInvitationFactory(
            profile=welcome, dossier=dossier, consent_employer_view=consent_employer_view
        )
    return user


def invitation_of(dossier: Dossier) -> WelcomeInvitation:
    return db.session.scalar(
        select(WelcomeInvitation).where(WelcomeInvitation.dossier_id == dossier.id)
    )


def profile_of(user: User) -> WelcomeProfile:
    return db.session.scalar(select(WelcomeProfile).where(WelcomeProfile.user_id == user.id))


def make_partner(kind: PartnerKind, refnis: str = GHENT, **fields) -> Partner:
    return PartnerFactory(kind=kind, refnis=refnis, **fields)


def make_partner_user(email: str, kind: PartnerKind, refnis: str = GHENT) -> User:
    user = make_user(email, Role.PARTNER)
    user.partner_kind, user.partner_refnis = kind, refnis
    db.session.flush()
    return user


def outbox(template: str, recipient: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.template == template)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


@dataclass
class Receiver:
    """A local HTTP server that records webhook POSTs and answers `status` after `delay`."""

    status: int = 204
    delay: float = 0.0
    location: str = ""
    requests: list[dict] = field(default_factory=list)
    url: str = ""

    def handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                time.sleep(receiver.delay)
                try:
                    self.send_response(receiver.status)
                    if receiver.location:
                        self.send_header("Location", receiver.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the portal gave up waiting

            def log_message(self, *_args):
                pass

        return Handler


@pytest.fixture(name="receiver")
def receiver_fixture():
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), found.handler())
    server.daemon_threads = True
    found.url = f"http://127.0.0.1:{server.server_address[1]}/referrals"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def payload(request: dict) -> dict:
    return json.loads(request["body"])
