"""axe-core and the 320-px reflow, in each of the four languages, on the pages of issue 18.

The privacy page and the record of processing (public), the newcomer's withdrawal of
consent for the welcome (the page, its error, stopping only, erasing), and the legal-hold
form on the officer's file page (empty, with its error, on hold, lifted).

Expected texts come from the portal's catalogs (`translate`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from onboarding.models import Partner, Referral, WelcomeProfile
from portal.accounts.models import PartnerKind, Role
from portal.extensions import db
from portal.privacy import schedule
from tests.e2e.helpers import LANGS, flash, h1, log_in_as, main, unique_email
from tests.e2e.test_onboarding import ghent_partners
from tests.e2e.test_tracking import submit_a_complete_file
from tests.onboarding.factories import GHENT
from tests.support import make_user


def submit_button(page: Page, name: str):
    return main(page).get_by_role("button", name=name, exact=True)


def error_summary(page: Page):
    return main(page).locator(".error-summary")


def newcomer_with_a_referral(app: Flask, lang: str) -> str:
    """A talent of Ghent with a welcome profile and a referral to Ghent's municipality."""
    ghent_partners(app)
    email = unique_email("privacy-talent", lang)
    with app.app_context():
        user = make_user(email, Role.TALENT, locale=lang)
        profile = WelcomeProfile(
            user_id=user.id, preferred_locale=lang, postal_code="9000", refnis=GHENT
        )
        db.session.add(profile)
        db.session.flush()
        partner = db.session.scalar(
            select(Partner).where(
                Partner.kind == PartnerKind.MUNICIPALITY,
                Partner.refnis == GHENT,
                Partner.active.is_(True),
            )
        )
        db.session.add(
            Referral(
                profile_id=profile.id,
                talent_id=user.id,
                partner_id=partner.id,
                item_code="municipal_registration",
                shared_data='[["name", "Priya"]]',
            )
        )
        db.session.commit()
        db.session.remove()
    return email


@pytest.mark.parametrize("lang", LANGS)
def test_privacy_page_and_record(page: Page, axe: Callable[..., None], translate, lang):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    page.goto(f"/?lang={lang}")
    page.locator("footer").get_by_role("link", name=t("Privacy"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/privacy$"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(h1(page)).to_have_text(t("Privacy: what we keep about you"))
    expect(main(page).locator("dt")).to_have_count(len(schedule.load()))  # a line a series
    axe("privacy page")

    main(page).get_by_role("link", name=t("Read the record of processing"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/privacy/record$"))
    expect(h1(page)).to_have_text(t("Record of processing"))
    expect(main(page).locator(".record h2").first).to_have_text(
        "Record of processing: the Single Permit Portal"
    )
    axe("record of processing")


@pytest.mark.parametrize("lang", LANGS)
def test_withdrawal_pages(page: Page, axe: Callable[..., None], translate, live_app, lang):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    email = newcomer_with_a_referral(live_app, lang)
    log_in_as(page, t, lang, email)
    page.goto("/welcome/profile")
    main(page).get_by_role(
        "link", name=t("Withdraw your consent for the welcome"), exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"/welcome/withdraw$"))
    expect(h1(page)).to_have_text(t("Withdraw your consent for the welcome"))
    axe("withdraw consent")

    submit_button(page, t("Withdraw my consent")).click()
    expect(error_summary(page)).to_contain_text(
        t("Choose what should happen to your welcome data.")
    )
    axe("withdraw consent, nothing chosen")

    page.locator("#choice-0").check()
    submit_button(page, t("Withdraw my consent")).click()
    expect(page).to_have_url(re.compile(r"/welcome$"))
    expect(flash(page)).to_contain_text(
        t(
            "Your consent has been withdrawn. No service receives your data any more, and the services you were referred to have been told to delete them."
        )
    )
    axe("checklist after withdrawal")

    page.goto("/welcome/withdraw")
    expect(h1(page)).to_have_text(t("Withdraw your consent for the welcome"))
    axe("withdraw consent, already withdrawn")
    page.locator("#choice-1").check()
    submit_button(page, t("Withdraw my consent")).click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(flash(page)).to_contain_text(
        t(
            "Your consent has been withdrawn and your welcome data have been erased. The services you were referred to have been told to delete your data."
        )
    )
    axe("dashboard after erasure")


@pytest.mark.parametrize("lang", LANGS)
def test_legal_hold_form(page: Page, axe: Callable[..., None], translate, live_app, lang):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    file = submit_a_complete_file(live_app, lang)
    log_in_as(page, t, lang, file.officer_email)
    page.goto(f"/backoffice/dossiers/{file.dossier_id}#hold")
    hold = main(page).locator("#hold")
    expect(hold).to_have_text(t("Legal hold"))
    axe("file page, legal hold form")

    submit_button(page, t("Put on legal hold")).click()
    expect(main(page)).to_contain_text(t("Say why the file is kept, for example the appeal."))
    expect(page.locator("#hold-reason")).to_have_attribute("aria-invalid", "true")
    axe("file page, legal hold without a reason")

    page.locator("#hold-reason").fill("Appeal at the Council for Alien Law Litigation, 123.456")
    submit_button(page, t("Put on legal hold")).click()
    expect(flash(page)).to_contain_text(t("The file is on legal hold: retention leaves it alone."))
    axe("file page, on legal hold")

    submit_button(page, t("Lift the legal hold")).click()
    expect(flash(page)).to_contain_text(t("The legal hold is lifted."))
    axe("file page, legal hold lifted")
