"""`flask --app wsgi api …`: API clients from the command line."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.api import keys
from portal.errors import Invalid
from portal.extensions import db
from portal.i18n import force_locale


def register(app: Flask) -> None:
    """Add the `api` command group to `app`."""
    api = AppGroup("api", help="Clients of the exchange API.")

    @api.command("create-client")
    @click.argument("name")
    @click.option(
        "--scope",
        "scopes",
        multiple=True,
        required=True,
        type=click.Choice(sorted(keys.SCOPES)),
        help="What the client may do; repeat for several scopes.",
    )
    def create_client(name: str, scopes: tuple[str, ...]) -> None:
        """Create a client and print its key, once: only its hash is stored."""
        with force_locale("en"):  # no request to choose a language from
            try:
                client, key = keys.create_client(None, name, list(scopes))
            except Invalid as error:
                raise click.UsageError(str(error)) from error
        db.session.commit()
        click.echo(f"Client {client.id} “{client.name}”, scopes: {client.scopes}")
        click.echo("API key (shown only now; store it safely):")
        click.echo(key)

    app.cli.add_command(api)
