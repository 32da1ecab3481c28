"""The lifecycle table: one row per status, its flags agree with the transitions, the
consumers read it, the outcome enums carry translated labels, the database refuses
a status or a decision outside the vocabulary."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask_babel import LazyString
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.dossiers.lifecycle import meaning, status, timeline
from portal.dossiers.lifecycle.meaning import ALLOWED, STEP_TITLES, TABLE
from portal.dossiers.lifecycle.models import InfoRequest, StatusEvent
from portal.dossiers.models import DossierStatus, FederalDecision, FlemishDecision, Permit
from portal.extensions import db
from portal.i18n import force_locale
from tests.factories import DossierFactory
from tests.support import make_user

S = DossierStatus
ROWS = list(meaning.ROWS)
# Every row a file can read: the shared rows and each kind's own (`OVERRIDES`).
ALL_ROWS = ROWS + [row for own in meaning.OVERRIDES.values() for row in own.values()]
# Each status as each kind of file that may reach it reads it.
PER_KIND = [
    (permit, meaning.of(row.status, permit))
    for permit in Permit
    for row in ROWS[1:]
    if row.permit in (None, permit)
]


def reachable(source: DossierStatus) -> set[DossierStatus]:
    seen: set[DossierStatus] = set()
    todo = [source]
    while todo:
        for target in ALLOWED.get(todo.pop(), frozenset()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_every_status_has_exactly_one_row():
    statuses = [row.status for row in meaning.ROWS]
    assert sorted(statuses) == sorted(DossierStatus)  # none missing, none twice
    assert all(TABLE[status] is row for status, row in zip(statuses, meaning.ROWS, strict=True))
    assert set(ALLOWED) <= set(DossierStatus)
    assert all(targets <= set(DossierStatus) for targets in ALLOWED.values())


def test_every_status_can_be_reached_from_a_draft():
    assert reachable(S.DRAFT) == set(DossierStatus) - {S.DRAFT}


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.status.value)
def test_a_final_status_has_no_way_out_and_every_other_has_one(row):
    assert row.final == (not ALLOWED.get(row.status))


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.status.value)
def test_a_withdrawable_status_can_go_to_withdrawn(row):
    assert row.withdrawable == (S.WITHDRAWN in ALLOWED.get(row.status, frozenset()))


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.status.value)
def test_flanders_is_deciding_until_its_decision_and_the_clock_stops_only_then(row):
    """Deciding: submitted, and a Flemish decision still lies ahead."""
    decisions = set(meaning.FLEMISH_DECISIONS)
    ahead = reachable(row.status)
    assert row.deciding == (row.status != S.DRAFT and bool(ahead & decisions))
    if row.clock_stopped:
        assert row.deciding
    if row.flemish_decision or row.federal_decision:
        assert not row.deciding and not row.clock_stopped


@pytest.mark.parametrize("row", ALL_ROWS, ids=lambda row: f"{row.permit}-{row.status.value}")
def test_every_submitted_status_has_a_step_and_words_for_the_applicant(row):
    if row.status == S.DRAFT:
        assert row.step is None and row.now is None
        return
    assert row.step in STEP_TITLES
    for words in (row.now, row.next, row.contact):
        assert isinstance(words, LazyString) and str(words)
    if row.final:
        assert row.step in (*meaning.progress(row.permit), "withdrawn")


def test_each_decision_belongs_to_exactly_one_status_that_only_the_decider_reaches():
    for permit in Permit:  # per kind of file: one status per Flemish decision
        outcomes = meaning.STATUS_OF_FLEMISH_BY_PERMIT[permit]
        assert sorted(outcomes) == sorted(FlemishDecision)
        assert all(meaning.TABLE[s].permit in (None, permit) for s in outcomes.values())
    assert meaning.STATUS_OF_FLEMISH is meaning.STATUS_OF_FLEMISH_BY_PERMIT[Permit.SINGLE_PERMIT]
    assert sorted(meaning.FEDERAL_DECISIONS.values()) == sorted(FederalDecision)
    for decided in meaning.FLEMISH_DECISIONS:
        assert [s for s in ALLOWED if decided in ALLOWED[s]] == [S.SUBMITTED]
    for decided in meaning.FEDERAL_DECISIONS:
        assert [s for s in ALLOWED if decided in ALLOWED[s]] == [S.FORWARDED]


def test_the_actions_follow_the_transitions():
    assert [row.status for row in ROWS if row.decidable] == [S.SUBMITTED]
    assert [row.status for row in ROWS if row.awaits_residence] == [S.FORWARDED]
    assert [row.status for row in ROWS if row.follow_up] == [S.RESIDENCE_GRANTED]


def test_the_status_machine_reads_the_table():
    assert status.ALLOWED is ALLOWED
    assert {row.status for row in ROWS if row.final} == status.FINAL
    assert status.FLEMISH_DECISIONS == {
        S.WORK_AUTHORISED: FlemishDecision.AUTHORISED,
        S.INADMISSIBLE: FlemishDecision.INADMISSIBLE,
        S.WORK_REFUSED: FlemishDecision.REFUSED,
        S.CARD_GRANTED: FlemishDecision.AUTHORISED,
        S.CARD_REFUSED: FlemishDecision.REFUSED,
    }


@pytest.mark.parametrize("vocabulary", [DossierStatus, FlemishDecision, FederalDecision])
def test_the_enums_carry_lazily_translated_labels(app, vocabulary):
    assert all(isinstance(member.label, LazyString) for member in vocabulary)
    assert [value for value, _label in vocabulary.choices()] == vocabulary.values()
    with app.test_request_context():
        with force_locale("en"):
            english = [member.title for member in vocabulary]
        with force_locale("nl"):
            dutch = [member.title for member in vocabulary]
    assert len(set(english)) == len(vocabulary)
    assert any(e != d for e, d in zip(english, dutch, strict=True))


def test_an_outcome_is_its_stored_string():
    assert FlemishDecision("authorised") is FlemishDecision.AUTHORISED
    assert FederalDecision.GRANTED == "granted" and {"refused": 1}[FederalDecision.REFUSED] == 1
    with pytest.raises(ValueError):
        FlemishDecision("granted")


# The timeline reads the table -----------------------------------------------------------


@pytest.mark.parametrize(
    ("permit", "row"), PER_KIND, ids=lambda value: getattr(value, "status", value)
)
def test_the_timeline_puts_each_status_on_its_step(app, db_session, permit, row):
    owner = make_user("owner@acme.example")
    dossier = DossierFactory(owner=owner, status=row.status, permit=permit)
    assert meaning.of(dossier) is row
    PROGRESS = meaning.progress(permit)  # noqa: N806 (the kind's steps)
    if row.step == "info_requested":
        request = InfoRequest(
            dossier_id=dossier.id,
            requested_by_id=owner.id,
            question="Send the contract.",
            due_on=date(2099, 1, 1),
        )
        db.session.add(request)
        db.session.flush()
    with app.test_request_context():
        built = timeline.build(dossier)
    current = [step for step in built.steps if step.state == "current"]
    assert [step.key for step in current] == [row.step]
    assert current[0].final == row.final
    if row.final:
        assert built.steps[-1] is current[0]  # the procedure ends on that step
    else:
        assert [s.key for s in built.steps if s.key in PROGRESS] == list(PROGRESS)
    assert (built.deadline is not None) == row.deciding
    with app.test_request_context():
        assert built.now == str(row.now) and built.next == str(row.next)
        assert built.current.title == str(STEP_TITLES[row.step])


# The database refuses what the enums do not know ------------------------------------------


BOGUS = [
    ("dossier", "status", "paused"),
    ("dossier", "status", "SUBMITTED"),
    ("dossier", "flemish_decision", "granted"),
    ("dossier", "federal_decision", "authorised"),
    ("status_event", "from_status", "draft' OR 'a'='a"),
    ("status_event", "to_status", ""),
]


@pytest.mark.parametrize(("table", "column", "value"), BOGUS)
def test_the_database_refuses_a_value_outside_the_vocabulary(db_session, table, column, value):
    owner = make_user("owner@acme.example")
    dossier = DossierFactory(owner=owner, status=S.SUBMITTED)
    status.change(dossier, S.WITHDRAWN, owner, "changed my mind")
    row_id = dossier.id if table == "dossier" else _event_id(dossier.id)
    update = text(f"UPDATE {table} SET {column} = :value WHERE id = :id")  # noqa: S608
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(update, {"value": value, "id": row_id})
    # A known value passes the same constraint.
    good = {"flemish_decision": "refused", "federal_decision": "granted"}.get(column, "withdrawn")
    with db.session.begin_nested():
        db.session.execute(update, {"value": good, "id": row_id})


def _event_id(dossier_id: int) -> int:
    return db.session.scalar(
        text("SELECT max(id) FROM status_event WHERE dossier_id = :id"), {"id": dossier_id}
    )


# The legal clock stands still while the file is in a clock-stopped status ----------------


def test_the_clock_stops_for_as_long_as_the_file_is_in_a_clock_stopped_status(db_session):
    owner = make_user("owner@acme.example")
    with clock.frozen(datetime(2026, 3, 1, 9, tzinfo=UTC)):  # submitted before the request
        dossier = DossierFactory(owner=owner, status=S.SUBMITTED)
    asked = status.change(dossier, S.INFO_REQUESTED, owner, "Which diploma?")
    stopped_on = date(2026, 3, 2)
    asked.at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    db.session.flush()
    assert status.pauses(dossier) == [(stopped_on, None)]
    answered = status.change(dossier, S.SUBMITTED, owner, reason_codes="info_provided")
    answered.at = datetime(2026, 3, 6, 22, 30, tzinfo=UTC)  # 23:30 in Brussels: still the 6th
    db.session.flush()
    assert status.pauses(dossier) == [(stopped_on, date(2026, 3, 6))]
    # The timeline hands over the events it read already: the same pauses, no second read.
    history = list(
        db.session.scalars(
            select(StatusEvent)
            .where(StatusEvent.dossier_id == dossier.id)
            .order_by(StatusEvent.at, StatusEvent.id)
        )
    )
    assert status.pauses(dossier, history) == [(stopped_on, date(2026, 3, 6))]
    assert status.pauses(dossier, history[:-1]) == [(stopped_on, None)]
    # A status that does not stop the clock adds no pause.
    status.change(dossier, S.WITHDRAWN, owner, "no longer needed")
    assert status.pauses(dossier) == [(stopped_on, date(2026, 3, 6))]


def test_the_upgrade_names_a_stray_status_instead_of_failing_half_way(tmp_path, capfd):
    """A row with a value outside the vocabulary stops the upgrade before any change."""
    import sqlalchemy as sa
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import migrate

    url = f"sqlite:///{tmp_path / 'checks.sqlite'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k" * 40})
    engine = sa.create_engine(url)
    with app.app_context():
        config = migrate.get_config()
        before = ScriptDirectory.from_config(config).get_revision("life0001checks").down_revision
        upgrade(revision=before)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO dossier (reference, kind, status, channel, locale, is_posting,"
                    " thresholds_missing, sections_done, reduced_threshold, created_at,"
                    " updated_at) VALUES ('SP-CK-1', 'new', 'on_hold', 'online', 'nl', 0, 0,"
                    " '', 0, '2026-01-01', '2026-01-01')"
                )
            )
        with pytest.raises(SystemExit):  # Flask-Migrate logs the error, then exits
            upgrade(revision="life0001checks")
        logged = capfd.readouterr().err
        assert "dossier.status holds values outside its vocabulary: ['on_hold']" in logged
        with engine.connect() as connection:
            version = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
            assert version.scalar() == before  # nothing changed
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE dossier SET status = 'submitted'"))
        upgrade(revision="life0001checks")
        with engine.begin() as connection, pytest.raises(sa.exc.IntegrityError):
            connection.execute(sa.text("UPDATE dossier SET status = 'on_hold'"))
    engine.dispose()
