"""Card renewal, figures by kind and the entrepreneur's welcome, in a browser (issue 16).

In each of the four languages: a business counter opens the renewal page of a card whose
renewal is open (and starts it) and of one whose renewal is not open yet (the day it
opens is named); an officer filters the figures by kind with the no-JavaScript form (and
gets the question again for a value that names no kind); the holder of a granted card
opens the welcome checklist with the KBO registration and the social insurance fund.
axe-core finds nothing on any of these pages, and each reflows at 320 px.
"""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from portal.accounts.models import Role
from portal.dossiers.lifecycle.status import permit_granted
from portal.dossiers.models import Dossier
from portal.extensions import db
from tests.dossiers.test_card_renewal import granted_card
from tests.e2e.helpers import LANGS, brussels_today, h1, log_in_as, log_out, long_date, main
from tests.e2e.helpers import unique_email as email_for
from tests.support import make_user


def _cards(app, counter_email: str, holder_email: str, lang: str) -> tuple[int, int]:
    """Two granted cards of the counter: renewal open (30 days left) and not yet (200)."""
    today = brussels_today()
    with app.test_request_context("/"):
        counter = make_user(counter_email, Role.MANDATARY, locale=lang)
        make_user(holder_email, Role.TALENT, locale=lang)
        # Submitted recently: a file of a fixed past month would change the figures the
        # other browser tests of this server read (test_pages_axe counts March 2024).
        recent = today - timedelta(days=40)
        soon = granted_card(counter, valid_until=today + timedelta(days=30), submitted_on=recent)
        later = granted_card(counter, valid_until=today + timedelta(days=200), submitted_on=recent)
        soon.worker_email = holder_email
        permit_granted.send(soon)  # what a card grant sends: the welcome space opens
        db.session.commit()
        ids = soon.id, later.id
        db.session.remove()
    return ids


def test_renewal_figures_by_kind_and_the_entrepreneurs_welcome(
    page: Page, live_app, translate, axe
):
    today = brussels_today()
    for lang in LANGS:

        def t(msgid: str, lang: str = lang, **variables) -> str:
            return translate(lang, msgid, **variables)

        counter, holder, officer = (email_for(k, lang) for k in ("counter", "holder", "officer"))
        soon, later = _cards(live_app, counter, holder, lang)
        with live_app.app_context():
            make_user(officer, Role.OFFICER, locale=lang)
            db.session.commit()
            db.session.remove()

        # The renewal, open: start it, prefilled.
        log_in_as(page, t, lang, counter)
        page.goto(f"/applications/{soon}/card-renewal?lang={lang}")
        expect(h1(page)).to_have_text(t("Renew your professional card"))
        axe(f"renewal open ({lang})")
        main(page).get_by_role("button", name=t("Start the renewal")).click()
        expect(page).to_have_url(re.compile(r"/applications/\d+$"))
        with live_app.app_context():
            renewal = db.session.scalar(db.select(Dossier).where(Dossier.previous_id == soon))
            assert renewal is not None and renewal.worker_email == holder
            db.session.remove()

        # Not yet open: the day it opens.
        page.goto(f"/applications/{later}/card-renewal?lang={lang}")
        opens = long_date(live_app, lang, today + timedelta(days=200 - 60))
        expect(main(page)).to_contain_text(opens)
        expect(main(page).get_by_role("button", name=t("Start the renewal"))).to_have_count(0)
        axe(f"renewal not yet open ({lang})")
        log_out(page, t)

        # The officer's figures by kind, with the GET form.
        log_in_as(page, t, lang, officer)
        page.goto(f"/stats?lang={lang}")
        page.get_by_label(t("Kind of permit"), exact=True).select_option("professional_card")
        main(page).get_by_role("button", name=t("Show the figures")).click()
        expect(page).to_have_url(re.compile(r"kind=professional_card"))
        expect(page.get_by_label(t("Kind of permit"), exact=True)).to_have_value(
            "professional_card"
        )
        axe(f"figures by kind ({lang})")
        page.goto(f"/stats?lang={lang}&kind=%3Dcmd")
        expect(main(page).locator(".error-summary")).to_contain_text(
            t("Choose a kind of permit from the list.")
        )
        axe(f"figures, a kind that is none ({lang})")
        page.goto(f"/figures?lang={lang}&kind=single_permit")
        expect(page.get_by_label(t("Kind of permit"), exact=True)).to_have_value("single_permit")
        axe(f"public figures by kind ({lang})")
        log_out(page, t)

        # The entrepreneur's welcome checklist.
        log_in_as(page, t, lang, holder)
        page.goto(f"/welcome?lang={lang}")
        expect(main(page)).to_contain_text(
            t("Register your business in the Crossroads Bank for Enterprises (KBO)")
        )
        expect(main(page)).to_contain_text(t("Join a social insurance fund for the self-employed"))
        axe(f"entrepreneur's checklist ({lang})")
        log_out(page, t)
