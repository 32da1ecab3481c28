"""The error summary names each field and takes the focus; pages reflow at 320 px.

Every axe audit also checks the page at 320 px (conftest.check_reflow); this file adds the
error-summary journey, and a page with a long unbroken reference and e-mail address.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ReflowViolation, check_reflow
from tests.e2e.helpers import h1, main

LANGS = ["nl", "en"]


@pytest.mark.parametrize("lang", LANGS)
def test_an_empty_registration_names_each_field_and_focuses_the_summary(
    page: Page, axe, translate, lang
):
    t = partial(translate, lang)
    page.goto(f"/account/register/employer?lang={lang}")
    expect(h1(page)).to_have_text(t("Register an employer"))
    # Skip the browser's own checks (as an old browser would) so the server answers.
    page.evaluate("() => document.querySelectorAll('main form').forEach(f => f.noValidate = true)")
    main(page).get_by_role("button", name=t("Register"), exact=True).click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # the GOV.UK pattern: the summary is read out first
    links = summary.locator("li a")
    texts = links.all_inner_texts()
    assert len(texts) >= 5
    assert len(set(texts)) == len(texts), texts  # no "This field is required." nine times
    postal = page.locator("label[for=postal_code]").inner_text().strip()
    required = t("This field is required.")
    expect(summary).to_contain_text(t("%(field)s: %(message)s", field=postal, message=required))
    for index in range(links.count()):
        target = links.nth(index).get_attribute("href")
        assert target and page.locator(target).count() == 1, target
    axe("registration with every field missing")

    summary.get_by_role("link", name=re.compile(re.escape(postal))).click()
    expect(page).to_have_url(re.compile(r"#postal_code$"))
    expect(page.locator("#postal_code")).to_be_focused()  # ready to type in


@pytest.mark.parametrize("lang", LANGS)
def test_a_long_address_in_a_form_does_not_widen_the_page(page: Page, translate, lang):
    t = partial(translate, lang)
    page.goto(f"/account/login?lang={lang}")
    long_address = "a" * 120 + "@" + "b" * 120 + ".example.be"
    page.locator("#email").fill(long_address)
    page.locator("#password").fill("x" * 200)
    main(page).get_by_role("button", name=t("Log in"), exact=True).click()
    check_reflow(page, "login with a 250-character address")


def test_the_reflow_check_catches_a_page_wider_than_a_phone(page: Page):
    """The 320-px check itself: a block wider than the screen fails it, with a screenshot."""
    page.goto("/?lang=en")
    check_reflow(page, "home")
    page.evaluate(
        "() => { const d = document.createElement('div'); d.style.width = '900px';"
        " d.textContent = 'wide'; document.querySelector('main').append(d); }"
    )
    with pytest.raises(ReflowViolation, match=r"is 9\d\dpx wide at 320px") as failure:
        check_reflow(page, "home with a 900-px block")
    shot = Path(str(failure.value).rsplit("screenshot: ", 1)[1])
    assert shot.suffix == ".png" and shot.stat().st_size > 0
    shot.unlink()
