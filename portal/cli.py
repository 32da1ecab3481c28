"""Command-line interface: `flask --app wsgi <group> <command>`."""

from __future__ import annotations

import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.extensions import db

# The continuous `outbox run` also does the periodic upkeep, until a scheduler runs it.
HOUSEKEEPING_SECONDS = 3600


def _housekeeping() -> None:
    """Seal waiting audit entries into the chain and sweep upload leftovers; a failure is
    logged and the delivery loop goes on (the next round tries again)."""
    from portal import audit, uploads_sweep

    try:
        audit.seal()
        db.session.commit()
        result = uploads_sweep.sweep()
        click.echo(f"housekeeping: {result.removed} upload leftovers removed")
    except Exception:  # noqa: BLE001 - upkeep never stops the deliveries
        db.session.rollback()
        current_app.logger.exception("housekeeping failed; retried next round")


def register(app: Flask) -> None:
    demo = AppGroup("demo", help="Demo data.")
    outbox = AppGroup("outbox", help="The outgoing e-mail queue.")

    @demo.command("load")
    def demo_load() -> None:
        """Create the demo accounts (if missing) and print them."""
        from portal import demo as demo_data

        accounts = demo_data.load_all()
        db.session.commit()
        click.echo(f"Demo accounts (password: {demo_data.PASSWORD}):")
        for email, role in accounts:
            click.echo(f"  {role:<10} {email}")

    @outbox.command("run")
    @click.option("--once", is_flag=True, help="Send what is due, then stop.")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
    def outbox_run(once: bool, interval: float) -> None:
        """Deliver every queue (e-mail, DVZ exchange, plug-ins' webhooks) with retries.

        Each item is claimed, so several workers may run at once; a failing item is
        recorded, retried with backoff and parked after JOBS_MAX_ATTEMPTS attempts. Only
        the database failing stops the command (with a non-zero exit).
        """
        from portal import jobs

        next_housekeeping = 0.0
        while True:
            if not once and time.monotonic() >= next_housekeeping:
                _housekeeping()
                next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
            for name, queue in jobs.queues().items():
                report = jobs.run(queue)
                if report.sent or report.failed or once:
                    label = "" if name == "mail" else f"{name}: "
                    parked = f", parked {report.parked}" if report.parked else ""
                    click.echo(f"{label}sent {report.sent}, failed {report.failed}{parked}")
            if once:
                return
            time.sleep(interval)

    app.cli.add_command(demo)
    app.cli.add_command(outbox)
    app.cli.add_command(_uploads_group())
    app.cli.add_command(_mail_group())
    from portal.accounts.cli import register as register_accounts
    from portal.api.cli import register as register_api
    from portal.dossiers.lifecycle.auditlog import register as register_audit
    from portal.fallback.cli import register as register_intake
    from portal.stats.cli import register as register_stats

    register_accounts(app)
    register_api(app)
    register_stats(app)
    register_audit(app)
    register_intake(app)
    from portal.worker import register_cli as register_worker

    register_worker(app)


def _uploads_group() -> AppGroup:
    group = AppGroup("uploads", help="Stored uploads.")

    @group.command("sweep")
    @click.option("--dry-run", is_flag=True, help="Count what would go; delete nothing.")
    @click.option(
        "--grace",
        default=3600.0,
        show_default=True,
        help="Seconds a file may wait for its transaction before it counts as left over.",
    )
    def sweep(dry_run: bool, grace: float) -> None:
        """Delete left-over temporary files and stored files that no row refers to."""
        from portal.uploads_sweep import sweep as run

        found = run(dry_run=dry_run, grace=grace)
        verb = "would remove" if dry_run else "removed"
        click.echo(
            f"{verb} {len(found.temporary)} temporary and {len(found.orphans)} orphan files; "
            f"kept {found.kept} referenced and {found.recent} recent; "
            f"finished {found.finished} interrupted moves; {found.missing} referenced missing"
        )

    return group


def valid_address(address: str) -> str:
    """The address, normalised, or a click error that says why it is refused."""
    from email_validator import EmailNotValidError, validate_email

    from portal.validation import is_plain

    shown = ascii(address)[:80]
    if not address or len(address) > 254 or not is_plain(address) or address != address.strip():
        raise click.BadParameter(
            f"{shown} is not a plain e-mail address (length, spaces or control characters)."
        )
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(f"{shown} is not a valid e-mail address: {error}") from error
    return checked.normalized


def _mail_group() -> AppGroup:
    group = AppGroup("mail", help="Outgoing e-mail.")

    @group.command("test")
    @click.argument("addresses", nargs=-1, required=True)
    @click.option(
        "--locale", type=click.Choice(["nl", "fr", "de", "en"]), default="en", show_default=True
    )
    def mail_test(addresses: tuple[str, ...], locale: str) -> None:
        """Queue a test e-mail to each ADDRESS (all are checked first; none is queued if one is
        refused). The worker (or `outbox run --once`) sends them."""
        from portal import links, mail

        checked = [valid_address(address) for address in addresses]
        messages = []
        for number, address in enumerate(checked, start=1):
            home = links.external("home.index")
            messages.append(
                mail.queue(address, "mail_test", locale, defer=True, number=number, home_link=home)
            )
        db.session.commit()
        for message in messages:
            click.echo(f"queued test e-mail {message.id} to {message.recipient}")

    return group
