"""What every retention handler shares: the outcome of a series, the pass, batches.

A handler (`Handler`: entry, pass -> outcome) finds what its series has due, counts it in
a dry run (naming the first `SAMPLE`) and otherwise handles it a batch at a time,
committing each batch (`commit`), so a crash loses at most one batch and the next run
picks up where this one stopped. `bulk` serves handlers of plain rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, delete, func, select, update

from portal.extensions import db
from portal.privacy.schedule import ANONYMISE, Entry

SAMPLE = 10  # what a dry run names per series


@dataclass
class Outcome:
    """What one series came to in one run."""

    series: str
    action: str
    cutoff: datetime | None
    due: int = 0
    done: int = 0
    held: int = 0
    left: list[str] = field(default_factory=list)  # records that could not be handled
    unredacted: int = 0  # audit details sealed before commitments: kept as they are
    sample: list[str] = field(default_factory=list)
    note: str = ""

    def line(self, dry_run: bool) -> str:
        cutoff = f" before {self.cutoff:%Y-%m-%d}" if self.cutoff else ""
        if self.note:
            return f"{self.series}: {self.note}"
        verb = "due" if dry_run else f"{self.action}d"
        count = self.due if dry_run else self.done
        text = f"{self.series}: {count} {verb} ({self.action}{cutoff})"
        if self.held:
            text += f", {self.held} on legal hold"
        if self.unredacted:
            text += f", {self.unredacted} audit details left (sealed before redaction)"
        if self.left:
            text += f", {len(self.left)} left: {', '.join(self.left[:SAMPLE])}"
        if dry_run and self.sample:
            text += f": {', '.join(self.sample)}"
        return text


@dataclass(frozen=True)
class Pass:
    dry_run: bool
    batch: int
    now: datetime


Handler = Callable[[Entry, Pass], Outcome]


def ids_in_batches(query: Select, column, size: int) -> Iterator[list[int]]:
    """Ids of `query` (a select of `column`) in ascending batches of `size`."""
    last = 0
    while True:
        ids = list(db.session.scalars(query.where(column > last).order_by(column).limit(size)))
        if not ids:
            return
        yield ids
        last = ids[-1]


def count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def sample(query: Select, column, label: Callable[[int], str]) -> list[str]:
    return [label(i) for i in db.session.scalars(query.order_by(column).limit(SAMPLE))]


def commit(p: Pass) -> None:
    if not p.dry_run:
        db.session.commit()


def ended_before(model, ended, cutoff: datetime, *conditions) -> Select:
    """The ids of `model`'s records that ended (the moment `ended`) before `cutoff` and that
    no run anonymised yet (`anonymised_at`), of those that meet `conditions`."""
    return select(model.id).where(
        *conditions, ended.is_not(None), ended < cutoff, model.anonymised_at.is_(None)
    )


def records_in_batches(outcome: Outcome, p: Pass, due: Select, model, noun: str) -> Iterator[list]:
    """The records of `model` whose ids `due` selects, a batch at a time; each batch is
    committed once the caller has handled it. A dry run yields none: it names the first
    few in `outcome` ("contest 12")."""
    if p.dry_run:
        outcome.sample = sample(due, model.id, lambda i: f"{noun} {i}")
        return
    for ids in ids_in_batches(due, model.id, p.batch):
        yield list(db.session.scalars(select(model).where(model.id.in_(ids))))
        commit(p)


def bulk(entry: Entry, p: Pass, cutoff, due: Select, model, blank: dict, noun: str) -> Outcome:
    """Anonymise (set the `blank` values) or delete the rows of `model` whose ids `due`
    selects, a batch at a time; for handlers of plain rows (plug-ins' included)."""
    outcome = Outcome(entry.series, entry.action, cutoff, due=count(due))
    if p.dry_run:
        outcome.sample = sample(due, model.id, lambda i: f"{noun} {i}")
        return outcome
    for ids in ids_in_batches(due, model.id, p.batch):
        if entry.action == ANONYMISE:
            statement = update(model).where(model.id.in_(ids)).values(**blank)
        else:
            statement = delete(model).where(model.id.in_(ids))
        db.session.execute(statement.execution_options(synchronize_session=False))
        outcome.done += len(ids)
        commit(p)
    return outcome
