"""The officers' back office: the queue, a file, claiming, asking, deciding, the letter."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import factory
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal import clock, uploads
from portal.accounts.models import ForeignEmployer, Role
from portal.audit import AuditEntry
from portal.backoffice import queue
from portal.dossiers.letters.decision import decision_letter_pdf
from portal.dossiers.lifecycle import handling
from portal.dossiers.lifecycle.models import ExchangeMessage, InfoRequest, StatusEvent
from portal.dossiers.models import Channel, Document, Dossier, DossierStatus
from portal.extensions import db
from portal.i18n import LANGUAGES, force_locale, gettext
from tests.applications_support import PDF
from tests.factories import QueuedDossierFactory
from tests.support import (
    PASSWORD,
    check_page,
    error_summary,
    field_error,
    login,
    make_user,
    statements_sent,
)

S = DossierStatus


def today() -> date:
    return clock.today()


class QueuedFile(QueuedDossierFactory):
    """A file in the queue, each worker with a name of their own."""

    reference = factory.Sequence(lambda n: f"SP-2026-T{n:05d}-X")
    worker_last_name = factory.Sequence(lambda n: f"Sharma {n}")


@pytest.fixture
def employer(db_session):
    # The status e-mails are tracking's to test; muted, these tests need no SMTP round trip.
    user = make_user("hr@acme.example")
    user.muted_notifications = "info_requested,status_changed"
    return user


def page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return check_page(response.get_data(as_text=True))


def references_in(soup) -> list[str]:
    return [a.get_text(strip=True) for a in soup.select("table.queue tbody tr td:first-child a")]


# --- The queue -----------------------------------------------------------------------------


def test_the_queue_sorts_by_deadline_and_filters(client, officer, employer):
    late = QueuedFile(
        owner=employer, deadline_on=today() - timedelta(days=3), submitted_days_ago=70
    )
    soon = QueuedFile(
        owner=employer, deadline_on=today() + timedelta(days=5), channel=Channel.EMAIL
    )
    later = QueuedFile(
        owner=employer, deadline_on=today() + timedelta(days=40), category="researcher"
    )
    undated = QueuedFile(owner=employer, deadline_on=None, submitted_days_ago=1)
    waiting = QueuedFile(
        owner=employer, status=S.INFO_REQUESTED, deadline_on=today() + timedelta(1)
    )
    QueuedFile(owner=employer, status=S.WORK_REFUSED, deadline_on=None)  # decided: not listed
    draft = QueuedFile(owner=employer, status=S.DRAFT, reference=None, submitted_at=None)

    soup = page(client, "/backoffice/dossiers?lang=en")
    assert references_in(soup) == [
        late.reference,
        waiting.reference,
        soon.reference,
        later.reference,
        undated.reference,
    ]
    assert draft.id not in [r.id for r in queue.dossier_queue(officer).rows]
    rows = {
        tr.a.get_text(strip=True): tr.get_text(" ", strip=True) for tr in soup.select("tbody tr")
    }
    assert "Overdue by 3 days" in rows[late.reference]
    assert "5 days left" in rows[soon.reference]
    assert "Clock stopped" in rows[waiting.reference]
    assert "Highly qualified worker" in rows[soon.reference] and "By e-mail" in rows[soon.reference]
    assert "Researcher" in rows[later.reference]
    assert "Nobody yet" in rows[late.reference]

    by_category = page(client, "/backoffice/dossiers?lang=en&category=researcher")
    assert references_in(by_category) == [later.reference]
    assert by_category.find("option", selected=True, value="researcher")  # kept
    assert references_in(page(client, "/backoffice/dossiers?channel=email")) == [soon.reference]
    old = page(client, "/backoffice/dossiers?older_than=30")
    assert references_in(old) == [late.reference]
    assert old.find("input", id="older_than")["value"] == "30"
    newest_first = page(client, "/backoffice/dossiers?sort=newest")
    assert references_in(newest_first)[0] == undated.reference
    oldest_first = page(client, "/backoffice/dossiers?sort=submitted")
    assert references_in(oldest_first)[0] == late.reference


def test_mine_unassigned_and_recently_forwarded(client, officer, employer):
    colleague = make_user("colleague@flanders.example", Role.OFFICER)
    mine = QueuedFile(owner=employer, assigned_officer_id=officer.id)
    theirs = QueuedFile(owner=employer, assigned_officer_id=colleague.id)
    nobodys = QueuedFile(owner=employer)
    forwarded = QueuedFile(
        owner=employer,
        status=S.FORWARDED,
        deadline_on=None,
        forwarded_on=today() - timedelta(days=2),
    )
    QueuedFile(owner=employer, status=S.FORWARDED, deadline_on=None, forwarded_on=date(2020, 1, 1))

    assert references_in(page(client, "/backoffice/dossiers?owner=mine")) == [mine.reference]
    assert references_in(page(client, "/backoffice/dossiers?owner=unassigned")) == [
        nobodys.reference
    ]
    everyone = page(client, "/backoffice/dossiers?owner=all&lang=en")
    assert set(references_in(everyone)) == {mine.reference, theirs.reference, nobodys.reference}
    assert colleague.name in everyone.get_text()
    recent = page(client, "/backoffice/dossiers?state=forwarded&lang=en")
    assert references_in(recent) == [forwarded.reference]
    assert "Forwarded on" in recent.get_text()


def test_a_wrong_filter_is_reported_and_the_typed_value_kept(client, officer, employer):
    QueuedFile(owner=employer)
    soup = page(client, "/backoffice/dossiers?lang=en&older_than=-4")
    assert any(m.endswith(": Give a number of days from 0 to 3650.") for m in error_summary(soup))
    assert "from 0 to 3650" in field_error(soup, "older_than")
    assert soup.find("input", id="older_than")["value"] == "-4"
    assert len(references_in(soup)) == 1  # the other filters still apply


def test_the_queue_pages_by_fifty_without_a_query_per_row(app, client, officer, employer):
    for number in range(queue.PER_PAGE + 5):
        QueuedFile(
            owner=employer,
            deadline_on=today() + timedelta(days=number),
            assigned_officer_id=officer.id if number % 2 else None,
        )
    db.session.expire_all()
    with statements_sent() as statements:
        soup = page(client, "/backoffice/dossiers?lang=en")
    assert len(references_in(soup)) == queue.PER_PAGE
    assert len(statements) <= 5, len(statements)  # the user, the count, one page query: 3
    assert "Files 1 to 50 of 55" in soup.get_text(" ", strip=True)
    nav = soup.find("nav", class_="pagination")
    assert nav.find("a", rel="prev") is None  # the first page
    next_link = nav.find("a", rel="next")["href"]
    assert "after=" in next_link
    second = page(client, next_link + "&owner=all")
    assert len(references_in(second)) == 5
    assert "Files 51 to 55 of 55" in second.get_text(" ", strip=True)
    nav = second.find("nav", class_="pagination")
    assert nav.find("a", rel="next") is None  # the last page
    assert "owner=all" in nav.find("a", rel="prev")["href"]
    back = page(client, nav.find("a", rel="prev")["href"])
    assert references_in(back) == references_in(soup)


def test_the_queue_service_pages_by_keyset_both_ways(officer, employer):
    for number in range(7):
        QueuedFile(owner=employer, deadline_on=today() + timedelta(days=number % 3))
    QueuedFile(owner=employer, deadline_on=None)  # undated: last
    for sort in queue.SORTS:
        whole = [r.id for r in queue.dossier_queue(officer, sort=sort, per_page=50).rows]
        assert len(whole) == 8
        seen, result = [], queue.dossier_queue(officer, sort=sort, per_page=3)
        while True:
            assert len(result.rows) <= 3 and result.total == 8
            assert result.first == len(seen) + 1
            seen += [r.id for r in result.rows]
            if result.next_cursor is None:
                break
            result = queue.dossier_queue(
                officer, sort=sort, per_page=3, after=str(result.next_cursor)
            )
        assert seen == whole, sort
        # And back again from the last page.
        back = queue.dossier_queue(
            officer, sort=sort, per_page=3, before=str(result.previous_cursor)
        )
        assert [r.id for r in back.rows] == whole[3:6]
        assert (back.first, back.last) == (4, 6)


@pytest.mark.parametrize(
    "cursor", ["garbage", "-1", "0", "007", "1e3", " 5", "١٢", str(10**30), str(2**63), "1" * 5000]
)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_hostile_queue_cursors_are_refused(client, officer, employer, cursor, direction):
    QueuedFile(owner=employer)
    db.session.commit()
    response = client.get("/backoffice/dossiers", query_string={direction: cursor})
    assert response.status_code == 400


def test_a_draft_or_a_missing_file_is_no_queue_cursor(client, officer, employer):
    draft = make_user("other@acme.example")
    from tests.factories import DossierFactory

    hidden = DossierFactory(owner=draft)  # a draft: officers never see it
    QueuedFile(owner=employer)
    db.session.commit()
    for cursor in (hidden.id, hidden.id + 1000):
        assert client.get(f"/backoffice/dossiers?after={cursor}").status_code == 400


# --- A file ------------------------------------------------------------------------------


def test_opening_a_file_is_audited_and_shows_it(client, officer, employer):
    dossier = QueuedFile(owner=employer, deadline_on=today() - timedelta(days=1))
    stored = uploads.store(PDF, "passport.pdf", ("pdf",), 10_000)
    document = Document(
        dossier=dossier,
        requirement="passport",
        file_name="passport.pdf",
        stored_name=stored.stored_name,
        sha256=stored.sha256,
        size=stored.size,
        mime=stored.mime,
        uploaded_by_id=employer.id,
    )
    db.session.add(document)
    db.session.flush()
    soup = page(client, f"/backoffice/dossiers/{dossier.id}?lang=en")
    text = soup.get_text(" ", strip=True)
    assert dossier.reference in soup.h1.get_text()
    assert "Overdue by 1 day" in text and dossier.worker_name in text
    assert "Copy of the passport" in text
    views = db.session.scalars(
        select(AuditEntry).where(AuditEntry.dossier_id == dossier.id, AuditEntry.action == "view")
    ).all()
    assert [v.actor_id for v in views] == [officer.id]
    assert "Officer Officer opened the file." in text

    link = soup.find("a", string="passport.pdf")["href"]
    assert link == f"/backoffice/dossiers/{dossier.id}/documents/{document.id}"
    with client.get(link) as download:
        assert download.status_code == 200 and download.data == PDF
    actions = [
        e.action
        for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.dossier_id == dossier.id).order_by(AuditEntry.id)
        )
    ]
    assert actions == ["status:submitted", "view", "download"]  # the submission, then these
    trail = page(client, f"/backoffice/dossiers/{dossier.id}?lang=en").get_text(" ", strip=True)
    assert "Officer Officer downloaded the document “Copy of the passport (passport.pdf)”." in trail
    assert "download" not in [td.get_text() for td in soup.select("td")]
    assert client.get(f"/backoffice/dossiers/{dossier.id}/documents/999999").status_code == 404


def test_a_draft_is_not_an_officers_business(client, officer, employer):
    draft = QueuedFile(owner=employer, status=S.DRAFT, reference=None, submitted_at=None)
    assert client.get(f"/backoffice/dossiers/{draft.id}").status_code == 404


def test_claim(client, officer, employer):
    dossier = QueuedFile(owner=employer)
    response = client.post(f"/backoffice/dossiers/{dossier.id}/claim?lang=en")
    assert response.headers["Location"] == f"/backoffice/dossiers/{dossier.id}"
    assert dossier.assigned_officer_id == officer.id
    soup = page(client, f"/backoffice/dossiers/{dossier.id}?lang=en")
    assert "You took this file." in soup.get_text()
    assert not soup.find("button", string=lambda s: s and "Take this file" in s)
    assert references_in(page(client, "/backoffice/dossiers?owner=mine")) == [dossier.reference]


def test_request_information_stops_the_clock(client, officer, employer):
    dossier = QueuedFile(owner=employer, submitted_days_ago=10)
    url = f"/backoffice/dossiers/{dossier.id}/information?lang=en"
    due = (today() + timedelta(days=15)).isoformat()
    form = page(client, f"/backoffice/dossiers/{dossier.id}?lang=en")
    assert form.find("input", id="info-due_on")["value"] == due  # today + info_request_days

    soup = check_page(client.post(url, data={"info-question": "  ", "info-due_on": due}).text)
    assert "Say which information or documents you need." in field_error(soup, "info-question")
    assert soup.find("input", id="info-due_on")["value"] == due
    assert (
        dossier.status == S.SUBMITTED and db.session.scalar(select(func.count(InfoRequest.id))) == 0
    )

    response = client.post(
        url, data={"info-question": "The signed contract, please.", "info-due_on": due}
    )
    assert response.status_code == 302
    assert dossier.status == S.INFO_REQUESTED
    request = handling.open_request(dossier)
    assert request.question == "The signed contract, please." and request.due_on.isoformat() == due
    before = dossier.deadline_on
    shown = page(client, f"/backoffice/dossiers/{dossier.id}?lang=en").get_text(" ", strip=True)
    assert "Open request for information" in shown and "The signed contract, please." in shown

    # Five days later the employer answers: the deadline moves five days.
    asked = db.session.scalar(select(StatusEvent).where(StatusEvent.to_status == S.INFO_REQUESTED))
    request.created_at = asked.at = clock.now() - timedelta(days=5)
    handling.answer_info(employer, dossier, answer="Added it.")
    assert dossier.status == S.SUBMITTED
    assert dossier.deadline_on == before + timedelta(days=5)
    answered = page(client, f"/backoffice/dossiers/{dossier.id}?lang=en").get_text(" ", strip=True)
    assert "Answered requests for information" in answered and "Added it." in answered


def test_refusal_without_reasons_is_refused_and_nothing_changes(client, officer, employer):
    dossier = QueuedFile(owner=employer)
    history = db.session.scalar(select(func.count(StatusEvent.id)))  # its submission
    response = client.post(
        f"/backoffice/dossiers/{dossier.id}/decision?lang=en",
        data={"decision-outcome": "refused", "decision-reasons": ""},
    )
    soup = check_page(response.text)
    assert "Choose at least one ground" in field_error(soup, "decision-reason_codes")
    assert any("Choose at least one ground" in message for message in error_summary(soup))
    assert soup.find("input", id="decision-outcome-2").has_attr("checked")  # kept
    assert soup.title.get_text().startswith("Error")
    assert dossier.status == S.SUBMITTED and dossier.flemish_decision is None
    assert db.session.scalar(select(func.count(StatusEvent.id))) == history
    no_choice = check_page(
        client.post(f"/backoffice/dossiers/{dossier.id}/decision?lang=en", data={}).text
    )
    assert "Choose a decision." in field_error(no_choice, "decision-outcome")


def test_a_refusal_with_reasons_and_its_letter(client, officer, employer):
    dossier = QueuedFile(owner=employer, locale="en")
    reasons = "The salary is below the threshold for highly qualified workers."
    client.post(
        f"/backoffice/dossiers/{dossier.id}/decision",
        data={
            "decision-outcome": "refused",
            "decision-reason_codes": "salary_below_threshold",
            "decision-reasons": reasons,
            "decision-confirmed": "yes",
        },
    )
    assert dossier.status == S.WORK_REFUSED and dossier.flemish_reasons == reasons
    assert dossier.flemish_reason_codes == "salary_below_threshold"
    assert db.session.scalar(select(func.count(ExchangeMessage.id))) == 0
    soup = page(client, f"/backoffice/dossiers/{dossier.id}?lang=en")
    assert "The work authorisation is refused." in soup.get_text()
    assert not soup.find("form", action=lambda a: a and a.endswith("/decision"))
    response = client.get(soup.find("a", string="Decision letter (PDF)")["href"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert dossier.reference in text and reasons in " ".join(text.split())
    assert "The salary is below the threshold of the category" in " ".join(text.split())


def test_authorised_forwards_at_once(client, officer, employer):
    dossier = QueuedFile(owner=employer)
    response = client.post(
        f"/backoffice/dossiers/{dossier.id}/decision",
        data={"decision-outcome": "authorised", "decision-confirmed": "yes"},
    )
    assert response.status_code == 302
    assert dossier.status == S.FORWARDED and dossier.flemish_decision == "authorised"
    assert dossier.forwarded_on == today()
    message = db.session.scalar(
        select(ExchangeMessage).where(ExchangeMessage.dossier_id == dossier.id)
    )
    assert message.kind == "forward" and dossier.reference in message.payload
    text = page(client, f"/backoffice/dossiers/{dossier.id}?lang=en").get_text(" ", strip=True)
    assert "forwarded to the Immigration Office" in text
    assert "Forwarded to the Immigration Office" in text  # the status

    # The residence decision by hand, once forwarded.
    client.post(
        f"/backoffice/dossiers/{dossier.id}/residence", data={"residence-decision": "granted"}
    )
    assert dossier.status == S.RESIDENCE_GRANTED and dossier.federal_decision == "granted"


def test_residence_needs_a_choice_and_a_forwarded_file(client, officer, employer):
    dossier = QueuedFile(owner=employer)
    soup = check_page(
        client.post(
            f"/backoffice/dossiers/{dossier.id}/residence?lang=en",
            data={"residence-decision": "granted"},
        ).text
    )
    assert "Only a file forwarded" in " ".join(error_summary(soup))
    assert dossier.status == S.SUBMITTED
    info = check_page(
        client.post(
            f"/backoffice/dossiers/{dossier.id}/information?lang=en",
            data={"info-question": "x", "info-due_on": "2000-01-01"},
        ).text
    )
    assert "after today" in field_error(info, "info-due_on")


def test_the_decision_letter_is_in_the_applicants_language(app, employer):
    dossier = QueuedFile(owner=employer, locale="fr", status=S.FORWARDED)
    dossier.flemish_decision, dossier.flemish_decision_on = "authorised", date(2026, 5, 4)
    dossier.forwarded_on = date(2026, 5, 4)
    with app.test_request_context():
        data = decision_letter_pdf(dossier, dossier.locale)
        with force_locale("fr"):
            reference_label, status_title = (
                gettext("Reference"),
                gettext("Work authorised by Flanders"),
            )
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    # The Dutch letter binds (the document's language); the French translation follows it.
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    assert dossier.reference in text and "4 mai 2026" in text and "4 mei 2026" in text
    assert reference_label != "Reference" and reference_label in text
    assert status_title in text


def test_the_letter_of_a_posting_names_the_foreign_employer_and_mandatary(app, client, officer):
    mandatary = make_user("m@mandates.example", Role.MANDATARY)
    employer = ForeignEmployer(
        mandatary_id=mandatary.mandatary_id,
        name="Montage GmbH",
        country="DE",
        registration_number="HRB 1",
    )
    db.session.add(employer)
    db.session.flush()
    dossier = QueuedFile(
        owner=mandatary,
        organisation_id=None,
        mandatary_id=mandatary.mandatary_id,
        foreign_employer_id=employer.id,
        is_posting=True,
        locale="de",
    )
    reasons = "Die Entsendung ist in dieser Kategorie nicht möglich."
    client.post(
        f"/backoffice/dossiers/{dossier.id}/decision",
        data={
            "decision-outcome": "inadmissible",
            "decision-reason_codes": "posting_not_allowed",
            "decision-reasons": reasons,
            "decision-confirmed": "yes",
        },
    )
    assert page(client, f"/backoffice/dossiers/{dossier.id}?lang=en").h1
    response = client.get(f"/backoffice/dossiers/{dossier.id}/decision-letter.pdf")
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert reader.trailer["/Root"]["/Lang"] == "nl"  # Dutch binds; the German translation follows
    assert "Montage GmbH" in text and "Mandates BV" in text and reasons in text
    assert db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.dossier_id == dossier.id, AuditEntry.action == "decision_letter"
        )
    )


def test_no_letter_before_a_decision(app, client, officer, employer):
    dossier = QueuedFile(owner=employer)
    assert client.get(f"/backoffice/dossiers/{dossier.id}/decision-letter.pdf").status_code == 404


# --- Who may --------------------------------------------------------------------------------


def backoffice_urls(dossier: Dossier, document_id: int = 1) -> list[tuple[str, str]]:
    base = f"/backoffice/dossiers/{dossier.id}"
    return [
        ("GET", "/backoffice/dossiers"),
        ("GET", base),
        ("GET", f"{base}/documents/{document_id}"),
        ("GET", f"{base}/decision-letter.pdf"),
        ("POST", f"{base}/claim"),
        ("POST", f"{base}/information"),
        ("POST", f"{base}/decision"),
        ("POST", f"{base}/residence"),
        ("GET", "/backoffice/mandates"),
    ]


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.MANDATARY])
def test_applicants_get_403_everywhere(client, role, employer):
    dossier = QueuedFile(owner=employer, status=S.WORK_REFUSED, flemish_decision="refused")
    user = employer if role == Role.EMPLOYER else make_user("m@mandates.example", role)
    login(client, user.email)
    for method, url in backoffice_urls(dossier):
        response = client.open(url, method=method, data={"decision-outcome": "authorised"})
        assert response.status_code == 403, (method, url, response.status_code)
    assert dossier.status == S.WORK_REFUSED and dossier.assigned_officer_id is None


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_page_in_every_language(client, officer, employer, lang):
    open_file = QueuedFile(owner=employer)
    forwarded = QueuedFile(
        owner=employer,
        status=S.FORWARDED,
        deadline_on=None,
        forwarded_on=today(),
        flemish_decision="authorised",
        flemish_decision_on=today(),
    )
    waiting = QueuedFile(owner=employer, status=S.INFO_REQUESTED)
    db.session.add(
        InfoRequest(
            dossier_id=waiting.id,
            requested_by_id=officer.id,
            question="Which diploma?",
            due_on=today() + timedelta(days=9),
        )
    )
    db.session.flush()
    for url in (
        "/backoffice/dossiers",
        "/backoffice/dossiers?state=forwarded",
        f"/backoffice/dossiers/{open_file.id}",
        f"/backoffice/dossiers/{forwarded.id}",
        f"/backoffice/dossiers/{waiting.id}",
        "/dashboard",
    ):
        soup = page(client, f"{url}{'&' if '?' in url else '?'}lang={lang}")
        assert soup.html["lang"] == lang
    errors = check_page(
        client.post(
            f"/backoffice/dossiers/{open_file.id}/decision?lang={lang}",
            data={"decision-outcome": "inadmissible"},
        ).text
    )
    assert error_summary(errors)


def test_an_admin_may_use_the_back_office(client, employer):
    admin = make_user("admin@flanders.example", Role.ADMIN)
    login(client, admin.email)
    dossier = QueuedFile(owner=employer, submitted_at=datetime(2026, 1, 5, 10, tzinfo=UTC))
    assert dossier.reference in page(client, f"/backoffice/dossiers/{dossier.id}").h1.get_text()


@pytest.mark.csrf
def test_the_action_forms_carry_their_own_csrf_token(app, db_session, employer):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        officer = make_user("csrf-officer@flanders.example", Role.OFFICER)
        login_page = check_page(client.get("/account/login?lang=en").text)
        token = login_page.find("input", {"name": "csrf_token"})["value"]
        client.post(
            "/account/login",
            data={"csrf_token": token, "email": officer.email, "password": PASSWORD},
        )
        dossier = QueuedFile(owner=employer)
        soup = page(client, f"/backoffice/dossiers/{dossier.id}?lang=en")  # no duplicate ids
        assert client.post(f"/backoffice/dossiers/{dossier.id}/claim").status_code == 400
        assert dossier.assigned_officer_id is None
        claim_token = soup.find("input", {"name": "claim-csrf_token"})["value"]
        response = client.post(
            f"/backoffice/dossiers/{dossier.id}/claim", data={"claim-csrf_token": claim_token}
        )
        assert response.status_code == 302 and dossier.assigned_officer_id == officer.id
        assert soup.find("input", {"name": "decision-csrf_token"})
        assert soup.find("input", {"name": "info-csrf_token"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_applicant_downloads_the_decision_letter_in_the_file_language(app, client, db_session):
    import io

    from pypdf import PdfReader

    from portal.dossiers.lifecycle import handling
    from tests.applications_support import fill, start, submit

    employer = make_user("letters@acme.example")
    login(client, employer.email)
    dossier = start(client)
    fill(client, dossier)
    submit(client, dossier.id)
    assert client.get(f"/applications/{dossier.id}/decision-letter.pdf").status_code == 404
    officer = make_user("decider@flanders.example", Role.OFFICER)
    handling.decide(
        officer,
        dossier,
        outcome="refused",
        reasons="Salary below the market level",
        reason_codes=["salary_below_threshold"],
    )
    db.session.flush()
    with client.get(f"/applications/{dossier.id}/decision-letter.pdf") as response:
        assert response.mimetype == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert dossier.reference in text and "Salary below the market level" in text


def test_the_queue_names_every_cell_for_stacked_rows_on_a_phone(client, officer, employer):
    QueuedFile(owner=employer, deadline_on=today() + timedelta(days=5))
    soup = page(client, "/backoffice/dossiers?lang=en")
    table = soup.find("table", class_="table-stack")
    assert table is not None
    headers = [th.get_text(" ", strip=True) for th in table.thead.find_all("th")]
    rows = table.tbody.find_all("tr")
    assert rows
    for row in rows:
        assert [td.get("data-label") for td in row.find_all("td")] == headers
