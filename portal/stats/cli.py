"""`flask --app wsgi stats report …` and `flask --app wsgi dossiers import FILE.csv`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import text

from portal.dossiers.models import Permit
from portal.extensions import db
from portal.i18n import force_locale
from portal.stats import capacity as capacity_figures
from portal.stats import exports, importer
from portal.stats import forecast as forecasting
from portal.stats.report import report

MAX_DAYS = 366 * 5  # as on the pages: at most five years


def _checked(start, end) -> tuple:
    if end.date() < start.date():
        raise click.BadParameter("--to is before --from")
    if (end.date() - start.date()).days > MAX_DAYS:
        raise click.BadParameter("choose a period of at most five years")
    return start.date(), end.date()


def _write(data: bytes, output: Path | None) -> None:
    if output:
        output.write_bytes(data)
        click.echo(f"written {output} ({len(data)} bytes)", err=True)
    else:
        sys.stdout.buffer.write(data)


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
    @click.option(
        "--kind",
        type=click.Choice(Permit.values()),
        help="Keep one kind of permit; every kind if omitted.",
    )
    def stats_report(
        start, end, fmt: str, output: Path | None, lang: str, kind: str | None
    ) -> None:
        """The report for a period (both days included)."""
        if end.date() < start.date():
            raise click.BadParameter("--to is before --from")
        render, _mime = exports.FORMATS[fmt]
        _write(render(report(start.date(), end.date(), lang, kind)), output)

    @stats.command("capacity")
    @click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
    @click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(sorted(capacity_figures.FORMATS)),
        default="json",
        show_default=True,
    )
    @click.option("--output", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--kind",
        type=click.Choice(Permit.values()),
        help="Keep the decisions on one kind of permit; every kind if omitted.",
    )
    def stats_capacity(start, end, fmt: str, output: Path | None, kind: str | None) -> None:
        """Decisions per month, per officer (audit trail) and per FTE (configured staff)."""
        first, last = _checked(start, end)
        data = capacity_figures.capacity(first, last, kind)
        _write(capacity_figures.FORMATS[fmt](data), output)

    @stats.command("forecast")
    @click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="Reference period.")
    @click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]))
    @click.option("--fte", help="Staff in FTE; default: the latest configured.")
    @click.option("--inflow", help="Applications per month; default: the reference mean.")
    @click.option("--months", help="Months ahead, 1 to 36; default 12.")
    def stats_forecast(start, end, fte, inflow, months) -> None:
        """Backlog and processing time for a staff level, with the model's error (JSON)."""
        first, last = forecasting.default_reference()
        if start or end:
            if not (start and end):
                raise click.BadParameter("give both --from and --to, or neither")
            first, last = _checked(start, end)
        with force_locale("en"):
            inputs, errors = forecasting.parse(fte, inflow, months)
        if errors:
            raise click.BadParameter(" ".join(m for ms in errors.values() for m in ms))
        result = forecasting.forecast(first, last, inputs)
        _write(json.dumps(result, ensure_ascii=False, indent=2).encode(), None)

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
