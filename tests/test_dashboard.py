"""The dashboard (portal/home.py): its content is kept per language, role and organisation
state, with the person's and the organisation's names put in for each request."""

from __future__ import annotations

import pytest

from portal.accounts.models import ClaimStatus, Role
from portal.extensions import db
from portal.i18n import LANGUAGES, force_locale
from tests.support import login, make_organisation, make_user, prove_claim, unmarked_page

HOSTILE = '</p><script>alert("x")</script><img src=x onerror=alert(1)> & \' "'


def _text(soup, selector: str = "main") -> str:
    return " ".join(soup.select_one(selector).get_text(" ").split())


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_each_employer_sees_their_own_names_as_written_in_the_page_language(app, db_session, lang):
    from portal.i18n import _

    first = make_user("first@example.be", organisation=make_organisation(name=f"<i>{HOSTILE}</i>"))
    first.name = f"<b>{HOSTILE}</b>"
    second = make_user("second@example.be", organisation=make_organisation(name="Bouw & Zonen"))
    second.name = "Jan Peeters"
    db.session.commit()
    pages = {}
    for user in (first, second):
        client = app.test_client()
        login(client, user.email)
        pages[user.email] = _text(unmarked_page(client, f"/dashboard?lang={lang}"))
    with force_locale(lang):
        role = str(Role.EMPLOYER.title)
        for user, organisation in ((first, f"<i>{HOSTILE}</i>"), (second, "Bouw & Zonen")):
            greeting = _("Logged in as %(name)s (%(role)s).", name=user.name, role=role)
            assert " ".join(greeting.split()) in pages[user.email]
            assert " ".join(organisation.split()) in pages[user.email]
        assert "Jan Peeters" not in pages[first.email] and "Bouw" not in pages[first.email]


def test_the_dashboard_follows_the_organisations_claim_and_the_role(app, db_session):
    waiting = make_organisation(name="Wacht NV", claim=ClaimStatus.PENDING)
    employer = make_user("hr@wacht.example", organisation=waiting)
    officer = make_user("officer@flanders.example", Role.OFFICER)
    db.session.commit()
    client = app.test_client()
    login(client, employer.email)
    soup = unmarked_page(client, "/dashboard?lang=en")
    assert "Prove your organisation" in _text(soup) and "Wacht NV" in _text(soup)
    prove_claim(waiting)
    db.session.commit()
    soup = unmarked_page(client, "/dashboard?lang=en")
    assert "Prove your organisation" not in _text(soup) and "Wacht NV" in _text(soup)
    other = app.test_client()
    login(other, officer.email)
    soup = unmarked_page(other, "/dashboard?lang=en")
    assert "Files to handle" in _text(soup) and "Wacht NV" not in _text(soup)
    assert "Your organisation" not in _text(soup)
