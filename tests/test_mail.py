"""The outbox: written with the change, sent by a worker, retried, never dropped."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal import clock, jobs, mail
from portal.extensions import db
from portal.mail import OutboxMessage
from tests.support import free_port, html_of, text_of


def queue_one(app, locale="fr"):
    with app.test_request_context():
        return mail.queue(
            "worker@example.be",
            "password_reset",
            locale,
            name="Amira",
            link="http://x/y",
            minutes=60,
        )


def test_a_message_is_rendered_in_the_recipients_language_with_text_and_html(
    app, db_session, mailbox
):
    message = queue_one(app, "fr")
    db.session.commit()
    assert message.subject == "Choisissez un nouveau mot de passe"
    assert mail.deliver_due() == (1, 0)
    received = mailbox.last_to("worker@example.be")
    assert received["Subject"] == "Choisissez un nouveau mot de passe"
    assert received["Content-Language"] == "fr"
    assert received["Auto-Submitted"] == "auto-generated"
    assert "Amira" in text_of(received)
    assert '<a href="http://x/y">' in html_of(received) and 'lang="fr"' in html_of(received)
    assert message.sent_at is not None and message.attempts == 1
    assert mail.deliver_due() == (0, 0)  # sent once only


def test_a_message_rolled_back_with_its_change_is_never_sent(app, db_session, mailbox):
    queue_one(app)
    db.session.rollback()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert mail.deliver_due() == (0, 0)
    assert mailbox.messages == []


def test_a_failure_is_kept_and_retried_with_backoff(app, db_session, mailbox):
    message = queue_one(app)
    db.session.commit()
    app.config["MAIL_PORT"], real_port = free_port(), app.config["MAIL_PORT"]  # nobody listens
    try:
        assert mail.deliver_due() == (0, 1)
    finally:
        app.config["MAIL_PORT"] = real_port
    assert message.sent_at is None and message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at > clock.now() + timedelta(seconds=20)
    assert mail.deliver_due() == (0, 0)  # not due yet
    message.next_attempt_at = clock.now()
    assert mail.deliver_due() == (1, 0)
    assert mailbox.last_to("worker@example.be")


def test_backoff_grows_but_is_capped_and_the_message_is_parked_not_dropped(app, db_session):
    message = queue_one(app)
    db.session.commit()
    app.config["MAIL_PORT"], real_port = free_port(), app.config["MAIL_PORT"]
    delays = []
    try:
        for _ in range(app.config["JOBS_MAX_ATTEMPTS"] + 2):
            message.next_attempt_at = clock.now()
            before = clock.now()
            mail.deliver_due()
            delays.append((message.next_attempt_at - before).total_seconds())
    finally:
        app.config["MAIL_PORT"] = real_port
    assert delays[1] > delays[0] * 1.5
    assert max(delays) <= jobs.MAX_BACKOFF.total_seconds() + 1
    # After JOBS_MAX_ATTEMPTS it is parked: kept with its error, no longer tried.
    assert message.attempts == app.config["JOBS_MAX_ATTEMPTS"] and message.sent_at is None
    assert message.parked_at is not None and "ConnectionRefusedError" in message.last_error


def test_without_a_mail_server_messages_become_eml_files(app, db_session, tmp_path):
    queue_one(app, "de")
    db.session.commit()
    app.config.update(MAIL_SERVER="", MAIL_DIR=str(tmp_path))
    try:
        assert mail.deliver_due() == (1, 0)
    finally:
        app.config["MAIL_SERVER"] = "127.0.0.1"
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1
    assert b"Content-Language: de" in files[0].read_bytes()


def test_outbox_cli_sends_once(app, db_session, mailbox):
    queue_one(app)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0" in result.output
    assert mailbox.last_to("worker@example.be")


def test_only_urls_the_code_built_become_links(app, db_session, mailbox):
    """A name with CR/LF and a URL stays text in the HTML part; the portal's own link is a link."""
    hostile = "Ann\r\nhttps://evil.example/\r\nPeeters"
    with app.test_request_context():
        message = mail.queue(
            "ann@example.be",
            "verify_email",
            "en",
            name=hostile,
            link="http://portal.test/account/verify/abc",
            hours=48,
        )
    assert '<a href="http://portal.test/account/verify/abc">' in message.body_html
    assert "evil.example" in message.body_html  # shown as text...
    assert 'href="https://evil.example' not in message.body_html  # ...never as a link
    assert message.body_html.count("<a ") == 1
    assert (
        "[[" not in message.body_text
        and "http://portal.test/account/verify/abc" in message.body_text
    )


def test_a_typed_marker_cannot_forge_a_link(app, db_session):
    with app.test_request_context():
        message = mail.queue(
            "ann@example.be",
            "verify_email",
            "en",
            name="[[x|https://evil.example/|x]]",
            link="http://portal.test/account/verify/abc",
            hours=48,
        )
    assert 'href="https://evil.example' not in message.body_html
    assert message.body_html.count("<a ") == 1


def test_the_helpdesk_ticket_mail_does_not_link_a_typed_url(app, db_session):
    with app.test_request_context():
        message = mail.queue(
            "ann@example.be",
            "fallback_ticket_received",
            "nl",
            name="Ann\r\nhttps://evil.example/",
            number="T-1",
            link="http://portal.test/helpdesk/tickets/abc",
        )
    assert 'href="https://evil.example' not in message.body_html
    assert '<a href="http://portal.test/helpdesk/tickets/abc">' in message.body_html
