"""The purge of what concerns people directly: intake messages, quarantine, tickets, accounts.

Each series with records of known age: one just past its period (due), one a day younger
(kept). A dry run lists, a real run applies.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import audit, clock, storage
from portal.accounts import services, sessions
from portal.dossiers.models import Dossier, DossierViewer
from portal.extensions import db
from portal.fallback import quarantine as desk_quarantine
from portal.fallback import rawstore
from portal.fallback.models import (
    EntryKind,
    HelpdeskTicket,
    IntakeMessage,
    Outcome,
    Proof,
    Review,
    TicketEntry,
    TicketStatus,
)
from portal.privacy import run, schedule
from portal.privacy.accounts import PLACEHOLDER_DOMAIN
from tests.factories import (
    PASSWORD,
    DossierFactory,
    EmployerFactory,
    HelpdeskFactory,
    OfficerFactory,
    TalentFactory,
)
from tests.privacy.test_run import NOW, only
from tests.support import login

HALF_DAY = timedelta(hours=12)


def cutoff(series: str) -> datetime:
    return schedule.load()[series].period.before(NOW)


def due_and_younger(series: str) -> tuple[datetime, datetime]:
    """A moment just past the period, and one a day younger (not yet due)."""
    edge = cutoff(series)
    return edge - HALF_DAY, edge + HALF_DAY


# --- intake messages and the quarantine ----------------------------------------------------------

SENDER = "priya.sharma@example.test"


def intake(received_at: datetime, outcome: Outcome, raw: bytes, **extra) -> IntakeMessage:
    sha, size = rawstore.keep(io.BytesIO(raw))
    message = IntakeMessage(
        source_key=f"test/{received_at.isoformat()}/{outcome}/{sha}/{len(extra)}",
        sha256=sha,
        size=size,
        received_at=received_at,
        sender=SENDER,
        subject="Application Priya Sharma",
        message_id="<abc@priya.example>",
        content_hash="c" * 64,
        outcome=outcome,
        reason="no_proof" if outcome == Outcome.REJECTED else None,
        detail="from Priya Sharma",
        **extra,
    )
    db.session.add(message)
    db.session.flush()
    return message


def mail(text: str) -> bytes:
    return f"From: {SENDER}\r\nSubject: {text}\r\n\r\nPassport of Priya\r\n".encode()


@pytest.fixture
def messages(db_session):
    old, young = due_and_younger("intake_messages")
    q_old, q_young = due_and_younger("quarantine")
    found = {
        "accepted_old": intake(old, Outcome.ACCEPTED, mail("a")),
        "accepted_young": intake(young, Outcome.ACCEPTED, mail("b")),
        # Reviewed long ago: no longer in the quarantine, an intake message like the rest.
        "dismissed_old": intake(
            old,
            Outcome.REJECTED,
            mail("c"),
            reviewed_at=old,
            review=Review.DISMISSED,
            review_reason="Priya sent her CV",
        ),
        "quarantined_old": intake(q_old, Outcome.REJECTED, mail("d")),
        "quarantined_young": intake(q_young, Outcome.ERROR, mail("e")),
        # The same bytes as an old one, delivered again lately: the file must stay for it.
        "shared_young": intake(young, Outcome.DUPLICATE, mail("a")),
    }
    db.session.commit()
    return found


def purged(message: IntakeMessage) -> bool:
    db.session.refresh(message)
    return message.purged_at is not None


def test_a_dry_run_lists_old_intake_messages_and_quarantine_apart(messages):
    outcomes = run.run(dry_run=True, now=NOW, entries=only("intake_messages") | only("quarantine"))
    by = {o.series: o for o in outcomes}
    assert by["intake_messages"].sample == [
        f"intake message {messages['accepted_old'].id}",
        f"intake message {messages['dismissed_old'].id}",
    ]
    assert by["quarantine"].sample == [f"intake message {messages['quarantined_old'].id}"]
    assert not any(purged(m) for m in messages.values())
    assert rawstore.path_of(messages["accepted_old"].sha256).exists()


def test_a_real_run_deletes_the_old_messages_and_keeps_the_rows_and_the_young(app, messages):
    outcomes = run.run(
        dry_run=False, now=NOW, entries=only("intake_messages") | only("quarantine"), batch=1
    )
    assert [o.done for o in outcomes] == [2, 1]
    for name in ("accepted_old", "dismissed_old", "quarantined_old"):
        message = messages[name]
        assert purged(message)
        assert (message.sender, message.subject, message.message_id, message.detail) == (
            None,
            None,
            None,
            None,
        )
        assert message.review_reason is None
        # The row stays with what the helpdesk's list and the duplicate check need.
        assert message.content_hash == "c" * 64 and message.outcome and message.received_at
    assert not rawstore.path_of(messages["dismissed_old"].sha256).exists()
    assert not rawstore.path_of(messages["quarantined_old"].sha256).exists()
    # Shared bytes stay while a younger message still names them.
    assert rawstore.path_of(messages["accepted_old"].sha256).exists()
    for name in ("accepted_young", "quarantined_young", "shared_young"):
        assert not purged(messages[name]) and messages[name].sender == SENDER
    # A purged message leaves the quarantine; the page says it cannot be read.
    quarantined = messages["quarantined_old"]
    assert not quarantined.in_quarantine and messages["quarantined_young"].in_quarantine
    agent = HelpdeskFactory()
    listed = {row.id for row in desk_quarantine.messages(agent, "quarantine").items}
    assert quarantined.id not in listed and messages["quarantined_young"].id in listed
    assert desk_quarantine.content(quarantined).readable is False
    # Nothing is done twice.
    again = run.run(dry_run=False, now=NOW, entries=only("intake_messages") | only("quarantine"))
    assert [o.done for o in again] == [0, 0]


def test_the_raw_download_of_a_purged_message_is_gone(app, client, messages):
    run.run(dry_run=False, now=NOW, entries=only("quarantine"))
    agent = HelpdeskFactory()
    db.session.commit()
    from tests.support import login

    login(client, agent.email)
    response = client.get(f"/helpdesk/desk/intake/{messages['quarantined_old'].id}/raw")
    assert response.status_code == 404
    page = client.get(f"/helpdesk/desk/intake/{messages['quarantined_old'].id}")
    assert page.status_code == 200 and SENDER not in page.get_data(as_text=True)


# --- helpdesk tickets ------------------------------------------------------------------------------


def ticket(resolved_at: datetime | None, number: str, *, screenshot: str | None = None):
    status = TicketStatus.RESOLVED if resolved_at else TicketStatus.ANSWERED
    record = HelpdeskTicket(
        number=number,
        access_token=number.lower() * 4,
        requester_name="Priya Sharma",
        requester_email=SENDER,
        organisation_name="Sharma Consulting",
        organisation_kbo="0123456749",
        tried="Uploading my passport P1234567",
        error_text="Error 500",
        status=status,
        resolved_at=resolved_at,
        screenshot_name="screen Priya.png" if screenshot else None,
        screenshot_stored_name=screenshot,
    )
    record.entries.append(TicketEntry(kind=EntryKind.REQUESTER, body="Please help, Priya"))
    db.session.add(record)
    db.session.flush()
    return record


@pytest.fixture
def tickets(db_session):
    old, young = due_and_younger("helpdesk_tickets")
    storage.storage().put("f" * 32, b"\x89PNG screenshot")
    found = {
        "old": ticket(old, "HD-OLD1", screenshot="f" * 32),
        "young": ticket(young, "HD-YNG1"),
        "open": ticket(None, "HD-OPN1"),  # never resolved: no end yet, however old
    }
    found["open"].created_at = old - timedelta(days=2000)
    with_proof = ticket(old, "HD-PRF1")
    db.session.add(
        Proof(
            code="PRF1",
            ticket_id=with_proof.id,
            email=SENDER,
            expires_on=old.date(),
            issued_by_id=HelpdeskFactory().id,
        )
    )
    found["with_proof"] = with_proof
    db.session.commit()
    return found


def test_old_resolved_tickets_lose_their_requester(tickets):
    (dry,) = run.run(dry_run=True, now=NOW, entries=only("helpdesk_tickets"))
    assert dry.sample == [f"ticket {tickets['old'].id}", f"ticket {tickets['with_proof'].id}"]
    assert tickets["old"].requester_email == SENDER
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("helpdesk_tickets"))
    assert outcome.done == 2
    db.session.expire_all()
    for name in ("old", "with_proof"):
        record = tickets[name]
        assert record.anonymised_at == NOW
        assert (record.requester_name, record.requester_email, record.tried) == ("", "", "")
        assert record.organisation_name is None and record.error_text == ""
        assert record.access_token != name.lower() * 4
        assert all(entry.body == "" for entry in record.entries)
        assert record.number and record.status == TicketStatus.RESOLVED  # the record stays
    assert tickets["with_proof"].proofs[0].email == ""
    assert tickets["old"].screenshot_stored_name is None
    assert not storage.storage().exists("f" * 32)
    for name in ("young", "open"):
        assert tickets[name].requester_email == SENDER and tickets[name].anonymised_at is None


def test_the_schedule_can_say_delete_for_tickets_and_a_proof_keeps_its_ticket(tickets):
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("helpdesk_tickets", "delete"))
    assert outcome.done == 1 and outcome.left == [f"ticket {tickets['with_proof'].id} (proof)"]
    db.session.expire_all()
    assert db.session.get(HelpdeskTicket, tickets["old"].id) is None
    assert db.session.scalar(select(func.count(TicketEntry.id))) == 3  # the others' threads
    assert not storage.storage().exists("f" * 32)
    assert db.session.get(HelpdeskTicket, tickets["young"].id) is not None


# --- accounts unused for years ---------------------------------------------------------------------


@pytest.fixture
def people(db_session):
    old, young = due_and_younger("accounts")
    with clock.frozen(old - timedelta(days=400)):
        unused = EmployerFactory(email="unused@example.test", name="Ulla Unused")
        never = TalentFactory(email="never@example.test", name="Nora Never")  # no login
        lately = EmployerFactory(email="lately@example.test", name="Lena Lately")
        filed = DossierFactory(owner=unused, submitted=True)
        db.session.add(DossierViewer(dossier_id=filed.id, user_id=never.id))
    never.created_at = old
    with clock.frozen(old):
        sessions.start(unused, ip="203.0.113.9", user_agent="Firefox")
        audit.record("login", actor_id=unused.id)
    with clock.frozen(young):
        sessions.start(lately, ip="203.0.113.10", user_agent="Firefox")
    with clock.frozen(young):
        young_one = EmployerFactory(email="young@example.test", name="Yara Young")
    db.session.commit()
    return unused, never, lately, young_one, filed


def test_a_dry_run_lists_the_accounts_unused_for_years(people):
    unused, never, lately, young_one, filed = people
    (outcome,) = run.run(dry_run=True, now=NOW, entries=only("accounts"))
    assert sorted(outcome.sample) == sorted([f"account {unused.id}", f"account {never.id}"])
    assert unused.email == "unused@example.test"


def test_anonymised_accounts_keep_nothing_personal_but_stay_as_rows(people):
    unused, never, lately, young_one, filed = people
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("accounts"), batch=1)
    assert outcome.done == 2
    db.session.expire_all()
    for user in (unused, never):
        assert user.anonymised_at == NOW and not user.active
        assert user.email.endswith("@" + PLACEHOLDER_DOMAIN) and user.name == ""
        assert str(user.id) in user.email
        assert services.authenticate(user.email, PASSWORD) == (services.LoginResult.FAILED, None)
        assert not services.password_matches(user.password_hash, "")
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(sessions.UserSession)
                .where(sessions.UserSession.user_id == user.id)
            )
            == 0
        )
    assert unused.email != never.email  # unique placeholders
    # The file stays with its organisation and still names its filer's row.
    assert db.session.get(Dossier, filed.id).created_by_id == unused.id
    assert db.session.scalar(select(func.count(DossierViewer.id))) == 0
    assert audit.verify().intact
    # The address is free: its owner can register anew.
    assert services.user_by_email("unused@example.test") is None
    for kept in (lately, young_one):
        assert kept.anonymised_at is None and kept.name
        assert services.authenticate(kept.email, PASSWORD)[0] == services.LoginResult.OK
    (again,) = run.run(dry_run=False, now=NOW, entries=only("accounts"))
    assert again.done == 0


def test_the_command_lists_every_series_with_a_handler(app, db_session, monkeypatch):
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    result = app.test_cli_runner().invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    for series in ("intake_messages", "quarantine", "helpdesk_tickets", "accounts"):
        assert f"\n{series}: 0 due" in result.output, result.output


def test_plugins_take_their_own_data_of_an_anonymised_account_out(app, people, monkeypatch):
    unused, never, *_ = people
    seen = []
    monkeypatch.setitem(
        app.extensions, "account_anonymisers", [lambda user: seen.append(user.email)]
    )
    run.run(dry_run=False, now=NOW, entries=only("accounts"))
    assert sorted(seen) == ["never@example.test", "unused@example.test"]  # before the change


# --- login sessions --------------------------------------------------------------------------------


def session_row(user, started: datetime, last_seen: datetime, *, ended: bool = False):
    with clock.frozen(started):
        row, _token = sessions.start(user, ip="203.0.113.7", user_agent="Firefox")
    row.last_seen_at = last_seen
    row.ended_at = last_seen if ended else None
    return row


@pytest.fixture
def logins(db_session):
    old, young = due_and_younger("sessions")
    with clock.frozen(old - timedelta(days=400)):
        olga = EmployerFactory(email="olga.logins@example.test")
        other = EmployerFactory(email="other.logins@example.test")
    rows = {
        "ended": session_row(olga, old - timedelta(days=3), old, ended=True),
        "abandoned": session_row(olga, old - timedelta(hours=1), old),  # browser closed
        "other's": session_row(other, old - timedelta(days=30), old - timedelta(days=30)),
        "young": session_row(olga, young, young, ended=True),
        "live": session_row(olga, NOW - timedelta(minutes=5), NOW - timedelta(minutes=1)),
    }
    db.session.commit()
    return olga, rows


def session_ids() -> set[int]:
    return set(db.session.scalars(select(sessions.UserSession.id)))


def test_a_dry_run_counts_the_old_logins_and_deletes_nothing(logins):
    olga, rows = logins
    (outcome,) = run.run(dry_run=True, now=NOW, entries=only("sessions"))
    old = [rows["ended"].id, rows["abandoned"].id, rows["other's"].id]
    assert outcome.due == 3
    assert outcome.sample == [f"session {i}" for i in sorted(old)]
    assert session_ids() == {row.id for row in rows.values()}


def test_old_logins_go_and_the_young_and_live_stay_with_the_last_login(logins, client):
    olga, rows = logins
    last_login = olga.last_login_at
    assert last_login == rows["live"].created_at  # the latest of the five
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("sessions"), batch=2)
    assert outcome.done == 3
    db.session.expire_all()
    assert session_ids() == {rows["young"].id, rows["live"].id}
    assert olga.last_login_at == last_login
    (again,) = run.run(dry_run=False, now=NOW, entries=only("sessions"))
    assert again.done == 0


def test_a_period_shorter_than_the_idle_timeout_never_ends_a_session_in_use(app, db_session):
    # An operator's schedule says one day, and their settings keep an idle session three days.
    user = EmployerFactory(email="long.idle@example.test")
    using = session_row(user, NOW - timedelta(days=2), NOW - timedelta(days=2))
    idle = session_row(user, NOW - timedelta(days=5), NOW - timedelta(days=4))
    db.session.commit()
    limits = {"SESSION_IDLE_TIMEOUT": 3 * 86400, "SESSION_ABSOLUTE_TIMEOUT": 10 * 86400}
    saved = {key: app.config[key] for key in limits}
    app.config.update(limits)
    try:
        assert sessions.is_live(using, NOW) and not sessions.is_live(idle, NOW)
        (outcome,) = run.run(dry_run=False, now=NOW, entries=only("sessions", period="1 days"))
    finally:
        app.config.update(saved)
    assert outcome.done == 1
    assert session_ids() == {using.id}


def test_an_account_whose_logins_were_purged_still_counts_from_its_last_login(db_session):
    accounts_cutoff = cutoff("accounts")
    with clock.frozen(accounts_cutoff - timedelta(days=800)):
        recent = EmployerFactory(email="recent.login@example.test", name="Rita Recent")
        gone = EmployerFactory(email="gone.login@example.test", name="Gert Gone")
    # Rita last came a year ago, well within the accounts' period; Gert before its cutoff.
    session_row(recent, NOW - timedelta(days=365), NOW - timedelta(days=365), ended=True)
    session_row(gone, accounts_cutoff - timedelta(days=2), accounts_cutoff - timedelta(days=2))
    db.session.commit()
    (purged,) = run.run(dry_run=False, now=NOW, entries=only("sessions"))
    assert purged.done == 2 and session_ids() == set()
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("accounts"))
    assert outcome.done == 1
    db.session.expire_all()
    assert recent.anonymised_at is None and recent.name == "Rita Recent"
    assert gone.anonymised_at == NOW and gone.name == ""


# --- claim contests ------------------------------------------------------------------------------


@pytest.fixture
def contests(db_session):
    from portal.accounts.models import ContestStatus
    from tests.factories import ClaimContestFactory

    old, young = due_and_younger("claim_contests")
    storage.storage().put("c" * 32, b"%PDF-1.4 an extract naming Dirk Director")
    found = {}
    for name, decided, status, stored in (
        ("old", old, ContestStatus.UPHELD, "c" * 32),
        ("dismissed", old, ContestStatus.DISMISSED, "kept.pdf"),
        ("young", young, ContestStatus.DISMISSED, "young.pdf"),
        ("open", None, ContestStatus.OPEN, "open.pdf"),  # no end yet, however old
    ):
        found[name] = ClaimContestFactory(
            contact_name="Dirk Director",
            email=f"dirk.{name}@real.example",
            message="Our number, signed Dirk <b>Director</b>",
            status=status,
            decided_at=decided,
            decision_reason="Dirk showed the extract" if decided else None,
            proof_stored_name=stored,
            created_at=old - timedelta(days=900),
        )
    db.session.commit()
    with clock.frozen(old):
        audit.record("contest:sent", detail="from dirk.old@real.example")
    db.session.commit()
    return found


def test_decided_contests_lose_their_contact_person_and_proof(contests, client):
    (dry,) = run.run(dry_run=True, now=NOW, entries=only("claim_contests"))
    assert dry.sample == [f"contest {contests['old'].id}", f"contest {contests['dismissed'].id}"]
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("claim_contests"), batch=1)
    assert outcome.done == 2
    db.session.expire_all()
    for name in ("old", "dismissed"):
        record = contests[name]
        assert record.anonymised_at == NOW
        assert (record.contact_name, record.email, record.phone, record.message) == ("",) * 4
        assert (record.proof_file_name, record.proof_stored_name) == ("", "")
        assert record.decision_reason is None
        # What the decision on the number needs stays.
        assert record.kbo_number and record.company_name and record.proof_sha256 == "0" * 64
    assert not storage.storage().exists("c" * 32)
    for name in ("young", "open"):
        assert contests[name].email == f"dirk.{name}@real.example"
        assert contests[name].anonymised_at is None
    details = db.session.scalars(select(audit.AuditEntry.detail)).all()
    assert not any("dirk.old@real.example" in (detail or "") for detail in details)
    assert audit.verify().intact
    (again,) = run.run(dry_run=False, now=NOW, entries=only("claim_contests"))
    assert again.done == 0

    officer = OfficerFactory()
    db.session.commit()
    login(client, officer.email)
    page = client.get(f"/backoffice/contests/{contests['old'].id}?lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Anonymised by the retention schedule" in text
    assert "Dirk" not in text
    assert client.get(f"/backoffice/contests/{contests['old'].id}/proof").status_code == 404


def test_the_schedule_can_say_delete_for_contests(contests):
    from portal.accounts.models import ClaimContest

    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("claim_contests", "delete"))
    assert outcome.done == 2
    db.session.expire_all()
    left = set(db.session.scalars(select(ClaimContest.id)))
    assert left == {contests["young"].id, contests["open"].id}
    assert not storage.storage().exists("c" * 32)


# --- rejected claims ----------------------------------------------------------------------------


@pytest.fixture
def rejected(db_session):
    """Claims with a proof: rejected past the period (two), rejected a day younger, proven
    long ago and pending long ago (neither has an end)."""
    from portal.accounts.models import ClaimStatus, ProofKind
    from tests.factories import OrganisationFactory

    old, young = due_and_younger("rejected_claims")
    storage.storage().put("d" * 32, b"%PDF-1.4 an extract naming Dirk Director")
    found = {}
    for name, status, decided, stored in (
        ("old", ClaimStatus.REJECTED, old, "d" * 32),
        ("imported", ClaimStatus.REJECTED, old, "not-ours.pdf"),  # no file of ours
        ("young", ClaimStatus.REJECTED, young, "young.pdf"),
        ("proven", ClaimStatus.PROVEN, old - timedelta(days=900), "proven.pdf"),
        ("pending", ClaimStatus.PENDING, None, "pending.pdf"),
    ):
        claim = OrganisationFactory(claim=status).claim
        claim.proof_kind = ProofKind.KBO_EXTRACT
        claim.proof_file_name = f"uittreksel Dirk <b>Director</b> {name}.pdf"
        claim.proof_stored_name = stored
        claim.proof_sha256, claim.proof_size = "e" * 64, 1234
        claim.decided_at = decided
        claim.decision_reason = "Dirk's signature\u202e does not match; '; DROP TABLE --"
        found[name] = claim
    db.session.commit()
    return found


def test_rejected_claims_lose_their_proof_and_reason(rejected, client):
    (dry,) = run.run(dry_run=True, now=NOW, entries=only("rejected_claims"))
    assert dry.due == 2
    assert dry.sample == [f"claim {rejected['old'].id}", f"claim {rejected['imported'].id}"]
    assert rejected["old"].proof_stored_name == "d" * 32  # a dry run changes nothing
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("rejected_claims"), batch=1)
    assert outcome.done == 2
    db.session.expire_all()
    for name in ("old", "imported"):
        claim = rejected[name]
        assert claim.anonymised_at == NOW
        assert (claim.proof_file_name, claim.proof_stored_name, claim.decision_reason) == (
            None,
            None,
            None,
        )
        # The decision on the number stays, with what identifies the proof.
        assert claim.kbo_number and claim.status.value == "rejected"
        assert (claim.proof_sha256, claim.proof_size) == ("e" * 64, 1234)
        assert claim.decided_at is not None and claim.proof_kind is not None
    assert not storage.storage().exists("d" * 32)
    for name in ("young", "proven", "pending"):
        assert rejected[name].anonymised_at is None
        assert rejected[name].proof_file_name.endswith(f" {name}.pdf")
        assert rejected[name].decision_reason is not None
    (again,) = run.run(dry_run=False, now=NOW, entries=only("rejected_claims"))
    assert again.done == 0

    officer = OfficerFactory()
    db.session.commit()
    login(client, officer.email)
    page = client.get(f"/backoffice/claims/{rejected['old'].id}?lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Anonymised by the retention schedule" in text
    assert "Dirk" not in text and "e" * 16 in text
    assert client.get(f"/backoffice/claims/{rejected['old'].id}/proof").status_code == 404
    young = client.get(f"/backoffice/claims/{rejected['young'].id}?lang=en")
    assert "Dirk &lt;b&gt;Director&lt;/b&gt; young.pdf" in young.get_data(as_text=True)


# --- accounts whose address nobody confirmed ---------------------------------------------------


@pytest.fixture
def unconfirmed(db_session):
    old, young = due_and_younger("unconfirmed_accounts")
    with clock.frozen(old):
        found = {
            # Someone registered this address and never opened the link.
            "registered": EmployerFactory(
                email="nina.never@example.test", name="Nina Never", verified=False
            ),
            # An employer invited a worker who never came.
            "invited": TalentFactory(
                email="ivo.invited@example.test",
                name="Ivo Invited",
                verified=False,
                password_hash=None,
            ),
            "confirmed": EmployerFactory(email="carla@example.test", name="Carla Confirmed"),
        }
    with clock.frozen(young):
        found["young"] = EmployerFactory(
            email="yves.young@example.test", name="Yves Young", verified=False
        )
    filed = DossierFactory(submitted=True)
    db.session.add(DossierViewer(dossier_id=filed.id, user_id=found["invited"].id))
    db.session.commit()
    return found


def test_accounts_nobody_confirmed_are_anonymised_after_their_period(unconfirmed):
    (dry,) = run.run(dry_run=True, now=NOW, entries=only("unconfirmed_accounts"))
    due = sorted([unconfirmed["registered"].id, unconfirmed["invited"].id])
    assert dry.sample == [f"account {i}" for i in due]
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("unconfirmed_accounts"), batch=1)
    assert outcome.done == 2
    db.session.expire_all()
    for name, address in (("registered", "nina.never"), ("invited", "ivo.invited")):
        user = unconfirmed[name]
        assert user.anonymised_at == NOW and not user.active and user.name == ""
        assert user.email.endswith("@" + PLACEHOLDER_DOMAIN)
        # The address is free for its owner.
        assert services.user_by_email(f"{address}@example.test") is None
    assert db.session.scalar(select(func.count(DossierViewer.id))) == 0
    for name in ("confirmed", "young"):
        assert unconfirmed[name].anonymised_at is None and unconfirmed[name].name
    assert audit.verify().intact
    (again,) = run.run(dry_run=False, now=NOW, entries=only("unconfirmed_accounts"))
    assert again.done == 0
