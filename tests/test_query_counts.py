"""Statements per page: the dashboard, "my applications", the officer queue and search, the
partner inbox, the helpdesk desk, its intake and proofs, the mandates to verify and the
partner services' list send the same number of statements to the database with
few rows or many, and with a page of 2 rows or of 50 (no N+1), within a budget.

Counted with SQLAlchemy's `before_cursor_execute` on the engine, for one GET, after a
warm-up GET (caches of the first request are no page's cost).
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial

import pytest

from onboarding import answers, partners
from portal import audit, clock, paging
from portal.accounts import mandates
from portal.accounts.models import Organisation, PartnerKind
from portal.backoffice import queue
from portal.dossiers import access
from portal.dossiers.lifecycle.models import InfoRequest
from portal.dossiers.models import Dossier
from portal.extensions import db
from portal.fallback import proofs, quarantine, tickets
from tests.factories import (
    AdminFactory,
    DocumentFactory,
    DossierFactory,
    EmployerFactory,
    HelpdeskFactory,
    InfoRequestFactory,
    IntakeMessageFactory,
    MandateFactory,
    OfficerFactory,
    proof,
    reported_ticket,
)
from tests.onboarding.factories import GHENT, PartnerFactory, ReferralFactory
from tests.onboarding.support import make_partner_user
from tests.support import PASSWORD, login, statements_of

# At most this many statements a page, whatever the number of files (measured on SQLite:
# dashboard 1, my applications 3, officer queue 3 on its first page and 5 past it; the
# partner inbox 3 and 4, the helpdesk desk 4 and 5, the partner services 2 and 3, each
# counting the 2 of loading the user and the session; a little room, never a row's worth).
BUDGET = {
    "/dashboard": 3,
    "/applications/": 4,
    "/backoffice/dossiers": 8,
    "/backoffice/dossiers?q=priya": 8,
    "/partner/referrals": 4,
    "/helpdesk/desk": 5,
    "/admin/partners": 4,
    # Measured: the intake 2, the proofs 2, the mandates 3 and 4 past the first page (the
    # pending page and the recent decisions, with their employers joined).
    "/helpdesk/desk/intake": 3,
    "/helpdesk/desk/proofs": 3,
    "/backoffice/mandates": 5,
    # The officer's file page: 15 (16 past the trail's first page), of them 8 to record and
    # seal the opening in the audit trail in a transaction of its own (with the savepoint
    # the tests' session makes of its commit): on SQLite the write lock is no longer held
    # while the page is built. The officer and the file are read once, not again after each
    # commit (`transactions.write_apart(keep=…)`).
    "/backoffice/dossiers/<id>": 16,
}


def statements(client, url: str, *, fresh: bool = False) -> list[str]:
    """The statements one GET of `url` runs (`tests.support.statements_of`)."""
    return statements_of(client, url, fresh=fresh)[0]


def show(sql: list[str]) -> str:
    return "\n".join(s.split("\n")[0][:160] for s in sql)


@pytest.fixture
def employer(client):
    user = EmployerFactory()
    login(client, user.email, PASSWORD)
    return user


@pytest.fixture
def officer(client):
    user = OfficerFactory()
    login(client, user.email, PASSWORD)
    return user


def _files(employer, count: int, **traits) -> None:
    for _ in range(count):
        DossierFactory(owner=employer, **traits)
    db.session.commit()


@pytest.mark.parametrize("url", ["/dashboard", "/applications/"])
def test_employer_pages_do_not_grow_with_the_files(client, employer, url):
    _files(employer, 2, submitted=True)
    few = statements(client, url)
    _files(employer, 8, submitted=True)
    _files(employer, 3)
    InfoRequestFactory(answered=True, dossier=DossierFactory(owner=employer, submitted=True))
    db.session.commit()
    many = statements(client, url)
    assert len(many) == len(few), show(many)
    assert len(many) <= BUDGET[url], show(many)


def test_my_applications_still_says_back_with_the_officer_after_an_answer(client, employer):
    answered = DossierFactory(owner=employer, submitted=True)
    InfoRequestFactory(answered=True, dossier=answered)
    DossierFactory(owner=employer, submitted=True)
    html = client.get("/applications/?lang=en").get_data(as_text=True)
    assert html.count("Back with the officer") == 1
    assert html.count(">Submitted<") == 1


@pytest.mark.parametrize("cursor", [False, True])
def test_officer_queue_does_not_grow_with_the_files(client, officer, cursor):
    owners = [EmployerFactory() for _ in range(6)]
    for owner in owners[:2]:
        _files(owner, 1, submitted=True)
    first = queue.dossier_queue(officer).rows[0].id
    # Past the first page: the cursor's file is read, and the files before are counted.
    url = f"/backoffice/dossiers?after={first}" if cursor else "/backoffice/dossiers"
    few = statements(client, url)
    for owner in owners[2:]:
        _files(owner, 1, submitted=True)
        _files(owner, 1, in_review=True, officer=officer)
    many = statements(client, url)
    assert len(many) == len(few), show(many)
    assert len(many) <= BUDGET["/backoffice/dossiers"], show(many)


# Whatever the page size: the same page at 2 rows and at 50 rows a page, with more rows than
# the small page holds, on its first page and past it (a cursor is read, nothing else).


def _small_pages(monkeypatch, size: int) -> None:
    monkeypatch.setattr(queue, "dossier_queue", partial(queue.dossier_queue, per_page=size))
    monkeypatch.setattr(access, "dossiers_page", partial(access.dossiers_page, per_page=size))
    monkeypatch.setattr(answers, "PER_PAGE", size)
    monkeypatch.setattr(tickets, "PER_PAGE", size)
    monkeypatch.setattr(partners, "partners_page", partial(partners.partners_page, per_page=size))
    monkeypatch.setattr(paging, "PER_PAGE", size)  # the intake, the proofs, the mandates


def _queue_rows(client):
    officer = OfficerFactory()
    for _ in range(5):
        DossierFactory(owner=EmployerFactory(), submitted=True)
    db.session.commit()
    login(client, officer.email, PASSWORD)
    first = queue.dossier_queue(officer, per_page=2).next_cursor
    return f"after={first}"


def _page_two(client, user, key: str, cursor) -> str:
    """Commit the rows made, sign `user` in, and give the query string of the page after a
    page of 2 (`key`: the list's cursor parameter; `cursor()`: the cursor's value)."""
    db.session.commit()
    login(client, user.email, PASSWORD)
    return f"{key}={cursor()}"


def _my_rows(client):
    employer = EmployerFactory()
    _files(employer, 5, submitted=True)
    login(client, employer.email, PASSWORD)
    return f"before={access.dossiers_page(employer, per_page=2).older}"


def _inbox_rows(client):
    service = PartnerFactory(kind=PartnerKind.SCHOOL, refnis=GHENT)
    for _ in range(5):
        ReferralFactory(partner=service, item_code="school")
    desk = make_partner_user("desk@school.gent", PartnerKind.SCHOOL, GHENT)
    return _page_two(client, desk, "before", lambda: answers.inbox_page(desk, per_page=2).older)


def _desk_rows(client):
    agent = HelpdeskFactory()
    for n in range(5):
        ticket = reported_ticket("Jan", f"jan{n}@example.be")
        ticket.updated_at = clock.now() - timedelta(hours=10 - n)
    return _page_two(
        client, agent, "after", lambda: tickets.desk_page(agent, "open", per_page=2).later
    )


def _partner_rows(client):
    admin = AdminFactory()
    for refnis in ["11002", "44021", "46003", "11002", "71016"]:
        PartnerFactory(kind=PartnerKind.SCHOOL, refnis=refnis)
    return _page_two(
        client, admin, "after", lambda: partners.partners_page(admin, per_page=2).later
    )


def _intake_rows(client):
    agent = HelpdeskFactory()
    for _ in range(5):
        IntakeMessageFactory()
    return _page_two(
        client, agent, "before", lambda: quarantine.messages(agent, "quarantine", per_page=2).later
    )


def _proof_rows(client):
    agent = HelpdeskFactory()
    for n in range(5):
        proof(agent, f"filer{n}@example.be")
    return _page_two(
        client,
        agent,
        "before",
        lambda: proofs.desk_proofs(agent, "all", clock.today(), per_page=2).later,
    )


def _mandate_rows(client):
    officer = OfficerFactory()
    for _ in range(5):
        MandateFactory()
    MandateFactory(verified=True)  # and one decided, in the list of recent decisions
    return _page_two(
        client, officer, "after", lambda: mandates.pending_page(officer, per_page=2).later
    )


PAGES = {
    "/backoffice/dossiers": _queue_rows,
    "/backoffice/dossiers?q=priya": _queue_rows,
    "/applications/": _my_rows,
    "/partner/referrals": _inbox_rows,
    "/helpdesk/desk": _desk_rows,
    "/admin/partners": _partner_rows,
    "/helpdesk/desk/intake": _intake_rows,
    "/helpdesk/desk/proofs": _proof_rows,
    "/backoffice/mandates": _mandate_rows,
}


@pytest.mark.parametrize("url", list(PAGES))
@pytest.mark.parametrize("past_the_first", [False, True])
def test_a_page_sends_as_many_statements_at_2_as_at_50_rows(
    app, client, monkeypatch, url, past_the_first
):
    with app.test_request_context():
        cursor = PAGES[url](client)
    page = url + ("&" if "?" in url else "?") + cursor if past_the_first else url
    full = statements(client, page)
    _small_pages(monkeypatch, 2)
    small = statements(client, page)
    assert len(small) == len(full), show(small)
    assert len(small) <= BUDGET[url], show(small)


@pytest.mark.parametrize("past_the_first", [False, True])
def test_the_officers_file_page_does_not_grow_with_its_audit_trail(client, officer, past_the_first):
    """Every opening of a file adds an entry to its trail; the page shows one page of it."""
    dossier = DossierFactory(submitted=True)
    db.session.commit()

    def url() -> str:
        if not past_the_first:
            return f"/backoffice/dossiers/{dossier.id}"
        latest = audit.trail_page(dossier.id)
        return f"/backoffice/dossiers/{dossier.id}?trail_before={latest.entries[-1].id}"

    for _ in range(3):
        audit.record("claim", dossier_id=dossier.id, actor_id=officer.id)
    db.session.commit()
    few = statements(client, url())
    for _ in range(audit.TRAIL_PER_PAGE * 3):
        audit.record("claim", dossier_id=dossier.id, actor_id=officer.id)
    db.session.commit()
    many = statements(client, url())
    assert len(many) == len(few), show(many)
    assert len(many) <= BUDGET["/backoffice/dossiers/<id>"], show(many)


@pytest.mark.parametrize("who", ["employer", "officer"])
@pytest.mark.parametrize("traits", [{"submitted": True}, {"card_submitted": True}])
def test_a_file_page_reads_its_documents_once_however_many(request, client, who, traits):
    """A page of the whole file reads its documents, card answers (a card file's only) and
    employer with one statement each (`access.load_contents`), after the officer's view is committed (which
    expires what it does not keep): with five documents as many statements as with one,
    and every document shown."""
    user = request.getfixturevalue(who)
    owner = {"owner": user} if who == "employer" else {}
    dossier = DossierFactory(**traits, **owner)
    names = ["passport", "diploma", "employment_contract", "medical_certificate", "good_conduct"]
    if "card_submitted" in traits:
        names[2:] = ["residence_document", "criminal_record", "business_plan"]
    DocumentFactory(dossier=dossier, requirement=names[0])
    db.session.commit()
    url = (
        f"/applications/{dossier.id}" if who == "employer" else f"/backoffice/dossiers/{dossier.id}"
    )
    one = statements(client, url, fresh=True)
    # The card answers: read once for a card file, never for a single permit, which has none.
    card_reads = [s for s in one if "FROM card_details" in s]
    assert len(card_reads) == (1 if "card_submitted" in traits else 0), show(one)
    dossier = db.session.get(Dossier, dossier.id)  # the test's own was let go with the rest
    for name in names[1:]:
        DocumentFactory(dossier=dossier, requirement=name)
    db.session.commit()
    five = statements(client, url, fresh=True)
    assert len(five) == len(one), show(five)
    other = DossierFactory(**traits, **owner)  # its documents are its own page's only
    DocumentFactory(dossier=other, requirement=names[0], file_name="other-file.pdf")
    db.session.commit()
    organisation_id, other_url = (
        dossier.organisation_id,
        url.replace(str(dossier.id), str(other.id)),
    )
    db.session.expunge_all()
    html = client.get(url).get_data(as_text=True)
    assert all(f"{name}.pdf" in html for name in names) and "other-file.pdf" not in html
    other_html = client.get(other_url).get_data(as_text=True)
    assert "other-file.pdf" in other_html and f"{names[1]}.pdf" not in other_html
    if "submitted" in traits:  # a card is the entrepreneur's own: no employer to show
        assert db.session.get(Organisation, organisation_id).name in html


@pytest.mark.parametrize("who", ["employer", "employer's file", "officer"])
def test_a_file_page_titles_the_status_without_asking_apart(request, client, who):
    """The timeline and the officer's file page read every information request of the file:
    "Back with the officer" is told from them (`status.title_of(..., answered_known)`), not
    by one more statement. The employer's file page reads no request: the file's own
    statement says whether one is answered (`access.get_dossier_answered`). A file whose
    request waits, and a file never asked, read "Submitted"; once the waiting request is
    answered, the same session reads "Back with the officer" (no stale answer)."""
    user = request.getfixturevalue("officer" if who == "officer" else "employer")
    owner = {"owner": user} if who != "officer" else {}
    back = DossierFactory(submitted=True, **owner)
    InfoRequestFactory(answered=True, dossier=back)
    waiting = DossierFactory(submitted=True, **owner)
    question = InfoRequestFactory(dossier=waiting, question="<b>Still</b> the contract")
    plain = DossierFactory(submitted=True, **owner)
    db.session.commit()
    path = {
        "employer": "/applications/{}/timeline",
        "employer's file": "/applications/{}",
        "officer": "/backoffice/dossiers/{}",
    }[who]
    # The ids first: each page is asked with nothing loaded (the test's objects let go).
    titled = (
        (back.id, "Back with the officer"),
        (waiting.id, "Submitted"),
        (plain.id, "Submitted"),
    )
    question_id, waiting_id = question.id, waiting.id
    for dossier_id, title in titled:
        seen, html = statements_of(client, path.format(dossier_id) + "?lang=en")
        assert f'tag-submitted">{title}</strong>' in html, (dossier_id, title)
        asked = [s for s in seen if "answered_at IS NOT NULL" in s and "FROM dossier" not in s]
        assert asked == [], show(seen)

    answer = db.session.get(InfoRequest, question_id)
    answer.answer, answer.answered_at = "Here it is", clock.now()
    db.session.commit()
    html = client.get(path.format(waiting_id) + "?lang=en").get_data(as_text=True)
    assert 'tag-submitted">Back with the officer</strong>' in html


# A statement of its own for one organisation, or for an organisation's claim: a lazy load.
_ONE_ORGANISATION = re.compile(
    r"FROM organisation WHERE organisation\.id = \?"
    r"|FROM organisation_claim WHERE (\? = )?organisation_claim\.organisation_id( = \?)?"
)


def _loads_of_the_organisation(seen: list[str]) -> list[str]:
    """The statements that read one organisation or its claim apart from the loader's."""
    return [s for s in seen if _ONE_ORGANISATION.search(" ".join(s.split()))]


def test_the_loader_joins_the_organisation_only_for_the_views_that_read_it(client, employer):
    """A view marked `security.reads_organisation` (the dashboard, the organisation's and
    the claim's pages, a file's pages with their claim notice, the own-data export) gets the
    organisation and its claim in the loader's one statement; the pages that never show them
    (the files' list, a timeline) are loaded without the joins, and read nothing of them."""
    draft = DossierFactory(owner=employer)
    submitted = DossierFactory(owner=employer, submitted=True)
    db.session.commit()
    draft_id, submitted_id = draft.id, submitted.id
    marked = [
        "/dashboard",
        "/account/organisation",
        f"/applications/{draft_id}",
        f"/applications/{draft_id}/check",
        f"/applications/{submitted_id}",
        "/account/my-data.json",
    ]
    for url in marked:
        seen, _html = statements_of(client, url)
        loader = next(s for s in seen if "FROM user_account" in s)
        assert "JOIN organisation_claim" in loader, url
        assert _loads_of_the_organisation(seen) == [], (url, show(seen))
    for url in ["/applications/", f"/applications/{submitted_id}/timeline"]:
        seen, _html = statements_of(client, url)
        loader = next(s for s in seen if "FROM user_account" in s)
        assert "JOIN organisation" not in loader, url
        assert _loads_of_the_organisation(seen) == [], (url, show(seen))
