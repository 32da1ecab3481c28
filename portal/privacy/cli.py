"""`flask --app wsgi retention run [--dry-run]`: the retention schedule, applied."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db


def register(app: Flask) -> None:
    retention = AppGroup("retention", help="Personal data with an end date.")

    @retention.command("run")
    @click.option("--dry-run", is_flag=True, help="List what is due; change nothing.")
    @click.option("--batch", default=200, show_default=True, type=click.IntRange(min=1))
    def retention_run(dry_run: bool, batch: int) -> None:
        """Delete or anonymise what the schedule says is due, one committed batch at a time."""
        from portal.privacy import run, schedule

        try:
            outcomes = run.run(dry_run=dry_run, batch=batch)
        except schedule.ScheduleError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        if not dry_run:
            db.session.commit()  # the purge's last audit entries
        click.echo("retention (dry run): nothing changed" if dry_run else "retention: applied")
        for outcome in outcomes:
            click.echo(outcome.line(dry_run))

    app.cli.add_command(retention)
