"""Redacting audit details: the chain still verifies, and nothing can be changed unnoticed."""

from __future__ import annotations

from sqlalchemy import select

from portal import audit
from portal.audit import AuditEntry, AuditHead
from portal.extensions import db
from tests.factories import DossierFactory


def written(dossier_id: int, detail: str | None) -> AuditEntry:
    entry = audit.record("download", dossier_id=dossier_id, detail=detail)
    db.session.commit()
    return entry


def test_a_redacted_detail_is_gone_and_the_chain_still_verifies(db_session):
    dossier = DossierFactory(submitted=True)
    named = written(dossier.id, "passport Priya Sharma.pdf")
    other = written(DossierFactory(submitted=True).id, "passport Other.pdf")
    empty = written(dossier.id, None)
    before = named.hash
    result = audit.redact(dossier.id)
    db.session.commit()
    assert result == audit.Redaction(redacted=1, legacy=0)  # the empty one has nothing to hide
    assert named.detail is None and named.detail_salt is None and named.redacted_at
    assert named.hash == before and named.detail_hash
    assert other.detail == "passport Other.pdf" and empty.redacted_at is None
    assert audit.verify().intact
    assert audit.redact(dossier.id) == audit.Redaction(0, 0)  # once


def test_changing_an_unredacted_detail_breaks_the_chain(db_session):
    entry = written(DossierFactory(submitted=True).id, "receipt")
    entry.detail = "receipt, and something else"
    db.session.commit()
    assert audit.verify().first_broken_id == entry.id


def test_a_detail_cannot_be_swapped_for_another_with_its_own_commitment(db_session):
    entry = written(DossierFactory(submitted=True).id, "receipt")
    entry.detail = "forged"
    entry.detail_salt = "0" * 32
    entry.detail_hash = audit.commitment(entry.detail_salt, "forged")
    db.session.commit()
    assert audit.verify().first_broken_id == entry.id


def test_dropping_the_commitment_or_faking_a_redaction_is_seen(db_session):
    dossier = DossierFactory(submitted=True)
    entry = written(dossier.id, "receipt")
    entry.detail_hash = None  # pretend it is an old entry: the digest then differs
    db.session.commit()
    assert audit.verify().first_broken_id == entry.id


def test_the_same_detail_gives_different_commitments(db_session):
    dossier = DossierFactory(submitted=True)
    one, two = written(dossier.id, "a@example.test"), written(dossier.id, "a@example.test")
    assert one.detail_hash != two.detail_hash  # salted: a guess cannot be confirmed
    assert audit.commitment("s", None) != audit.commitment("s", "")


def test_entries_sealed_before_commitments_verify_and_are_left_alone(db_session):
    dossier = DossierFactory(submitted=True)
    entry = written(dossier.id, "old style")
    # Rebuild it as an entry sealed before commitments existed: the digest over the detail.
    entry.detail_hash = entry.detail_salt = None
    entry.hash = audit._digest(entry.prev_hash, entry)
    db.session.scalar(select(AuditHead)).last_hash = entry.hash
    db.session.commit()
    assert audit.verify().intact
    assert audit.redact(dossier.id) == audit.Redaction(redacted=0, legacy=1)
    assert entry.detail == "old style" and audit.verify().intact


def test_the_export_carries_what_an_outside_verifier_needs(db_session):
    import json

    from portal.dossiers.lifecycle import auditlog

    entry = written(DossierFactory(submitted=True).id, "receipt")
    line = json.loads(auditlog.as_json(entry, None))
    assert line["detail_hash"] == audit.commitment(line["detail_salt"], "receipt")
