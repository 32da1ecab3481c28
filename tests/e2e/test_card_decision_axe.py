"""The officer's decision on a professional card and the applicant's card timeline in the
browser, in each of the four languages, with axe-core and the 320-px check on every page.

A submitted card (tests/factories.py `card_submitted`, with its card_details) is written
straight into the live server's database. The officer opens it, first sends a validity of
three years and one day (refused with the error summary), then the proposed validity, sees
the consequence, confirms; the applicant reads the card's own timeline (no Immigration
Office) with the decision and downloads nothing else. Expected texts come from the
portal's catalogs (`translate`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from types import SimpleNamespace

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from portal import audit
from portal.accounts.models import Role
from portal.dossiers.lifecycle import handling
from portal.dossiers.models import Dossier, DossierStatus
from portal.extensions import db
from tests.e2e.helpers import LANGS, brussels_today, h1, log_in_as, log_out, main, unique_email
from tests.factories import DossierFactory, card_details
from tests.support import make_user

S = DossierStatus
CARD_STEP = (
    "Admissibility and decision on the professional card (Flanders decides, no Immigration Office)"
)


def a_submitted_card(app: Flask, lang: str) -> SimpleNamespace:
    with app.app_context():
        person = make_user(unique_email("person", lang), Role.EMPLOYER, locale=lang)
        officer = make_user(unique_email("officer", lang), Role.OFFICER, locale=lang)
        dossier = DossierFactory(
            owner=person,
            card_submitted=True,
            locale=lang,
            card=card_details(residence_valid_until=date(2040, 1, 1)),
        )
        # A trail longer than a page: the file page shows the latest entries and a link
        # to the older ones.
        for _ in range(audit.TRAIL_PER_PAGE + 5):
            audit.record("claim", dossier_id=dossier.id, actor_id=officer.id)
        db.session.commit()
        file = SimpleNamespace(
            id=dossier.id,
            reference=dossier.reference,
            person=person.email,
            officer=officer.email,
        )
        db.session.remove()
    return file


@pytest.mark.parametrize("lang", LANGS)
def test_the_officer_grants_a_card_and_the_applicant_reads_its_timeline(
    page: Page, axe: Callable[..., None], translate, live_app: Flask, lang: str
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    file = a_submitted_card(live_app, lang)
    today = brussels_today()
    log_in_as(page, t, lang, file.officer)
    page.goto(f"/backoffice/dossiers/{file.id}?lang={lang}")
    expect(h1(page)).to_have_text(t("File %(reference)s", reference=file.reference))
    expect(main(page)).to_contain_text(t("Professional card"))
    axe("card decision page")

    # The audit trail a page at a time, without JavaScript: the older entries, and back.
    trail = page.locator("#audit-trail + table tbody tr")
    expect(trail).to_have_count(audit.TRAIL_PER_PAGE)
    main(page).get_by_role("link", name=t("Older entries"), exact=True).click()
    expect(page).to_have_url(re.compile(r"trail_before=\d+"))
    expect(trail).not_to_have_count(0)
    axe("card decision page, older audit entries")
    main(page).get_by_role("link", name=t("Latest entries"), exact=True).click()
    expect(trail).to_have_count(audit.TRAIL_PER_PAGE)

    # Three years and one day: refused, with the error summary and the input kept.
    too_long = handling.longest_until(today, 3).toordinal() + 1
    page.get_by_label(t("Grant the professional card"), exact=True).check()
    page.locator("#decision-valid_from").fill(today.isoformat())
    page.locator("#decision-valid_until").fill(date.fromordinal(too_long).isoformat())
    main(page).get_by_role("button", name=t("Continue"), exact=True).click()
    expect(main(page).locator(".error-summary")).to_be_visible()
    expect(page.locator("#decision-valid_until")).to_have_attribute("aria-invalid", "true")
    axe("card decision, validity too long")

    # Two years: within the rules and the right of residence.
    until = handling.longest_until(today, 2)
    page.get_by_label(t("Grant the professional card"), exact=True).check()
    page.locator("#decision-valid_from").fill(today.isoformat())
    page.locator("#decision-valid_until").fill(until.isoformat())
    main(page).get_by_role("button", name=t("Continue"), exact=True).click()
    expect(h1(page)).to_have_text(
        t("Confirm the decision on file %(reference)s", reference=file.reference)
    )
    axe("card decision, confirmation")
    main(page).get_by_role("button", name=t("Confirm the decision"), exact=True).click()
    expect(main(page)).to_contain_text(t("The professional card is granted."))
    axe("card decided")
    with live_app.app_context():
        dossier = db.session.get(Dossier, file.id)
        assert dossier.status == S.CARD_GRANTED and dossier.card.valid_until == until
        assert dossier.forwarded_on is None
        db.session.remove()
    log_out(page, t)

    # The applicant's timeline: the card's own steps, no Immigration Office.
    log_in_as(page, t, lang, file.person)
    page.goto(f"/applications/{file.id}/timeline?lang={lang}")
    body = main(page)
    expect(body).to_contain_text(t(CARD_STEP))
    expect(body).to_contain_text(t("Professional card granted"))
    expect(body).not_to_contain_text(t("Forwarded to the Immigration Office (DVZ)"))
    axe("card timeline, granted")
