"""The public professional-card pages in the browser, in each of the four languages: the
exemption check from the home page (every kind of result), its error, and the information
page pass axe-core and the 320-px check (run_axe does both); the check also works with
JavaScript switched off.

Expected texts come from the portal's catalogs (`translate`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.dossiers import card_rules
from tests.e2e.helpers import LANGS, h1, main

CHECK = "/card/exemption-check"
GROUNDS = card_rules.exemption_grounds()


def answers(**last) -> str:
    """A query string: self-employed, "no" to every ground, in Flanders, then `last`."""
    values = {"self_employed": "yes", **dict.fromkeys(GROUNDS, "no"), "region": "flanders"}
    values.update(last)
    keep = []
    for name, value in values.items():
        keep.append(f"{name}={value}")
        if name in last:
            break
    return "&".join(keep)


def choose(page: Page, label: str, continue_label: str) -> None:
    main(page).get_by_role("radio", name=label, exact=True).check()
    main(page).get_by_role("button", name=continue_label, exact=True).click()


def walk_to_the_conditions(page: Page, t: Callable[..., str]) -> None:
    """Answer every question as someone who needs a card from Flanders."""
    choose(page, t("Yes"), t("Continue"))
    for _ground in GROUNDS:
        choose(page, t("No"), t("Continue"))
    choose(page, t("In the Flemish Region"), t("Continue"))


@pytest.mark.parametrize("lang", LANGS)
def test_card_check_and_information_page(page: Page, axe: Callable[..., None], translate, lang):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    page.goto(f"/?lang={lang}")
    main(page).get_by_role("link", name=t("Check whether you need a professional card")).click()
    expect(page).to_have_url(re.compile(re.escape(CHECK)))
    expect(h1(page)).to_have_text(t("Do you need a professional card?"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    axe("card check, first question")

    # Sent without a choice: the question again, with the error summary.
    main(page).get_by_role("button", name=t("Continue"), exact=True).click()
    expect(main(page).locator(".error-summary")).to_contain_text(t("Choose one of the answers."))
    axe("card check, no answer chosen")

    walk_to_the_conditions(page, t)
    expect(page).to_have_url(re.compile(r"region=flanders"))
    expect(page.locator("#outcome")).to_have_attribute("data-outcome", "needed")
    expect(main(page).locator("#apply")).to_be_visible()
    axe("card check, a card is needed")

    for query, kind in (
        (answers(eea_family="yes"), "exempt"),
        (answers(eea_swiss="yes"), "exempt"),
        (answers(short_stay="yes"), "exempt"),
        (answers(region="brussels"), "other_region"),
        (answers(region="german_speaking"), "other_region"),
        ("self_employed=no", "employee"),
    ):
        page.goto(f"{CHECK}?{query}&lang={lang}")
        expect(page.locator("#outcome")).to_have_attribute("data-outcome", kind)
        axe(f"card check, {query.rsplit('&', 1)[-1]}")

    page.goto(f"/?lang={lang}")
    main(page).get_by_role(
        "link", name=t("The professional card: categories, conditions, documents and fees")
    ).click()
    expect(h1(page)).to_have_text(t("The professional card for foreign entrepreneurs"))
    means = "26,086.66" if lang == "en" else "26.086,66"
    expect(page.locator("#card-means")).to_contain_text(means)
    axe("card information page")


@pytest.mark.parametrize("lang", LANGS)
def test_card_check_without_javascript(browser: Browser, base_url: str, translate, lang):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    context = browser.new_context(java_script_enabled=False, base_url=base_url)
    try:
        page = context.new_page()
        page.goto(f"{CHECK}?lang={lang}")
        walk_to_the_conditions(page, t)
        expect(page.locator("#outcome")).to_have_attribute("data-outcome", "needed")

        # Change the region on the result page: another region says where to go.
        page.goto(f"{CHECK}?{answers(region='wallonia')}&lang={lang}")
        expect(page.locator("#region-link")).to_have_attribute(
            "href", card_rules.region("wallonia").url
        )
        page.goto(f"{CHECK}?self_employed=yes&lang={lang}")
        choose(page, t("Yes"), t("Continue"))
        expect(page.locator("#ground")).to_have_attribute("data-ground", GROUNDS[0])
        page.goto(f"/card?lang={lang}")
        expect(page.locator("#card-fees")).to_contain_text("140")
    finally:
        context.close()
