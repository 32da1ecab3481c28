""" "My applications" a page at a time (keyset): a page never grows with the number of files,
and a cursor that is not one of the actor's own files is refused with a 400."""

from __future__ import annotations

import re

import pytest

from portal.dossiers import access
from portal.extensions import db
from tests.factories import DossierFactory, EmployerFactory, InfoRequestFactory
from tests.support import HOSTILE_MARKUP, PASSWORD, check_page, login, unmarked_page

ROW = re.compile(r'<a href="/applications/(\d+)">')
NEXT = re.compile(r'href="/applications/\?before=(\d+)" rel="next"')


@pytest.fixture
def employer(client):
    user = EmployerFactory()
    login(client, user.email, PASSWORD)
    return user


def _rows(html: str) -> list[int]:
    return [int(n) for n in ROW.findall(html)]


def _page(client, before: int | str | None = None):
    url = "/applications/?lang=en" + (f"&before={before}" if before is not None else "")
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    following = NEXT.search(html)
    return _rows(html), int(following.group(1)) if following else None, html


def test_a_few_files_fit_on_one_page_without_links(client, employer):
    made = [DossierFactory(owner=employer).id for _ in range(3)]
    rows, following, html = _page(client)
    assert rows == sorted(made, reverse=True)
    assert following is None and 'class="pagination"' not in html


def test_pages_never_grow_and_walk_every_file_once_newest_first(client, employer):
    made = [DossierFactory(owner=employer).id for _ in range(2 * access.PER_PAGE + 3)]
    DossierFactory()  # someone else's file is never listed
    seen, sizes, before = [], [], None
    while True:
        rows, before, html = _page(client, before)
        sizes.append(len(rows))
        seen += rows
        if before is None:
            break
        assert rows[-1] == before  # the cursor is the last row shown
    assert sizes == [access.PER_PAGE, access.PER_PAGE, 3]
    assert seen == sorted(made, reverse=True)
    assert 'rel="first"' in check_page(html).decode()  # back to the newest from a later page


def test_the_service_holds_at_most_its_page_size_whatever_the_count(employer):
    for count in range(12):
        page = access.dossiers_page(employer, per_page=5)
        assert len(page.dossiers) == min(count, 5)
        assert (page.older is not None) == (count > 5)
        DossierFactory(owner=employer)


def test_the_oldest_file_as_cursor_shows_an_empty_page_not_the_first(client, employer):
    oldest = DossierFactory(owner=employer).id
    DossierFactory(owner=employer)
    rows, following, html = _page(client, oldest)
    assert rows == [] and following is None
    assert 'href="/applications/" rel="first"' in check_page(html).decode()  # to the newest
    assert "You have no applications yet." not in html


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "-1",
        "0",
        "007",
        "1e3",
        " 5",
        "5%00",
        "١٢",  # Arabic-Indic digits: int() would take them
        str(10**30),
        str(2**63),
        str(2**31),  # one past PostgreSQL's integer: no row has it
        "9" * 19,
        "1" * 5000,
    ],
)
def test_hostile_cursors_are_refused(client, employer, cursor):
    DossierFactory(owner=employer)
    response = client.get("/applications/", query_string={"before": cursor})
    assert response.status_code == 400


def test_another_employers_file_as_cursor_is_refused_like_a_missing_one(client, employer):
    mine = DossierFactory(owner=employer)
    theirs = DossierFactory(reference="SP-2026-THEIRS-X")
    newer = DossierFactory(owner=employer)
    db.session.commit()  # a refused request rolls back; the files stay (a savepoint here)
    refused = client.get(f"/applications/?before={theirs.id}")
    missing = client.get(f"/applications/?before={theirs.id + 1000}")
    assert refused.status_code == missing.status_code == 400
    assert "SP-2026-THEIRS-X" not in refused.get_data(as_text=True)
    rows, _, _ = _page(client, newer.id)  # one's own file is a good cursor
    assert rows == [mine.id]


def test_each_row_links_to_its_file_and_shows_its_status(app, client, employer):
    from flask import url_for

    made = DossierFactory(owner=employer)
    rows, _following, html = _page(client)
    assert rows == [made.id]
    # The list builds the file's address from its own (once, not per row): the route's.
    with app.test_request_context():
        assert url_for("applications.task_list", dossier_id=made.id) == f"/applications/{made.id}"
    assert client.get(f"/applications/{made.id}").status_code == 200
    tag = check_page(html).select_one(f"td strong.tag-{made.status.value}")
    assert tag is not None and tag.get_text(strip=True)


HOSTILE = HOSTILE_MARKUP
HOSTILE_REFERENCE = "SP-<i>&\"'</i>"  # a reference holds at most 20 characters


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_each_row_shows_its_values_escaped_and_its_words_in_the_page_language(
    client, employer, lang
):
    """The rows are written in Python (portal.dossiers.wizard.list_rows): what a file holds
    is escaped, a draft is named by its day, and every word is the page's language."""
    from portal.dossiers.models import DossierKind, DossierStatus, Permit
    from portal.i18n import force_locale, format_date, gettext

    draft = DossierFactory(
        owner=employer, reference=None, worker_first_name=HOSTILE, worker_last_name="Ω"
    )
    filed = DossierFactory(
        owner=employer,
        submitted=True,
        reference=HOSTILE_REFERENCE,
        worker_first_name=None,
        worker_last_name=None,
        kind=DossierKind.RENEWAL,
        is_posting=True,
    )
    card = DossierFactory(owner=employer, card_granted=True, reference="SP-2026-CARD-X")
    db.session.commit()
    soup = unmarked_page(client, f"/applications/?lang={lang}")
    with force_locale(lang):
        t = gettext
        headers = [t("Reference"), t("Worker"), t("Kind"), t("Status")]
        posting, single, card_kind = t("posting"), Permit.SINGLE_PERMIT.title, card.permit.title
        expected = {
            card.id: [
                "SP-2026-CARD-X",
                "Priya Sharma",
                f"{card_kind} · {DossierKind.NEW.title}",
                DossierStatus.CARD_GRANTED.title,
            ],
            filed.id: [
                HOSTILE_REFERENCE,
                "–",
                f"{single} · {DossierKind.RENEWAL.title} · {posting}",
                DossierStatus.SUBMITTED.title,
            ],
            draft.id: [
                t("Draft of %(date)s", date=format_date(draft.created_at, "medium")),
                f"{HOSTILE} Ω",
                f"{single} · {DossierKind.NEW.title}",
                DossierStatus.DRAFT.title,
            ],
        }
    assert [th.get_text(strip=True) for th in soup.select("thead th")] == headers
    shown, tags = {}, {}
    for tr in soup.select("tbody tr"):
        cells = tr.select("td")
        assert [td["data-label"] for td in cells] == headers  # the stacked layout's labels
        file_id = int(tr.select_one("a")["href"].rsplit("/", 1)[1])
        shown[file_id] = [" ".join(td.get_text(" ", strip=True).split()) for td in cells]
        tags[file_id] = tr.select_one("strong.tag")["class"]
    assert tags == {
        card.id: ["tag", "tag-card_granted"],
        filed.id: ["tag", "tag-submitted"],
        draft.id: ["tag", "tag-draft"],
    }
    assert shown == {key: [" ".join(v.split()) for v in values] for key, values in expected.items()}
    assert list(shown) == [card.id, filed.id, draft.id]  # newest first


def test_the_list_is_kept_per_party_and_shows_each_party_its_own(client, employer):
    """The list's statement is kept per organisation (or mandatary, or person): colleagues
    share it, and another organisation's is another statement, never theirs."""
    colleague = EmployerFactory(organisation=employer.organisation)
    stranger = EmployerFactory()
    ours = DossierFactory(owner=employer).id
    theirs = DossierFactory(owner=stranger).id
    db.session.flush()
    access._page_statement.cache_clear()
    assert [f.id for f in access.dossiers_page(employer).dossiers] == [ours]
    assert [f.id for f in access.dossiers_page(colleague).dossiers] == [ours]
    assert [f.id for f in access.dossiers_page(stranger).dossiers] == [theirs]
    assert access._page_statement.cache_info()[:2] == (1, 2)  # (hits, misses)
    following = access.dossiers_page(employer, before=str(ours))  # a cursor: a parameter
    assert following.dossiers == [] and not following.first


def test_a_file_is_read_through_the_statement_kept_for_the_readers_own_party(employer):
    """The file's statement is kept per party: a colleague reads it through the same one,
    someone of another organisation never (they get the missing file's answer)."""
    from portal.errors import NotFound

    colleague = EmployerFactory(organisation=employer.organisation)
    stranger = EmployerFactory()
    mine = DossierFactory(owner=employer)
    db.session.flush()
    access._dossier_statement.cache_clear()
    assert access.get_dossier(employer, mine.id) is mine
    assert access.get_dossier(colleague, mine.id, for_update=True) is mine
    with pytest.raises(NotFound):
        access.get_dossier(stranger, mine.id)
    assert access.get_dossier(colleague, mine.id) is mine
    assert access._dossier_statement.cache_info()[:2] == (1, 3)  # (hits, misses)


def test_only_submitted_files_with_an_answered_request_read_back_with_the_officer(client, employer):
    """Read in the list's own query: a submitted file that came back from an answered
    request, and no other (a submitted one without an answer, one still waiting for the
    answer, one decided after an answer)."""
    back = DossierFactory(owner=employer, submitted=True)
    plain = DossierFactory(owner=employer, submitted=True)
    waiting = DossierFactory(owner=employer, info_requested=True)
    decided = DossierFactory(owner=employer, refused=True)
    InfoRequestFactory(dossier=back, answered=True)
    InfoRequestFactory(dossier=waiting)
    InfoRequestFactory(dossier=decided, answered=True)
    db.session.commit()
    _rows_, _following, html = _page(client)
    tags = {
        int(row.a["href"].rsplit("/", 1)[1]): row.select_one("strong.tag").get_text(strip=True)
        for row in check_page(html).select("tbody tr")
    }
    assert tags[back.id] == "Back with the officer"
    assert "Back with the officer" not in (tags[plain.id], tags[waiting.id], tags[decided.id])
    assert tags[plain.id] == "Submitted"


def test_a_kept_row_of_my_applications_never_shows_old_values(app, client, employer, monkeypatch):
    """Rows are kept under their values (`keep.rows_html`): a file that changes, or that
    comes back from the officer, is written anew at once; each language has its own rows;
    the store stays bounded."""
    from portal import keep
    from portal.dossiers.wizard import list_rows
    from tests.factories import InfoRequestFactory

    def row(lang: str = "en") -> list[str]:
        html = client.get(f"/applications/?lang={lang}").get_data(as_text=True)
        cells = check_page(html).select("tbody tr td")
        return [" ".join(td.get_text(" ", strip=True).split()) for td in cells]

    app.extensions.pop("portal.list_rows", None)
    dossier = DossierFactory(owner=employer, submitted=True, reference="SP-2026-KEPT-1")
    db.session.commit()
    first = row()
    assert first[1] == "Priya Sharma" and first[3] == "Submitted"
    assert row() == first  # from the store
    dossier.worker_first_name = "Anand"
    InfoRequestFactory(dossier=dossier, answered=True)
    db.session.commit()
    changed = row()
    assert changed[1] == "Anand Sharma" and changed[3] == "Back with the officer"
    assert row("de")[3] != changed[3]  # the German row, not the English one kept

    monkeypatch.setattr(list_rows, "MAX_ROWS", 1)
    DossierFactory(owner=employer, reference="SP-2026-KEPT-2", submitted=True)
    db.session.commit()
    assert len(row()) == 8
    with app.test_request_context("/?lang=en"):
        kept = keep.per_language(list_rows.STORE, list_rows.Texts.translated)
        assert len(kept.rows) <= 1
