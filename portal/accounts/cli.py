"""`flask --app wsgi accounts ...`: account housekeeping."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db


def register(app: Flask) -> None:
    accounts = AppGroup("accounts", help="Accounts and organisations.")

    @accounts.command("expire-claims")
    def expire_claims() -> None:
        """Expire claims not proven in time (freeing their numbers) and unanswered requests."""
        from portal.accounts import claims, memberships

        count = claims.expire_lapsed()
        requests = memberships.expire_lapsed()
        db.session.commit()
        click.echo(f"expired {count} claim(s) and {requests} request(s) to join")

    app.cli.add_command(accounts)


def register_periodic(app: Flask) -> None:
    """`flask worker` expires lapsed claims and requests to join once a day."""
    from portal import scheduler

    def expire() -> None:
        from portal.accounts import claims, memberships

        claims.expire_lapsed()
        memberships.expire_lapsed()
        db.session.commit()

    scheduler.register(
        app, scheduler.Periodic("accounts.expire_claims", expire, daily_at="CLAIMS_EXPIRE_HOUR")
    )
