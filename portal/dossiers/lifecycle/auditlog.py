"""`flask --app wsgi audit verify|seal|export`: check and export the hash-chained audit trail."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from portal import audit
from portal.audit import AuditEntry
from portal.dossiers.models import Dossier
from portal.extensions import db

BATCH = 5000


def entries(dossier_id: int | None = None) -> Iterator[AuditEntry]:
    """Every entry in chain order, read in batches."""
    last_id = 0
    while True:
        query = select(AuditEntry).where(AuditEntry.id > last_id)
        if dossier_id is not None:
            query = query.where(AuditEntry.dossier_id == dossier_id)
        rows = db.session.scalars(query.order_by(AuditEntry.id).limit(BATCH)).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def as_json(entry: AuditEntry, reference: str | None) -> str:
    return json.dumps(
        {
            "id": entry.id,
            "dossier_id": entry.dossier_id,
            "reference": reference,
            "actor_id": entry.actor_id,
            "api_client_id": entry.api_client_id,
            "action": entry.action,
            "detail": entry.detail,
            "at": entry.at.isoformat(timespec="microseconds"),
            "prev_hash": entry.prev_hash,
            "hash": entry.hash,
            # The commitment the digest covers (portal.audit, "Redaction"); salt and detail
            # are empty once redacted.
            "detail_salt": entry.detail_salt,
            "detail_hash": entry.detail_hash,
            "redacted_at": entry.redacted_at.isoformat() if entry.redacted_at else None,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def lines(dossier_id: int | None = None) -> Iterator[str]:
    """The export as JSON lines (the command and the administrators' download share it)."""
    references: dict[int, str | None] = {}
    for entry in entries(dossier_id):
        if entry.dossier_id is not None and entry.dossier_id not in references:
            references[entry.dossier_id] = db.session.scalar(
                select(Dossier.reference).where(Dossier.id == entry.dossier_id)
            )
        yield as_json(entry, references.get(entry.dossier_id)) + "\n"


def _write(write: Callable[[str], object], dossier_id: int | None) -> int:
    count = 0
    for line in lines(dossier_id):
        write(line)
        count += 1
    return count


def register(app: Flask) -> None:
    group = AppGroup("audit", help="The hash-chained audit trail.")

    @group.command("verify")
    def verify() -> None:
        """Recompute the chain; exit code 1 when an entry was changed, removed or inserted."""
        report = audit.verify()
        db.session.commit()  # what verify sealed
        if report.intact:
            click.echo(f"{report.entries} entries: intact")
            return
        click.echo(
            f"{report.entries} entries intact, then broken at entry {report.first_broken_id}"
        )
        sys.exit(1)

    @group.command("seal")
    def seal() -> None:
        """Chain the entries written since the last seal (the periodic work runs this)."""
        count = audit.seal()
        db.session.commit()
        click.echo(f"{count} entries sealed")

    @group.command("export")
    @click.option(
        "--dossier", "reference", help="Only the entries of the file with this reference."
    )
    @click.option(
        "--output",
        type=click.Path(dir_okay=False, writable=True),
        help="Write to this file instead of standard output.",
    )
    def export(reference: str | None, output: str | None) -> None:
        """Write the entries as JSON lines, with their hashes, in chain order."""
        audit.seal()
        db.session.commit()
        dossier_id = None
        if reference:
            dossier_id = db.session.scalar(select(Dossier.id).where(Dossier.reference == reference))
            if dossier_id is None:
                raise click.ClickException(f"No file with reference {reference}.")
        if output is None:
            _write(lambda line: click.echo(line, nl=False), dossier_id)
            return
        with open(output, "w", encoding="utf-8") as handle:
            count = _write(handle.write, dossier_id)
        click.echo(f"{count} entries written to {output}", err=True)

    app.cli.add_command(group)
