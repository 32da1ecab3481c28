"""The officer's file page: its status history and its information requests, who acted.

The page reads them as plain rows with the acting person's name joined (issue 15); these
tests pin what it shows for every kind of actor: an officer, a closed account, the exchange
with the Immigration Office and the portal itself, each in its own row and order.
"""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from portal.api.models import ApiClient
from portal.dossiers.lifecycle.models import StatusEvent
from portal.dossiers.models import DossierStatus
from portal.extensions import db
from tests.factories import InfoRequestFactory, OfficerFactory, QueuedDossierFactory
from tests.support import check_page

S = DossierStatus
HOSTILE = "<b>bold</b> & <script>alert(1)</script>"


def _section_after(soup, heading: str):
    title = soup.find("h2", string=heading)
    assert title is not None, heading
    return title.find_next_sibling()


def test_the_status_history_names_who_acted_in_order(client, officer):
    officer.name = f"An {HOSTILE}"
    closed = OfficerFactory(name="", anonymised_at=clock.now())  # as closing an account leaves it
    exchange = ApiClient(name="DVZ", key_prefix="dvz-history", key_hash="0" * 64, scopes="")
    db.session.add(exchange)
    dossier = QueuedDossierFactory(status=S.FORWARDED)
    start = clock.now() - timedelta(days=3)
    for hours, to, actor, client_id, reason, codes in [
        (1, S.SUBMITTED, None, None, None, None),
        (2, S.INFO_REQUESTED, officer, None, HOSTILE, None),
        (3, S.SUBMITTED, closed, None, None, None),
        (4, S.FORWARDED, None, "exchange", None, None),
    ]:
        db.session.add(
            StatusEvent(
                dossier=dossier,
                to_status=to,
                actor_id=actor.id if actor else None,
                api_client_id=exchange.id if client_id else None,
                reason=reason,
                reason_codes=codes,
                at=start + timedelta(hours=hours),
            )
        )
    db.session.commit()

    soup = check_page(client.get(f"/backoffice/dossiers/{dossier.id}?lang=en").text)
    table = _section_after(soup, "Status history")
    rows = [[td.get_text() for td in tr.find_all("td")][1:] for tr in table.select("tbody tr")]
    # The factory's own events (its submission and forwarding) come after these, today.
    assert rows[:4] == [
        ["Submitted", "The portal", "–"],
        ["Additional information requested", f"An {HOSTILE}", HOSTILE],
        ["Submitted", "A closed account", "–"],
        ["Forwarded to the Immigration Office", "Exchange with the Immigration Office", "–"],
    ]
    assert "<script>" not in str(table)  # shown as text, never as markup


def test_the_open_request_names_who_asked_and_answered_ones_are_listed(client, officer):
    officer.name = f"An {HOSTILE}"
    dossier = QueuedDossierFactory(status=S.INFO_REQUESTED)
    InfoRequestFactory(
        dossier=dossier,
        requested_by=officer,
        question=f"Earlier: {HOSTILE}",
        answered=True,
        answer=f"Sent {HOSTILE}",
        created_at=clock.now() - timedelta(days=2),
    )
    InfoRequestFactory(dossier=dossier, requested_by=officer, question=f"Now: {HOSTILE}")
    db.session.commit()

    soup = check_page(client.get(f"/backoffice/dossiers/{dossier.id}?lang=en").text)
    open_request = _section_after(soup, "Open request for information")
    said = dict(zip(open_request.find_all("dt"), open_request.find_all("dd"), strict=True))
    said = {dt.get_text(): dd.get_text() for dt, dd in said.items()}
    assert said["Question"] == f"Now: {HOSTILE}"
    assert said["Asked on"].endswith(f" (An {HOSTILE})")
    answered = _section_after(soup, "Answered requests for information")
    texts = [dd.get_text() for dd in answered.find_all("dd")]
    assert texts[:2] == [f"Earlier: {HOSTILE}", f"Sent {HOSTILE}"]
    assert "<script>" not in str(open_request) + str(answered)
