"""Outgoing e-mail through a transactional outbox, in the recipient's language.

`queue()` renders the message in the recipient's language and adds an `OutboxMessage` to
the current session, so it is committed together with the change that caused it (or not at
all). `deliver_due()` sends what is due over SMTP, or writes `.eml` files under
`MAIL_DIR` when no `MAIL_SERVER` is set. Delivery goes through `portal.jobs`: each
message is claimed (so two workers, or a worker and a request, never send it both), and any
failure, building the message included, is recorded on it and retried with backoff; after
`JOBS_MAX_ATTEMPTS` attempts it is parked for staff to see and retry. Nothing is deleted.

Only URLs that the code itself built become links in the HTML part: a template marks them
with the `as_link` filter (`{{ link|as_link }}`), which wraps the URL in a marker carrying
a random per-message nonce. Text a person typed (a name with CR/LF and a URL) cannot
forge that marker, so it stays text.
"""

from __future__ import annotations

import re
import secrets
import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, g, render_template
from jinja2 import pass_context
from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock, jobs, transactions
from portal.db import UtcDateTime
from portal.extensions import db
from portal.i18n import _l, force_locale


class OutboxMessage(jobs.Claimable, db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (jobs.due_index("outbox_message"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(2))
    template: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)


def queue(
    recipient: str, template: str, locale: str, *, defer: bool = False, **context
) -> OutboxMessage:
    """Render `emails/<template>.txt` in `locale` and queue it; the caller commits.

    The subject is the template's `subject` block, so it is translated with the body; the
    HTML part is made from the same text, so the two never say different things.

    `defer=True` sends the message only once the response has gone out (or by the worker),
    never while the client waits: answers that must not reveal whether an account exists
    then do the same work (one queued row, no SMTP) whatever the case.
    """
    context["_link_mark"] = secrets.token_hex(12)
    with force_locale(locale):
        template_obj = current_app.jinja_env.get_template(f"emails/{template}.txt")
        subject = _plain(_render_block(template_obj, "subject", context), context).strip()
        marked = template_obj.render(context).strip() + "\n"
        text = _plain(marked, context)
        html = render_template(
            "emails/_layout.html",
            subject=subject,
            paragraphs=_paragraphs(marked, context["_link_mark"]),
        )
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body_text=text,
        body_html=html,
        locale=locale,
        template=template,
    )
    db.session.add(message)
    g.setdefault("outbox_deferred" if defer else "outbox_queued", []).append(message)
    return message


@pass_context
def as_link(context, url) -> str:
    """Jinja filter for e-mail templates: mark a URL the code built, so it becomes a link."""
    url = str(url)
    mark = context.get("_link_mark")
    if not mark or not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        return url
    return f"[[{mark}|{url}|{mark}]]"


def _link_pattern(mark: str) -> re.Pattern:
    return re.compile(rf"\[\[{re.escape(mark)}\|(\S+?)\|{re.escape(mark)}\]\]")


def _plain(text: str, context: dict) -> str:
    """The text with the link markers taken out."""
    return _link_pattern(context["_link_mark"]).sub(r"\1", text)


def _render_block(template, name: str, context: dict) -> str:
    return "".join(template.blocks[name](template.new_context(context)))


def _paragraphs(text: str, mark: str) -> list[list[list[tuple[str, bool]]]]:
    """Split marked text into paragraphs of lines of (text, is_link) parts, for the HTML part.

    Only the parts marked by `as_link` are links; every other part is plain text, however
    much it looks like a URL.
    """
    pattern = _link_pattern(mark)
    paragraphs = []
    for block in text.strip().split("\n\n"):
        if not block.strip():
            continue
        lines = []
        for line in block.splitlines():
            parts, start = [], 0
            for found in pattern.finditer(line):
                if found.start() > start:
                    parts.append((line[start : found.start()], False))
                parts.append((found.group(1), True))
                start = found.end()
            if start < len(line) or not parts:
                parts.append((line[start:], False))
            lines.append(parts)
        paragraphs.append(lines)
    return paragraphs


def _as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain="portal.example")
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: answering machines stay quiet
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    email["Content-Language"] = message.locale  # set_content drops Content-* headers
    return email


def _send(email: EmailMessage, message_id: int) -> None:
    server = current_app.config["MAIL_SERVER"]
    if server:
        with smtplib.SMTP(server, current_app.config["MAIL_PORT"], timeout=10) as smtp:
            smtp.send_message(email)
        return
    folder = Path(current_app.config["MAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{message_id:08d}.eml").write_bytes(bytes(email))


def _deliver(message: OutboxMessage) -> None:
    _send(_as_email(message), message.id)


QUEUE = jobs.Queue(
    name="mail",
    model=OutboxMessage,
    process=_deliver,
    title=_l("E-mails"),
    describe=lambda m: f"{m.template} → {m.recipient}: {m.subject}",
)


def deliver_due(limit: int = 100, ids: list[int] | None = None) -> tuple[int, int]:
    """Send messages that are due; return (sent, failed). Commits after each message."""
    report = jobs.run(QUEUE, limit=limit, ids=ids)
    return report.sent, report.failed


def _committed_ids(queued: list[OutboxMessage]) -> list[int]:
    """The ids of the queued messages that the request saved for good."""
    return [m.id for m in queued if transactions.committed(m) and m.id is not None]


def deliver_after_request(response):
    """Send what this request queued, once it has been committed; the worker retries.

    The request has settled by now (`portal.transactions`): only messages it committed are
    sent, never one a rolled-back request queued. Whatever goes wrong here is recorded on the
    message (or logged) and never turns the answer into an error.
    """
    queued = g.pop("outbox_queued", None)
    if queued and current_app.config["OUTBOX_SEND_AFTER_REQUEST"]:
        try:
            ids = _committed_ids(queued)
            if ids:
                deliver_due(ids=ids)
        except Exception:  # noqa: BLE001 - the worker will send it
            current_app.logger.exception("outbox: sending after the request failed")
            try:
                db.session.rollback()
            except Exception:  # noqa: BLE001
                current_app.logger.exception("outbox: rollback failed")
    return response


def deliver_after_response(response):
    """Send the request's deferred messages when the response has been sent (on its close).

    The client has its answer by then, so how long SMTP takes (or whether anything was
    sent at all) cannot be read from the response time. The worker retries any failure.
    """
    queued = g.pop("outbox_deferred", None)
    if queued and current_app.config["OUTBOX_SEND_AFTER_REQUEST"]:
        ids = _committed_ids(queued)
        app = current_app._get_current_object()

        def send() -> None:
            with app.app_context():
                try:
                    deliver_due(ids=ids)
                except Exception:  # noqa: BLE001 - after the response nobody can be told
                    app.logger.exception("deferred e-mail delivery failed; the worker retries")

        if ids:
            response.call_on_close(send)
    return response
