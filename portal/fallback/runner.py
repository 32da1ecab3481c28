"""The edge of the intake: one commit per delivery, then (and only then) `source.done()`.

A delivery whose key is already recorded was committed by an earlier run that stopped
before `done()`: it is only marked done now, never recorded twice. An unexpected error
rolls the delivery back and records it as `error` (kept raw, in the quarantine); should
even that fail on the message, it is recorded bare (raw bytes and the errors only), and the
run goes on with the next delivery. Only the database or the disk failing stops a run. A
crash of the process itself (anything that is not an `Exception`) stops the run with the
current delivery uncommitted and still new at its source: the next run reads it again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask import current_app, g
from sqlalchemy.exc import IntegrityError

from portal import mail
from portal.extensions import db
from portal.fallback import intake
from portal.fallback.models import IntakeMessage, Outcome
from portal.fallback.sources import Source


@dataclass
class PollReport:
    outcomes: Counter = field(default_factory=Counter)
    resumed: int = 0  # recorded by an earlier run, only marked done now
    records: list[int] = field(default_factory=list)

    @property
    def read(self) -> int:
        return sum(self.outcomes.values())

    def summary(self) -> str:
        parts = ", ".join(f"{o.value} {self.outcomes.get(o, 0)}" for o in Outcome)
        return f"read {self.read}: {parts}; already recorded {self.resumed}"


def poll(source: Source, *, limit: int | None = None, deliver: bool | None = None) -> PollReport:
    """Read the new deliveries of `source`, committing each outcome before marking it done."""
    report = PollReport()
    for item in source.items():
        if limit is not None and report.read >= limit:
            break
        if intake.already_recorded(item.key) is not None:
            source.done(item)
            report.resumed += 1
            continue
        record = _receive(item)
        if record is None:  # another run recorded it meanwhile
            source.done(item)
            report.resumed += 1
            continue
        report.outcomes[record.outcome] += 1
        report.records.append(record.id)
        source.done(item)
    if deliver if deliver is not None else current_app.config["OUTBOX_SEND_AFTER_REQUEST"]:
        queued = g.pop("outbox_queued", [])
        ids = [message.id for message in queued if message.id is not None]
        if ids:
            mail.deliver_due(ids=ids)
    return report


def _receive(item) -> IntakeMessage | None:
    try:
        record = intake.receive(item)
        db.session.commit()
        return record
    except IntegrityError as error:
        db.session.rollback()
        if intake.already_recorded(item.key) is not None:
            return None
        return _failed(item, error)
    except Exception as error:  # noqa: BLE001 - recorded as `error`, never lost
        db.session.rollback()
        return _failed(item, error)


def _failed(item, error: Exception) -> IntakeMessage:
    current_app.logger.exception("intake: %s could not be processed", item.key)
    try:
        record = intake.record_failure(item, error)
        db.session.commit()
        return record
    except Exception as second:  # noqa: BLE001 - the message itself defeats even that
        db.session.rollback()
        current_app.logger.exception("intake: recording the failure of %s failed", item.key)
        record = intake.record_bare_failure(item, [error, second])
        db.session.commit()
        return record
