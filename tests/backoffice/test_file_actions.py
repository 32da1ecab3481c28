"""The action forms of the officer's file page, rendered empty once and kept per process
(portal/backoffice/views.py, ACTIONS; portal/fragments.py): each page must still show
exactly the forms a fresh render gives, with its own file's address and its own
officer's CSRF token; a form given back with errors is never kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from portal import clock, fragments
from portal.backoffice.views import ACTIONS_STORE
from portal.dossiers import rules
from portal.dossiers.lifecycle import handling, hold
from portal.dossiers.models import DossierStatus
from tests.factories import DossierFactory, OfficerFactory, card_details
from tests.support import PASSWORD, check_page, error_summary, field_error, login

S = DossierStatus


def _forms(client, dossier, lang: str = "en") -> list[str]:
    """The action forms of the file's page, as HTML (the header's logout form left out)."""
    response = client.get(f"/backoffice/dossiers/{dossier.id}?lang={lang}")
    assert response.status_code == 200
    return [str(form) for form in check_page(response.text).select("main form")]


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _card(residence_until: date):
    return DossierFactory(
        card_submitted=True, card=card_details(residence_valid_until=residence_until)
    )


@pytest.fixture
def files(db_session, officer):
    """One file of each set of actions: to take and decide (a single permit and two cards
    whose right of residence ends on different days), to record the federal decision, and
    held."""
    soon = clock.today() + timedelta(days=400)
    later = clock.today() + timedelta(days=700)
    held = DossierFactory(submitted=True)
    hold.place(officer, held, 'Appeal <script>alert("x")</script> nr. 123')
    made = {
        "single": DossierFactory(submitted=True),
        "card soon": _card(soon),
        "card later": _card(later),
        "forwarded": DossierFactory(forwarded=True),
        "held": held,
    }
    db_session.commit()
    return made


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_kept_forms_are_what_a_fresh_render_gives_each_file(app, client, files, lang):
    app.extensions.pop(ACTIONS_STORE, None)
    other = "en" if lang == "nl" else "nl"
    for dossier in files.values():  # the store holds another language's forms first
        _forms(client, dossier, other)
    first = {name: _forms(client, dossier, lang) for name, dossier in files.items()}
    kept = app.extensions[ACTIONS_STORE]
    assert len(kept) >= 6  # claim, decide (single, two cards), ask, residence, hold, lift
    again = {name: _forms(client, dossier, lang) for name, dossier in files.items()}
    assert again == first  # served from the store

    for name, dossier in files.items():
        app.extensions.pop(ACTIONS_STORE)  # each page rendered afresh, alone
        assert _forms(client, dossier, lang) == first[name], name
        forms = _soup("".join(first[name])).select("form")
        assert forms, name
        for form in forms:  # every form posts to its own file
            assert form["action"].startswith(f"/backoffice/dossiers/{dossier.id}/"), name

    # What each kind shows: the card's proposed validity is its own.
    def until(name):
        found = _soup("".join(first[name])).find("input", id="decision-valid_until")
        return found and found["value"]

    start = clock.today()
    longest = handling.longest_until(start, handling.validity_years()[1])
    assert until("card soon") == min(longest, start + timedelta(days=400)).isoformat()
    assert until("card later") == min(longest, start + timedelta(days=700)).isoformat()
    assert until("card soon") != until("card later")
    assert until("single") is None
    assert any("/residence" in form for form in first["forwarded"])
    assert any(f"/{files['held'].id}/hold/lift" in form for form in first["held"])


def test_a_new_day_proposes_a_new_answer_date(app, client, files, officer):
    dossier = files["single"]
    days = rules.procedure("info_request_days")
    evening = datetime(2031, 3, 3, 22, 55, tzinfo=UTC)  # 23:55 in Brussels
    with clock.frozen(evening) as frozen:
        login(client, officer.email, PASSWORD)  # a session of that day
        page = _soup("".join(_forms(client, dossier)))
        assert (
            page.find("input", id="info-due_on")["value"]
            == (date(2031, 3, 3) + timedelta(days=days)).isoformat()
        )
        frozen.advance(minutes=10)  # past midnight in Brussels, the session still live
        page = _soup("".join(_forms(client, dossier)))
        assert (
            page.find("input", id="info-due_on")["value"]
            == (date(2031, 3, 4) + timedelta(days=days)).isoformat()
        )


def test_a_form_given_back_with_errors_shows_its_input_and_is_never_kept(app, client, files):
    dossier = files["single"]
    _forms(client, dossier)  # the empty forms are kept
    # The nastiest question: markup, and the very marker of a hole of a kept fragment.
    nasty = f"<b>x</b> {fragments.hole('url')} {fragments.hole(fragments.CSRF)} \"'&"
    response = client.post(
        f"/backoffice/dossiers/{dossier.id}/information?lang=en",
        data={"info-question": nasty, "info-due_on": "2031-02-30"},
    )
    soup = check_page(response.text)
    assert error_summary(soup)
    assert field_error(soup, "info-due_on")
    assert soup.find("textarea", id="info-question").get_text().strip() == nasty
    assert "<b>x</b>" not in response.text  # shown as text, never as markup

    # The next page shows the empty form again: the one with errors was not kept.
    page = _soup("".join(_forms(client, dossier)))
    assert page.find("textarea", id="info-question").get_text().strip() == ""
    assert not page.select(".field-error")


@pytest.fixture
def csrf_app(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def _token(form_html: str) -> str:
    return _soup(form_html).select_one("input[type=hidden][name$=csrf_token]")["value"]


@pytest.mark.csrf
def test_each_officer_gets_their_own_token_in_the_kept_forms_and_it_works(csrf_app, db_session):
    one, two = OfficerFactory(), OfficerFactory()
    dossier = DossierFactory(submitted=True)
    db_session.commit()
    first, second = csrf_app.test_client(), csrf_app.test_client()
    for client, officer in ((first, one), (second, two)):
        page = client.get("/account/login?lang=en").text
        token = check_page(page).select_one("main input[name=csrf_token]")["value"]
        response = client.post(
            "/account/login",
            data={"csrf_token": token, "email": officer.email, "password": PASSWORD},
        )
        assert response.status_code == 302

    csrf_app.extensions.pop(ACTIONS_STORE, None)
    mine = _forms(first, dossier)
    theirs = _forms(second, dossier)  # from the store, kept by the first officer's page
    assert csrf_app.extensions[ACTIONS_STORE]
    claim_mine = next(form for form in mine if "/claim" in form)
    claim_theirs = next(form for form in theirs if "/claim" in form)
    assert _token(claim_mine) != _token(claim_theirs)
    assert fragments.hole(fragments.CSRF) not in "".join(theirs)

    # The other officer's token is refused; the officer's own takes the file.
    url = f"/backoffice/dossiers/{dossier.id}/claim"
    assert first.post(url, data={"claim-csrf_token": _token(claim_theirs)}).status_code == 400
    assert dossier.assigned_officer_id is None
    assert first.post(url, data={"claim-csrf_token": _token(claim_mine)}).status_code == 302
    db_session.refresh(dossier)
    assert dossier.assigned_officer_id == one.id
