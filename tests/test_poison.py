"""One poison item never stops a loop: it is recorded, parked, shown to staff and retried.

One test per loop (e-mail outbox, DVZ exchange, partner webhooks, mail intake, reminders),
each with a poison item between good ones; then the page of parked items.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from datetime import date

import pytest
from flask import g
from sqlalchemy import select

from onboarding import services as onboarding
from onboarding import webhooks
from onboarding.models import WebhookDelivery
from portal import clock, jobs, mail
from portal.accounts.models import PartnerKind, Role
from portal.dossiers.lifecycle import exchange
from portal.dossiers.lifecycle.models import ExchangeMessage
from portal.extensions import db
from portal.fallback import intake, rawstore, runner
from portal.fallback.models import IntakeMessage, Outcome
from portal.fallback.sources import MaildirSource
from portal.mail import OutboxMessage
from tests.fallback.mail import deliver, load
from tests.onboarding.support import (
    granted_dossier,
    make_partner,
    make_talent,
    profile_of,
    receiver_fixture,  # noqa: F401 - the `receiver` fixture
)
from tests.support import check_page, login, make_user

# The message that crashed `intake poll` on every run: raw UTF-8 (8-bit) in From.
EIGHT_BIT_FROM = (
    "From: Jürgen Müller <jürgen.müller@bäckerei-müller.de>\r\n"
    "To: intake@portal.example\r\n"
    "Subject: Antrag kombinierte Genehmigung\r\n"
    "Message-ID: <8bit-from-1@bäckerei-müller.de>\r\n"
    "Date: Tue, 01 Dec 2026 10:00:00 +0100\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Guten Tag, anbei unser Antrag.\r\n"
).encode()


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    with app.test_request_context("/?lang=en"):
        yield


def exhaust(queue: jobs.Queue, item, run) -> None:
    """Make `item` due again and again until the worker parks it."""
    for _ in range(jobs.max_attempts() + 2):
        if item.parked_at is not None:
            return
        item.next_attempt_at = clock.now()
        db.session.commit()
        run()


def queue_mail(recipient: str) -> OutboxMessage:
    return mail.queue(recipient, "verify_email", "en", link="http://portal.test/verify/x")


# E-mail outbox -------------------------------------------------------------------------------


def test_a_mail_that_cannot_be_built_is_parked_and_the_others_are_sent(app, mailbox):
    first = queue_mail("first@example.be")
    # A line break in a header: building the message raises ValueError, not OSError.
    poison = queue_mail("poison@example.be\r\nBcc: everyone@example.be")
    last = queue_mail("last@example.be")
    db.session.commit()

    assert mail.deliver_due() == (2, 1)
    assert first.sent_at and last.sent_at and poison.sent_at is None
    assert poison.attempts == 1 and "ValueError" in poison.last_error
    assert poison.next_attempt_at > clock.now() and poison.claimed_until is None

    exhaust(mail.QUEUE, poison, mail.deliver_due)
    assert poison.parked_at is not None and poison.attempts == jobs.max_attempts()
    later = queue_mail("later@example.be")
    db.session.commit()
    poison.next_attempt_at = clock.now()  # due, but parked: never tried again
    assert mail.deliver_due() == (1, 0)
    assert later.sent_at is not None and poison.attempts == jobs.max_attempts()
    assert {m["To"] for m in mailbox.messages} == {
        "first@example.be",
        "last@example.be",
        "later@example.be",
    }
    assert jobs.depth(mail.QUEUE) == jobs.Depth(waiting=0, parked=1, oldest_waiting_seconds=None)


def test_the_request_that_queued_a_mail_never_fails_after_its_commit(app, monkeypatch):
    poison = queue_mail("poison@example.be\nX-Injected: yes")
    db.session.commit()
    response = app.response_class("done")
    assert mail.deliver_after_request(response) is response
    assert poison.attempts == 1 and poison.last_error  # recorded on the message

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    g.outbox_queued = [queue_mail("other@example.be")]
    db.session.commit()
    monkeypatch.setattr(mail, "deliver_due", broken)
    assert mail.deliver_after_request(response) is response


def test_a_claimed_message_is_not_sent_by_a_second_worker(app, mailbox):
    message = queue_mail("once@example.be")
    db.session.commit()
    assert jobs.claim(mail.QUEUE) == message.id  # worker A holds the lease
    assert mail.deliver_due() == (0, 0)  # worker B (or the request) skips it
    assert jobs.claim(mail.QUEUE) is None
    message.claimed_until = clock.now()  # worker A died; its lease ran out
    db.session.commit()
    assert mail.deliver_due() == (1, 0)
    assert len(mailbox.to("once@example.be")) == 1


# DVZ exchange --------------------------------------------------------------------------------


def test_an_exchange_message_the_adapter_chokes_on_is_parked_and_the_others_go(app, monkeypatch):
    dossier = granted_dossier(make_user("hr@exchange.example"))
    messages = [
        ExchangeMessage(dossier_id=dossier.id, kind="forward", payload=p)
        for p in ('{"n": 1}', "not json at all", '{"n": 3}')
    ]
    db.session.add_all(messages)
    db.session.commit()
    delivered = []

    class Picky:
        def send(self, message):
            delivered.append(message.payload)
            if message.payload == "not json at all":
                raise KeyError("reference")  # any exception, not only OSError

    monkeypatch.setattr(exchange, "adapter", Picky)
    assert exchange.deliver_due() == (2, 1)
    good1, poison, good3 = messages
    assert good1.sent_at and good3.sent_at and poison.sent_at is None
    assert "KeyError" in poison.last_error
    exhaust(exchange.QUEUE, poison, exchange.deliver_due)
    assert poison.parked_at is not None
    assert Counter(delivered) == Counter(
        {'{"n": 1}': 1, '{"n": 3}': 1, "not json at all": jobs.max_attempts()}
    )


# Partner webhooks ----------------------------------------------------------------------------


def test_a_webhook_that_fails_oddly_is_parked_and_the_others_are_posted(app, receiver):
    partner = make_partner(PartnerKind.MUNICIPALITY)

    def delivery(url: str) -> WebhookDelivery:
        found = WebhookDelivery(
            partner_id=partner.id,
            event="referral.created",
            url=url,
            payload="{}",
            signature=webhooks.sign("s" * 32, b"{}"),
            next_attempt_at=clock.now(),
        )
        db.session.add(found)
        return found

    first = delivery(receiver.url)
    poison = delivery("http://127.0.0.1:1/hook with\ta tab")  # InvalidURL: a ValueError
    last = delivery(receiver.url)
    db.session.commit()

    assert webhooks.deliver_webhooks() == (2, 1)
    assert first.sent_at and last.sent_at and poison.sent_at is None
    assert "InvalidURL" in poison.last_error
    exhaust(webhooks.QUEUE, poison, webhooks.deliver_webhooks)
    assert poison.parked_at is not None
    assert len(receiver.requests) == 2


# Mail intake ---------------------------------------------------------------------------------


def poll(maildir):
    g.pop("outbox_queued", None)
    return runner.poll(MaildirSource(maildir), deliver=False)


@pytest.fixture
def maildir(tmp_path):
    path = tmp_path / "Maildir"
    for folder in ("new", "cur", "tmp"):
        (path / folder).mkdir(parents=True)
    return path


def intake_records() -> list[IntakeMessage]:
    return list(db.session.scalars(select(IntakeMessage).order_by(IntakeMessage.id)))


def test_an_8bit_from_is_read_recorded_and_answered_and_the_next_message_too(app, maildir, mailbox):
    deliver(maildir, EIGHT_BIT_FROM, "1.eightbit")
    deliver(maildir, load("h_no_proof"), "2.next")
    report = poll(maildir)

    assert report.read == 2
    eight_bit, following = intake_records()
    assert eight_bit.outcome == Outcome.REJECTED and eight_bit.reason == "no_proof"
    assert eight_bit.sender == "jürgen.müller@bäckerei-müller.de"
    assert eight_bit.subject == "Antrag kombinierte Genehmigung"
    assert following.outcome == Outcome.REJECTED
    assert not list((maildir / "new").iterdir())
    # The answer goes to the non-ASCII address (SMTPUTF8).
    answer = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == eight_bit.sender)
    )
    assert mail.deliver_due(ids=[answer.id]) == (1, 0)
    assert mailbox.to("jürgen.müller@bäckerei-müller.de")


HOSTILE_BYTES = {
    "empty": b"",
    "nul": b"\x00" * 64,
    "binary": bytes(random.Random(10).randrange(256) for _ in range(4096)),
    "latin1_from": b"From: Ren\xe9 <ren\xe9@caf\xe9.be>\r\nSubject: caf\xe9\r\n\r\nbody\r\n",
    "invalid_utf8_from": b"From: \xff\xfe <\xc3\x28@\xe2\x82.be>\r\nSubject: \xed\xa0\x80\r\n\r\nx",
    "nul_in_headers": b"From: a\x00b@example.be\r\nSubject: a\x00b\r\nMessage-ID: <\x00>\r\n\r\nx",
    "8bit_filename": (
        b"From: a@example.be\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b'Content-Type: application/pdf; name="Pa\xc3\x9fport \xff.pdf"\r\n'
        b'Content-Disposition: attachment; filename="Pa\xc3\x9fport \xff.pdf"\r\n\r\n'
        b"%PDF-1.4\r\n--b--\r\n"
    ),
    "header_only_line": b"From: " + b"x" * 100_000,
    "rtl_and_controls": "From: \u202eevil\u202c <a@b.be>\r\nSubject: \x1b[31m\r\n\r\n".encode(),
}


def test_any_byte_sequence_is_kept_raw_and_gets_one_outcome(app, maildir):
    for number, (name, data) in enumerate(HOSTILE_BYTES.items(), start=1):
        deliver(maildir, data, f"{number}.{name}")
    # A file name that is not UTF-8 (the key must still be storable).
    (maildir / "new" / os.fsdecode(b"98.\xff\xfe")).write_bytes(load("h_no_proof"))
    deliver(maildir, load("h_no_proof").replace(b"Message-ID: <", b"Message-ID: <x"), "99.last")
    report = poll(maildir)

    assert report.read == len(HOSTILE_BYTES) + 2
    found = intake_records()
    assert len(found) == len(HOSTILE_BYTES) + 2 and found[-1].outcome == Outcome.REJECTED
    for record in found:
        assert record.outcome in (Outcome.REJECTED, Outcome.ERROR, Outcome.DUPLICATE)
        assert rawstore.path_of(record.sha256).exists()
        for text in (record.sender, record.subject, record.detail, record.message_id):
            assert text is None or ("\x00" not in text and text.encode("utf-8"))
    assert not list((maildir / "new").iterdir())


def test_a_message_that_defeats_even_the_error_path_is_quarantined_bare(app, maildir, monkeypatch):
    deliver(maildir, EIGHT_BIT_FROM, "1.poison")
    deliver(maildir, load("h_no_proof"), "2.next")
    real_receive = intake.receive

    def receive(item, **kwargs):
        if item.key.endswith("poison"):
            raise RuntimeError("cannot read \udcc3\udcbc")  # a surrogate in the error
        return real_receive(item, **kwargs)

    def record_failure(item, error, **kwargs):
        raise UnicodeEncodeError("utf-8", "\udcc3", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(intake, "receive", receive)
    monkeypatch.setattr(intake, "record_failure", record_failure)
    report = poll(maildir)

    poison, following = intake_records()
    assert report.outcomes == Counter({Outcome.ERROR: 1, Outcome.REJECTED: 1})
    assert poison.outcome == Outcome.ERROR and poison.in_quarantine
    assert "RuntimeError" in poison.detail and "UnicodeEncodeError" in poison.detail
    assert following.outcome == Outcome.REJECTED
    assert not list((maildir / "new").iterdir())


# Reminders -----------------------------------------------------------------------------------


def test_an_arrival_in_year_9999_breaks_no_page_and_no_reminder(app, client):
    far = make_talent("far@example.in", dossier=granted_dossier(make_user("hr@far.example")))
    profile_of(far).arrival_on = date(9999, 12, 28)  # stored before input was bounded
    near = make_talent("near@example.in", dossier=granted_dossier(make_user("hr@near.example")))
    profile_of(near).arrival_on = date(2026, 4, 2)  # due 15 April
    db.session.commit()

    assert onboarding.remind(date(2026, 4, 13)) == 1
    login(client, far.email)
    check_page(client.get("/welcome").get_data(as_text=True))
    ics = client.get("/welcome/calendar.ics")
    assert ics.status_code == 200
    text = ics.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")


def test_one_profile_that_fails_is_logged_and_the_others_are_reminded(app, monkeypatch):
    talents = []
    for name in ("a", "poison", "c"):
        user = make_talent(f"{name}@example.in", dossier=granted_dossier(make_user(f"hr@{name}.x")))
        profile_of(user).arrival_on = date(2026, 4, 2)
        talents.append(user)
    db.session.commit()
    real_queue = mail.queue

    def queue(recipient, *args, **kwargs):
        if recipient.startswith("poison"):
            raise ValueError("a template that cannot render")
        return real_queue(recipient, *args, **kwargs)

    monkeypatch.setattr(mail, "queue", queue)
    report = onboarding.remind_all(date(2026, 4, 13))

    assert report.queued == 2
    assert [pid for pid, _error in report.failed] == [profile_of(talents[1]).id]
    reminded = db.session.scalars(
        select(OutboxMessage.recipient).where(OutboxMessage.template == "onboarding_reminder")
    ).all()
    assert sorted(reminded) == ["a@example.in", "c@example.in"]


# Staff see parked items and retry them ------------------------------------------------------


def test_administrators_see_parked_items_of_every_queue_and_retry_one(app, client, receiver):
    message = queue_mail("parked@example.be")
    dossier = granted_dossier(make_user("hr@parked.example"))
    forwarding = ExchangeMessage(dossier_id=dossier.id, kind="forward", payload="{}")
    partner = make_partner(PartnerKind.SCHOOL, name="Aanmeldpunt Gent")
    hook = WebhookDelivery(
        partner_id=partner.id, event="referral.created", url=receiver.url, payload="{}",
        signature="sha256=x", next_attempt_at=clock.now(),
    )  # fmt: skip
    db.session.add_all([forwarding, hook])
    db.session.flush()
    for item in (message, forwarding, hook):
        item.parked_at, item.attempts, item.last_error = clock.now(), 8, "OSError: <b>refused</b>"
    make_user("admin@portal.example", Role.ADMIN)
    db.session.commit()

    login(client, "admin@portal.example")
    assert "/admin/parked/" in client.get("/dashboard").get_data(as_text=True)
    page = client.get("/admin/parked/")
    assert page.status_code == 200
    soup = check_page(page.get_data(as_text=True))
    text = soup.get_text(" ")
    assert "parked@example.be" in text and "Aanmeldpunt Gent" in text
    assert dossier.reference in text
    assert "<b>refused</b>" in text  # shown as text, escaped
    forms = soup.select("form[action*='/retry']")
    assert len(forms) == 3

    response = client.post(f"/admin/parked/webhooks/{hook.id}/retry")
    assert response.status_code == 302
    assert hook.parked_at is None and hook.attempts == 0 and hook.next_attempt_at <= clock.now()
    assert webhooks.deliver_webhooks() == (1, 0)
    assert client.post(f"/admin/parked/webhooks/{hook.id}/retry").status_code == 404
    assert client.post("/admin/parked/nothing/1/retry").status_code == 404


def test_only_administrators_see_parked_items_and_retry_needs_the_csrf_token(app, client):
    message = queue_mail("parked@example.be")
    db.session.flush()
    message.parked_at = clock.now()
    make_user("officer@portal.example", Role.OFFICER)
    make_user("admin@portal.example", Role.ADMIN)
    db.session.commit()
    login(client, "officer@portal.example")
    assert client.get("/admin/parked/").status_code == 403
    assert client.post(f"/admin/parked/mail/{message.id}/retry").status_code == 403

    login(client, "admin@portal.example")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/admin/parked/mail/{message.id}/retry")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code in (302, 400)
    assert message.parked_at is not None  # refused without the token
