"""axe-core and the 320-px reflow, in each of the four languages, on the privacy pages of
the account: "Your data" (and its PDF download, without JavaScript's help: a plain link),
and closing the account (the page, its errors, the refusal for the last administrator,
and the home page after closing).

Expected texts come from the portal's catalogs (`translate`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from portal.accounts.models import Role
from tests.e2e.helpers import LANGS, flash, h1, log_in_as, main, read_pdf, unique_email
from tests.support import PASSWORD


def button(page: Page, name: str):
    return main(page).get_by_role("button", name=name, exact=True)


def error_summary(page: Page):
    return main(page).locator(".error-summary")


def go_to_account(page: Page, t) -> None:
    page.goto("/account/")
    expect(h1(page)).to_have_text(t("My account"))


@pytest.mark.parametrize("lang", LANGS)
def test_your_data(page: Page, axe: Callable[..., None], translate, create_account, lang, tmp_path):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    user = create_account(unique_email("own-data", lang), Role.EMPLOYER, locale=lang)
    log_in_as(page, t, lang, user["email"])
    go_to_account(page, t)
    main(page).get_by_role("link", name=t("Download what the portal holds about you")).click()
    expect(page).to_have_url(re.compile(r"/account/my-data$"))
    expect(h1(page)).to_have_text(t("Your data"))
    axe("your data")

    with page.expect_download() as info:
        main(page).get_by_role("link", name=t("Download your data as a PDF (to read)")).click()
    saved = tmp_path / "my-data.pdf"
    info.value.save_as(saved)
    text = " ".join(read_pdf(saved).split())  # a long title wraps onto two lines
    assert t("Your data on the Single Permit Portal") in text and user["email"] in text


@pytest.mark.parametrize("lang", LANGS)
def test_close_the_account(page: Page, axe: Callable[..., None], translate, create_account, lang):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    user = create_account(unique_email("closing", lang), Role.MANDATARY, locale=lang)
    log_in_as(page, t, lang, user["email"])
    go_to_account(page, t)
    main(page).get_by_role("link", name=t("Close your account")).click()
    expect(page).to_have_url(re.compile(r"/account/close$"))
    expect(h1(page)).to_have_text(t("Close your account"))
    axe("close the account")

    button(page, t("Close my account for good")).click()
    expect(error_summary(page)).to_contain_text(t("This field is required."))
    axe("close the account, no password")

    page.locator("#password").fill("not the password")
    button(page, t("Close my account for good")).click()
    expect(error_summary(page)).to_contain_text(t("The password is not correct."))
    axe("close the account, wrong password")

    page.locator("#password").fill(PASSWORD)
    button(page, t("Close my account for good")).click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(flash(page)).to_contain_text(
        t("Your account is closed. We have removed your personal details.")
    )
    axe("account closed")
    page.goto("/account/")
    expect(page).to_have_url(re.compile(r"/account/login"))


@pytest.mark.parametrize("lang", LANGS)
def test_the_last_administrator_is_told_to_hand_over(
    page: Page, axe: Callable[..., None], translate, create_account, lang
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    user = create_account(unique_email("last-admin", lang), Role.EMPLOYER, locale=lang)
    log_in_as(page, t, lang, user["email"])
    page.goto("/account/close")
    expect(h1(page)).to_have_text(t("Close your account"))
    expect(main(page).locator("#close-refused")).to_be_visible()
    expect(page.locator("#password")).to_have_count(0)
    axe("close the account, last administrator")
