"""Concurrent requests on a real database: they wait for each other, never fail or double.

These tests cannot use the rolled-back test session (one connection sees no lock): they
run on an app of their own, on a database file of its own (SQLite) or a database of its
own in the same cluster (PostgreSQL, when DATABASE_URL points there), with commits.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import audit
from portal.accounts.models import ClaimStatus, MembershipClaim, OrgRole, Role, User
from portal.audit import AuditEntry
from portal.dossiers.lifecycle import handling
from portal.dossiers.lifecycle.models import StatusEvent
from portal.dossiers.models import Document, Dossier, DossierStatus
from portal.extensions import db
from tests.applications_support import fill, start, submit
from tests.factories import PASSWORD, DossierFactory, card_details
from tests.support import login, make_organisation, make_user, own_app, run_together

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")

THREADS = 10


def _audited_reads(employer, officer, read_id: int, document_id: int) -> list:
    """Three GETs that each append an audit entry: a receipt, the officer's file page and a
    document (the reads that write)."""
    return [
        lambda: _get(employer, f"/applications/{read_id}/receipt.pdf"),
        lambda: _get(officer, f"/backoffice/dossiers/{read_id}"),
        lambda: _get(officer, f"/backoffice/dossiers/{read_id}/documents/{document_id}"),
    ]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """An app on its own committed database, with an employer, two officers and files."""
    with own_app(
        tmp_path_factory.mktemp("concurrency"),
        "portal_concurrency",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS * 4, "max_overflow": 10},
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=False,
    ) as app:
        with app.app_context():
            make_user("employer@live.example", Role.EMPLOYER)
            make_user("officer1@live.example", Role.OFFICER)
            make_user("officer2@live.example", Role.OFFICER)
            db.session.commit()
        employer = app.test_client()
        drafts = []
        with app.app_context():
            login(employer, "employer@live.example")
            for _ in range(7):
                dossier = start(employer)
                fill(employer, dossier)
                drafts.append(dossier.id)
            db.session.commit()
        # Two submitted files: one to read, one to decide.
        with app.app_context():
            for dossier_id in drafts[:2]:
                assert submit(employer, dossier_id, token=f"setup-{dossier_id}").status_code == 302
        app.drafts = drafts
        yield app


def _client(app, email):
    client = app.test_client()
    with app.app_context():
        login(client, email)
    return client


def _get(client, url) -> int:
    with client.get(url) as response:  # closes a streamed file
        return response.status_code


def test_audited_reads_and_races_on_one_file_never_fail_or_double(live):
    read_id, decide_id, *drafts = live.drafts
    with live.app_context():
        document_id = db.session.scalar(
            select(Document.id).where(Document.dossier_id == read_id).limit(1)
        )
        entries_before = db.session.scalar(select(func.count(AuditEntry.id)))
    employers = [_client(live, "employer@live.example") for _ in range(THREADS)]
    officers = [_client(live, f"officer{1 + n % 2}@live.example") for n in range(THREADS)]
    jobs = []
    for n in range(THREADS):
        employer, officer = employers[n], officers[n]
        jobs += _audited_reads(employer, officer, read_id, document_id)
        # Two tabs submit each draft (different tokens), and the same tab twice (a double
        # click): one submission each.
        draft = drafts[n % len(drafts)]
        jobs.append(
            lambda c=employer, d=draft, n=n: submit(c, d, token=f"tab-{d}-{n % 3}").status_code
        )
        # Ten officers decide the same file at once: one decision.
        jobs.append(
            lambda c=officer: (
                c.post(
                    f"/backoffice/dossiers/{decide_id}/decision",
                    data={
                        "decision-outcome": "authorised",
                        "decision-reasons": "",
                        "decision-confirmed": "yes",
                    },
                ).status_code
            )
        )
        jobs.append(lambda c=officer: c.post(f"/backoffice/dossiers/{decide_id}/claim").status_code)
    statuses = run_together(jobs)
    assert len(statuses) == len(jobs)
    assert not [s for s in statuses if s >= 500], Counter(statuses)

    with live.app_context():
        submitted = Counter(
            db.session.scalars(
                select(StatusEvent.dossier_id).where(
                    StatusEvent.to_status == DossierStatus.SUBMITTED
                )
            )
        )
        assert set(submitted) == set(live.drafts)
        assert all(count == 1 for count in submitted.values()), submitted
        decisions = db.session.scalars(
            select(StatusEvent.to_status).where(
                StatusEvent.dossier_id == decide_id,
                StatusEvent.to_status == DossierStatus.WORK_AUTHORISED,
            )
        ).all()
        assert len(decisions) == 1
        references = db.session.scalars(
            select(Dossier.reference).where(Dossier.id.in_(live.drafts))
        ).all()
        assert len(set(references)) == len(live.drafts)
        downloads = db.session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.dossier_id == read_id, AuditEntry.detail == "receipt"
            )
        )
        assert downloads == THREADS
        assert db.session.scalar(select(func.count(AuditEntry.id))) > entries_before
        report = audit.verify()
        db.session.commit()
        assert report.intact and report.entries == db.session.scalar(
            select(func.count(AuditEntry.id))
        )


def test_reads_in_parallel_with_audited_reads_and_posts_never_fail_or_lose_an_entry(live):
    """Issue 15: plain GETs read deferred (in parallel on SQLite), audited GETs and POSTs
    write immediate, and every session is touched ("last seen" apart, under the write lock),
    all at once. No 5xx, every audited read recorded exactly once, every draft submitted once.
    """
    read_id = live.drafts[0]
    with live.app_context():
        employer = _client(live, "employer@live.example")
        fresh = []
        for _ in range(3):
            dossier = start(employer)
            fill(employer, dossier)
            fresh.append(dossier.id)
        db.session.commit()
        document_id = db.session.scalar(
            select(Document.id).where(Document.dossier_id == read_id).limit(1)
        )

    def audited(action: str, detail: str | None = None) -> int:
        query = select(func.count(AuditEntry.id)).where(
            AuditEntry.dossier_id == read_id, AuditEntry.action == action
        )
        if detail is not None:
            query = query.where(AuditEntry.detail == detail)
        return db.session.scalar(query)

    with live.app_context():
        receipts, views, downloads = audited("download", "receipt"), audited("view"), None
        downloads = audited("download") - receipts  # the document downloads
    employers = [_client(live, "employer@live.example") for _ in range(THREADS)]
    officers = [_client(live, f"officer{1 + n % 2}@live.example") for n in range(THREADS)]
    touch_interval = live.config["SESSION_TOUCH_INTERVAL"]
    live.config["SESSION_TOUCH_INTERVAL"] = 0  # every request writes its "last seen"
    try:
        jobs = []
        for n in range(THREADS):
            employer, officer = employers[n], officers[n]
            jobs += _audited_reads(employer, officer, read_id, document_id)
            # Plain reads.
            jobs.append(lambda c=employer: _get(c, "/dashboard"))
            jobs.append(lambda c=employer: _get(c, "/applications/"))
            jobs.append(lambda c=employer: _get(c, f"/applications/{read_id}/timeline"))
            jobs.append(lambda c=officer: _get(c, "/backoffice/dossiers"))
            jobs.append(lambda c=officer: _get(c, "/backoffice/dossiers?q=worker"))
            # Writes: each fresh draft submitted from several tabs, a claim.
            draft = fresh[n % len(fresh)]
            jobs.append(
                lambda c=employer, d=draft, n=n: submit(c, d, token=f"par-{d}-{n}").status_code
            )
            jobs.append(
                lambda c=officer: c.post(f"/backoffice/dossiers/{read_id}/claim").status_code
            )
        statuses = run_together(jobs)
    finally:
        live.config["SESSION_TOUCH_INTERVAL"] = touch_interval
    assert len(statuses) == len(jobs)
    assert not [s for s in statuses if s >= 500], Counter(statuses)
    assert Counter(statuses)[200] >= THREADS * 8, Counter(statuses)

    with live.app_context():
        assert audited("download", "receipt") - receipts == THREADS
        assert audited("view") - views == THREADS
        assert audited("download") - audited("download", "receipt") - downloads == THREADS
        submitted = Counter(
            db.session.scalars(
                select(StatusEvent.dossier_id).where(
                    StatusEvent.to_status == DossierStatus.SUBMITTED,
                    StatusEvent.dossier_id.in_(fresh),
                )
            )
        )
        assert submitted == Counter({dossier_id: 1 for dossier_id in fresh}), submitted
        report = audit.verify()
        db.session.commit()
        assert report.intact


def test_information_requests_and_answers_race_without_doubling(live):
    decide_id = live.drafts[1]
    with live.app_context():
        # A fresh submitted file to ask about.
        employer = _client(live, "employer@live.example")
        dossier = start(employer)
        fill(employer, dossier)
        assert submit(employer, dossier.id, token=f"ask-{dossier.id}").status_code == 302
        dossier_id = dossier.id
    officers = [_client(live, f"officer{1 + n % 2}@live.example") for n in range(THREADS)]
    due = (date.today() + timedelta(days=10)).isoformat()
    statuses = run_together(
        [
            lambda c=c: (
                c.post(
                    f"/backoffice/dossiers/{dossier_id}/information",
                    data={"info-question": "Send the contract.", "info-due_on": due},
                ).status_code
            )
            for c in officers
        ]
    )
    assert not [s for s in statuses if s >= 500], Counter(statuses)
    employers = [_client(live, "employer@live.example") for _ in range(THREADS)]
    statuses = run_together(
        [
            lambda c=c: (
                c.post(
                    f"/applications/{dossier_id}/answer",
                    data={"answer": "Attached.", "action": "send"},
                ).status_code
            )
            for c in employers
        ]
    )
    assert not [s for s in statuses if s >= 500], Counter(statuses)
    with live.app_context():
        events = Counter(
            db.session.scalars(
                select(StatusEvent.to_status).where(StatusEvent.dossier_id == dossier_id)
            )
        )
        assert events[DossierStatus.INFO_REQUESTED] == 1
        assert events[DossierStatus.SUBMITTED] == 2  # the submission and the one answer
        assert decide_id != dossier_id
        assert audit.verify().intact
        db.session.commit()


def test_the_dvz_deciding_one_file_many_times_at_once_records_one_decision(live):
    from portal.api import keys

    with live.app_context():
        forwarded = db.session.scalar(
            select(Dossier).where(Dossier.status == DossierStatus.FORWARDED).limit(1)
        )
        assert forwarded is not None, "the first test forwards a file"
        reference, dossier_id = forwarded.reference, forwarded.id
        _client_row, key = keys.create_client(
            None, "DVZ", [keys.DECISIONS_WRITE, keys.DOSSIERS_READ]
        )
        db.session.commit()
    today = date.today().isoformat()

    def decide(n: int) -> int:
        # Half send their own Idempotency-Key, half retry one shared key.
        headers = {
            "Authorization": f"Bearer {key}",
            "Idempotency-Key": f"decision-{n if n % 2 else 'shared'}-0001",
        }
        with live.test_client() as web:
            return web.post(
                f"/api/v1/dossiers/{reference}/residence-decision",
                json={"decision": "granted", "decided_on": today},
                headers=headers,
            ).status_code

    statuses = run_together([lambda n=n: decide(n) for n in range(THREADS)])
    assert not [s for s in statuses if s >= 500], Counter(statuses)
    assert 200 in statuses or 201 in statuses, Counter(statuses)
    with live.app_context():
        granted = db.session.scalar(
            select(func.count(StatusEvent.id)).where(
                StatusEvent.dossier_id == dossier_id,
                StatusEvent.to_status == DossierStatus.RESIDENCE_GRANTED,
            )
        )
        assert granted == 1


# The professional card -----------------------------------------------------------------

CARD_OFFICERS = 6


def test_two_officers_deciding_one_card_at_once_one_wins(live):
    """Officers deciding the same professional card at once (grant and refusal): exactly one
    decision wins; every other officer gets the page back with a clean message."""
    with live.app_context():
        owner = make_user("person@race.example", Role.EMPLOYER)
        dossier = DossierFactory(
            owner=owner,
            card_submitted=True,
            card=card_details(residence_valid_until=date(2040, 1, 1)),
        )
        db.session.commit()
        dossier_id = dossier.id
        start = handling._today()
        until = handling.longest_until(start, 2)
    officers = [_client(live, f"officer{1 + n % 2}@live.example") for n in range(CARD_OFFICERS)]
    grant = {
        "decision-outcome": "authorised",
        "decision-valid_from": start.isoformat(),
        "decision-valid_until": until.isoformat(),
        "decision-confirmed": "yes",
    }
    refuse = {
        "decision-outcome": "refused",
        "decision-reason_codes": "card_diploma_level",
        "decision-confirmed": "yes",
    }
    url = f"/backoffice/dossiers/{dossier_id}/decision?lang=en"
    jobs = [
        (lambda c=client, data=(grant if n % 2 else refuse): c.post(url, data=data))
        for n, client in enumerate(officers)
    ]
    responses = []
    statuses = run_together(
        [lambda job=job: responses.append(job()) or responses[-1].status_code for job in jobs]
    )
    assert len(statuses) == CARD_OFFICERS
    assert not [s for s in statuses if s >= 500], Counter(statuses)
    assert Counter(statuses)[302] == 1, Counter(statuses)  # one redirect: the winner
    losers = [r for r in responses if r.status_code != 302]
    assert all(r.status_code == 200 for r in losers)
    assert all("There is a problem" in r.text or "Error" in r.text for r in losers)
    with live.app_context():
        decided = db.session.scalars(
            select(StatusEvent.to_status).where(
                StatusEvent.dossier_id == dossier_id,
                StatusEvent.to_status.in_([DossierStatus.CARD_GRANTED, DossierStatus.CARD_REFUSED]),
            )
        ).all()
        assert len(decided) == 1
        final = db.session.get(Dossier, dossier_id)
        assert final.status == decided[0]
        if final.status == DossierStatus.CARD_GRANTED:
            assert final.card.valid_until == until
        else:
            assert final.card.valid_until is None
        db.session.commit()


def test_administrators_answering_one_join_request_at_once_answer_it_once(live):
    """Two administrators of one organisation, five tabs each, approve and refuse the same
    request to join at once: one answer wins and is kept whole (status, decider and the
    person's membership agree); every other click is told it was answered already."""
    with live.app_context():
        organisation = make_organisation()
        admins = [
            make_user(
                f"admin{n}@join-race.example", organisation=organisation, org_role=OrgRole.ADMIN
            )
            for n in (1, 2)
        ]
        person = make_user("joiner@join-race.example", Role.EMPLOYER, organisation=None)
        person.organisation_id, person.org_role = None, None  # not a member yet
        request = MembershipClaim(organisation_id=organisation.id, user_id=person.id)
        db.session.add(request)
        db.session.commit()
        request_id, person_id, organisation_id = request.id, person.id, organisation.id
        admin_ids = {a.id for a in admins}
        emails = [a.email for a in admins]
    clients = [_client(live, emails[n % 2]) for n in range(10)]
    url = f"/account/organisation/requests/{request_id}"
    jobs = [
        (lambda c=c, d=("approve" if n % 2 else "reject"): c.post(url, data={"decision": d}))
        for n, c in enumerate(clients)
    ]
    responses = []
    statuses = run_together(
        [lambda job=job: responses.append(job()) or responses[-1].status_code for job in jobs]
    )
    assert statuses == [302] * 10, Counter(statuses)
    with live.app_context():
        answered = db.session.get(MembershipClaim, request_id)
        joiner = db.session.get(User, person_id)
        assert answered.status in (ClaimStatus.PROVEN, ClaimStatus.REJECTED)
        assert answered.decided_by_id in admin_ids
        if answered.status == ClaimStatus.PROVEN:
            assert (joiner.organisation_id, joiner.org_role) == (organisation_id, OrgRole.MEMBER)
        else:
            assert joiner.organisation_id is None
        decisions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("membership.%"))
        ).all()
        assert sorted(decisions) in (["membership.approved"], ["membership.rejected"]), decisions
        db.session.commit()
    # The losers were told (the flash of the redirect), none of them silently.
    told = 0
    for client in clients:
        with live.app_context():
            page = client.get("/account/organisation?lang=en").get_data(as_text=True)
        told += "already been answered" in page
    assert told == 9


def test_logins_of_one_account_at_once_and_the_purge_of_old_ones_lose_nothing(live):
    """Ten browsers log in to one account at the same moment while the daily retention run
    deletes the account's old logins: every login opens its own session, the account keeps
    the latest moment, and only the old rows go."""
    from portal import clock
    from portal.accounts import sessions
    from portal.privacy import run, schedule

    email = "many.browsers@live.example"
    with live.app_context():
        user = make_user(email)
        long_ago = clock.now() - timedelta(days=400)
        with clock.frozen(long_ago):
            old = [sessions.start(user, ip="203.0.113.1", user_agent="old")[0] for _ in range(30)]
        db.session.commit()
        user_id, old_ids = user.id, {row.id for row in old}

    def purge() -> int:
        with live.app_context():
            only = {"sessions": schedule.load()["sessions"]}
            (outcome,) = run.run(dry_run=False, batch=7, entries=only)
            return 200 if outcome.done == len(old_ids) else 409

    logins = [
        lambda: (
            live.test_client()
            .post("/account/login", data={"email": email, "password": PASSWORD})
            .status_code
        )
        for _ in range(THREADS)
    ]
    statuses = run_together([*logins, purge])
    assert sorted(statuses) == [200] + [302] * THREADS, Counter(statuses)
    with live.app_context():
        rows = db.session.scalars(
            select(sessions.UserSession).where(sessions.UserSession.user_id == user_id)
        ).all()
        assert not old_ids & {row.id for row in rows}
        assert len(rows) == THREADS and all(row.user_agent != "old" for row in rows)
        latest = max(row.created_at for row in rows)
        assert db.session.get(User, user_id).last_login_at == latest
        db.session.commit()
