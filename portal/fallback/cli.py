"""`flask --app wsgi intake poll|list`: read the intake mailbox, and show what it read."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.fallback.models import IntakeMessage, Outcome


def as_dict(record: IntakeMessage) -> dict:
    return {
        "id": record.id,
        "message_id": record.message_id,
        "received_at": record.received_at.isoformat(timespec="seconds"),
        "outcome": record.outcome.value,
        "reason": record.reason,
        "reference": record.dossier.reference if record.dossier else None,
        "sender": record.sender,
        "subject": record.subject,
        "review": record.review.value if record.review else None,
    }


def _source(maildir: str | None, imap: bool):
    from portal.fallback.sources import ImapSettings, ImapSource, MaildirSource

    if maildir and imap:
        raise click.UsageError("Choose --maildir or --imap, not both.")
    maildir = maildir or (None if imap else current_app.config.get("INTAKE_MAILDIR"))
    if maildir:
        try:
            return MaildirSource(maildir)
        except FileNotFoundError as error:
            raise click.ClickException(str(error)) from error
    settings = ImapSettings.from_config(current_app.config)
    if settings is None:
        raise click.UsageError("Give --maildir PATH, or set INTAKE_MAILDIR or INTAKE_IMAP_HOST.")
    return ImapSource(settings)


def register(app: Flask) -> None:
    group = AppGroup("intake", help="The e-mail intake of applications sent with a proof.")

    @group.command("poll")
    @click.option("--maildir", type=click.Path(file_okay=False), help="Read this Maildir.")
    @click.option("--imap", is_flag=True, help="Read the IMAP folder of the settings.")
    @click.option("--limit", type=int, help="Read at most this many messages.")
    def poll(maildir: str | None, imap: bool, limit: int | None) -> None:
        """Read new messages: keep, decide, record and answer each, one commit apiece."""
        from portal.fallback.runner import poll as run

        source = _source(maildir, imap)
        try:
            report = run(source, limit=limit)
        finally:
            source.close()
        click.echo(report.summary())

    @group.command("list")
    @click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text")
    @click.option("--outcome", type=click.Choice([o.value for o in Outcome]))
    @click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Received from.")
    def list_messages(fmt: str, outcome: str | None, since: datetime | None) -> None:
        """Every message the intake received, oldest first."""
        query = select(IntakeMessage).options(joinedload(IntakeMessage.dossier))
        if outcome:
            query = query.where(IntakeMessage.outcome == Outcome(outcome))
        if since:
            query = query.where(IntakeMessage.received_at >= since.replace(tzinfo=UTC))
        rows = db.session.execute(query.order_by(IntakeMessage.id).execution_options(yield_per=500))
        if fmt == "json":
            # A JSON array with one object per line: a document and easy to grep.
            click.echo("[")
            first = True
            for (record,) in rows:
                line = json.dumps(as_dict(record), ensure_ascii=False)
                click.echo(("" if first else ",\n") + line, nl=False)
                first = False
            click.echo("\n]" if not first else "]")
            return
        for (record,) in rows:
            data = as_dict(record)
            click.echo(
                f"{data['received_at']}  {data['outcome']:<9}  {data['reason'] or '-':<22}  "
                f"{data['reference'] or '-':<18}  {data['message_id'] or '-'}"
            )

    app.cli.add_command(group)


def register_periodic(app: Flask) -> None:
    """`flask worker` polls the intake every minute when a Maildir or IMAP is configured."""
    from datetime import timedelta

    from portal import scheduler

    def configured() -> bool:
        config = current_app.config
        return bool(config.get("INTAKE_MAILDIR") or config.get("INTAKE_IMAP_HOST"))

    def poll() -> None:
        from portal.fallback.runner import poll as run

        source = _source(None, False)
        try:
            report = run(source)
        finally:
            source.close()
        if report.read or report.resumed:
            current_app.logger.info("intake poll: %s", report.summary())

    seconds = int(app.config.get("INTAKE_POLL_SECONDS", 60))
    scheduler.register(
        app,
        scheduler.Periodic(
            "intake.poll", poll, every=timedelta(seconds=seconds), enabled=configured
        ),
    )


def intake_metrics():
    """For /metrics: the intake's messages by outcome (read at scrape time)."""
    from prometheus_client.core import GaugeMetricFamily
    from sqlalchemy import func

    family = GaugeMetricFamily(
        "portal_intake_messages", "E-mails the intake received, by outcome.", labels=["outcome"]
    )
    counts = dict(
        db.session.execute(
            select(IntakeMessage.outcome, func.count(IntakeMessage.id)).group_by(
                IntakeMessage.outcome
            )
        ).all()
    )
    for outcome in Outcome:
        family.add_metric([outcome.value], counts.get(outcome, 0))
    yield family
