"""`flask --app wsgi onboarding remind|deliver`: reminders and partner webhooks."""

from __future__ import annotations

import time
from datetime import date

import click
from flask.cli import AppGroup

from portal.extensions import db

group = AppGroup("onboarding", help="The orange carpet: reminders and partner webhooks.")


@group.command("remind")
@click.option(
    "--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Pretend today is this day."
)
def remind(on) -> None:
    """Queue reminder e-mails for checklist deadlines that are near (once per deadline)."""
    from onboarding import services

    day: date | None = on.date() if on else None
    report = services.remind_all(day)
    db.session.commit()
    click.echo(f"reminders queued: {report.queued}")
    for profile_id, error in report.failed:  # logged too; the others were reminded
        click.echo(f"profile {profile_id} failed: {error}", err=True)


@group.command("deliver")
@click.option("--once", is_flag=True, help="Send what is due, then stop.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
def deliver(once: bool, interval: float) -> None:
    """POST queued partner webhooks, retrying failures with backoff."""
    from onboarding.webhooks import deliver_webhooks

    while True:
        sent, failed = deliver_webhooks()
        if sent or failed or once:
            click.echo(f"webhooks: sent {sent}, failed {failed}")
        if once:
            return
        time.sleep(interval)
