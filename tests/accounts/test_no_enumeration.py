"""Nothing reveals whether an account exists: same answer, same work, mail after the response.

The tests compare what the code does in each case (hashes computed, e-mails queued, SMTP
during the request, response bodies), not timings.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.accounts import services
from portal.accounts.models import OrgRole, Role, User
from portal.extensions import db
from portal.mail import OutboxMessage
from tests.accounts.test_accounts import EMPLOYER
from tests.support import (
    link_in,
    login,
    make_user,
    new_kbo,
    text_of,
)


@pytest.fixture
def hashes(monkeypatch):
    """Count the password hashes computed."""
    counted = []
    real = services._hasher

    class Spy:
        def hash(self, password):
            counted.append(password)
            return real.hash(password)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(services, "_hasher", Spy())
    return counted


def queued_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)))


def page_text(response) -> str:
    """The page without its CSRF tokens (they carry a timestamp)."""
    return re.sub(r"<input[^>]*csrf_token[^>]*>", "", response.get_data(as_text=True))


def sent_during_request(client, mailbox, post):
    """Run `post`; return the page it leads to and how many e-mails SMTP received meanwhile.

    The redirect is followed afterwards: closing the first response is what lets the
    deferred e-mails go, as a WSGI server does once the answer has been sent.
    """
    before = len(mailbox.messages)
    response = post()
    during = len(mailbox.messages) - before
    assert response.status_code == 302, response.status_code
    response.close()
    return client.get(response.headers["Location"]), during


def test_registration_does_the_same_work_whether_or_not_the_address_is_taken(
    client, mailbox, hashes
):
    make_user("taken@example.be")
    answers = []
    for address in ("taken@example.be", "new@example.be"):
        hashes.clear()
        data = dict(EMPLOYER, email=address, kbo_number=new_kbo())
        response, smtp = sent_during_request(
            client, mailbox, lambda data=data: client.post("/account/register/employer", data=data)
        )
        answers.append(page_text(response))
        assert len(hashes) == 1, address  # argon2 runs in both cases
        assert smtp == 0, address  # no SMTP while the client waits
        assert len(queued_to(address)) == 1, address  # one e-mail, sent after the response
    assert answers[0] == answers[1]
    assert "already has an account" in text_of(mailbox.last_to("taken@example.be"))
    assert "/account/verify/" in text_of(mailbox.last_to("new@example.be"))


def test_password_reset_does_the_same_work_whether_or_not_the_account_exists(client, mailbox):
    make_user("known@example.be")
    bodies = []
    for address in ("known@example.be", "unknown@example.be"):
        response, smtp = sent_during_request(
            client,
            mailbox,
            lambda address=address: client.post(
                "/account/password/forgot?lang=en", data={"email": address}
            ),
        )
        bodies.append(page_text(response))
        assert smtp == 0
        assert len(queued_to(address)) == 1
    assert bodies[0] == bodies[1]
    assert "/account/password/reset/" in text_of(mailbox.last_to("known@example.be"))
    unknown = text_of(mailbox.last_to("unknown@example.be"))
    assert "no active account" in unknown and "/account/password/reset/" not in unknown


def test_resend_verification_answers_alike_for_unverified_verified_and_unknown(client, mailbox):
    make_user("unverified@example.be", verified=False)
    make_user("verified@example.be")
    bodies = []
    for address in ("unverified@example.be", "verified@example.be", "unknown@example.be"):
        response, smtp = sent_during_request(
            client,
            mailbox,
            lambda address=address: client.post(
                "/account/verify/resend?lang=en", data={"email": address}
            ),
        )
        bodies.append(page_text(response))
        assert smtp == 0
        assert len(queued_to(address)) == 1
    assert bodies[0] == bodies[1] == bodies[2]
    assert "/account/verify/" in text_of(mailbox.last_to("unverified@example.be"))
    assert "already confirmed" in text_of(mailbox.last_to("verified@example.be"))
    assert "no active account" in text_of(mailbox.last_to("unknown@example.be"))


def test_deferred_mail_leaves_when_the_response_closes(client, mailbox):
    make_user("known@example.be")
    response = client.post("/account/password/forgot", data={"email": "known@example.be"})
    assert mailbox.messages == []
    response.close()  # what the WSGI server does once the answer is sent
    assert [m["To"] for m in mailbox.messages] == ["known@example.be"]


def test_invite_colleague_says_the_same_and_tells_the_address_by_e_mail(client, mailbox):
    make_user("admin@org.example")
    elsewhere = make_user("taken@other.example")
    login(client, "admin@org.example")
    client.get("/dashboard")  # clears the login's messages
    bodies = []
    for address in ("taken@other.example", "free@org.example"):
        response, smtp = sent_during_request(
            client,
            mailbox,
            lambda address=address: client.post(
                "/account/organisation?lang=en",
                data={"name": "Colleague", "email": address},
            ),
        )
        assert smtp == 0
        body = page_text(response)
        # The members table lists the new colleague: compare the answer, not the table.
        bodies.append(body.split("<table")[0].replace(address, "ADDRESS"))
    assert bodies[0] == bodies[1]
    assert "If ADDRESS can be invited, an e-mail is on its way" in bodies[0]
    db.session.refresh(elsewhere)
    assert elsewhere.organisation_id != db.session.scalar(
        select(User.organisation_id).where(User.email == "admin@org.example")
    )
    assert "already has an account" in text_of(mailbox.last_to("taken@other.example"))
    assert "/account/invitation/" in text_of(mailbox.last_to("free@org.example"))


# --- Talent squatting -----------------------------------------------------------------


def invite_worker_placeholder(address: str) -> User:
    """What "invite worker" leaves behind: a worker account nobody has taken up."""
    user = User(email=address, name="Victim", role=Role.TALENT, locale="en", password_hash=None)
    db.session.add(user)
    db.session.flush()
    return user


def test_an_unclaimed_worker_invitation_does_not_block_registering_as_employer(client, mailbox):
    squatted = invite_worker_placeholder("ceo@rival.example")
    old_link = services.invitation_link(squatted)
    response = client.post(
        "/account/register/employer",
        data=dict(EMPLOYER, email="ceo@rival.example", kbo_number=new_kbo()),
    )
    assert response.status_code == 302
    owner = db.session.scalar(select(User).where(User.email == "ceo@rival.example"))
    assert owner.role == Role.EMPLOYER and owner.org_role == OrgRole.ADMIN
    assert owner.id != squatted.id
    db.session.refresh(squatted)
    assert not squatted.active and squatted.email.endswith("@released.invalid")
    # The address owner confirms and logs in as the employer they registered as.
    client.get(link_in(mailbox.last_to("ceo@rival.example"), "/account/verify/"))
    login(client, "ceo@rival.example")
    client.post("/account/logout")
    # The old worker invitation is dead.
    assert client.get(old_link.replace("http://portal.test", "")).status_code == 400


def test_an_accepted_worker_account_still_owns_its_address(client, mailbox, hashes):
    make_user("worker@example.in", Role.TALENT)
    response = client.post(
        "/account/register/employer",
        data=dict(EMPLOYER, email="worker@example.in", kbo_number=new_kbo()),
    )
    assert response.status_code == 302
    assert (
        db.session.scalar(select(func.count(User.id)).where(User.email == "worker@example.in")) == 1
    )
    assert "already has an account" in text_of(mailbox.last_to("worker@example.in"))


def test_a_colleague_invitation_also_frees_an_unclaimed_worker_address(client, mailbox):
    make_user("admin@org.example")
    invite_worker_placeholder("person@example.be")
    login(client, "admin@org.example")
    client.post("/account/organisation", data={"name": "Person", "email": "person@example.be"})
    person = db.session.scalar(select(User).where(User.email == "person@example.be"))
    assert person.role == Role.EMPLOYER
    assert "/account/invitation/" in text_of(mailbox.last_to("person@example.be"))


def test_an_unclaimed_colleague_invitation_does_not_block_registering(client, mailbox):
    """An admin cannot hold a rival's address by inviting it as a colleague."""
    make_user("admin@squatter.example")
    login(client, "admin@squatter.example")
    client.post("/account/organisation", data={"name": "Rival CEO", "email": "ceo@rival.example"})
    client.post("/account/logout")
    invited = db.session.scalar(select(User).where(User.email == "ceo@rival.example"))
    squatter_org = invited.organisation_id
    response = client.post(
        "/account/register/employer",
        data=dict(EMPLOYER, email="ceo@rival.example", kbo_number=new_kbo()),
    )
    assert response.status_code == 302
    owner = db.session.scalar(select(User).where(User.email == "ceo@rival.example"))
    assert owner.org_role == OrgRole.ADMIN and owner.organisation_id != squatter_org


def test_an_accepted_colleague_keeps_the_address(client, mailbox):
    org_admin = make_user("admin@org.example")
    make_user(
        "member@org.example",
        organisation=org_admin.organisation,
        org_role=OrgRole.MEMBER,
    )
    client.post(
        "/account/register/employer",
        data=dict(EMPLOYER, email="member@org.example", kbo_number=new_kbo()),
    )
    member = db.session.scalar(select(User).where(User.email == "member@org.example"))
    assert member.organisation_id == org_admin.organisation_id and member.active
