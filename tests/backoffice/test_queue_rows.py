"""The queue's rows, built in Python (portal.backoffice.queue_rows): every kind of row reads
right in each language, and nothing a person typed can break out of its cell."""

from __future__ import annotations

from datetime import date

import pytest

from portal import clock
from portal.accounts.models import Role
from portal.backoffice import queue, queue_rows
from portal.dossiers.models import DossierStatus
from portal.extensions import db
from portal.i18n import force_locale, format_date, gettext, ngettext
from portal.reference import format_kbo
from tests.factories import ForeignEmployerFactory, QueuedDossierFactory
from tests.support import check_page, login, make_user

LANGUAGES = ["nl", "fr", "de", "en"]
HOSTILE = '</td></tr><script>alert("x")</script><img src=x onerror=alert(1)> & \' "'


@pytest.fixture
def officer(client):
    user = make_user("rows.officer@flanders.example", Role.OFFICER)
    login(client, user.email)
    return user


def rows(client, lang: str, **params) -> dict[str, dict[str, str]]:
    """Each row of the queue's first page in `lang`, by reference: {header: cell text}."""
    response = client.get("/backoffice/dossiers", query_string={"lang": lang, **params})
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    headers = [th.get_text(strip=True) for th in soup.select("table.queue thead th")]
    found = {}
    for tr in soup.select("table.queue tbody tr"):
        cells = tr.select("td")
        assert [cell["data-label"] for cell in cells] == headers  # the stacked layout's labels
        row = {h: c.get_text(" ", strip=True) for h, c in zip(headers, cells, strict=True)}
        assert tr.select_one("a")["href"].startswith("/backoffice/dossiers/")
        found[row[headers[0]]] = row
    return found


def texts(lang: str):
    """The catalog's words in `lang` (what the rows must show, not another language's)."""
    with force_locale(lang):
        return {
            "employer": gettext("Employer"),
            "date": gettext("Legal deadline"),
            "forwarded": gettext("Forwarded on"),
            "assigned": gettext("Assigned to"),
            "channel": gettext("Channel"),
            "worker": gettext("Worker"),
            "status": gettext("Status"),
            "kbo": gettext("KBO"),
            "foreign": gettext("foreign employer"),
            "salary": gettext("salary to check"),
            "nobody": gettext("Nobody yet"),
            "stopped": gettext("Clock stopped: waiting for the applicant"),
            "today": gettext("Due today"),
            "left": lambda n: ngettext("%(count)s day left", "%(count)s days left", n, count=n),
            "overdue": lambda n: ngettext(
                "Overdue by %(count)s day", "Overdue by %(count)s days", n, count=n
            ),
            "submitted": gettext("Submitted"),
            "info": DossierStatus.INFO_REQUESTED.title,
        }


@pytest.fixture
def files(db_session):
    """One file for each way a row can look."""
    owner = make_user("rows.hr@acme.example")
    assignee = make_user("rows.assignee@flanders.example", Role.OFFICER)
    assignee.name = "Olivia Officer"
    make = QueuedDossierFactory
    made = {
        "today": make(owner=owner, reference="SP-2026-ROW00-A", deadline_in=0),
        "one": make(owner=owner, reference="SP-2026-ROW01-A", deadline_in=1),
        "five": make(owner=owner, reference="SP-2026-ROW05-A", deadline_in=5),
        "late": make(owner=owner, reference="SP-2026-ROW09-A", deadline_in=-1),
        "later": make(owner=owner, reference="SP-2026-ROW10-A", deadline_in=-12),
        "asked": make(
            owner=owner, reference="SP-2026-ROW11-A", status=DossierStatus.INFO_REQUESTED
        ),
        "undated": make(owner=owner, reference="SP-2026-ROW12-A", deadline_on=None),
        "salary": make(owner=owner, reference="SP-2026-ROW13-A", thresholds_missing=True),
        "nameless": make(
            owner=owner, reference="SP-2026-ROW14-A", worker_first_name="", worker_last_name=None
        ),
        "assigned": make(owner=owner, reference="SP-2026-ROW15-A", assigned_officer_id=assignee.id),
        "foreign": make(owner=owner, reference="SP-2026-ROW16-A", posting=True),
    }
    foreign = ForeignEmployerFactory(name="Baufirma Müller GmbH")
    made["foreign"].organisation_id = None
    made["foreign"].foreign_employer_id = foreign.id
    db.session.commit()
    return made


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_kind_of_row_reads_right_in_each_language(client, officer, files, lang):
    seen = rows(client, lang)
    t = texts(lang)
    organisation = files["today"].organisation
    assert seen["SP-2026-ROW00-A"][t["employer"]] == (
        f"{organisation.name} {t['kbo']} {format_kbo(organisation.kbo_number)}"
    )
    assert seen["SP-2026-ROW00-A"][t["date"]] == t["today"]
    assert seen["SP-2026-ROW01-A"][t["date"]] == t["left"](1)
    assert seen["SP-2026-ROW05-A"][t["date"]] == t["left"](5)
    assert t["left"](1) != t["left"](5)  # the plural form follows the count
    assert seen["SP-2026-ROW09-A"][t["date"]] == t["overdue"](1)
    assert seen["SP-2026-ROW10-A"][t["date"]] == t["overdue"](12)
    assert seen["SP-2026-ROW11-A"][t["date"]] == t["stopped"]
    assert seen["SP-2026-ROW11-A"][t["status"]] == t["info"]
    assert seen["SP-2026-ROW12-A"][t["date"]] == "–"
    assert seen["SP-2026-ROW13-A"][t["channel"]].endswith(t["salary"])
    assert t["salary"] not in seen["SP-2026-ROW12-A"][t["channel"]]
    assert seen["SP-2026-ROW14-A"][t["worker"]] == "–"
    assert seen["SP-2026-ROW12-A"][t["worker"]] == "Priya Sharma"
    assert seen["SP-2026-ROW15-A"][t["assigned"]] == "Olivia Officer"
    assert seen["SP-2026-ROW12-A"][t["assigned"]] == t["nobody"]
    assert seen["SP-2026-ROW16-A"][t["employer"]] == f"Baufirma Müller GmbH {t['foreign']}"
    assert seen["SP-2026-ROW16-A"][t["status"]] == t["submitted"]


def test_an_overdue_deadline_is_marked_as_such(client, officer, files):
    html = client.get("/backoffice/dossiers?lang=en").get_data(as_text=True)
    assert '<strong class="overdue">Overdue by 12 days</strong>' in html
    assert "<strong>Due today</strong>" in html
    assert "<strong>salary to check</strong>" in html


def test_a_released_kbo_number_is_not_shown(client, officer, files):
    organisation = files["five"].organisation
    number = format_kbo(organisation.kbo_number)
    assert number in client.get("/backoffice/dossiers?lang=en").get_data(as_text=True)
    organisation.release_kbo_number()
    db.session.commit()
    seen = rows(client, "en")
    assert seen["SP-2026-ROW05-A"]["Employer"] == organisation.name
    # In the table only: the page's CSRF tokens are random text that may hold "X0".
    page = check_page(client.get("/backoffice/dossiers?lang=en").get_data(as_text=True))
    assert "X0" not in page.select_one("table tbody").get_text(" ")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_forwarded_queue_shows_the_day_of_forwarding(client, officer, db_session, lang):
    owner = make_user("rows.fw@acme.example")
    day = clock.today()
    QueuedDossierFactory(
        owner=owner,
        reference="SP-2026-FWD01-A",
        status=DossierStatus.FORWARDED,
        forwarded_on=day,
    )
    db.session.commit()
    t = texts(lang)
    with force_locale(lang):
        expected = format_date(day, "medium")
    row = rows(client, lang, state="forwarded")["SP-2026-FWD01-A"]
    assert row[t["forwarded"]] == expected
    assert t["date"] not in row


def test_nothing_a_person_typed_breaks_out_of_its_cell(client, officer, db_session):
    owner = make_user("rows.hostile@acme.example")
    owner.organisation.name = HOSTILE
    assignee = make_user("rows.hostile.officer@flanders.example", Role.OFFICER)
    assignee.name = HOSTILE
    QueuedDossierFactory(
        owner=owner,
        reference="SP-2026-HOST1-A",
        worker_first_name=HOSTILE,
        worker_last_name="&amp; <b>",
        assigned_officer_id=assignee.id,
    )
    foreign = ForeignEmployerFactory(name=HOSTILE)
    posted = QueuedDossierFactory(owner=owner, reference="SP-2026-HOST2-A", posting=True)
    posted.organisation_id, posted.foreign_employer_id = None, foreign.id
    db.session.commit()
    html = client.get("/backoffice/dossiers?lang=en").get_data(as_text=True)
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    seen = rows(client, "en")
    row = seen["SP-2026-HOST1-A"]
    assert row["Worker"] == f"{HOSTILE} &amp; <b>"  # shown as typed, character for character
    assert row["Employer"].startswith(HOSTILE)
    assert row["Assigned to"] == HOSTILE
    assert seen["SP-2026-HOST2-A"]["Employer"] == f"{HOSTILE} foreign employer"


def test_day_counts_kept_per_language_stay_bounded_and_right(app, officer, files, monkeypatch):
    monkeypatch.setattr(queue_rows, "MAX_COUNTS", 2)
    app.extensions.pop("portal.queue_rows", None)  # texts made by earlier tests
    with app.test_request_context("/"), force_locale("fr"):
        page = queue.dossier_queue(officer)
        html = queue_rows.render(page.rows, state="open", today=page.today, file_url="/f/")
        made = queue_rows.Texts.current()
        assert len(made.left) <= 2 and len(made.overdue) <= 2
        for n in (1, 5):
            assert ngettext("%(count)s day left", "%(count)s days left", n, count=n) in html
        for n in (1, 12):
            words = ngettext("Overdue by %(count)s day", "Overdue by %(count)s days", n, count=n)
            assert words in html


def test_a_new_day_counts_the_deadlines_from_that_day(app, officer, files):
    with app.test_request_context("/"), force_locale("en"):
        page = queue.dossier_queue(officer)
        tomorrow = date.fromordinal(page.today.toordinal() + 1)
        html = queue_rows.render(page.rows, state="open", today=tomorrow, file_url="/f/")
    assert "4 days left" in html and "Overdue by 13 days" in html and "Due today" in html


def test_a_kept_row_never_shows_old_values(client, officer, files):
    """Rows are kept by their values: a file that changes is written anew, at once."""
    assert rows(client, "en")["SP-2026-ROW12-A"]["Worker"] == "Priya Sharma"
    files["undated"].worker_first_name = "Anand"
    files["undated"].assigned_officer_id = officer.id
    files["undated"].organisation.name = "Renamed NV"
    db.session.commit()
    row = rows(client, "en")["SP-2026-ROW12-A"]
    assert row["Worker"] == "Anand Sharma"
    assert row["Assigned to"] == officer.name
    assert row["Employer"].startswith("Renamed NV ")
    assert rows(client, "de")["SP-2026-ROW12-A"]["Arbeitnehmer"] == "Anand Sharma"


def test_kept_rows_stay_bounded(app, officer, files, monkeypatch):
    monkeypatch.setattr(queue_rows, "MAX_ROWS", 3)
    app.extensions.pop("portal.queue_rows", None)
    with app.test_request_context("/"), force_locale("en"):
        page = queue.dossier_queue(officer)
        first = queue_rows.render(page.rows, state="open", today=page.today, file_url="/f/")
        again = queue_rows.render(page.rows, state="open", today=page.today, file_url="/f/")
        assert len(queue_rows.Texts.current().rows) <= 3
    assert first == again and first.count("<tr>") == len(page.rows) == len(files)


# --- The filter form, kept as HTML per language and query (backoffice.views) -------------


def _filters(client, query: str):
    response = client.get(f"/backoffice/dossiers?{query}")
    assert response.status_code == 200
    return check_page(response.get_data(as_text=True)).select_one("form.filters")


def test_the_kept_filter_form_shows_each_query_its_own_values(app, client, officer, files):
    from portal.backoffice import views

    app.extensions.pop("portal.queue_filters", None)
    for _round in range(2):  # made, then kept: the same each time
        form = _filters(client, "lang=en&q=Sharma&sort=newest")
        assert form.select_one("input#q")["value"] == "Sharma"
        assert form.select_one("select#sort option[selected]")["value"] == "newest"
        assert form.select_one("label[for=sort]").get_text(strip=True) == "Sort by"
        form = _filters(client, "lang=fr&q=Sharma&sort=newest")
        assert form.select_one("label[for=sort]").get_text(strip=True) == texts_fr("Sort by")
        form = _filters(client, "lang=en&q=" + "%22%3E%3Cscript%3Ex%3C%2Fscript%3E")
        assert form.select_one("input#q")["value"] == '"><script>x</script>'
        assert form.find("script") is None
    assert len(app.extensions["portal.queue_filters"]) == 3
    assert views.MAX_KEPT_FILTERS >= 3


def test_a_filter_form_with_an_error_is_never_kept(app, client, officer, files):
    app.extensions.pop("portal.queue_filters", None)
    for _round in range(2):
        form = _filters(client, "lang=en&older_than=-5")
        assert form.select_one("#older_than-error") is not None
    assert not app.extensions.get("portal.queue_filters")
    form = _filters(client, "lang=en&older_than=5")
    assert form.select_one("#older_than-error") is None


def test_kept_filter_forms_stay_bounded(app, client, officer, files, monkeypatch):
    from portal.backoffice import views

    monkeypatch.setattr(views, "MAX_KEPT_FILTERS", 2)
    app.extensions.pop("portal.queue_filters", None)
    for name in ["alpha", "beta", "gamma", "delta", "alpha"]:
        assert _filters(client, f"lang=en&q={name}").select_one("input#q")["value"] == name
        assert len(app.extensions["portal.queue_filters"]) <= 2


def _references(soup) -> list[str]:
    return [tr.select_one("a").get_text(strip=True) for tr in soup.select("table.queue tbody tr")]


def test_kept_filters_apply_each_querys_own_values_and_carry_them_to_other_pages(
    app, client, officer
):
    """What is kept with the form's HTML is what its query asked: the order applied, and
    the valid filters the links to other pages carry (not an empty one, not the cursor).
    A form with an error is never kept, and its error summary shows every time."""
    from urllib.parse import parse_qsl, urlsplit

    employer = make_user("kept.filters@acme.example")
    files = [
        QueuedDossierFactory(owner=employer, reference=f"SP-2026-K{n:05d}-X", deadline_in=n)
        for n in range(1, 4)
    ]
    db.session.commit()
    made = [file.reference for file in files]  # soonest deadline first
    newest = files[-1]  # submitted last
    app.extensions.pop("portal.queue_filters", None)
    for _round in range(2):  # made, then kept
        soup = check_page(client.get("/backoffice/dossiers?lang=en").get_data(as_text=True))
        assert _references(soup) == made
        url = f"/backoffice/dossiers?lang=en&sort=newest&kind=&after={newest.id}"
        soup = check_page(client.get(url).get_data(as_text=True))
        assert _references(soup) == made[1::-1]
        first = urlsplit(soup.select_one("a[rel=first]")["href"])
        assert parse_qsl(first.query) == [("sort", "newest")]  # the language is the session's
        soup = check_page(
            client.get("/backoffice/dossiers?lang=en&sort=newest&older_than=abc").get_data(
                as_text=True
            )
        )
        assert _references(soup) == made[::-1]
        assert soup.select_one("#older_than-error") is not None
        assert "older_than" in soup.select_one(".error-summary a")["href"]
    assert len(app.extensions["portal.queue_filters"]) == 2


def texts_fr(text: str) -> str:
    with force_locale("fr"):
        return gettext(text)


def test_a_long_hostile_query_is_answered_and_never_kept(app, client, officer, files):
    """NUL, CR/LF, 8-bit and 5,000 characters in the search: a page, nothing kept."""
    from portal.backoffice import views

    app.extensions.pop("portal.queue_filters", None)
    hostile = "Sharma\x00\r\nX-Injected: 1\xff" + "é" * 5000
    response = client.get("/backoffice/dossiers", query_string={"lang": "en", "q": hostile})
    assert response.status_code == 200
    assert "X-Injected" not in response.headers
    assert len(response.request.query_string) > views.MAX_KEPT_QUERY
    assert not app.extensions.get("portal.queue_filters")
    form = check_page(response.get_data(as_text=True)).select_one("form.filters")
    assert "\x00" not in str(form)


def test_rows_made_by_many_threads_at_once_are_each_in_their_own_language(
    app, officer, files, monkeypatch
):
    """Threads of one worker share the kept rows (and empty them at a tiny limit): every
    render still gives every row, in its own language, never another thread's."""
    import threading

    monkeypatch.setattr(queue_rows, "MAX_ROWS", 5)
    app.extensions.pop("portal.queue_rows", None)
    with app.test_request_context("/"):
        page = queue.dossier_queue(officer)
    expected, failures = {}, []
    for lang in LANGUAGES:
        with app.test_request_context("/"), force_locale(lang):
            expected[lang] = str(
                queue_rows.render(page.rows, state="open", today=page.today, file_url="/f/")
            )
    assert len(set(expected.values())) == 4

    def work(lang: str) -> None:
        for _ in range(30):
            with app.test_request_context("/"), force_locale(lang):
                html = queue_rows.render(page.rows, state="open", today=page.today, file_url="/f/")
            if str(html) != expected[lang]:
                failures.append(lang)

    threads = [threading.Thread(target=work, args=(lang,)) for lang in LANGUAGES * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
