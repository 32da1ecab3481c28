"""The queue in four languages, and the per-request catalog that makes it cheap.

The catalog is found once per request and the queue's rows are formatted in Python
(portal.i18n): these tests pin what a reader sees, so that such shortcuts never show a
label or a date in another language than the page's, nor carry one request's language
into the next.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import render_template_string

from portal.accounts.models import Role
from portal.dossiers.models import DossierStatus
from portal.extensions import db
from portal.i18n import _, _l, force_locale, translations
from tests.factories import QueuedDossierFactory
from tests.support import check_page, login, make_user

SUBMITTED_AT = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)  # 5 March 2026, 11:00 in Brussels

# What each language shows, written out by hand from the catalogs and CLDR's Belgian
# formats ("en" is en_BE: day first, not the US "Mar 5, 2026").
EXPECTED = {
    "nl": {"status": "Ingediend", "header": "Status", "date": "5 mrt 2026"},
    "fr": {"status": "Introduit", "header": "Statut", "date": "5 mars 2026"},
    "de": {"status": "Eingereicht", "header": "Status", "date": "05.03.2026"},
    "en": {"status": "Submitted", "header": "Status", "date": "05 Mar 2026"},
}
FORWARDED = {
    "nl": "Doorgestuurd naar de Dienst Vreemdelingenzaken (DVZ)",
    "fr": "Transmis à l'Office des étrangers (OE)",
    "de": "An das Ausländeramt (DVZ) weitergeleitet",
    "en": "Forwarded to the Immigration Office",
}


@pytest.fixture
def officer(client):
    user = make_user("queue.languages@flanders.example", Role.OFFICER)
    login(client, user.email)
    return user


@pytest.fixture
def queued(db_session):
    owner = make_user("hr.languages@acme.example")
    dossier = QueuedDossierFactory(
        owner=owner, reference="SP-2026-LANG1-X", submitted_at=SUBMITTED_AT
    )
    db.session.commit()
    return dossier


def queue_row(client, lang: str, **params) -> dict[str, str]:
    """The first row of the queue in `lang`, as {column header: cell text}."""
    response = client.get("/backoffice/dossiers", query_string={"lang": lang, **params})
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    assert soup.html["lang"] == lang
    headers = [th.get_text(strip=True) for th in soup.select("table.queue thead th")]
    cells = soup.select("table.queue tbody tr")[0].select("td")
    row = {
        header: cell.get_text(" ", strip=True) for header, cell in zip(headers, cells, strict=True)
    }
    # The stacked (narrow screen) layout repeats each header on its cell.
    assert [cell["data-label"] for cell in cells] == headers
    return row


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_the_queue_shows_status_labels_and_belgian_dates_in_each_language(
    client, officer, queued, lang
):
    row = queue_row(client, lang)
    expected = EXPECTED[lang]
    assert row[expected["header"]] == expected["status"]
    assert expected["date"] in row.values()


def test_languages_switched_mid_session_do_not_leak_into_each_other(client, officer, queued):
    """One process, one session: every request shows its own language, never the last one's."""
    for lang in ["fr", "de", "fr", "en", "nl", "de"]:
        row = queue_row(client, lang)
        assert row[EXPECTED[lang]["header"]] == EXPECTED[lang]["status"], lang
        assert EXPECTED[lang]["date"] in row.values(), lang
    # The last choice stays for the session: a request without ?lang= is in German.
    response = client.get("/backoffice/dossiers")
    assert "Eingereicht" in response.get_data(as_text=True)
    assert "Introduit" not in response.get_data(as_text=True)


def test_two_sessions_in_two_languages_each_keep_their_own(app, client, officer, queued):
    other = app.test_client()
    login(other, officer.email)
    client.get("/backoffice/dossiers?lang=fr")
    other.get("/backoffice/dossiers?lang=de")
    for _round in range(2):
        french = client.get("/backoffice/dossiers").get_data(as_text=True)
        german = other.get("/backoffice/dossiers").get_data(as_text=True)
        assert "Introduit" in french and "Eingereicht" not in french
        assert "Eingereicht" in german and "Introduit" not in german


def test_force_locale_inside_a_request_switches_the_catalog_and_back(app, db_session):
    """An e-mail in the recipient's language during a French request: the cached catalog
    follows force_locale in code and in templates, and comes back to French after it."""
    label = DossierStatus.FORWARDED.label
    with app.app_context(), app.test_request_context("/?lang=fr"):
        assert _("Submitted") == "Introduit"
        assert str(label) == FORWARDED["fr"]
        with force_locale("de"):
            assert _("Submitted") == "Eingereicht"
            assert str(label) == FORWARDED["de"]
            assert render_template_string("{{ _('Submitted') }}") == "Eingereicht"
            with force_locale("en"):
                assert (
                    render_template_string("{{ status.title }}", status=DossierStatus.FORWARDED)
                    == (FORWARDED["en"])
                )
            assert _("Submitted") == "Eingereicht"
        assert _("Submitted") == "Introduit"
        assert render_template_string("{{ _('Submitted') }}") == "Introduit"
        assert translations() is translations()  # found once, then reused


def test_each_request_context_has_its_own_catalog(app, db_session):
    seen = {}
    for lang in ["nl", "fr", "de", "en", "fr"]:
        # A new app context, as each request gets in production (the test's own is open).
        with app.app_context(), app.test_request_context(f"/?lang={lang}"):
            seen[lang] = (
                _("Submitted"),
                str(_l("Status")),
                render_template_string(
                    "{% trans count=2 %}{{ count }} day left{% pluralize %}"
                    "{{ count }} days left{% endtrans %}"
                ),
            )
    assert seen["fr"][0] == "Introduit" and seen["de"][0] == "Eingereicht"
    assert seen["fr"][1] == "Statut" and seen["en"][1] == "Status"
    assert len({seen[lang][2] for lang in ["nl", "fr", "de", "en"]}) == 4
    assert seen["en"][2] == "2 days left"


def test_template_translations_stay_escaped(app, db_session):
    """A value put into a translated string is escaped in HTML, as Jinja's i18n does."""
    with app.app_context(), app.test_request_context("/?lang=en"):
        html = render_template_string(
            "{{ _('Showing every submitted file that matches “%(query)s”, whatever its"
            " status.', query=q) }}",
            q="<script>x</script>",
        )
        assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_cached_dates_and_moments_read_as_babel_writes_them(app, db_session, lang):
    """The formatters cache a day's and a minute's text: across daylight saving changes,
    a naive (UTC) moment and every format, they still say what Babel itself says."""
    import flask_babel
    from babel import dates as babel_dates

    from portal.i18n import format_date, format_datetime, format_locale

    moments = [
        datetime(2026, 3, 29, 0, 59, tzinfo=UTC),  # 01:59 CET, just before summer time
        datetime(2026, 3, 29, 1, 1, tzinfo=UTC),  # 03:01 CEST
        datetime(2026, 10, 25, 0, 30),  # naive: UTC, 02:30 CEST, the hour that repeats
        datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # already next year in Brussels
    ]
    with app.app_context(), app.test_request_context(f"/?lang={lang}"):
        locale = format_locale()
        for moment in moments:
            local = flask_babel.to_user_timezone(moment)
            for fmt in ["short", "medium", "long"]:
                day = babel_dates.format_date(local, fmt, locale=locale)
                time = babel_dates.format_time(local, "HH:mm", locale=locale)
                assert format_date(moment, fmt) == day
                assert format_datetime(moment, fmt) == flask_babel.gettext(
                    "%(date)s, %(time)s Brussels time", date=day, time=time
                )
        assert format_datetime(moments[-1], "long", lang="fr") == (
            "1 janvier 2027, 00:30 heure de Bruxelles"
        )


def test_an_audited_page_reads_no_user_again_after_its_commit(client, officer, queued, caplog):
    """The officer's file page writes an audit entry and commits before it reads the rest
    of the file. The headers (no-store for a signed-in person) and the request's log line
    (the user's id) come after that commit, when the user's columns are expired: they must
    not reload the user for it. (The page's own reads after the commit join the actors'
    names; a reload is a select from the user table alone.)"""
    import logging

    from tests.support import statements_sent

    caplog.set_level(logging.INFO, logger="portal.requests")
    with statements_sent(savepoints=True) as seen:  # the commit is a savepoint's release
        response = client.get(f"/backoffice/dossiers/{queued.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    saved = max(i for i, sql in enumerate(seen) if sql.startswith("RELEASE SAVEPOINT"))
    after = [sql for sql in seen[saved + 1 :] if re.search(r"\bFROM user_account\s+WHERE", sql)]
    assert not after, after
    lines = [r for r in caplog.records if r.name == "portal.requests"]
    assert lines and lines[-1].user_id == officer.id
