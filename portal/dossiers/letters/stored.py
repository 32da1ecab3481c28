"""Receipts and decision letters as issued: rendered once, kept, served byte for byte.

A receipt or a decision letter is a legal record, so it must read the same every time it
is downloaded. It is rendered once, when it is issued (the receipt when the file is
submitted, in the submitter's language; the decision letter when Flanders decides), and
kept in the upload store (`portal.storage`, under a key of its own, named in the column
`stored_name` so the upload sweep keeps it) with its SHA-256 in `issued_letter`. A download
serves the stored bytes after checking them against that hash.

A letter issued before this was built (or a receipt asked for in another language) is
rendered on its first download and kept from then on. A stored letter that is gone or whose
bytes no longer match the hash is *not* rendered again behind the reader's back: a record
that changed is an incident. It is logged as an error, counted in
`portal_letter_integrity_failures_total{kind}` (/metrics; alert on any increase) and
answered with the error page (`LetterDamaged`); restoring it is an operator's decision.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from datetime import datetime, timedelta

from prometheus_client import Counter
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock
from portal.db import UtcDateTime
from portal.dossiers.letters.decision import decision_letter_pdf
from portal.dossiers.letters.receipts import receipt_pdf
from portal.dossiers.models import Dossier
from portal.extensions import db
from portal.health import REQUESTS_REGISTRY
from portal.storage import storage
from portal.uploads_tx import stage_on_commit

log = logging.getLogger(__name__)

RECEIPT = "receipt"
DECISION = "decision"
RENDER = {RECEIPT: receipt_pdf, DECISION: decision_letter_pdf}
JUST_ISSUED = timedelta(minutes=1)

DAMAGED = Counter(
    "portal_letter_integrity_failures",
    "Stored receipts and decision letters found missing or changed on download, by kind.",
    ["kind"],
    registry=REQUESTS_REGISTRY,
)


class IssuedLetter(db.Model):
    """One issued letter of a file, in one language: where its bytes are and their hash."""

    __tablename__ = "issued_letter"
    __table_args__ = (
        UniqueConstraint("dossier_id", "kind", "locale", name="uq_issued_letter_dossier_kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    kind: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(2))
    stored_name: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now)


class LetterDamaged(Exception):
    """A stored letter is gone or its bytes no longer match the hash kept at issue."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _find(dossier: Dossier, kind: str, locale: str) -> IssuedLetter | None:
    return db.session.scalar(
        select(IssuedLetter).where(
            IssuedLetter.dossier_id == dossier.id,
            IssuedLetter.kind == kind,
            IssuedLetter.locale == locale,
        )
    )


def issue(dossier: Dossier, kind: str, locale: str) -> tuple[IssuedLetter, bytes | None]:
    """Render the letter and keep it (staged now, in place when the transaction commits).

    Already issued: the kept one, untouched (and no bytes: read them with `letter_pdf`).
    Two first downloads at once on PostgreSQL: the second finds the first's row.
    """
    found = _find(dossier, kind, locale)
    if found is not None:
        return found, None
    data = RENDER[kind](dossier, locale)
    key = secrets.token_hex(16)
    try:
        with db.session.begin_nested():
            stage_on_commit(db.session(), storage(), key, data)
            letter = IssuedLetter(
                dossier_id=dossier.id,
                kind=kind,
                locale=locale,
                stored_name=key,
                sha256=sha256(data),
                size=len(data),
            )
            db.session.add(letter)
    except IntegrityError:  # issued meanwhile by another request: that one stands
        found = _find(dossier, kind, locale)
        if found is None:
            raise
        return found, None
    return letter, data


def _read(letter: IssuedLetter) -> bytes | None:
    try:
        with storage().open(letter.stored_name) as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


def letter_pdf(dossier: Dossier, kind: str, locale: str) -> bytes:
    """The letter's bytes as issued, checked against their hash; issued now if never yet.

    Raises `LetterDamaged` (logged and counted) when the kept bytes are gone or changed,
    and whatever the renderer raises for a letter that cannot exist yet (`NotFound`).
    """
    letter, data = issue(dossier, kind, locale)
    if data is not None:
        return data
    data = _read(letter)
    if data is None and clock.now() - letter.issued_at < JUST_ISSUED:
        # Issued a moment ago by a concurrent first download, whose file moves into place
        # right after its commit: give that move a moment before calling it missing.
        for _ in range(20):
            time.sleep(0.05)
            data = _read(letter)
            if data is not None:
                break
    if data is None or sha256(data) != letter.sha256:
        DAMAGED.labels(kind).inc()
        log.error(
            "stored %s of dossier %s (%s, key %s) is %s: not served, not re-rendered",
            kind,
            dossier.id,
            locale,
            letter.stored_name,
            "missing" if data is None else "changed (SHA-256 mismatch)",
        )
        raise LetterDamaged(f"{kind} of dossier {dossier.id} ({locale})")
    return data
