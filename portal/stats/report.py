"""The figures, with their definitions (also in the README).

- *submitted*: dossiers counted by their submission day (`submitted_on`, Brussels time).
- *admissible*: dossiers declared admissible (Flemish decision "authorised" or "refused";
  Flanders decides admissibility and grounds together), counted by the decision day.
- *forwarded*: dossiers forwarded to DVZ, by the forwarding day.
- *completed*: Flemish decisions (authorised, inadmissible or refused), by the decision day.
  Their *processing time* is the number of working days after the submission day up to
  and including the decision day (weekends and Belgian public holidays excluded); a month's
  average is the mean over the procedures completed that month, rounded to one decimal.
- Breakdowns (nationality, category, sector, occupation, channel, region) count submitted
  dossiers.

Every query groups in the database by day or by code, so a year costs a few hundred rows
to read back whatever the number of dossiers; months and groups are added up here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from sqlalchemy import func, select

from portal import reference
from portal.dossiers import rules
from portal.dossiers.lifecycle.deadlines import working_days_between
from portal.dossiers.models import Dossier, FlemishDecision
from portal.extensions import db
from portal.i18n import force_locale
from portal.stats import classifications as cls

# Flanders decides admissibility and grounds together: every decision but "inadmissible".
ADMISSIBLE = tuple(d for d in FlemishDecision if d != FlemishDecision.INADMISSIBLE)
KEYS = ("submitted", "admissible", "forwarded", "completed", "avg_processing_working_days")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def months(self) -> list[str]:
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _per_day(column, period: Period, *conditions) -> Iterable[tuple[date, int]]:
    query = (
        select(column, func.count())
        .where(column >= period.start, column <= period.end, *conditions)
        .group_by(column)
    )
    return db.session.execute(query).all()


@cache
def _working_days(start: date, end: date) -> int:
    return working_days_between(start, end)


def _average(total: int, count: int) -> float:
    if not count:
        return 0.0
    return float((Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def monthly(period: Period) -> tuple[list[dict], dict]:
    """The month rows and the totals (the average over every completed procedure)."""
    rows = {month: dict.fromkeys(KEYS[:-1], 0) for month in period.months()}
    for day, count in _per_day(Dossier.submitted_on, period):
        rows[_month(day)]["submitted"] += count
    for day, count in _per_day(
        Dossier.flemish_decision_on, period, Dossier.flemish_decision.in_(ADMISSIBLE)
    ):
        rows[_month(day)]["admissible"] += count
    for day, count in _per_day(Dossier.forwarded_on, period):
        rows[_month(day)]["forwarded"] += count
    days = defaultdict(int)
    pairs = db.session.execute(
        select(Dossier.submitted_on, Dossier.flemish_decision_on, func.count())
        .where(
            Dossier.flemish_decision_on >= period.start,
            Dossier.flemish_decision_on <= period.end,
            Dossier.flemish_decision.is_not(None),
            Dossier.submitted_on.is_not(None),
        )
        .group_by(Dossier.submitted_on, Dossier.flemish_decision_on)
    ).all()
    for submitted, decided, count in pairs:
        month = _month(decided)
        rows[month]["completed"] += count
        days[month] += _working_days(submitted, decided) * count
    result = [
        {
            "month": month,
            **values,
            "avg_processing_working_days": _average(days[month], values["completed"]),
        }
        for month, values in rows.items()
    ]
    totals = {key: sum(row[key] for row in result) for key in KEYS[:-1]}
    totals["avg_processing_working_days"] = _average(sum(days.values()), totals["completed"])
    return result, totals


def _grouped(column, period: Period) -> Counter:
    query = (
        select(column, func.count())
        .where(Dossier.submitted_on >= period.start, Dossier.submitted_on <= period.end)
        .group_by(column)
    )
    return Counter({key: count for key, count in db.session.execute(query).all()})


def _entries(counts: Counter, label, **extra) -> list[dict]:
    return [
        {"code": code, "label": label(code), **extra, "submitted": count}
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def breakdowns(period: Period, locale: str) -> dict[str, list[dict]]:
    """Submitted dossiers per nationality, category, sector, occupation, channel and region."""
    unknown = "?"
    nationality = Counter(
        {(k or unknown): v for k, v in _grouped(Dossier.worker_nationality, period).items()}
    )
    category = Counter({(k or unknown): v for k, v in _grouped(Dossier.category, period).items()})
    channel = Counter(
        {(k.value if k else unknown): v for k, v in _grouped(Dossier.channel, period).items()}
    )
    sections, divisions = Counter(), Counter()
    for code, count in _grouped(Dossier.nace_code, period).items():
        sections[cls.nace_section(code)] += count
        divisions[cls.nace_division(code)] += count
    majors, units = Counter(), Counter()
    for code, count in _grouped(Dossier.isco_code, period).items():
        majors[cls.isco_major(code)] += count
        units[code or unknown] += count
    regions = Counter()
    for refnis, count in _grouped(Dossier.workplace_refnis, period).items():
        place = reference.municipality(refnis) if refnis else None
        regions[place.region if place else unknown] += count
    return {
        "by_nationality": _entries(
            nationality, lambda c: reference.country_name(c, locale) if c != unknown else ""
        ),
        "by_category": _entries(category, lambda c: str(rules.CATEGORY_TITLES.get(c, ""))),
        "by_sector": _entries(sections, lambda c: cls.nace_group_label(c, locale), level="section")
        + _entries(divisions, lambda c: cls.nace_group_label(c, locale), level="division"),
        "by_occupation": _entries(majors, lambda c: cls.isco_group_label(c, locale), level="major")
        + _entries(units, lambda c: cls.isco_group_label(c, locale), level="unit"),
        "by_channel": _entries(channel, lambda c: c),
        "by_region": _entries(
            regions, lambda c: reference.region_name(c, locale) if c != unknown else ""
        ),
    }


def report(start: date, end: date, locale: str = "en") -> dict:
    """The whole report for a period, in the stable JSON shape of the exports."""
    period = Period(start, end)
    months, totals = monthly(period)
    with force_locale(locale):  # labels in `locale`, from a request or the command line
        labelled = breakdowns(period, locale)
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "months": months,
        "totals": totals,
        **labelled,
    }
