"""Capacity: Flemish decisions per month, per officer (from the audit trail) and per FTE.

- *decisions*: the Flemish decisions of the month (authorised, inadmissible, refused), from
  the dossiers, by the decision day, so historical (imported) files count too.
- *per officer*: the audit entries of those decisions (`status:work_authorised`,
  `status:inadmissible`, `status:work_refused`, and a card's `status:card_granted`,
  `status:card_refused`) with an officer as actor, by the Brussels day
  of the entry; decisions through the API or imported have no officer and are not in it.
  `decisions_per_officer` is the officers' decisions over the officers who decided that month.
- *FTE*: configured data per month (`portal/data/staffing.toml`, with its source);
  `decisions_per_fte` = decisions / FTE, None for a month without configured FTE.
- *kind*: `permit` keeps the decisions (and the officers' decisions) on one kind of
  permit; the staff is shared by both kinds, so its FTE stays the whole service's.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.clock import local_day
from portal.dossiers.models import Dossier, DossierStatus
from portal.extensions import db
from portal.stats import distribution as dist
from portal.stats import staffing
from portal.stats.report import Period, processing_times, scope, utc_end_of, utc_start_of

DECISION_ACTIONS = tuple(
    f"status:{s.value}"
    for s in (
        DossierStatus.WORK_AUTHORISED,
        DossierStatus.INADMISSIBLE,
        DossierStatus.WORK_REFUSED,
        DossierStatus.CARD_GRANTED,
        DossierStatus.CARD_REFUSED,
    )
)


def _ratio(numerator: float, denominator: float) -> float | None:
    if not denominator:
        return None
    return round(numerator / denominator, 1)


def officer_decisions(period: Period, permit: str | None = None) -> dict[int, Counter]:
    """{officer id: Counter(month -> decisions)} from the audit trail."""
    query = select(AuditEntry.actor_id, AuditEntry.at).where(
        AuditEntry.action.in_(DECISION_ACTIONS), AuditEntry.actor_id.is_not(None)
    )
    if permit is not None:
        query = query.join(Dossier, Dossier.id == AuditEntry.dossier_id).where(*scope(permit))
    lower, upper = utc_start_of(period.start), utc_end_of(period.end)
    if lower is not None:
        query = query.where(AuditEntry.at >= lower)
    if upper is not None:
        query = query.where(AuditEntry.at < upper)
    per_officer: dict[int, Counter] = defaultdict(Counter)
    for actor_id, at in db.session.execute(query).all():
        day = local_day(at)
        per_officer[actor_id][f"{day.year:04d}-{day.month:02d}"] += 1
    return per_officer


def capacity(start: date, end: date, permit: str | None = None) -> dict:
    period = Period(start, end)
    months = period.months()
    decided = {
        month: dist.size(values) for month, values in processing_times(period, permit).items()
    }
    per_officer = officer_decisions(period, permit)
    names = dict(
        db.session.execute(select(User.id, User.name).where(User.id.in_(per_officer))).all()
        if per_officer
        else []
    )
    rows, sources = [], []
    fte_total = decisions_with_fte = 0.0
    for month in months:
        staff = staffing.for_month(month)
        decisions = decided.get(month, 0)
        by_officers = sum(counts[month] for counts in per_officer.values())
        officers = sum(1 for counts in per_officer.values() if counts[month])
        fte = staff.fte if staff else None
        if staff:
            fte_total += staff.fte
            decisions_with_fte += decisions
            if staff.source not in sources:
                sources.append(staff.source)
        rows.append(
            {
                "month": month,
                "decisions": decisions,
                "officer_decisions": by_officers,
                "officers": officers,
                "decisions_per_officer": _ratio(by_officers, officers),
                "fte": fte,
                "decisions_per_fte": _ratio(decisions, fte) if fte else None,
            }
        )
    officers = sorted(
        (
            {
                "id": officer_id,
                "name": names.get(officer_id, ""),
                "months": {month: counts[month] for month in months},
                "total": sum(counts.values()),
            }
            for officer_id, counts in per_officer.items()
        ),
        key=lambda o: (o["name"].casefold(), o["id"]),
    )
    officer_total = sum(o["total"] for o in officers)
    active = sum(row["officers"] for row in rows)
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "months": rows,
        "officers": officers,
        "totals": {
            "decisions": sum(row["decisions"] for row in rows),
            "officer_decisions": officer_total,
            "officers": len(officers),
            # per officer per month: over the months an officer decided anything
            "decisions_per_officer": _ratio(officer_total, active),
            # per FTE per month: over the months with configured FTE
            "decisions_per_fte": _ratio(decisions_with_fte, fte_total),
        },
        "fte_sources": sources,
    }


MONTH_COLUMNS = (
    "month",
    "decisions",
    "officer_decisions",
    "officers",
    "decisions_per_officer",
    "fte",
    "decisions_per_fte",
)


def as_csv(data: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    blank = lambda v: "" if v is None else v  # noqa: E731
    writer.writerow(["table", *MONTH_COLUMNS])
    for row in data["months"]:
        writer.writerow(["months", *(blank(row[c]) for c in MONTH_COLUMNS)])
    totals = data["totals"]
    writer.writerow(
        [
            "totals",
            "total",
            totals["decisions"],
            totals["officer_decisions"],
            totals["officers"],
            blank(totals["decisions_per_officer"]),
            "",
            blank(totals["decisions_per_fte"]),
        ]
    )
    writer.writerow([])
    months = [row["month"] for row in data["months"]]
    writer.writerow(["table", "id", "name", *months, "total"])
    for officer in data["officers"]:
        writer.writerow(
            [
                "officers",
                officer["id"],
                officer["name"],
                *(officer["months"][m] for m in months),
                officer["total"],
            ]
        )
    writer.writerow([])
    writer.writerow(["table", "fte_source"])
    for source in data["fte_sources"]:
        writer.writerow(["sources", source])
    return out.getvalue().encode("utf-8-sig")


def as_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


FORMATS = {"json": as_json, "csv": as_csv}
