"""Issue 12 in a browser, in Dutch and English, with axe on every page.

- The welcome of a worker still abroad starts with "before you travel"; adding a child on
  the profile keeps every answer typed but not yet saved.
- The eligibility check starts an application in the category it was run for, and the
  documents step leads to the page with the federal fee.
- /favicon.ico answers, and the new pages reflow at 320 px.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from portal.extensions import db
from tests.e2e.helpers import brussels_today, flash, h1, kbo_number, log_in, main, unique_email
from tests.onboarding.support import granted_dossier, make_talent
from tests.support import PASSWORD, make_user

LANGS = ["nl", "en"]
POST = "Belgian Embassy in New Delhi"


def no_horizontal_scroll(page: Page) -> None:
    """WCAG 1.4.10: at 320 px the page does not scroll sideways."""
    page.set_viewport_size({"width": 320, "height": 800})
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 320, f"{page.url} is {wide}px wide at 320px"
    page.set_viewport_size({"width": 1280, "height": 800})


def a_worker_abroad(app: Flask, lang: str) -> str:
    """A granted file of a worker who lives in India, and their welcome space."""
    email = unique_email("abroad", lang)
    with app.app_context():
        employer = make_user(unique_email("hr-abroad", lang))
        dossier = granted_dossier(
            employer, worker_residence_country="IN", worker_diplomatic_post=POST
        )
        make_talent(email, dossier=dossier, locale=lang)
        db.session.commit()
        db.session.remove()
    return email


@pytest.mark.parametrize("lang", LANGS)
def test_a_worker_abroad_prepares_the_journey_and_adds_a_child_without_losing_answers(
    page: Page, axe: Callable[..., None], translate, live_app: Flask, lang: str
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    email = a_worker_abroad(live_app, lang)
    page.goto(f"/account/login?lang={lang}")
    log_in(page, t, email, PASSWORD)
    page.goto("/welcome")
    expect(h1(page)).to_have_text(t("Your welcome checklist"))

    # Before you travel: the D visa at the post named in the file, documents, the municipality.
    expect(main(page).locator("h2#before-travel")).to_have_text(t("Before you travel"))
    travel = main(page).locator("ol.travel-checklist > li")
    expect(travel).to_have_count(3)
    visa = main(page).locator("li#item-d_visa")
    expect(visa.get_by_role("heading", level=3)).to_have_text(
        t("Apply for your D visa at the Belgian embassy or consulate")
    )
    expect(visa).to_contain_text(POST)
    expect(main(page).locator("li#item-municipality_documents h3")).to_have_text(
        t("Pack what the municipality will ask for")
    )
    cards = main(page).locator("ol > li.card")
    total = cards.count()
    expect(main(page).locator("#progress-text")).to_have_text(
        t("%(done)s of %(total)s steps done", done=0, total=total)
    )
    expect(main(page).locator("progress")).to_have_attribute("max", str(total))
    axe("welcome, before you travel")
    no_horizontal_scroll(page)

    # The profile: answers typed, not saved, then "Add a child".
    main(page).get_by_role("link", name=t("Your profile: arrival, address and family")).click()
    expect(page).to_have_url(re.compile(r"/welcome/profile$"))
    arrival = brussels_today() + timedelta(days=30)
    born = date(arrival.year - 4, 5, 17)
    page.locator("#arrival_on").fill(arrival.isoformat())
    page.locator("#street").fill("Kouter 1")
    page.locator("#postal_code").fill("9000")
    page.locator("#has_partner-0").check()  # a partner comes along
    page.locator("#child-birth_date").fill(born.isoformat())
    main(page).get_by_role("button", name=t("Add a child"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/welcome/profile#children$"))
    expect(flash(page)).to_contain_text(
        t("The child has been added. Your checklist is up to date.")
    )
    expect(page.locator("#arrival_on")).to_have_value(arrival.isoformat())
    expect(page.locator("#street")).to_have_value("Kouter 1")
    expect(page.locator("#postal_code")).to_have_value("9000")
    expect(page.locator("#has_partner-0")).to_be_checked()
    expect(main(page).locator("h2#children + ul > li")).to_have_count(1)
    axe("welcome profile, a child added")
    no_horizontal_scroll(page)

    # The checklist follows: still before the journey; the family registers too.
    main(page).get_by_role("link", name=t("Back to your checklist")).click()
    expect(main(page).locator("ol.travel-checklist > li")).to_have_count(3)
    expect(main(page).locator("li#item-family_registration")).to_have_count(1)
    expect(main(page).locator('li[id^="item-school-"]')).to_have_count(1)
    total = cards.count()
    visa.get_by_role("button", name=t("Mark as done")).click()
    expect(main(page).locator("#progress-text")).to_have_text(
        t("%(done)s of %(total)s steps done", done=1, total=total)
    )
    axe("welcome, one travel step done")


@pytest.mark.parametrize("lang", LANGS)
def test_the_eligibility_check_starts_an_application_in_its_category_and_shows_the_fee(
    page: Page, axe: Callable[..., None], translate, create_employer, lang: str
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    email = unique_email("eligible", lang)
    create_employer(
        email,
        organisation=f"Checked {lang.upper()} NV",
        kbo_number=kbo_number(4600000 + LANGS.index(lang)),
        locale=lang,
    )
    page.goto(f"/account/login?lang={lang}")
    log_in(page, t, email, PASSWORD)

    page.goto("/eligibility")
    expect(h1(page)).to_have_text(t("Check before you apply"))
    expect(main(page).locator("#free-movement")).to_be_visible()
    page.locator("#category").select_option("executive")
    page.locator("#annual_salary").fill("95000")
    page.locator("#start_date").fill((brussels_today() + timedelta(days=60)).isoformat())
    main(page).get_by_role("button", name=t("Check"), exact=True).click()
    start = main(page).locator("#start-application")
    expect(start).to_have_text(t("Start an application in this category"))
    axe("eligibility result with the start link")
    start.click()

    expect(page).to_have_url(re.compile(r"/applications/new\?category=executive$"))
    expect(h1(page)).to_have_text(t("Start a new application"))
    expect(main(page).locator("#chosen-category")).to_be_visible()
    axe("start an application, category carried")
    main(page).get_by_role("button", name=t("Start the application"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/applications/\d+/category\?category=executive$"))
    expect(page.locator("#category")).to_have_value("executive")
    expect(main(page).locator(".step-indicator")).to_have_text(
        t("Step %(current)s of %(total)s", current=3, total=6)
    )
    axe("category step, pre-selected")
    main(page).get_by_role("button", name=t("Save and continue"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/job$"))

    dossier_id = re.search(r"/applications/(\d+)/", page.url).group(1)
    page.goto(f"/applications/{dossier_id}/documents")
    expect(main(page).locator("progress.upload-progress")).to_be_hidden()
    fee_link = main(page).get_by_role(
        "link", name=t("The federal fee: how much it is and how to pay it")
    )
    fee_link.click()
    expect(page).to_have_url(re.compile(r"/guide/fee$"))
    expect(h1(page)).to_have_text(t("The federal fee: amount and payment"))
    expect(main(page).locator("#fee-amount")).to_contain_text("363")
    expect(main(page).locator("#fee-source")).to_contain_text("DOMAIN.md")
    axe("the federal fee")
    no_horizontal_scroll(page)


def test_the_favicon_answers_and_is_linked(page: Page):
    response = page.request.get("/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"] == "image/vnd.microsoft.icon"
    page.goto("/?lang=nl")
    expect(page.locator('link[rel="icon"]')).to_have_attribute("href", "/favicon.ico")
