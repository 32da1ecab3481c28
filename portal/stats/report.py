"""The figures, with their definitions (also in the README).

- *submitted*: dossiers counted by their submission day (`submitted_on`, Brussels time).
- *admissible*: dossiers declared admissible (Flemish decision "authorised" or "refused";
  Flanders decides admissibility and grounds together), counted by the decision day.
- *forwarded*: dossiers forwarded to DVZ, by the forwarding day.
- *completed*: Flemish decisions (authorised, inadmissible or refused), by the decision day.
  Their *processing time* is the number of working days after the submission day up to
  and including the decision day (weekends and Belgian public holidays excluded); a month's
  average is the mean over the procedures completed that month, rounded to one decimal.
  Next to the mean: the *median* and the *90th percentile* (nearest rank) of the same
  procedures (`portal.stats.distribution`); None where there is nothing to measure.
- The other intervals, in working days counted the same way, as means over the period:
  *to forward* (Flemish decision → forwarding to DVZ, over files forwarded in the period),
  *federal* (forwarding → federal decision, over federal decisions in the period) and *end
  to end* (submission → federal decision, over federal decisions in the period).
- *Backlog* as of the period's last day: submitted without a Flemish decision yet (and not
  withdrawn by then), authorised but not yet forwarded, forwarded without a federal decision.
- Breakdowns (nationality, category, sector, occupation, channel, region, application type
  = `DossierKind`: new, renewal, change of employer, and kind = `Permit`: single permit or
  professional card) count submitted dossiers; those by category, channel and application
  type also carry the processing time of the Flemish decisions in the period (completed,
  mean, median, p90). `by_kind` lists every kind, in order, even at zero.
- Every figure can be kept to one kind (`permit`): the same definitions over its dossiers
  only. Without it, every kind counts, so a period of single permits only reads as before.

Every query groups in the database by day or by code, so a year costs a few hundred rows
to read back whatever the number of dossiers; months and groups are added up here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from sqlalchemy import Index, String, and_, case, exists, func, or_, select, type_coerce

from portal import reference
from portal.clock import BRUSSELS
from portal.dossiers import card_rules, rules
from portal.dossiers.lifecycle.deadlines import working_days_between
from portal.dossiers.lifecycle.models import StatusEvent
from portal.dossiers.models import Dossier, DossierKind, DossierStatus, FlemishDecision, Permit
from portal.extensions import db
from portal.i18n import force_locale
from portal.stats import classifications as cls
from portal.stats import distribution as dist

# Flanders decides admissibility and grounds together: every decision but "inadmissible".
ADMISSIBLE = tuple(d for d in FlemishDecision if d != FlemishDecision.INADMISSIBLE)
KEYS = ("submitted", "admissible", "forwarded", "completed", "avg_processing_working_days")
MEDIAN = "median_processing_working_days"
P90 = "p90_processing_working_days"
BACKLOG = ("open_at_flemish_level", "authorised_not_forwarded", "awaiting_federal_decision")

# Covering indexes of the backlog and of the forwarding and federal intervals (migration
# 20261202_stats_figure_indexes); declared here, where they are used.
Index(
    "ix_dossier_stats_forwarded",
    Dossier.forwarded_on,
    Dossier.submitted_on,
    Dossier.flemish_decision_on,
    Dossier.flemish_decision,
    Dossier.federal_decision_on,
)
Index(
    "ix_dossier_stats_federal",
    Dossier.federal_decision_on,
    Dossier.forwarded_on,
    Dossier.submitted_on,
)
# The breakdowns by kind, and the processing time by category, channel and kind.
Index("ix_dossier_stats_kind", Dossier.submitted_on, Dossier.kind)
Index(
    "ix_dossier_stats_decided_by",
    Dossier.flemish_decision_on,
    Dossier.flemish_decision,
    Dossier.submitted_on,
    Dossier.category,
    Dossier.channel,
    Dossier.kind,
)


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


@cache
def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _rows(query):
    """Rows of a Core query, without the ORM's per-row work (thousands of pairs a year)."""
    return db.session.connection().execute(query).all()


def scope(permit: str | None) -> tuple:
    """The condition that keeps one kind (`Permit`) of dossier; none for every kind."""
    return () if permit is None else (Dossier.permit == Permit(permit),)


def _per_day(
    column, period: Period, *conditions, permit: str | None = None
) -> Iterable[tuple[date, int]]:
    query = (
        select(column, func.count())
        .where(column >= period.start, column <= period.end, *conditions, *scope(permit))
        .group_by(column)
    )
    return db.session.execute(query).all()


@cache
def _working_days(start: date, end: date) -> int:
    return working_days_between(start, end)


def _spread(values: Counter) -> dict:
    """Mean (0.0 when empty, as always), median and p90 of a processing-time distribution."""
    return {
        "avg_processing_working_days": dist.mean_or_zero(values),
        MEDIAN: dist.median(values),
        P90: dist.p90(values),
    }


def processing_times(period: Period, permit: str | None = None) -> dict[str, Counter]:
    """{month: Counter(working days -> procedures)} of the Flemish decisions in the period."""
    times: dict[str, Counter] = defaultdict(Counter)
    pairs = _rows(
        select(Dossier.submitted_on, Dossier.flemish_decision_on, func.count())
        .where(
            Dossier.flemish_decision_on >= period.start,
            Dossier.flemish_decision_on <= period.end,
            Dossier.flemish_decision.is_not(None),
            Dossier.submitted_on.is_not(None),
            *scope(permit),
        )
        .group_by(Dossier.submitted_on, Dossier.flemish_decision_on)
    )
    for submitted, decided, count in pairs:
        times[_month(decided)][_working_days(submitted, decided)] += count
    return times


def monthly(period: Period, permit: str | None = None) -> tuple[list[dict], dict]:
    """The month rows and the totals (mean, median and p90 over every completed procedure)."""
    rows = {month: dict.fromkeys(KEYS[:-1], 0) for month in period.months()}
    for day, count in _per_day(Dossier.submitted_on, period, permit=permit):
        rows[_month(day)]["submitted"] += count
    for day, count in _per_day(
        Dossier.flemish_decision_on,
        period,
        Dossier.flemish_decision.in_(ADMISSIBLE),
        permit=permit,
    ):
        rows[_month(day)]["admissible"] += count
    for day, count in _per_day(Dossier.forwarded_on, period, permit=permit):
        rows[_month(day)]["forwarded"] += count
    times = processing_times(period, permit)
    everything: Counter = Counter()
    for month, values in times.items():
        rows[month]["completed"] += dist.size(values)
        everything.update(values)
    result = [
        {"month": month, **values, **_spread(times.get(month, Counter()))}
        for month, values in rows.items()
    ]
    totals = {key: sum(row[key] for row in result) for key in KEYS[:-1]}
    totals.update(_spread(everything))
    return result, totals


def interval_means(period: Period, permit: str | None = None) -> dict[str, float | None]:
    """The mean of each other interval over the period (None when nothing was measured).

    Two queries: the forwardings of the period, and its federal decisions (which give both
    the federal and the end-to-end interval)."""
    to_forward, federal, end_to_end = Counter(), Counter(), Counter()
    for decided, forwarded, count in db.session.execute(
        select(Dossier.flemish_decision_on, Dossier.forwarded_on, func.count())
        .where(
            Dossier.forwarded_on >= period.start,
            Dossier.forwarded_on <= period.end,
            Dossier.flemish_decision_on.is_not(None),
            *scope(permit),
        )
        .group_by(Dossier.flemish_decision_on, Dossier.forwarded_on)
    ).all():
        to_forward[_working_days(decided, forwarded)] += count
    for submitted, forwarded, concluded, count in db.session.execute(
        select(
            Dossier.submitted_on, Dossier.forwarded_on, Dossier.federal_decision_on, func.count()
        )
        .where(
            Dossier.federal_decision_on >= period.start,
            Dossier.federal_decision_on <= period.end,
            *scope(permit),
        )
        .group_by(Dossier.submitted_on, Dossier.forwarded_on, Dossier.federal_decision_on)
    ).all():
        if forwarded is not None:
            federal[_working_days(forwarded, concluded)] += count
        if submitted is not None:
            end_to_end[_working_days(submitted, concluded)] += count
    return {
        "avg_working_days_to_forward": dist.mean(to_forward),
        "avg_working_days_federal": dist.mean(federal),
        "avg_working_days_end_to_end": dist.mean(end_to_end),
    }


def utc_start_of(day: date) -> datetime | None:
    """Midnight in Brussels at the start of `day`, in UTC; None when out of range."""
    try:
        return datetime.combine(day, time(), BRUSSELS).astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def utc_end_of(day: date) -> datetime | None:
    """Midnight in Brussels at the end of `day`, in UTC; None past the last representable day."""
    try:
        return utc_start_of(day + timedelta(days=1))
    except OverflowError:
        return None


def backlog(as_of: date, permit: str | None = None) -> dict:
    """The three stocks at the end of `as_of` (see the module's definitions).

    Each stock is a difference of counts over one index range (covering indexes
    `ix_dossier_stats_decided`, `ix_dossier_stats_forwarded`), so no query reads the table:
    open = submitted − decided − withdrawn undecided; authorised not forwarded = authorised −
    authorised and forwarded; awaiting = forwarded − forwarded and federally decided; every
    count among the files submitted by then.
    """

    def tally(*conditions):
        return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)

    submitted = and_(Dossier.submitted_on <= as_of, *scope(permit))
    count_submitted = db.session.scalar(select(func.count()).where(submitted)) or 0
    decided, authorised = db.session.execute(
        select(func.count(), tally(Dossier.flemish_decision == FlemishDecision.AUTHORISED)).where(
            Dossier.flemish_decision_on <= as_of, submitted
        )
    ).one()
    forwarded, authorised_forwarded, concluded = db.session.execute(
        select(
            func.count(),
            tally(
                Dossier.flemish_decision == FlemishDecision.AUTHORISED,
                Dossier.flemish_decision_on <= as_of,
            ),
            tally(Dossier.federal_decision_on <= as_of),
        ).where(Dossier.forwarded_on <= as_of, submitted)
    ).one()
    # Withdrawn by then: its withdrawal event says so; a withdrawn file without an event
    # (written directly, or imported) has no date, and counts as withdrawn all along. Only
    # files whose status is "withdrawn" can be either (the status is final).
    event = select(StatusEvent.id).where(
        StatusEvent.dossier_id == Dossier.id,
        StatusEvent.to_status == DossierStatus.WITHDRAWN,
    )
    until = utc_end_of(as_of)
    by_then = event.where(StatusEvent.at < until) if until is not None else event
    withdrawn = (
        db.session.scalar(
            select(func.count()).where(
                Dossier.status == DossierStatus.WITHDRAWN,
                # coalesce keeps the planner on the status index (the few withdrawn files),
                # not on a day's index (every file submitted, or undecided, by then)
                func.coalesce(Dossier.submitted_on, Dossier.submitted_on) <= as_of,
                func.coalesce(Dossier.flemish_decision_on, date.max) > as_of,
                or_(exists(by_then), ~exists(event)),
                *scope(permit),
            )
        )
        or 0
    )
    return {
        "as_of": as_of.isoformat(),
        "open_at_flemish_level": count_submitted - decided - withdrawn,
        "authorised_not_forwarded": int(authorised) - int(authorised_forwarded),
        "awaiting_federal_decision": forwarded - int(concluded),
    }


def _grouped(column, period: Period, permit: str | None = None) -> Counter:
    query = (
        select(column, func.count())
        .where(
            Dossier.submitted_on >= period.start,
            Dossier.submitted_on <= period.end,
            *scope(permit),
        )
        .group_by(column)
    )
    return Counter({key: count for key, count in db.session.execute(query).all()})


def _entries(counts: Counter, label, **extra) -> list[dict]:
    return [
        {"code": code, "label": label(code), **extra, "submitted": count}
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def _decided_by(
    period: Period, unknown: str, permit: str | None = None
) -> dict[str, dict[str, Counter]]:
    """{"category"|"channel"|"kind": {code: Counter(working days -> procedures)}} of the
    period's Flemish decisions, in one query."""
    times: dict[str, dict[str, Counter]] = {
        name: defaultdict(Counter) for name in ("category", "channel", "kind")
    }
    # as plain strings: no enum conversion per row
    columns = (
        Dossier.category,
        type_coerce(Dossier.channel, String),
        type_coerce(Dossier.kind, String),
    )
    for category, channel, kind, submitted, decided, count in _rows(
        select(*columns, Dossier.submitted_on, Dossier.flemish_decision_on, func.count())
        .where(
            Dossier.flemish_decision_on >= period.start,
            Dossier.flemish_decision_on <= period.end,
            Dossier.flemish_decision.is_not(None),
            Dossier.submitted_on.is_not(None),
            *scope(permit),
        )
        .group_by(*columns, Dossier.submitted_on, Dossier.flemish_decision_on)
    ):
        days = _working_days(submitted, decided)
        times["category"][category or unknown][days] += count
        times["channel"][channel or unknown][days] += count
        times["kind"][kind or unknown][days] += count
    return times


def _with_processing(counts: Counter, times: dict[str, Counter], label) -> list[dict]:
    """Entries counting submitted dossiers and carrying the processing time of decisions."""
    for code in times:
        counts.setdefault(code, 0)
    return [
        {
            **entry,
            "completed": dist.size(times.get(entry["code"], Counter())),
            **_spread(times.get(entry["code"], Counter())),
        }
        for entry in _entries(counts, label)
    ]


_KINDS = {kind.value for kind in DossierKind}


def _category_label(code: str) -> str:
    """A single-permit category's title, or a professional-card category's label."""
    if code in rules.CATEGORY_TITLES:
        return str(rules.CATEGORY_TITLES[code])
    return str(card_rules.CATEGORY_TITLES.get(code, ""))


def by_kind(period: Period, permit: str | None = None) -> list[dict]:
    """Submitted dossiers per kind (`Permit`): every kind, in its order, even at zero."""
    counts = _grouped(Dossier.permit, period, permit)
    return [
        {"code": kind.value, "label": kind.title, "submitted": counts.get(kind, 0)}
        for kind in Permit
        if permit is None or kind == permit
    ]


def breakdowns(period: Period, locale: str, permit: str | None = None) -> dict[str, list[dict]]:
    """Submitted dossiers per nationality, category, sector, occupation, channel, region,
    application type (new, renewal, change of employer) and kind (`Permit`); category,
    channel and application type also carry the processing time of the decisions."""
    unknown = "?"
    nationality = Counter(
        {(k or unknown): v for k, v in _grouped(Dossier.worker_nationality, period, permit).items()}
    )
    category = Counter(
        {(k or unknown): v for k, v in _grouped(Dossier.category, period, permit).items()}
    )
    channel = Counter(
        {
            (k.value if k else unknown): v
            for k, v in _grouped(Dossier.channel, period, permit).items()
        }
    )
    kind = Counter(
        {(k.value if k else unknown): v for k, v in _grouped(Dossier.kind, period, permit).items()}
    )
    decided = _decided_by(period, unknown, permit)
    sections, divisions = Counter(), Counter()
    for code, count in _grouped(Dossier.nace_code, period, permit).items():
        sections[cls.nace_section(code)] += count
        divisions[cls.nace_division(code)] += count
    majors, units = Counter(), Counter()
    for code, count in _grouped(Dossier.isco_code, period, permit).items():
        majors[cls.isco_major(code)] += count
        units[code or unknown] += count
    regions = Counter()
    for refnis, count in _grouped(Dossier.workplace_refnis, period, permit).items():
        place = reference.municipality(refnis) if refnis else None
        regions[place.region if place else unknown] += count
    return {
        "by_nationality": _entries(
            nationality, lambda c: reference.country_name(c, locale) if c != unknown else ""
        ),
        "by_category": _with_processing(
            category,
            decided["category"],
            _category_label,
        ),
        "by_sector": _entries(sections, lambda c: cls.nace_group_label(c, locale), level="section")
        + _entries(divisions, lambda c: cls.nace_group_label(c, locale), level="division"),
        "by_occupation": _entries(majors, lambda c: cls.isco_group_label(c, locale), level="major")
        + _entries(units, lambda c: cls.isco_group_label(c, locale), level="unit"),
        "by_channel": _with_processing(channel, decided["channel"], lambda c: c),
        "by_region": _entries(
            regions, lambda c: reference.region_name(c, locale) if c != unknown else ""
        ),
        "by_application_type": _with_processing(
            kind,
            decided["kind"],
            lambda c: DossierKind(c).title if c in _KINDS else "",
        ),
        "by_kind": by_kind(period, permit),
    }


def report(start: date, end: date, locale: str = "en", permit: str | None = None) -> dict:
    """The whole report for a period, in the stable JSON shape of the exports; `permit`
    (a `Permit` value) keeps one kind of dossier, None every kind (`"kind": null`)."""
    period = Period(start, end)
    months, totals = monthly(period, permit)
    totals.update(interval_means(period, permit))
    with force_locale(locale):  # labels in `locale`, from a request or the command line
        labelled = breakdowns(period, locale, permit)
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "kind": permit,
        "months": months,
        "totals": totals,
        "backlog": backlog(end, permit),
        **labelled,
    }
