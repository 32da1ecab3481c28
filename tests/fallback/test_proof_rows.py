"""The helpdesk's list of proofs, written a row at a time in Python
(portal/fallback/proof_rows.py): what the rows show, escaped, in the page's language, and
the revoke form each unused proof carries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from portal import clock
from portal.accounts.models import Role
from portal.extensions import db
from portal.i18n import LANGUAGES, force_locale, format_date
from portal.reference import format_kbo
from tests.factories import (
    DossierFactory,
    ForeignEmployerFactory,
    HelpdeskFactory,
    OrganisationFactory,
    proof,
)
from tests.support import HOSTILE_MARKUP as HOSTILE
from tests.support import csrf_login, login, unmarked_page


def _rows(html: str) -> dict[str, list[str]]:
    """Each row's cells as text, by the proof's code (the first cell)."""
    soup = BeautifulSoup(html, "html.parser")
    rows = {}
    for tr in soup.select("main tbody tr"):
        cells = [" ".join(td.get_text(" ").split()) for td in tr.select("td")]
        rows[cells[0]] = cells
    return rows


@pytest.fixture
def agent(db_session):
    return HelpdeskFactory(email="desk@helpdesk.example", name="<i>Agent</i> & Co")


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_each_row_shows_the_proof_escaped_its_party_and_its_state_in_the_page_language(
    client, agent, lang
):
    today = clock.today()
    registered = proof(agent, "used@example.be", organisation=OrganisationFactory(name=HOSTILE))
    registered.used_at = clock.now()
    registered.dossier = DossierFactory(submitted=True)
    foreign = ForeignEmployerFactory(name="<b>Bau</b> GmbH")
    posted = proof(agent, "posted@example.be")
    posted.organisation, posted.mandatary = None, foreign.mandatary
    posted.foreign_employer = foreign
    posted.revoked_at = clock.now()
    unregistered = proof(agent, "kbo@example.be")
    unregistered.organisation, unregistered.kbo_number = None, "0123456749"
    unregistered.expires_on = today - timedelta(days=1)
    waiting = proof(agent, "o'brien+x@example.be")
    db.session.commit()
    login(client, agent.email)

    soup = unmarked_page(client, f"/helpdesk/desk/proofs?lang={lang}")
    rows = _rows(str(soup))
    with force_locale(lang):
        from portal.i18n import _

        def day(value) -> str:
            return " ".join(format_date(value, "medium").split())

        used = _("Used on %(day)s for file %(reference)s")
        used %= {"day": day(registered.used_at), "reference": registered.dossier.reference}
        states = {
            registered.code: used,
            posted.code: _("Revoked"),
            unregistered.code: _("Expired unused"),
            waiting.code: f"{_('Not used yet')} {_('Revoke proof %(code)s', code=waiting.code)}",
        }
    parties = {
        registered.code: " ".join(HOSTILE.split()),
        posted.code: f"{foreign.mandatary.name} / <b>Bau</b> GmbH",
        unregistered.code: format_kbo("0123456749"),
        waiting.code: waiting.organisation.name,
    }
    assert set(rows) == set(states)
    for item in (registered, posted, unregistered, waiting):
        assert rows[item.code] == [
            item.code,
            item.ticket.number,
            f"{item.email} {parties[item.code]}",
            f"{day(item.created_at)} (<i>Agent</i> & Co)",
            day(item.expires_on),
            " ".join(states[item.code].split()),
        ]
    links = {a["href"] for a in soup.select("main tbody a")}
    made = (registered, posted, unregistered, waiting)
    assert links == {f"/helpdesk/desk/tickets/{item.ticket_id}" for item in made}
    forms = soup.select("main tbody form")
    assert [form["action"] for form in forms] == [f"/helpdesk/desk/proofs/{waiting.id}/revoke"]


@pytest.mark.csrf
def test_the_revoke_form_of_a_row_carries_this_sessions_token_and_revokes(csrf_app):
    """A kept row holds a hole for the CSRF token: each session's page gets its own token,
    and the form as shown goes through with CSRF protection on."""
    first = HelpdeskFactory(email="one@helpdesk.example")
    second = HelpdeskFactory(email="two@helpdesk.example", role=Role.ADMIN)
    made = proof(first, "revoke-me@example.be")
    db.session.commit()
    tokens = []
    for agent in (first, second):
        client = csrf_app.test_client()
        csrf_login(client, agent.email)
        html = client.get("/helpdesk/desk/proofs?lang=en").get_data(as_text=True)
        form = BeautifulSoup(html, "html.parser").select_one("main tbody form")
        tokens.append(form.select_one("input[name=csrf_token]")["value"])
        assert "hole" not in html
    assert tokens[0] != tokens[1]
    refused = client.post(form["action"], data={"csrf_token": tokens[0]})
    assert refused.status_code == 400 and made.revoked_at is None
    assert client.post(form["action"], data={"csrf_token": tokens[1]}).status_code == 302
    db.session.refresh(made)
    assert made.revoked_at is not None


def test_a_kept_row_follows_its_proof_revoked_and_expired(client, agent, monkeypatch):
    """Rows are kept under their values and state: a proof revoked, or one whose last day
    passed, is shown as it is now, not as the kept row was written."""
    first = proof(agent, "first@example.be")
    second = proof(agent, "second@example.be", days=1)
    db.session.commit()
    login(client, agent.email)
    before = _rows(client.get("/helpdesk/desk/proofs?lang=en").get_data(as_text=True))
    assert before[first.code][-1].startswith("Not used yet")
    assert before[second.code][-1].startswith("Not used yet")
    client.post(f"/helpdesk/desk/proofs/{first.id}/revoke")
    tomorrow = clock.today() + timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda: tomorrow)
    after = _rows(client.get("/helpdesk/desk/proofs?lang=en").get_data(as_text=True))
    assert after[first.code][-1] == "Revoked"
    assert after[second.code][-1] == "Expired unused"


def _every_state(agent) -> dict[str, list[int]]:
    """Proofs in every state, interleaved: the ids of each state's, newest first."""
    made = {"used": [], "revoked": [], "expired": [], "unused": []}
    for n in range(12):
        item = proof(agent, f"state{n}@example.be")
        state = ("used", "revoked", "expired", "unused")[n % 4]
        if state == "used":
            item.used_at = clock.now()
        elif state == "revoked":
            item.revoked_at = clock.now()
        elif state == "expired":
            item.expires_on = clock.today() - timedelta(days=1)
        made[state].insert(0, item.id)
    db.session.commit()
    return made


def test_each_state_lists_its_proofs_only_newest_first_a_page_at_a_time(db_session, agent):
    from portal.fallback import proofs

    made = _every_state(agent)
    for state, expected in made.items():
        seen, before = [], None
        for _page in range(5):
            page = proofs.desk_proofs(agent, state, clock.today(), before, per_page=2)
            seen += [row.id for row in page.items]
            assert all(row.state == state for row in page.items), state
            if page.later is None:
                break
            before = str(page.later)
        assert seen == expected, state


def test_a_states_list_reads_its_own_index_in_order_and_sorts_nothing(db_session, agent):
    """Each state's page reads the partial index of that state (revoked, used, or neither:
    unused and expired) newest first: never a walk through every proof ever issued."""
    import functools

    from portal.fallback import proofs
    from tests.support import sorted_plans

    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL uses the same partial indexes")
    made = _every_state(agent)
    db.session.execute(db.text("ANALYZE fallback_proof"))
    indexes = {"used": "used", "revoked": "revoked", "expired": "open", "unused": "open"}
    for state, index in indexes.items():
        for before in (None, str(made[state][0])):
            read = functools.partial(proofs.desk_proofs, agent, state, clock.today(), before, 2)
            plans = sorted_plans(read)
            assert plans, state
            for plan in plans:
                assert f"ix_fallback_proof_{index}" in plan, (state, plan)
                assert "TEMP B-TREE" not in plan, (state, plan)
