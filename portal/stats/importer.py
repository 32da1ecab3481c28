"""Historical import: files from before the portal, so the figures cover earlier years.

`flask --app wsgi dossiers import FILE.csv`. Every row is checked first; any error stops
the whole import (nothing is written) and is reported with its line number. A reference
that is already in the database is skipped, so importing the same file twice changes
nothing.

An optional `kind` column says which permit a line is (`Permit`): `single_permit` when the
column is absent or the cell empty, or `professional_card`. Like every other cell it is
trimmed first, so " professional_card " is a card; any other value is an error on its line
that names it (shortened, printed as a Python literal so a NUL or "=cmd" shows as text).
A card line takes a card category (economic, innovative, sporting_cultural_artistic) and
is never forwarded to DVZ (no forwarded_on, no federal decision).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from portal import reference
from portal.dossiers import card_rules, rules
from portal.dossiers.lifecycle import meaning
from portal.dossiers.models import (
    Channel,
    Dossier,
    DossierStatus,
    FederalDecision,
    FlemishDecision,
    Permit,
)
from portal.extensions import db
from portal.stats import classifications as cls

COLUMNS = (
    "reference",
    "channel",
    "category",
    "nationality",
    "isco_code",
    "nace_code",
    "submitted_on",
    "flemish_decision_on",
    "flemish_decision",
    "forwarded_on",
    "federal_decision_on",
    "federal_decision",
)
OPTIONAL = ("kind",)
FLEMISH = set(FlemishDecision.values())
KINDS = set(Permit.values())
SHOWN = 60  # at most this many characters of a refused value in a message


def _shown(value: str) -> str:
    """A refused value as a Python literal, cut to SHOWN characters."""
    return repr(value[:SHOWN]) + ("…" if len(value) > SHOWN else "")


FEDERAL = set(FederalDecision.values())


@dataclass
class ImportResult:
    created: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def _date(value: str, line: int, name: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"line {line}: {name} is not a date (YYYY-MM-DD): {value!r}")
        return None


def _row(raw: dict[str, str], line: int, errors: list[str]) -> Dossier | None:
    value = {key: (raw.get(key) or "").strip() for key in (*COLUMNS, *OPTIONAL)}
    before = len(errors)
    kind = value["kind"] or Permit.SINGLE_PERMIT.value
    card = kind == Permit.PROFESSIONAL_CARD
    if kind not in KINDS:
        errors.append(
            f"line {line}: kind must be one of {sorted(KINDS)}, not {_shown(value['kind'])}"
        )
    if not value["reference"]:
        errors.append(f"line {line}: reference is empty")
    if value["channel"] not in {c.value for c in Channel}:
        errors.append(f"line {line}: channel must be online or email, not {value['channel']!r}")
    if card and value["category"] not in (card_categories := list(card_rules.categories())):
        errors.append(
            f"line {line}: a professional card's category is one of {card_categories},"
            f" not {_shown(value['category'])}"
        )
    elif kind == Permit.SINGLE_PERMIT and value["category"] not in rules.categories():
        errors.append(f"line {line}: unknown category {value['category']!r}")
    if card and (forwarded := value["forwarded_on"] or value["federal_decision_on"]):
        errors.append(
            f"line {line}: a professional card is not forwarded to DVZ"
            f" (forwarded_on, federal_decision_on): {_shown(forwarded)}"
        )
    if value["nationality"] not in dict(reference.countries("en")):
        errors.append(
            f"line {line}: nationality must be an ISO 3166 alpha-2 code, not {value['nationality']!r}"
        )
    if value["isco_code"] and not reference.is_isco_unit(value["isco_code"]):
        errors.append(
            f"line {line}: isco_code must be a 4-digit ISCO-08 unit group, not {value['isco_code']!r}"
        )
    if value["nace_code"] and (
        not value["nace_code"].isdigit() or cls.nace_section(value["nace_code"]) == cls.UNKNOWN
    ):
        errors.append(
            f"line {line}: nace_code must be NACE-BEL digits without dots, not {value['nace_code']!r}"
        )
    submitted = _date(value["submitted_on"], line, "submitted_on", errors)
    if submitted is None and value["submitted_on"] == "":
        errors.append(f"line {line}: submitted_on is empty")
    flemish_on = _date(value["flemish_decision_on"], line, "flemish_decision_on", errors)
    forwarded_on = _date(value["forwarded_on"], line, "forwarded_on", errors)
    federal_on = _date(value["federal_decision_on"], line, "federal_decision_on", errors)
    if bool(flemish_on) != bool(value["flemish_decision"]) or (
        value["flemish_decision"] and value["flemish_decision"] not in FLEMISH
    ):
        errors.append(
            f"line {line}: flemish_decision and flemish_decision_on go together; decision is one of {sorted(FLEMISH)}"
        )
    if bool(federal_on) != bool(value["federal_decision"]) or (
        value["federal_decision"] and value["federal_decision"] not in FEDERAL
    ):
        errors.append(
            f"line {line}: federal_decision and federal_decision_on go together; decision is one of {sorted(FEDERAL)}"
        )
    if forwarded_on and value["flemish_decision"] != FlemishDecision.AUTHORISED:
        errors.append(f"line {line}: only an authorised file can be forwarded")
    if federal_on and not forwarded_on:
        errors.append(f"line {line}: a federal decision needs forwarded_on")
    ordered = [d for d in (submitted, flemish_on, forwarded_on, federal_on) if d]
    if ordered != sorted(ordered):
        errors.append(
            f"line {line}: the dates must follow each other (submitted ≤ decision ≤ forwarded ≤ federal)"
        )
    if len(errors) > before:
        return None
    return Dossier(
        reference=value["reference"],
        permit=Permit(kind),
        channel=Channel(value["channel"]),
        category=value["category"],
        worker_nationality=value["nationality"],
        isco_code=value["isco_code"] or None,
        nace_code=value["nace_code"] or None,
        submitted_on=submitted,
        flemish_decision=FlemishDecision(value["flemish_decision"]) if flemish_on else None,
        flemish_decision_on=flemish_on,
        forwarded_on=forwarded_on,
        federal_decision=FederalDecision(value["federal_decision"]) if federal_on else None,
        federal_decision_on=federal_on,
        status=_status(value, forwarded_on, Permit(kind)),
        locale="nl",
        sections_done="",
    )


def _status(value: dict[str, str], forwarded_on: date | None, permit: Permit) -> DossierStatus:
    """The status the file's last decision leads to (the meaning table, per kind: a card's
    authorisation is a granted card), else forwarded or submitted."""
    if value["federal_decision"]:
        return meaning.STATUS_OF_FEDERAL[FederalDecision(value["federal_decision"])]
    if forwarded_on:
        return DossierStatus.FORWARDED
    if value["flemish_decision"]:
        decision = FlemishDecision(value["flemish_decision"])
        return meaning.STATUS_OF_FLEMISH_BY_PERMIT[permit][decision]
    return DossierStatus.SUBMITTED


def import_csv(path: Path) -> ImportResult:
    """Check every row, then add the new ones; the caller commits only when no errors."""
    result = ImportResult()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            result.errors.append(f"line 1: missing columns: {', '.join(missing)}")
            return result
        parsed: list[Dossier] = []
        seen: dict[str, int] = {}
        for line, raw in enumerate(reader, start=2):
            dossier = _row(raw, line, result.errors)
            if dossier is None:
                continue
            if dossier.reference in seen:
                result.errors.append(
                    f"line {line}: reference {dossier.reference} also on line {seen[dossier.reference]}"
                )
                continue
            seen[dossier.reference] = line
            parsed.append(dossier)
    if result.errors:
        return result
    existing = set()
    refs = [d.reference for d in parsed]
    for offset in range(0, len(refs), 500):
        existing |= set(
            db.session.scalars(
                select(Dossier.reference).where(Dossier.reference.in_(refs[offset : offset + 500]))
            )
        )
    for dossier in parsed:
        if dossier.reference in existing:
            result.skipped += 1
        else:
            db.session.add(dossier)
            result.created += 1
    return result
