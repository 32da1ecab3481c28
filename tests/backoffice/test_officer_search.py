"""Officers find files (reference, worker, employer, KBO), see who they are about, confirm a
decision after reading its consequence, give grounds as codes, and read the trail in words."""

from __future__ import annotations

from datetime import date

import factory
import pytest
from babel.dates import format_date
from sqlalchemy import select

from portal import clock, uploads
from portal.accounts.models import ForeignEmployer, Role
from portal.audit import AuditEntry
from portal.backoffice import queue, services
from portal.dossiers.lifecycle import handling, reasons
from portal.dossiers.lifecycle.models import StatusEvent
from portal.dossiers.models import Document, Dossier, DossierStatus
from portal.extensions import db
from portal.i18n import format_locale
from portal.reference import format_kbo
from portal.textsearch import key
from tests.applications_support import PDF
from tests.factories import QueuedDossierFactory
from tests.support import (
    PASSWORD,
    check_page,
    error_summary,
    login,
    make_organisation,
    make_user,
    statements_sent,
)

S = DossierStatus


def today() -> date:
    return clock.today()


class QueuedFile(QueuedDossierFactory):
    """A file of Priya Sharma in the queue, its deadline 50 days away."""

    class Params:
        deadline_in = 50

    reference = factory.Sequence(lambda n: f"SP-2026-Q{n:05d}-X")


@pytest.fixture
def employer(db_session):
    user = make_user("hr@acme.example")
    user.muted_notifications = "info_requested,status_changed"
    user.organisation.name = "Acme Logistics NV"
    return user


@pytest.fixture
def officer(client):
    user = make_user("an.peeters@flanders.example", Role.OFFICER)
    user.name = "An Peeters"
    login(client, user.email)
    return user


def page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return check_page(response.get_data(as_text=True))


def found(client, query: str, **params) -> list[str]:
    response = client.get("/backoffice/dossiers", query_string={"q": query, "lang": "en", **params})
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    return [a.get_text(strip=True) for a in soup.select("table.queue tbody tr td:first-child a")]


# --- Search ----------------------------------------------------------------------------------


def test_a_kept_search_finds_files_added_and_changed_since(client, officer, employer):
    """The search's clause is kept per search key; what it finds is read anew every time."""
    first = QueuedFile(owner=employer, worker_last_name="Okonkwo")
    assert found(client, "okonkwo") == [first.reference]
    second = QueuedFile(owner=employer, worker_last_name="Okonkwo-Adeyemi")
    first.worker_last_name, first.worker_last_key = "Mensah", key("Mensah")
    db.session.commit()
    assert found(client, "OKONKWO") == [second.reference]
    assert found(client, "mensah") == [first.reference]


def test_a_search_reads_the_branches_indexes_when_few_files_match(
    client, officer, employer, monkeypatch
):
    """The probe decides: at most COUNT_CAP index entries, or at most the union limit (which
    grows with the files, up to PROBE_CAP), and the union of the branches' ids is read;
    more and the OR stays (its ordered scan finds a page early). The count shown keeps its
    own cap whichever way the files are read."""
    for _ in range(3):
        QueuedFile(owner=employer)  # Priya Sharma at Acme Logistics NV
    queue._search.cache_clear()
    anywhere, few = queue._clauses("priya", ())

    def way(**caps) -> str:
        for name, value in caps.items():
            monkeypatch.setattr(queue, name, value)
        queue._search.cache_clear()
        return {id(few): "union", id(anywhere): "or"}[id(queue.search_condition("priya"))]

    assert way() == "union"  # three entries: at most COUNT_CAP
    # More than COUNT_CAP: the union limit (15 × √files here, PROBE_CAP at most) decides.
    assert way(COUNT_CAP=2, PROBE_CAP=2) == "or"  # a limit no higher than COUNT_CAP
    assert way(COUNT_CAP=2, PROBE_CAP=3) == "union"  # no entry past the limit, 3
    assert way(COUNT_CAP=1, PROBE_CAP=2) == "or"  # an entry past the limit, 2
    assert way(COUNT_CAP=2, PROBE_CAP=3, UNION_PER_ROOT=0) == "or"  # a limit of 0
    assert way(COUNT_CAP=2, PROBE_CAP=3, UNION_PER_ROOT=15) == "union"
    soup = page(client, "/backoffice/dossiers?q=priya&lang=en")
    caption = " ".join(soup.select_one("table.queue caption").get_text(" ", strip=True).split())
    assert caption == "Files 1 to 3 of 2+"
    assert len(soup.select("table.queue tbody tr")) == 3
    queue._search.cache_clear()


def test_the_union_is_read_as_a_short_list_of_ids_on_postgresql(officer, employer):
    """PostgreSQL estimated the union at a million ids and walked the primary key to meet
    them; gathered into an array first, they are looked up one by one. SQLite plans `IN` so
    already. Both find the same files (every search test runs on both databases)."""
    from sqlalchemy.dialects import postgresql, sqlite

    _anywhere, few = queue._clauses("priya sharma", (0, 1))
    statement = select(Dossier.id).where(few)
    on_postgresql = str(statement.compile(dialect=postgresql.dialect()))
    on_sqlite = str(statement.compile(dialect=sqlite.dialect()))
    assert "WHERE dossier.id = ANY(ARRAY(SELECT dossier.id" in on_postgresql
    assert "WHERE dossier.id IN (SELECT dossier.id" in on_sqlite
    assert "= 1" not in on_sqlite.split("UNION")[-1]  # a condition, not a value compared
    mine = QueuedFile(owner=employer)
    assert list(db.session.scalars(select(Dossier.id).where(few))) == [mine.id]


def test_the_union_limit_grows_with_the_root_of_the_files():
    """The union reads every file found, the OR walks past files ÷ found of them for each
    one it counts: the union is the cheaper up to about 15 × √files found, at most
    PROBE_CAP."""
    assert queue.union_limit(10_000) == 1_500
    assert queue.union_limit(100_000) == 4_743
    assert queue.union_limit(1_000_000) == 15_000
    assert queue.union_limit(10**18) == queue.PROBE_CAP == 20_000
    assert queue.union_limit(0) == queue.union_limit(-1) == 0


def test_a_two_word_search_whose_smaller_range_holds_many_reads_the_or(
    officer, employer, monkeypatch
):
    """Each two-word branch may hold at most COUNT_CAP entries in its smaller range for the
    union to be read, however few the one-index branches hold."""
    queue._search.cache_clear()
    files = {
        QueuedFile(owner=employer, worker_first_name="Ana", worker_last_name=f"Worker {n}").id
        for n in range(3)
    }
    anywhere, few = queue._clauses("ana worker", (0, 0))
    assert queue._reading("ana worker") == ((0, 0), True)  # "ana" and "worker": 3 and 3
    assert queue.search_condition("ana worker") is few
    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    queue._search.cache_clear()
    assert queue._reading("ana worker") == ((0, 0), False)
    assert queue.search_condition("ana worker") is anywhere
    for clause in (anywhere, few):
        assert set(db.session.scalars(select(Dossier.id).where(clause))) == files
    queue._search.cache_clear()


def test_a_two_word_search_is_read_through_its_smaller_name_range(officer, employer):
    """Every last name here starts with "worker" (as in the benchmark, where the last-name
    range of "worker 9999" held a million entries): the branch "first name *ana*, last name
    *worker 2*" is read through the last name's range, which holds fewer."""
    queue._search.cache_clear()
    ana_1 = QueuedFile(owner=employer, worker_first_name="Ana", worker_last_name="Worker 1")
    ana_2 = QueuedFile(owner=employer, worker_first_name="Ana", worker_last_name="Worker 2")
    QueuedFile(owner=employer, worker_first_name="Bo", worker_last_name="Worker 2")
    # "worker 2 ana": (first "worker", last "2 ana") holds 0 and 0 entries: the first
    # name's; (first "ana", last "worker 2") holds 2 and 2: a tie reads the first name's.
    assert queue._reading("worker 2 ana") == ((0, 0), True)
    QueuedFile(owner=employer, worker_first_name="Ana", worker_last_name="Other")
    assert queue._reading("worker 2 ana") == ((0, 1), True)  # three Anas, two "worker 2"
    expected = {ana_2.id}
    for sides in [(0, 0), (0, 1), (1, 0), (1, 1)]:  # every way reads the same files
        for clause in queue._clauses("worker 2 ana", sides):
            assert set(db.session.scalars(select(Dossier.id).where(clause))) == expected
    assert set(
        db.session.scalars(select(Dossier.id).where(queue.search_condition("ana worker")))
    ) == {ana_1.id, ana_2.id}
    queue._search.cache_clear()


def test_a_file_matching_several_branches_is_found_and_counted_once(
    client, officer, employer, search_way
):
    # "acme" is this worker's first name and her employer's name: two index entries, one file.
    both = QueuedFile(owner=employer, worker_first_name="Acme", worker_last_name="Jansen")
    other = QueuedFile(owner=employer, worker_first_name="Bram")  # at Acme Logistics NV
    assert sorted(found(client, "acme")) == sorted([both.reference, other.reference])
    soup = page(client, "/backoffice/dossiers?q=acme&lang=en")
    caption = " ".join(soup.select_one("table.queue caption").get_text(" ", strip=True).split())
    assert caption == ("Files 1 to 2 of 2" if search_way == "few" else "Files 1 to 2 of 0+")


def test_a_search_counts_every_file_found_on_every_page(client, officer, employer, search_way):
    """The same count on every page, whichever way the files are read; a draft is never
    found, nor counted."""
    for _ in range(queue.PER_PAGE + 5):
        QueuedFile(owner=employer, worker_last_name="Okafor")
    QueuedFile(owner=employer, worker_last_name="Okafor", status=S.DRAFT)
    first = page(client, "/backoffice/dossiers?q=okafor&lang=en")
    assert len(first.select("table.queue tbody tr")) == queue.PER_PAGE
    shown = " ".join(first.get_text(" ", strip=True).split())
    assert "Files 1 to 50 of 55" in shown if search_way == "few" else "of 0+" in shown
    next_link = first.select_one("a[rel=next]")["href"]
    second = page(client, next_link)
    assert len(second.select("table.queue tbody tr")) == 5
    shown = " ".join(second.get_text(" ", strip=True).split())
    assert "Files 51 to 55 of 55" in shown if search_way == "few" else "of 0+" in shown


def test_search_keys_fold_case_accents_and_hostile_characters():
    assert key("  ÉLODIE  Müller-Øster ") == "elodie muller-oster"
    assert key("Straße") == "strasse"
    assert key("a\x00b\u202ec") == "a b c"
    assert key("x" * 100_000) == "x" * 200


@pytest.fixture(params=["few", "many"])
def search_way(request, monkeypatch):
    """Each search test runs both ways a search is read: from the union of its branches'
    indexes (few files match, the default here) and as one OR (PROBE_CAP and COUNT_CAP 0:
    any match is "many")."""
    queue._search.cache_clear()
    if request.param == "many":
        monkeypatch.setattr(queue, "PROBE_CAP", 0)
        monkeypatch.setattr(queue, "COUNT_CAP", 0)
    yield request.param
    queue._search.cache_clear()


def test_search_by_reference_worker_employer_and_kbo(client, officer, employer, search_way):
    other = make_organisation(kbo="0403170701", name="Bäckerei Zoë BV")
    mine = QueuedFile(owner=employer, worker_first_name="Élodie", worker_last_name="Van der Berg")
    theirs = QueuedFile(
        owner=employer, organisation_id=other.id, worker_first_name="Ravi", worker_last_name="Kumar"
    )
    decided = QueuedFile(owner=employer, status=S.WORK_REFUSED, worker_last_name="Okafor")
    draft = QueuedFile(owner=employer, status=S.DRAFT, reference=None, worker_last_name="Okafor")
    assert draft.id
    assert found(client, mine.reference) == [mine.reference]
    assert found(client, mine.reference.lower()) == [mine.reference]
    assert found(client, "elodie") == [mine.reference]
    assert found(client, "ÉLODIE van der") == [mine.reference]  # first name and last name
    assert found(client, "van der berg élodie") == [mine.reference]  # last name first
    assert found(client, "kumar") == [theirs.reference]
    assert found(client, "ravi kum") == [theirs.reference]
    assert found(client, "backerei zoe") == [theirs.reference]  # accents folded
    assert found(client, "BÄCKEREI") == [theirs.reference]
    kbo = other.kbo_number
    assert found(client, kbo) == [theirs.reference]
    assert found(client, format_kbo(kbo)) == [theirs.reference]  # 0123.456.749
    assert found(client, f"BE {format_kbo(kbo)}") == [theirs.reference]
    assert found(client, kbo[1:]) == [theirs.reference]  # nine digits, leading 0 left off
    # A search looks at decided files too, but never at drafts.
    assert found(client, "okafor") == [decided.reference]
    assert found(client, "nobody") == []
    soup = page(client, "/backoffice/dossiers?q=nobody&lang=en")
    assert "No files match this search." in soup.get_text()
    assert soup.find("input", id="q")["value"] == "nobody"


def test_the_queue_shows_worker_and_employer(client, officer, employer):
    posted = ForeignEmployer(
        mandatary_id=make_user("m@mandates.example", Role.MANDATARY).mandatary_id,
        name="Montage GmbH",
        country="DE",
        registration_number="HRB 1",
    )
    db.session.add(posted)
    db.session.flush()
    QueuedFile(owner=employer, worker_first_name="Li", worker_last_name="Wei")
    QueuedFile(owner=employer, organisation_id=None, foreign_employer_id=posted.id)
    soup = page(client, "/backoffice/dossiers?lang=en")
    headers = [th.get_text(strip=True) for th in soup.select("table.queue thead th")]
    assert headers[:3] == ["Reference", "Worker", "Employer"]
    rows = [tr.get_text(" ", strip=True) for tr in soup.select("table.queue tbody tr")]
    kbo = format_kbo(employer.organisation.kbo_number)
    assert any("Li Wei" in r and "Acme Logistics NV" in r and kbo in r for r in rows)
    assert any("Montage GmbH" in r and "foreign employer" in r for r in rows)


@pytest.mark.parametrize(
    "hostile",
    ["%", "_", "%%", "a%", "_riya", "\x00%", "\u202eayirP", "' OR 1=1 --", "\\", "\x00_\x00"],
)
def test_hostile_searches_find_nothing_and_never_fail(
    client, officer, employer, hostile, search_way
):
    QueuedFile(owner=employer)  # Priya Sharma at Acme Logistics NV
    QueuedFile(owner=employer, worker_first_name="A_b", worker_last_name="100%")
    assert found(client, hostile) == []


def test_control_characters_are_spaces(client, officer, employer):
    priya = QueuedFile(owner=employer)
    assert found(client, "Priya\x00") == [priya.reference]
    assert found(client, "Priya\u202eSharma") == [priya.reference]
    assert found(client, "\x00") == [priya.reference]  # nothing to search for: the queue


def test_like_wildcards_are_ordinary_characters(client, officer, employer):
    QueuedFile(owner=employer)
    odd = QueuedFile(owner=employer, worker_first_name="A_b", worker_last_name="100%")
    assert found(client, "a_b") == [odd.reference]
    assert found(client, "100%") == [odd.reference]
    assert found(client, "axb") == []
    emoji = QueuedFile(owner=employer, worker_first_name="Zoë😀", worker_last_name="Ng")
    assert found(client, "zoe") == [emoji.reference]  # beyond U+FFFF still inside the range


def test_a_huge_search_is_refused_with_a_message(client, officer, employer):
    QueuedFile(owner=employer)
    response = client.get("/backoffice/dossiers", query_string={"q": "x" * 100_000, "lang": "en"})
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    assert "Search: Search with at most 200 characters." in error_summary(soup)
    assert len(soup.find("input", id="q")["value"]) <= 200
    for link in soup.select("nav.pagination a"):
        assert "xxxxx" not in link["href"]
    # The service bounds the term itself, whoever calls it.
    assert queue.dossier_queue(make_user("o2@flanders.example", Role.OFFICER), query="x" * 10**5)


def plan(where) -> str:
    statement = select(Dossier.id).where(*where)
    compiled = statement.compile(dialect=db.engine.dialect)
    parameters = tuple(compiled.params[name] for name in compiled.positiontup)
    rows = (
        db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", parameters).all()
    )
    return "\n".join(str(row[-1]) for row in rows)


def test_every_search_branch_is_an_index_search(officer, employer):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL uses the same btree indexes")
    QueuedFile(owner=employer)
    for query in ("sharma", "priya sharma", "0123.456.749", "acme"):
        text = plan(queue.conditions(officer, query=query, today=today()))
        assert "SCAN dossier" not in text, (query, text)
        assert "ix_dossier_worker_first_key" in text and "ix_dossier_worker_last_key" in text
        assert "ix_organisation_name_key" in text
        assert "sqlite_autoindex_dossier" in text  # the unique index on reference
    assert "sqlite_autoindex_organisation" in plan(
        queue.conditions(officer, query="0123456749", today=today())
    )


def test_the_queue_costs_a_fixed_number_of_queries_whatever_the_page_size(
    client, officer, employer, monkeypatch
):
    posted = ForeignEmployer(
        mandatary_id=make_user("m@mandates.example", Role.MANDATARY).mandatary_id,
        name="Montage GmbH",
        country="DE",
        registration_number="HRB 1",
    )
    db.session.add(posted)
    db.session.flush()
    for number in range(queue.PER_PAGE + 5):
        organisation = make_organisation(name=f"Firm {number}")
        if number % 3:
            QueuedFile(
                owner=employer, organisation_id=organisation.id, assigned_officer_id=officer.id
            )
        else:
            QueuedFile(owner=employer, organisation_id=None, foreign_employer_id=posted.id)

    def statements(url: str) -> int:
        db.session.expire_all()
        with statements_sent() as seen:
            rows = page(client, url).select("table.queue tbody tr")
        assert rows
        # On PostgreSQL a search read as a union keeps its plans: a setting before the
        # queue's statements, and back after them (queue._plans_kept). No query.
        settings = [sql for sql in seen if sql.startswith("SET LOCAL plan_cache_mode")]
        assert len(settings) == (2 if db.engine.dialect.name == "postgresql" and "q=" in url else 0)
        return len(seen) - len(settings)

    few = statements("/backoffice/dossiers?lang=en&q=priya&owner=mine")
    many = statements("/backoffice/dossiers?lang=en")
    assert many <= 8 and few <= 8, (few, many)
    assert few == many + 1  # a search first asks how many files its branches match
    monkeypatch.setattr(queue, "COUNT_CAP", 10)  # 55 Priyas: more than COUNT_CAP, fewer
    queue._search.cache_clear()  # than the union limit (15 × √files), asked apart
    assert statements("/backoffice/dossiers?lang=en&q=priya&owner=mine") == many + 2 <= 8
    queue._search.cache_clear()


def test_paging_through_a_search_asks_the_indexes_once_a_minute_and_either_reading_agrees(
    client, officer, employer, monkeypatch
):
    """How a search is read is asked of the indexes once per `PLAN_SECONDS` and search key:
    the next page, or the same search again, reads the files at once. A reading kept while
    files were added still finds them, and the other reading finds the same files in the
    same order, so a stale reading costs time only."""
    moment = [1000.0]
    monkeypatch.setattr(queue, "monotonic", lambda: moment[0])
    for _ in range(3):
        QueuedFile(owner=employer)  # Priya Sharma
    url = "/backoffice/dossiers?lang=en&q=priya"

    def visit(address: str = url) -> tuple[int, list[str]]:
        """(the statements that asked the indexes, the references shown)."""
        db.session.expire_all()
        with statements_sent() as seen:
            soup = page(client, address)
        shown = [
            a.get_text(strip=True) for a in soup.select("table.queue tbody tr td:first-child a")
        ]
        return sum("max(dossier.id)" in statement for statement in seen), shown

    asked, first = visit()
    assert asked == 1 and len(first) == 3
    assert visit() == (0, first)  # the same search again: the kept reading
    assert visit(url + "&sort=newest") == (0, first[::-1])  # another order, the same key
    added = [QueuedFile(owner=employer).reference for _ in range(2)]
    moment[0] += queue.PLAN_SECONDS - 1
    asked, shown = visit()
    assert asked == 0 and sorted(shown) == sorted(first + added)  # kept, and finds them all
    moment[0] += 1
    assert visit() == (1, shown)  # a minute on: asked again
    plan = queue._search("priya").kept["plan"]
    assert plan[1][2] is True  # five files: read from the union of the branches' ids
    queue._search("priya").kept["plan"] = (moment[0], (*plan[1][:2], False))  # the OR
    assert visit() == (0, shown)


# --- Deciding --------------------------------------------------------------------------------


def test_a_decision_shows_its_consequence_before_it_is_taken(client, officer, employer):
    dossier = QueuedFile(owner=employer, locale="fr")
    history = db.session.scalars(select(StatusEvent.id)).all()  # its submission
    url = f"/backoffice/dossiers/{dossier.id}/decision?lang=en"
    response = client.post(
        url,
        data={
            "decision-outcome": "refused",
            "decision-reason_codes": ["salary_below_threshold", "incomplete_documents"],
            "decision-reasons": "Le salaire annuel est de 30 000 EUR.",
        },
    )
    soup = check_page(response.get_data(as_text=True))
    text = soup.get_text(" ", strip=True)
    assert soup.h1.get_text(strip=True) == f"Confirm the decision on file {dossier.reference}"
    assert "The applicant receives a refusal letter with these grounds" in text
    assert "This cannot be undone." in text
    assert "The salary is below the threshold of the category" in text
    assert "(Français)" in text  # the grounds as the applicant reads them
    assert dossier.status == S.SUBMITTED and dossier.flemish_decision is None
    assert db.session.scalars(select(StatusEvent.id)).all() == history
    form = soup.find("form", action=f"/backoffice/dossiers/{dossier.id}/decision")
    hidden = [(i["name"], i["value"]) for i in form.find_all("input", type="hidden")]
    assert ("decision-confirmed", "yes") in hidden
    assert ("decision-reason_codes", "incomplete_documents") in hidden
    assert ("decision-reason_codes", "salary_below_threshold") in hidden

    data = {name: [v for n, v in hidden if n == name] for name, _ in hidden}
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert dossier.status == S.WORK_REFUSED
    assert dossier.flemish_reason_codes == "incomplete_documents,salary_below_threshold"
    assert dossier.flemish_reasons == "Le salaire annuel est de 30 000 EUR."
    shown = page(client, f"/backoffice/dossiers/{dossier.id}?lang=en").get_text(" ", strip=True)
    assert "Required documents are missing or incomplete" in shown


def test_authorising_warns_that_the_file_goes_to_dvz_at_once(client, officer, employer):
    dossier = QueuedFile(owner=employer)
    soup = check_page(
        client.post(
            f"/backoffice/dossiers/{dossier.id}/decision?lang=en",
            data={"decision-outcome": "authorised"},
        ).get_data(as_text=True)
    )
    text = soup.get_text(" ", strip=True)
    assert "forwarded to the Immigration Office (DVZ) at once. This cannot be undone." in text
    assert dossier.status == S.SUBMITTED


def test_grounds_are_checked_before_the_confirmation(client, officer, employer):
    dossier = QueuedFile(owner=employer)
    url = f"/backoffice/dossiers/{dossier.id}/decision?lang=en"
    soup = check_page(
        client.post(
            url, data={"decision-outcome": "refused", "decision-reason_codes": "other"}
        ).get_data(as_text=True)
    )
    assert any("Explain the other reason" in m for m in error_summary(soup))
    soup = check_page(
        client.post(
            url,
            data={
                "decision-outcome": "refused",
                "decision-reason_codes": "<script>",
                "decision-confirmed": "yes",
            },
        ).get_data(as_text=True)
    )
    assert any("Choose the grounds from the list." in m for m in error_summary(soup))
    assert dossier.status == S.SUBMITTED


@pytest.mark.csrf
def test_the_confirmation_needs_its_csrf_token(app, db_session, employer):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        officer = make_user("csrf-officer@flanders.example", Role.OFFICER)
        token = check_page(client.get("/account/login?lang=en").text).find(
            "input", {"name": "csrf_token"}
        )["value"]
        client.post(
            "/account/login",
            data={"csrf_token": token, "email": officer.email, "password": PASSWORD},
        )
        dossier = QueuedFile(owner=employer)
        soup = page(client, f"/backoffice/dossiers/{dossier.id}?lang=en")
        token = soup.find("input", {"name": "decision-csrf_token"})["value"]
        url = f"/backoffice/dossiers/{dossier.id}/decision?lang=en"
        confirm = check_page(
            client.post(
                url, data={"decision-csrf_token": token, "decision-outcome": "authorised"}
            ).text
        )
        form = confirm.find("form", action=f"/backoffice/dossiers/{dossier.id}/decision")
        data = {i["name"]: i["value"] for i in form.find_all("input", type="hidden")}
        assert data["decision-csrf_token"]
        forged = {k: v for k, v in data.items() if k != "decision-csrf_token"}
        assert client.post(url, data=forged).status_code in (200, 400)
        assert dossier.status == S.SUBMITTED
        assert client.post(url, data=data).status_code == 302
        assert dossier.status == S.FORWARDED
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_reasons_are_stored_as_codes_not_as_sentences(officer, employer):
    dossier = QueuedFile(owner=employer)
    handling.request_info(officer, dossier, question="Which diploma?")
    handling.answer_info(employer, dossier, answer="Added it.")
    handling.decide(officer, dossier, outcome="authorised")
    events = db.session.scalars(
        select(StatusEvent).where(StatusEvent.dossier_id == dossier.id).order_by(StatusEvent.id)
    ).all()
    stored = [(e.to_status, e.reason_codes, e.reason) for e in events]
    assert (S.SUBMITTED, "info_provided", None) in stored
    assert (S.FORWARDED, "auto_forwarded", None) in stored
    assert reasons.reason_label("auto_forwarded", "nl")  # a label in any language
    assert reasons.reason_label("no_such_code") == "no_such_code"
    assert reasons.join(["other", "fee_not_paid", "bogus"]) == "fee_not_paid,other"


def test_the_applicant_reads_the_grounds_on_the_timeline(client, officer, employer):
    dossier = QueuedFile(owner=employer)
    handling.decide(
        officer,
        dossier,
        outcome="inadmissible",
        reason_codes=["fee_not_paid"],
        reasons="No payment arrived.",
    )
    db.session.commit()
    login(client, employer.email)
    text = page(client, f"/applications/{dossier.id}/timeline?lang=en").get_text(" ", strip=True)
    assert "There is no proof of payment of the federal fee" in text
    assert "No payment arrived." in text and "fee_not_paid" not in text


# --- The file page ---------------------------------------------------------------------------


def add_document(dossier, owner, requirement, issued_on=None) -> Document:
    stored = uploads.store(PDF, f"{requirement}.pdf", ("pdf",), 10_000)
    document = Document(
        dossier=dossier,
        requirement=requirement,
        file_name=f"{requirement}.pdf",
        stored_name=stored.stored_name,
        sha256=stored.sha256,
        size=stored.size,
        mime=stored.mime,
        issued_on=issued_on,
        uploaded_by_id=owner.id,
    )
    db.session.add(document)
    db.session.flush()
    return document


def test_issue_dates_and_the_six_month_rule_are_shown(client, officer, employer):
    submitted = date(2026, 11, 2)
    dossier = QueuedFile(owner=employer, submitted_on=submitted)
    add_document(dossier, employer, "medical_certificate", date(2026, 3, 1))  # > 6 months
    add_document(dossier, employer, "good_conduct", date(2026, 10, 1))
    add_document(dossier, employer, "passport")
    soup = page(client, f"/backoffice/dossiers/{dossier.id}?lang=en")
    rows = {
        tr.find("td").get_text(" ", strip=True): tr.get_text(" ", strip=True)
        for tr in soup.find("th", string="Issued on").find_parent("table").select("tbody tr")
    }
    medical = next(v for k, v in rows.items() if k.startswith("Medical"))
    conduct = next(v for k, v in rows.items() if k.startswith("Certificate of good conduct"))
    assert (
        format_date(date(2026, 3, 1), "medium", locale=format_locale("en")) in medical
        and "More than 6 months old at submission" in medical
    )
    assert (
        format_date(date(2026, 10, 1), "medium", locale=format_locale("en")) in conduct
        and "At most 6 months old at submission" in conduct
    )
    assert services.document_age(dossier.documents[2], submitted) is None


def test_the_audit_trail_reads_as_sentences(client, officer, employer):
    dossier = QueuedFile(owner=employer)
    document = add_document(dossier, employer, "passport")
    db.session.commit()  # the stored file is moved into place when its row is committed
    with client.get(f"/backoffice/dossiers/{dossier.id}/documents/{document.id}") as download:
        assert download.status_code == 200
    client.post(f"/backoffice/dossiers/{dossier.id}/claim")
    from portal import audit

    audit.record("brand.new_action", dossier_id=dossier.id, actor_id=officer.id)
    db.session.commit()
    soup = page(client, f"/backoffice/dossiers/{dossier.id}?lang=en")
    table = soup.find("caption", string="Who did what with this file, oldest first").parent
    sentences = [tr.select("td")[1].get_text(" ", strip=True) for tr in table.select("tbody tr")]
    assert "Officer An Peeters downloaded the document “Copy of the passport (passport.pdf)”." in (
        sentences
    )
    assert "Officer An Peeters took the file." in sentences
    assert "Officer An Peeters opened the file." in sentences
    assert "Officer An Peeters: brand.new_action." in sentences  # the fallback
    assert not any(s in ("download", "claim", "view") for s in sentences)
    unknown = AuditEntry(action="status:nonsense", actor=None, api_client_id=None)
    assert services.describe_entry(unknown) == "The portal: status:nonsense."
