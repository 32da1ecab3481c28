"""The purge, with records of known age: each handled series in a dry run and a real run."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal import audit, clock, storage
from portal.dossiers.lifecycle.models import ExchangeMessage, InfoRequest, StatusEvent
from portal.dossiers.models import Document, Dossier
from portal.extensions import db
from portal.mail import OutboxMessage
from portal.privacy import run, schedule
from portal.privacy.schedule import Entry, parse_period
from tests.factories import DocumentFactory, DossierFactory, InfoRequestFactory

NOW = datetime(2026, 12, 3, 10, tzinfo=UTC)
LONG_AGO = datetime(2019, 3, 4, 9, tzinfo=UTC)
LAST_MONTH = datetime(2026, 11, 20, 9, tzinfo=UTC)


def only(series: str, action: str | None = None, period: str | None = None) -> dict[str, Entry]:
    """One entry of the shipped schedule, optionally with another action or period."""
    entry = schedule.load()[series]
    return {
        series: Entry(
            series,
            entry.trigger,
            parse_period(period) if period else entry.period,
            action or entry.action,
            entry.source,
        )
    }


def stored_document(dossier: Dossier, key: str) -> Document:
    storage.storage().put(key, b"%PDF-1.4 a passport scan")
    return DocumentFactory(dossier=dossier, stored_name=key, file_name="passport Priya.pdf")


def chain_intact() -> bool:
    return audit.verify().intact


# --- drafts ---------------------------------------------------------------------------------


@pytest.fixture
def drafts(db_session):
    with clock.frozen(LONG_AGO):
        old = DossierFactory()
        held = DossierFactory(held_at=LONG_AGO, hold_reason="appeal pending")
        touched = DossierFactory()  # old itself, but a document came last month
        stored_document(old, "a" * 32)
    with clock.frozen(LAST_MONTH):
        recent = DossierFactory()
        DocumentFactory(dossier=touched)
    db.session.commit()
    return old.id, held.id, touched.id, recent.id


def test_a_dry_run_lists_the_old_drafts_and_changes_nothing(drafts):
    old, held, touched, recent = drafts
    (outcome,) = run.run(dry_run=True, now=NOW, entries=only("drafts"))
    assert (outcome.due, outcome.held, outcome.done) == (1, 1, 0)
    assert outcome.sample == [f"draft {old}"]
    assert "1 due (delete before 2026-06-03), 1 on legal hold" in outcome.line(True)
    assert db.session.get(Dossier, old) is not None
    assert storage.storage().exists("a" * 32)


def test_a_real_run_deletes_old_drafts_with_their_files_and_keeps_the_rest(drafts):
    old, held, touched, recent = drafts
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("drafts"), batch=1)
    db.session.commit()
    assert outcome.done == 1 and outcome.left == []
    db.session.expire_all()
    assert db.session.get(Dossier, old) is None
    assert db.session.scalar(select(func.count(Document.id)).where(Document.dossier_id == old)) == 0
    assert not storage.storage().exists("a" * 32)
    for kept in (held, touched, recent):
        assert db.session.get(Dossier, kept) is not None
    assert chain_intact()
    # Nothing is due any more: a second run is a no-op.
    (again,) = run.run(dry_run=False, now=NOW, entries=only("drafts"))
    assert again.done == 0


def test_a_draft_something_points_at_is_left_and_reported(drafts):
    old, *_ = drafts
    # A chained audit entry naming the draft (written by mistake): the draft must stay.
    audit.record("download", dossier_id=old, detail="should not point at a draft")
    db.session.commit()
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("drafts"))
    db.session.commit()
    assert outcome.done == 0 and outcome.left == [f"draft {old} (audit_entry)"]
    assert db.session.get(Dossier, old) is not None
    assert storage.storage().exists("a" * 32)  # its files stay with it
    assert chain_intact()


# --- message bodies after delivery ------------------------------------------------------------


def outbox(sent_at, created=LONG_AGO) -> int:
    message = OutboxMessage(
        recipient="priya@example.test",
        subject="Your file SP-2026-00001",
        body_text="Dear Priya Sharma",
        body_html="<p>Dear Priya Sharma</p>",
        locale="en",
        template="submitted",
        created_at=created,
        sent_at=sent_at,
    )
    db.session.add(message)
    db.session.flush()
    return message.id


@pytest.fixture
def messages(db_session):
    ids = outbox(LONG_AGO), outbox(LAST_MONTH), outbox(None)
    db.session.commit()
    return ids


def test_delivered_mail_is_anonymised_after_its_period_keeping_a_history_row(messages):
    delivered_long_ago, delivered_lately, never_sent = messages
    (dry,) = run.run(dry_run=True, now=NOW, entries=only("outbox"))
    assert dry.due == 1 and dry.sample == [f"message {delivered_long_ago}"]
    assert db.session.get(OutboxMessage, delivered_long_ago).recipient
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("outbox"))
    db.session.commit()
    db.session.expire_all()
    assert outcome.done == 1
    history = db.session.get(OutboxMessage, delivered_long_ago)
    assert (history.recipient, history.subject, history.body_text, history.body_html) == (
        "",
        "",
        "",
        "",
    )
    assert (history.template, history.sent_at) == ("submitted", LONG_AGO)
    for kept in (delivered_lately, never_sent):  # an unsent message is never purged
        assert db.session.get(OutboxMessage, kept).body_text == "Dear Priya Sharma"


def test_the_schedule_can_say_delete_for_mail(messages):
    delivered_long_ago, delivered_lately, never_sent = messages
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("outbox", "delete"))
    db.session.commit()
    assert outcome.done == 1
    assert db.session.get(OutboxMessage, delivered_long_ago) is None
    assert db.session.get(OutboxMessage, never_sent) is not None


def test_delivered_dvz_messages_lose_their_payload(db_session):
    with clock.frozen(LONG_AGO):
        dossier = DossierFactory(forwarded=True)
    old = ExchangeMessage(dossier=dossier, kind="forwarding", payload='{"name": "Priya"}')
    old.sent_at = LONG_AGO
    pending = ExchangeMessage(dossier=dossier, kind="forwarding", payload='{"name": "Priya"}')
    db.session.add_all([old, pending])
    db.session.commit()
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("exchange_outbox"))
    db.session.commit()
    db.session.expire_all()
    assert outcome.done == 1
    assert (old.payload, old.kind) == ("", "forwarding")
    assert pending.payload == '{"name": "Priya"}'


# --- decided and withdrawn files -----------------------------------------------------------------


def decided(**traits) -> Dossier:
    return DossierFactory(
        worker_nationality="IN",
        isco_code="2512",
        nace_code="62010",
        workplace_refnis="44021",
        worker_passport="P1234567",
        worker_email="priya@example.test",
        workplace_street="Kerkstraat 1",
        **traits,
    )


@pytest.fixture
def files(db_session):
    with clock.frozen(LONG_AGO):
        granted = decided(granted=True)
        refused = decided(refused=True)
        withdrawn = decided(withdrawn=True, withdrawn_reason="Priya found another job")
        held = decided(granted=True, held_at=LONG_AGO, hold_reason="appeal at the Council")
        pending = decided(submitted=True)  # no decision: never due
        stored_document(granted, "b" * 32)
        InfoRequestFactory(dossier=refused, answered=True)
        audit.record("download", dossier_id=granted.id, detail="passport Priya.pdf")
    with clock.frozen(LAST_MONTH):
        recent = decided(granted=True)
    db.session.commit()
    return granted, refused, withdrawn, held, pending, recent


def test_a_dry_run_counts_the_old_decided_files_per_outcome(files):
    granted, refused, withdrawn, held, pending, recent = files
    entries = {k: v for k, v in schedule.load().items() if k.startswith("files_")}
    outcomes = {o.series: o for o in run.run(dry_run=True, now=NOW, entries=entries)}
    assert outcomes["files_granted"].due == 1 and outcomes["files_granted"].held == 1
    assert outcomes["files_granted"].sample == [f"file {granted.id}"]
    assert outcomes["files_refused"].sample == [f"file {refused.id}"]
    assert outcomes["files_withdrawn"].sample == [f"file {withdrawn.id}"]
    assert granted.worker_first_name == "Priya" and granted.anonymised_at is None


def test_anonymising_a_file_keeps_what_the_figures_need_and_nothing_of_the_person(files):
    granted, refused, withdrawn, held, pending, recent = files
    entries = {k: v for k, v in schedule.load().items() if k.startswith("files_")}
    outcomes = run.run(dry_run=False, now=NOW, entries=entries)
    db.session.commit()
    assert sum(o.done for o in outcomes) == 3
    db.session.expire_all()
    for dossier in (granted, refused, withdrawn):
        assert dossier.anonymised_at == NOW
        assert dossier.worker_name == "" and dossier.worker_first_key is None
        assert dossier.worker_passport is None and dossier.worker_email is None
        assert dossier.workplace_street is None and dossier.withdrawn_reason is None
        # What the figures count stays.
        assert (dossier.worker_nationality, dossier.isco_code, dossier.nace_code) == (
            "IN",
            "2512",
            "62010",
        )
        assert dossier.workplace_refnis == "44021" and dossier.submitted_on is not None
    assert granted.federal_decision_on is not None and refused.flemish_decision_on is not None
    # Documents: the bytes are gone, the record of what was filed (hash) stays.
    (document,) = granted.documents
    assert not storage.storage().exists("b" * 32)
    assert (document.stored_name, document.file_name) == ("", "")
    assert document.sha256 and document.requirement == "passport"
    (request,) = db.session.scalars(select(InfoRequest).where(InfoRequest.dossier_id == refused.id))
    assert request.question == "" and request.answer is None
    events = db.session.scalars(select(StatusEvent).where(StatusEvent.dossier_id == withdrawn.id))
    assert all(event.reason is None for event in events)
    # Held, undecided and recent files are untouched.
    for kept in (held, pending, recent):
        assert kept.anonymised_at is None and kept.worker_first_name == "Priya"
    # The audit trail keeps its entries and hashes, without the file name in them.
    download = db.session.scalar(
        select(audit.AuditEntry).where(
            audit.AuditEntry.dossier_id == granted.id, audit.AuditEntry.action == "download"
        )
    )
    assert download.detail is None and download.redacted_at == NOW and download.hash
    assert chain_intact()
    # Nothing is done twice.
    assert sum(o.done for o in run.run(dry_run=False, now=NOW, entries=entries)) == 0


def test_the_report_of_a_past_year_is_identical_before_and_after(app, files, monkeypatch):
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    runner = app.test_cli_runner()
    args = ["stats", "report", "--from", "2019-01-01", "--to", "2019-12-31", "--format", "json"]
    before = runner.invoke(args=args)
    assert before.exit_code == 0, before.output
    figures = json.loads(before.output)
    march = next(month for month in figures["months"] if month["month"] == "2019-03")
    assert (march["submitted"], march["completed"]) == (5, 3)  # the year has files to count
    with clock.frozen(NOW):
        result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert "files_granted: 1 anonymised" in result.output
    assert db.session.scalar(select(func.count()).where(Dossier.anonymised_at.is_not(None))) == 3
    after = runner.invoke(args=args)
    assert json.loads(after.output) == figures


# --- the command and the daily job ---------------------------------------------------------------


def test_the_command_dry_run_says_so_for_every_series(app, db_session, monkeypatch):
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    result = app.test_cli_runner().invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "nothing changed" in result.output
    for series in schedule.SERIES:
        assert f"\n{series}: " in result.output
    assert "no handler yet" not in result.output.split("welcome_profiles")[0]


def test_a_broken_schedule_stops_the_command_with_its_reason(app, db_session, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[series]]\nseries = "drafts"\nperiod = "-1 days"\n', encoding="utf-8")
    app.config["RETENTION_SCHEDULE"] = str(bad)
    try:
        result = app.test_cli_runner().invoke(args=["retention", "run"])
    finally:
        app.config["RETENTION_SCHEDULE"] = ""
    assert result.exit_code != 0
    assert "drafts" in result.output


@pytest.mark.parametrize("batch", ["0", "-5", "many"])
def test_a_hostile_batch_size_is_refused(app, db_session, batch):
    result = app.test_cli_runner().invoke(args=["retention", "run", "--batch", batch])
    assert result.exit_code == 2


def test_the_worker_runs_it_daily(app):
    job = app.extensions["periodic_jobs"]["retention.run"]
    assert job.daily_at == "RETENTION_HOUR" and job.every is None
    with app.app_context():
        assert job.period(datetime(2026, 12, 3, 2, tzinfo=UTC)) == date(2026, 12, 2).isoformat()
        assert job.enabled()


def test_documents_lose_their_bytes_a_year_after_the_final_decision(db_session):
    with clock.frozen(LONG_AGO):
        decided_long_ago = DossierFactory(refused=True)
        held = DossierFactory(refused=True, held_at=LONG_AGO, hold_reason="appeal")
        undecided = DossierFactory(submitted=True)
        gone = stored_document(decided_long_ago, "c" * 32)
        kept = [stored_document(held, "d" * 32), stored_document(undecided, "e" * 32)]
    db.session.commit()
    (dry,) = run.run(dry_run=True, now=NOW, entries=only("documents"))
    assert (dry.due, dry.held, dry.sample) == (1, 1, [f"document {gone.id}"])
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("documents"))
    db.session.commit()
    assert outcome.done == 1
    assert not storage.storage().exists("c" * 32)
    assert (gone.stored_name, gone.file_name) == ("", "") and gone.sha256
    assert decided_long_ago.worker_first_name == "Priya"  # the file itself is not yet due
    for document in kept:
        assert storage.storage().exists(document.stored_name)


def test_the_daily_job_applies_the_schedule_once_a_day(app, db_session, messages, monkeypatch):
    from portal import scheduler

    monkeypatch.setitem(app.extensions, "periodic_done", {})  # this process's memory of runs
    delivered_long_ago, *_ = messages
    job = app.extensions["periodic_jobs"]["retention.run"]
    with clock.frozen(NOW):
        assert scheduler.run_if_due(job, "test-worker") is True
        assert scheduler.run_if_due(job, "test-worker") is None  # once per day
    db.session.expire_all()
    assert db.session.get(OutboxMessage, delivered_long_ago).recipient == ""
    row = db.session.get(scheduler.ScheduledRun, "retention.run")
    assert row.last_error is None
