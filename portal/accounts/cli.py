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
