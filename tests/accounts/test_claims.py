"""Enterprise claims: a registration holds its number only while pending in time or proven.

The journeys: a squatter registers a real company's number; the company contests it, or
the squatter's claim lapses and the company registers itself. A pending claimant prepares
drafts but cannot submit; an approved one can.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.accounts import claims, memberships
from portal.accounts.models import (
    ClaimContest,
    ClaimStatus,
    ContestStatus,
    Organisation,
    OrganisationClaim,
    OrgRole,
    Role,
    User,
)
from portal.audit import AuditEntry
from portal.dossiers.models import DossierStatus
from portal.extensions import db
from tests.accounts.test_accounts import EMPLOYER, register
from tests.applications_support import PDF, fill, start, submit
from tests.support import (
    PASSWORD,
    check_page,
    error_summary,
    field_error,
    link_in,
    login,
    make_organisation,
    make_user,
    prove_claim,
    statements_of,
    text_of,
)

KBO = "0403170701"
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


def _registered(client, email: str = EMPLOYER["email"], verified: bool = True) -> User:
    response = register(client, email=email)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    user = db.session.scalar(select(User).where(User.email == email))
    if verified:
        user.email_verified_at = clock.now()
        db.session.flush()
    return user


def _staff_client(app, role: Role, email: str):
    make_user(email, role)
    staff = app.test_client()
    login(staff, email)
    return staff


def _upload_proof(client, content: bytes = PDF, name: str = "kbo-extract.pdf"):
    return client.post(
        "/account/claim?lang=en",
        data={"kind": "kbo_extract", "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _contest(client, content: bytes = PDF, **changes):
    data = {
        "kbo_number": "0403.170.701",
        "company_name": "Vlaamse Transport NV",
        "contact_name": "Real Director",
        "email": "director@real-transport.example",
        "phone": "+32 9 123 45 67",
        "message": "We never registered on this portal.",
        "file": (io.BytesIO(content), "extract.pdf"),
    }
    data.update(changes)
    return client.post(
        "/account/register/contest?lang=en", data=data, content_type="multipart/form-data"
    )


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_new_registration_is_a_pending_claim_that_expires(client, app):
    user = _registered(client, verified=False)
    claim = user.organisation.claim
    assert claim.status == ClaimStatus.PENDING and claim.claimant_id == user.id
    assert claim.kbo_number == KBO
    lifetime = claim.expires_at - claim.created_at
    assert abs(lifetime - timedelta(seconds=app.config["CLAIM_MAX_AGE"])) < timedelta(minutes=1)
    assert app.config["CLAIM_MAX_AGE"] == 72 * 3600
    assert not user.organisation.claim_proven


def test_the_database_refuses_an_unknown_claim_status(db_session):
    organisation = make_organisation(claim=None)
    insert = OrganisationClaim.__table__.insert().values(
        organisation_id=organisation.id,
        kbo_number=organisation.kbo_number,
        status="approved-by-me",
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    with pytest.raises(IntegrityError, match="(?i)check"):
        db.session.execute(insert)


def test_a_pending_claimant_prepares_a_draft_but_cannot_submit(client, mailbox):
    _registered(client)
    login(client, EMPLOYER["email"])
    claim_page = check_page(client.get("/account/claim?lang=en").get_data(as_text=True))
    assert claim_page.find("input", type="file") is not None
    assert "expires" in claim_page.get_text()
    dashboard = check_page(client.get("/dashboard?lang=en").get_data(as_text=True))
    assert dashboard.find("a", href="/account/claim") is not None
    dossier = start(client)
    fill(client, dossier)
    page = check_page(client.get(f"/applications/{dossier.id}?lang=en").get_data(as_text=True))
    notice = page.find(id="claim-notice")
    assert notice is not None and notice.find("a")["href"] == "/account/claim"
    response = submit(client, dossier.id)
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    assert any("cannot submit files yet" in item for item in error_summary(soup))
    db.session.refresh(dossier)
    assert dossier.status == DossierStatus.DRAFT and dossier.reference is None


def test_an_approved_claimant_can_submit(app, client, mailbox):
    user = _registered(client)
    login(client, EMPLOYER["email"])
    dossier = start(client)
    fill(client, dossier)
    response = _upload_proof(client, name="extract.html")  # a PDF, whatever its name says
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    claim = user.organisation.claim
    assert claim.proof_sha256 and claim.proof_uploaded_at is not None

    officer = _staff_client(app, Role.OFFICER, "officer@claims.example")
    queue = check_page(officer.get("/backoffice/claims?lang=en").get_data(as_text=True))
    link = queue.find("a", href=f"/backoffice/claims/{claim.id}")
    assert link is not None
    detail = check_page(officer.get(f"/backoffice/claims/{claim.id}?lang=en").get_data(True))
    assert KBO in detail.get_text() and "kbopub.economie.fgov.be" in str(detail)
    proof = officer.get(f"/backoffice/claims/{claim.id}/proof")
    assert proof.status_code == 200 and proof.data == PDF
    assert proof.headers["Content-Disposition"].endswith("extract.pdf")
    proof.close()
    decided = officer.post(f"/backoffice/claims/{claim.id}?lang=en", data={"decision": "approve"})
    assert decided.status_code == 302
    assert claim.status == ClaimStatus.PROVEN and claim.proven_by == "officer"
    assert "claim.approved" in _actions()
    assert "confirmed" in mailbox.last_with(EMPLOYER["email"], "confirmed")["Subject"]

    response = submit(client, dossier.id)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.refresh(dossier)
    assert dossier.status != DossierStatus.DRAFT


def test_the_prove_claim_helper_lets_a_registered_organisation_submit(client):
    user = _registered(client)
    prove_claim(user.organisation)
    login(client, EMPLOYER["email"])
    dossier = start(client)
    fill(client, dossier)
    assert submit(client, dossier.id).status_code == 302


def test_a_helpdesk_agent_rejects_with_a_reason_and_the_number_is_free(app, client, mailbox):
    user = _registered(client)
    login(client, EMPLOYER["email"])
    assert _upload_proof(client, name="proof.html.pdf").status_code == 302
    claim = user.organisation.claim
    agent = _staff_client(app, Role.HELPDESK, "agent@claims.example")
    no_reason = agent.post(f"/backoffice/claims/{claim.id}?lang=en", data={"decision": "reject"})
    assert "Give the reason" in " ".join(error_summary(check_page(no_reason.get_data(True))))
    assert claim.status == ClaimStatus.PENDING
    reason = "The extract names another director."
    agent.post(f"/backoffice/claims/{claim.id}", data={"decision": "reject", "reason": reason})
    assert claim.status == ClaimStatus.REJECTED and claim.decision_reason == reason
    assert user.organisation.kbo_released
    assert "claim.rejected" in _actions()
    assert reason in text_of(mailbox.last_with(EMPLOYER["email"], reason))
    # Deciding twice is refused; the real company can now register the number.
    again = agent.post(f"/backoffice/claims/{claim.id}", data={"decision": "approve"})
    assert again.status_code == 200 and claim.status == ClaimStatus.REJECTED
    other = app.test_client()
    assert register(other, email="real@transport.example").status_code == 302


def test_a_squatter_does_not_block_the_real_company_after_expiry(client, mailbox):
    squatter = _registered(client, email="squatter@evil.example", verified=False)
    # Before expiry the number is held: the page says so neutrally and offers a contest.
    response = register(client, email="real@transport.example")
    soup = check_page(response.get_data(as_text=True))
    assert "already registered" in field_error(soup, "kbo_number")
    assert "squatter" not in soup.get_text().lower()
    contest = soup.find(id="number-held").find("a")
    assert contest["href"] == f"/account/register/contest?kbo={KBO}"

    squatter.organisation.claim.expires_at = clock.now() - timedelta(seconds=1)
    db.session.flush()
    response = register(client, email="real@transport.example")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    real = db.session.scalar(select(User).where(User.email == "real@transport.example"))
    assert real.organisation.kbo_number == KBO
    assert real.organisation.claim.status == ClaimStatus.PENDING
    assert squatter.organisation.kbo_released
    assert squatter.organisation.claim.status == ClaimStatus.EXPIRED
    assert "claim.expired" in _actions()
    # An unverified address gets no e-mail about it.
    assert all("expired" not in m["Subject"] for m in mailbox.to("squatter@evil.example"))


def test_the_cleanup_command_expires_lapsed_claims_only(app, client, monkeypatch):
    lapsed = _registered(client, email="lapsed@example.be").organisation
    lapsed.claim.expires_at = clock.now() - timedelta(hours=1)
    waiting = make_organisation(claim=ClaimStatus.PENDING)
    waiting.claim.expires_at = clock.now() - timedelta(hours=1)
    waiting.claim.proof_uploaded_at = clock.now()  # waiting for staff: does not lapse
    fresh = make_organisation(claim=ClaimStatus.PENDING)
    fresh.claim.expires_at = clock.now() + timedelta(hours=1)
    proven = make_organisation()
    db.session.flush()
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    result = app.test_cli_runner().invoke(args=["accounts", "expire-claims"])
    assert result.exit_code == 0, result.output
    assert "expired 1 claim" in result.output
    assert lapsed.claim.status == ClaimStatus.EXPIRED and lapsed.kbo_released
    assert waiting.claim.status == ClaimStatus.PENDING and not waiting.kbo_released
    assert fresh.claim.status == ClaimStatus.PENDING and not fresh.kbo_released
    assert proven.claim.status == ClaimStatus.PROVEN


def test_a_contest_reaches_the_back_office_and_revokes_the_claim(app, client, mailbox):
    squatter = _registered(client, email="squatter@evil.example")
    prove_claim(squatter.organisation)  # even a proven squatter can be revoked
    public = app.test_client()
    form = check_page(public.get(f"/account/register/contest?kbo={KBO}&lang=en").get_data(True))
    assert form.find(id="kbo_number")["value"] == KBO
    response = _contest(public)
    assert response.status_code == 302 and response.headers["Location"].endswith("/sent")
    check_page(public.get(response.headers["Location"]).get_data(as_text=True))
    record = db.session.scalar(select(ClaimContest))
    assert record.claim_id == squatter.organisation.claim.id and record.status == ContestStatus.OPEN
    assert "claim.contested" in _actions()

    for role, email in ((Role.OFFICER, "o@claims.example"), (Role.HELPDESK, "h@claims.example")):
        staff = _staff_client(app, role, email)
        queue = check_page(staff.get("/backoffice/claims?lang=en").get_data(as_text=True))
        assert queue.find("a", href=f"/backoffice/contests/{record.id}") is not None
    page = check_page(staff.get(f"/backoffice/contests/{record.id}?lang=en").get_data(True))
    assert "squatter@evil.example" in page.get_text()
    proof = staff.get(f"/backoffice/contests/{record.id}/proof")
    assert proof.data == PDF
    proof.close()
    reason = "The KBO names Real Director, not the registrant."
    decided = staff.post(
        f"/backoffice/contests/{record.id}", data={"decision": "uphold", "reason": reason}
    )
    assert decided.status_code == 302
    claim = squatter.organisation.claim
    assert record.status == ContestStatus.UPHELD
    assert claim.status == ClaimStatus.REJECTED and squatter.organisation.kbo_released
    assert {"claim.revoked", "claim.contest_upheld"} <= set(_actions())
    assert reason in text_of(mailbox.last_with("squatter@evil.example", reason))
    assert "upheld" in text_of(mailbox.last_to("director@real-transport.example"))
    # The real company registers its own number now.
    assert register(public, email="director@real-transport.example").status_code == 302


def test_a_contest_refuses_a_file_that_is_not_a_proof(client):
    _registered(client)
    response = _contest(client, content=HTML)
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    assert "must be a PDF, JPEG, PNG file" in field_error(soup, "file")
    assert db.session.scalar(select(ClaimContest)) is None


def test_a_hostile_number_in_the_contest_link_is_dropped(client):
    page = client.get("/account/register/contest?kbo=0403170701%0D%0A%3Cscript%3E&lang=en")
    soup = check_page(page.get_data(as_text=True))
    assert soup.find(id="kbo_number").get("value", "") == ""
    assert "<script>" not in page.get_data(as_text=True)


def test_contests_are_rate_limited(client):
    codes = [_contest(client, kbo_number="").status_code for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429


def test_a_claim_without_proof_cannot_be_approved_but_can_be_rejected(app, client):
    user = _registered(client)
    claim = user.organisation.claim
    officer = _staff_client(app, Role.OFFICER, "officer@claims.example")
    queue = check_page(officer.get("/backoffice/claims?lang=en").get_data(as_text=True))
    assert queue.find("a", href=f"/backoffice/claims/{claim.id}") is not None
    response = officer.post(f"/backoffice/claims/{claim.id}?lang=en", data={"decision": "approve"})
    assert "no proof to check" in field_error(check_page(response.get_data(True)), "decision")
    assert claim.status == ClaimStatus.PENDING
    officer.post(
        f"/backoffice/claims/{claim.id}", data={"decision": "reject", "reason": "Obvious squat."}
    )
    assert claim.status == ClaimStatus.REJECTED and user.organisation.kbo_released


def test_only_staff_reach_the_claims_queue(client):
    user = _registered(client)
    login(client, EMPLOYER["email"])
    claim_id = user.organisation.claim.id
    for url in (
        "/backoffice/claims",
        f"/backoffice/claims/{claim_id}",
        f"/backoffice/claims/{claim_id}/proof",
    ):
        assert client.get(url).status_code == 403, url
    refused = client.post(f"/backoffice/claims/{claim_id}", data={"decision": "approve"})
    assert refused.status_code == 403
    assert user.organisation.claim.status == ClaimStatus.PENDING


def test_a_member_cannot_upload_the_proof_and_sees_the_status(client):
    organisation = make_organisation(claim=ClaimStatus.PENDING)
    make_user("member@claims.example", organisation=organisation, org_role=None)
    login(client, "member@claims.example")
    soup = check_page(client.get("/account/claim?lang=en").get_data(as_text=True))
    assert soup.find("input", type="file") is None
    _upload_proof(client)
    assert organisation.claim.proof_uploaded_at is None


def test_a_proven_claim_keeps_its_number(client):
    make_organisation(KBO)
    soup = check_page(register(client).get_data(as_text=True))
    assert "already registered" in field_error(soup, "kbo_number")
    assert db.session.scalar(select(Organisation).where(Organisation.kbo_number == KBO))


def test_a_lapsed_claimant_is_told_and_loses_the_number(client, mailbox):
    user = _registered(client)
    user.organisation.claim.expires_at = clock.now() - timedelta(seconds=1)
    db.session.flush()
    login(client, EMPLOYER["email"], PASSWORD)
    soup = check_page(client.get("/account/claim?lang=en").get_data(as_text=True))
    assert soup.find(id="claim-status").get_text(strip=True) == "Expired"
    assert user.organisation.kbo_released
    assert "expired" in mailbox.last_with(EMPLOYER["email"], "expired")["Subject"]
    assert claims.holder(KBO) is None


def test_a_second_claimant_joins_only_when_the_proven_administrator_approves(app, client, mailbox):
    organisation = make_organisation(KBO)
    admin = make_user("admin@transport.example", organisation=organisation, org_role=OrgRole.ADMIN)
    response = register(client, email="second@transport.example", join_existing="y")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    second = db.session.scalar(select(User).where(User.email == "second@transport.example"))
    assert second.organisation_id is None  # sees nothing of the organisation yet
    request = memberships.pending_request(second)
    assert request.status == ClaimStatus.PENDING
    # The administrator hears of it only once the address is confirmed.
    assert not mailbox.to("admin@transport.example")
    link = link_in(mailbox.last_to("second@transport.example"), "/account/verify/")
    assert client.get(link).status_code == 200
    assert "asks to join" in mailbox.last_to("admin@transport.example")["Subject"]

    login(client, "second@transport.example")
    dashboard = check_page(client.get("/dashboard?lang=en").get_data(as_text=True))
    assert dashboard.find(id="join-request") is not None
    assert "Test NV" not in dashboard.get_text()
    assert client.post("/applications/new").status_code != 302
    assert (
        client.post(
            f"/account/organisation/requests/{request.id}", data={"decision": "approve"}
        ).status_code
        == 403
    )

    admin_client = app.test_client()
    login(admin_client, admin.email)
    page = check_page(admin_client.get("/account/organisation?lang=en").get_data(True))
    assert "second@transport.example" in page.get_text()
    response = admin_client.post(
        f"/account/organisation/requests/{request.id}", data={"decision": "approve"}
    )
    assert response.status_code == 302
    assert request.status == ClaimStatus.PROVEN and second.organisation_id == organisation.id
    assert second.org_role == OrgRole.MEMBER
    assert "membership.approved" in _actions()
    assert "joined" in mailbox.last_to("second@transport.example")["Subject"]


def test_a_pending_administrator_cannot_let_anyone_join(client):
    organisation = make_organisation(KBO, claim=ClaimStatus.PENDING)
    make_user("pending-admin@transport.example", organisation=organisation, org_role=OrgRole.ADMIN)
    # The number is held by a pending claim: asking to join is not offered.
    soup = check_page(register(client, join_existing="y").get_data(as_text=True))
    assert "already registered" in field_error(soup, "kbo_number")
    assert db.session.scalar(select(User).where(User.email == EMPLOYER["email"])) is None


def test_an_administrator_of_another_organisation_cannot_answer_a_request(app, client):
    organisation = make_organisation(KBO)
    make_user("admin@transport.example", organisation=organisation, org_role=OrgRole.ADMIN)
    register(client, email="second@transport.example", join_existing="y")
    second = db.session.scalar(select(User).where(User.email == "second@transport.example"))
    request = memberships.pending_request(second)
    make_user("other-admin@elsewhere.example")
    login(client, "other-admin@elsewhere.example")
    response = client.post(
        f"/account/organisation/requests/{request.id}", data={"decision": "approve"}
    )
    assert response.status_code == 404
    assert request.status == ClaimStatus.PENDING and second.organisation_id is None


def test_the_demo_employer_is_proven(app, db_session, monkeypatch):
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    employer = db.session.scalar(select(User).where(User.email == "employer@demo.example"))
    assert employer.organisation.claim_proven
    assert employer.organisation.claim.claimant_id == employer.id


def test_a_released_organisation_keeps_its_real_number_on_record(client):
    user = _registered(client)
    organisation = user.organisation
    organisation.claim.expires_at = clock.now() - timedelta(seconds=1)
    assert claims.expire_lapsed() == 1
    assert organisation.kbo_released and organisation.kbo_number != KBO
    assert organisation.kbo_on_record == KBO
    assert claims.submit_refusal(organisation) is not None


def test_the_helpdesk_cannot_issue_an_e_mail_proof_for_an_unproven_organisation(app, db_session):
    from portal.errors import Invalid
    from portal.fallback import proofs

    pending = make_organisation(claim=ClaimStatus.PENDING)
    with app.test_request_context("/?lang=en"), pytest.raises(Invalid, match="not yet proven"):
        proofs.resolve_party(pending.kbo_number, None)
    proven = make_organisation()
    assert proofs.resolve_party(proven.kbo_number, None).organisation is proven


# The claims page, each of its lists a page at a time ------------------------------------


def _pending_claims(count: int, *, proof: bool) -> list[OrganisationClaim]:
    """`count` pending claims of as many organisations, a minute apart (the first oldest);
    the last two at the same moment (the id breaks the tie)."""
    from tests.factories import OrganisationFactory

    start = clock.now() - timedelta(days=5)
    made = []
    for n in range(count):
        organisation = OrganisationFactory(name=f"Claimant {n:03d} <NV>", claim=ClaimStatus.PENDING)
        claim = organisation.claim
        moment = start + timedelta(minutes=min(n, count - 2))
        claim.created_at = moment
        claim.expires_at = moment + timedelta(days=30)
        if proof:
            claim.proof_uploaded_at = moment
        made.append(claim)
    db.session.commit()
    return made


@pytest.mark.parametrize(("proof", "cursor"), [(True, "review_after"), (False, "waiting_after")])
def test_each_list_of_claims_comes_a_page_at_a_time_oldest_first(app, db_session, proof, cursor):
    claims_made = _pending_claims(52, proof=proof)
    officer = _staff_client(app, Role.OFFICER, "officer@claims.example")
    soup = check_page(officer.get("/backoffice/claims?lang=en").get_data(as_text=True))
    links = [a["href"] for a in soup.select("a[href^='/backoffice/claims/']")]
    assert links == [f"/backoffice/claims/{c.id}" for c in claims_made[:50]]
    assert "Claimant 000 <NV>" in soup.get_text()  # escaped, shown as text
    later = soup.select_one("nav.pagination a[rel=next]")["href"]
    assert later == f"/backoffice/claims?{cursor}={claims_made[49].id}"
    soup = check_page(officer.get(later + "&lang=en").get_data(as_text=True))
    links = [a["href"] for a in soup.select("a[href^='/backoffice/claims/']")]
    assert links == [f"/backoffice/claims/{c.id}" for c in claims_made[50:]]
    assert soup.select_one("nav.pagination a[rel=next]") is None
    assert soup.select_one("nav.pagination a[rel=first]")["href"] == "/backoffice/claims"


@pytest.mark.parametrize("name", ["contests_after", "review_after", "waiting_after"])
@pytest.mark.parametrize(
    "cursor",
    ["abc", "-1", "0", "01", str(10**30), "99999", "1 OR 1=1", "\x00", "1\r\n2", "9" * 100_000],
)
def test_a_claims_cursor_that_names_no_row_is_refused(app, db_session, name, cursor):
    _pending_claims(2, proof=False)
    officer = _staff_client(app, Role.OFFICER, "officer@claims.example")
    response = officer.get("/backoffice/claims", query_string={name: cursor, "lang": "en"})
    assert response.status_code == 400


def test_a_claim_without_a_proof_is_no_cursor_of_the_proofs_to_check(app, db_session):
    """The proofs' list is ordered by the proof's moment: a claim that has none cannot mark
    a place in it."""
    waiting = _pending_claims(2, proof=False)
    officer = _staff_client(app, Role.OFFICER, "officer@claims.example")
    assert officer.get(f"/backoffice/claims?review_after={waiting[0].id}").status_code == 400
    assert officer.get(f"/backoffice/claims?waiting_after={waiting[0].id}").status_code == 200


def test_the_claims_page_reads_as_much_with_few_claims_as_with_many(app, db_session):
    officer = _staff_client(app, Role.OFFICER, "officer@claims.example")
    _pending_claims(2, proof=True)
    _pending_claims(2, proof=False)
    few, _page = statements_of(officer, "/backoffice/claims")
    _pending_claims(30, proof=True)
    _pending_claims(30, proof=False)
    many, _page = statements_of(officer, "/backoffice/claims")
    assert len(many) == len(few)


def test_the_contests_come_a_page_at_a_time_oldest_first(app, db_session, monkeypatch):
    from portal import paging
    from tests.factories import ClaimContestFactory

    monkeypatch.setattr(paging, "PER_PAGE", 2)
    start = clock.now() - timedelta(days=2)
    contests = [
        ClaimContestFactory(kbo_number=KBO, created_at=start + timedelta(minutes=n))
        for n in range(3)
    ]
    db.session.commit()
    officer = _staff_client(app, Role.OFFICER, "officer@claims.example")
    soup = check_page(officer.get("/backoffice/claims?lang=en").get_data(as_text=True))
    shown = [a["href"] for a in soup.select("a[href^='/backoffice/contests/']")]
    assert shown == [f"/backoffice/contests/{c.id}" for c in contests[:2]]
    later = soup.select_one("nav.pagination a[rel=next]")["href"]
    assert later == f"/backoffice/claims?contests_after={contests[1].id}"
    soup = check_page(officer.get(later + "&lang=en").get_data(as_text=True))
    shown = [a["href"] for a in soup.select("a[href^='/backoffice/contests/']")]
    assert shown == [f"/backoffice/contests/{contests[2].id}"]
