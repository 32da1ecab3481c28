"""`flask --app wsgi stats report …` and `flask --app wsgi dossiers import FILE.csv`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import text

from portal.extensions import db
from portal.stats import exports, importer
from portal.stats.report import report


def register(app: Flask) -> None:
    stats = AppGroup("stats", help="Figures and exports.")
    dossiers = AppGroup("dossiers", help="Dossiers in bulk.")

    @stats.command("report")
    @click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
    @click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(sorted(exports.FORMATS)),
        default="json",
        show_default=True,
    )
    @click.option(
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="File to write; standard output if omitted.",
    )
    @click.option(
        "--lang", default="en", type=click.Choice(["nl", "fr", "de", "en"]), show_default=True
    )
    def stats_report(start, end, fmt: str, output: Path | None, lang: str) -> None:
        """The report for a period (both days included)."""
        if end.date() < start.date():
            raise click.BadParameter("--to is before --from")
        render, _mime = exports.FORMATS[fmt]
        data = render(report(start.date(), end.date(), lang))
        if output:
            output.write_bytes(data)
            click.echo(f"written {output} ({len(data)} bytes)", err=True)
        else:
            sys.stdout.buffer.write(data)

    @dossiers.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def dossiers_import(path: Path) -> None:
        """Import historical dossiers from CSV: all rows or none, idempotent on reference."""
        result = importer.import_csv(path)
        if result.errors:
            db.session.rollback()
            for error in result.errors:
                click.echo(error, err=True)
            raise SystemExit(1)
        db.session.commit()
        if result.created:
            # Fresh planner statistics after a bulk load keep the queue and the figures fast.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        click.echo(f"imported {result.created}, already present {result.skipped}")

    app.cli.add_command(stats)
    app.cli.add_command(dossiers)
