"""Whole journeys in a real browser, in each of the four languages, with axe on every page.

The expected texts come from the portal's own catalogs (the `translate` fixture), never
from hard-coded translations, so the tests hold however far the translation work is.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from portal.accounts.models import Role
from portal.i18n import LANGUAGES
from tests.e2e.helpers import (
    LANGS,
    NEW_PASSWORD,
    PDF,
    h1,
    header,
    kbo_number,
    log_in,
    log_out,
    main,
    unique_email,
    verify_by_mail,
    wait_for_mail,
)
from tests.support import PASSWORD, text_of

INVALID_KBO = "0403.170.702"  # checksum off by one


@pytest.mark.parametrize("lang", LANGS)
def test_employer_registers_confirms_logs_in_switches_language_and_logs_out(
    page: Page, axe, translate, smtp_sink, base_url, lang
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    index = LANGS.index(lang)
    email = unique_email("employer", lang)
    organisation = f"Transport {lang.upper()} NV"

    # The start page, in the chosen language.
    page.goto(f"/?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(h1(page)).to_have_text(t("Apply for a single permit"))
    axe("start page")

    # Register through the header, as an employer.
    header(page).get_by_role("link", name=t("Register"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/register$"))
    expect(h1(page)).to_have_text(t("Create an account"))
    axe("registration choice")
    main(page).get_by_role("link", name=t("An employer established in Belgium")).click()
    expect(page).to_have_url(re.compile(r"/account/register/employer$"))
    expect(h1(page)).to_have_text(t("Register an employer"))
    expect(page.locator("html")).to_have_attribute("lang", lang)  # remembered in a cookie
    axe("employer registration")

    # First attempt: everything right except the enterprise number.
    page.locator("#organisation_name").fill(organisation)
    page.locator("#kbo_number").fill(INVALID_KBO)
    page.locator("#street").fill("Veldstraat 1")
    page.locator("#postal_code").fill("9000")
    page.locator("#nace_code").fill("49410")
    page.locator("#contact_name").fill(f"Contact {lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    register_button = main(page).get_by_role("button", name=t("Register"), exact=True)
    register_button.click()

    kbo_error = t("This is not a valid enterprise number: check the 10 digits, e.g. 0403.170.701.")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.get_by_role("heading", level=2)).to_have_text(t("There is a problem"))
    expect(summary.locator("li")).to_have_count(1)
    expect(summary.get_by_role("link", name=kbo_error)).to_have_attribute("href", "#kbo_number")
    expect(page.locator("#kbo_number-error")).to_be_visible()
    expect(page.locator("#kbo_number-error")).to_contain_text(kbo_error)
    expect(page.locator("#kbo_number")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#kbo_number")).to_have_attribute(
        "aria-describedby", re.compile(r"\bkbo_number-error\b")
    )
    expect(page.locator("#organisation_name")).to_have_value(organisation)
    expect(page.locator("#kbo_number")).to_have_value(INVALID_KBO)
    expect(page).to_have_title(re.compile("^" + re.escape(t("Error")) + ":"))
    axe("employer registration with an error")

    # The summary's link leads to the field.
    summary.get_by_role("link", name=kbo_error).click()
    expect(page.locator("#kbo_number")).to_be_focused()

    # Second attempt, corrected. Passwords are never sent back, so type them again.
    page.locator("#kbo_number").fill(kbo_number(4100000 + index))
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    register_button.click()
    # The browser keeps the #kbo_number fragment across the redirect (as HTTP says it may).
    expect(page).to_have_url(re.compile(r"/account/check-email\?reason=registered(#kbo_number)?$"))
    expect(h1(page)).to_have_text(t("Check your mailbox"))
    axe("check your mailbox")

    # The link in the e-mail confirms the address.
    verify_by_mail(page, t, smtp_sink, email, lang, base_url)
    axe("address confirmed")

    # Log in.
    main(page).get_by_role("link", name=t("Log in"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/login$"))
    expect(h1(page)).to_have_text(t("Log in"))
    axe("log in")
    log_in(page, t, email, NEW_PASSWORD)
    expect(main(page)).to_contain_text(organisation)
    axe("employer dashboard")

    # Switch the language with the header's switcher.
    other = LANGS[(index + 1) % len(LANGS)]
    before = h1(page).inner_text()
    switcher = page.get_by_role("navigation", name=t("Language"))
    expect(switcher.get_by_role("link", name=LANGUAGES[lang])).to_have_attribute(
        "aria-current", "true"
    )
    switcher.get_by_role("link", name=LANGUAGES[other]).click()
    expect(page.locator("html")).to_have_attribute("lang", other)
    expect(page).to_have_url(re.compile(rf"/dashboard\?lang={other}$"))
    expected = translate(other, "My dashboard")
    expect(h1(page)).to_be_visible()
    expect(h1(page)).to_have_text(expected)
    if expected != t("My dashboard"):
        assert h1(page).inner_text() != before
    switcher = page.get_by_role("navigation", name=translate(other, "Language"))
    expect(switcher.get_by_role("link", name=LANGUAGES[other])).to_have_attribute(
        "aria-current", "true"
    )
    axe("dashboard after switching language")

    # Log out with the header's button; the dashboard then asks to log in.
    log_out(page, lambda msgid: translate(other, msgid))
    expect(page.locator("html")).to_have_attribute("lang", other)
    axe("start page after logging out")
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/account/login\?next="))


@pytest.mark.parametrize("lang", LANGS)
def test_mandatary_uploads_a_mandate_and_an_officer_verifies_it(
    page: Page, axe, translate, smtp_sink, create_account, base_url, tmp_path, lang
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    index = LANGS.index(lang)
    email = unique_email("mandatary", lang)
    employer_name = f"Baufirma {lang.upper()} {uuid.uuid4().hex[:6]} GmbH"

    # Register a mandatary company.
    page.goto(f"/?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    axe("start page")
    header(page).get_by_role("link", name=t("Register"), exact=True).click()
    axe("registration choice")
    main(page).get_by_role("link", name=t("A Belgian mandatary")).click()
    expect(page).to_have_url(re.compile(r"/account/register/mandatary$"))
    expect(h1(page)).to_have_text(t("Register as a mandatary"))
    axe("mandatary registration")
    page.locator("#kind-1").check()
    page.locator("#name").fill(f"Mandates {lang.upper()} BV")
    page.locator("#kbo_number").fill(kbo_number(4200000 + index))
    page.locator("#street").fill("Meir 1")
    page.locator("#postal_code").fill("2000")
    page.locator("#contact_name").fill(f"Mandatary {lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    main(page).get_by_role("button", name=t("Register"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/check-email\?reason=registered$"))
    expect(h1(page)).to_have_text(t("Check your mailbox"))
    axe("check your mailbox")

    verify_by_mail(page, t, smtp_sink, email, lang, base_url)
    axe("address confirmed")
    main(page).get_by_role("link", name=t("Log in"), exact=True).click()
    axe("log in")
    log_in(page, t, email, NEW_PASSWORD)
    axe("mandatary dashboard")

    # Foreign employers and mandates.
    main(page).get_by_role("link", name=t("Foreign employers and mandates")).click()
    expect(page).to_have_url(re.compile(r"/mandates/$"))
    expect(h1(page)).to_have_text(t("Foreign employers and mandates"))
    expect(main(page)).to_contain_text(t("You have not added a foreign employer yet."))
    axe("foreign employers, none yet")

    main(page).get_by_role("link", name=t("Add a foreign employer")).click()
    expect(page).to_have_url(re.compile(r"/mandates/employers/new$"))
    expect(h1(page)).to_have_text(t("Add a foreign employer"))
    axe("add a foreign employer")
    page.locator("#name").fill(employer_name)
    page.locator("#country").select_option("DE")
    page.locator("#registration_number").fill("HRB 12345")
    main(page).get_by_role("button", name=t("Add the employer")).click()

    expect(page).to_have_url(re.compile(r"/mandates/employers/\d+/mandate$"))
    expect(h1(page)).to_have_text(t("Upload a mandate"))
    expect(page.get_by_role("status")).to_contain_text(
        t("%(name)s has been added. Now upload the mandate.", name=employer_name)
    )
    axe("upload a mandate")

    pdf = tmp_path / "mandate.pdf"
    pdf.write_bytes(PDF)
    today = date.today()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    page.locator("#file").set_input_files(pdf)
    page.locator("#start_quarter").select_option(quarter)
    main(page).get_by_role("button", name=t("Upload the mandate")).click()

    expect(page).to_have_url(re.compile(r"/mandates/$"))
    expect(page.get_by_role("status")).to_contain_text(
        t("The mandate has been uploaded. An officer will verify it.")
    )
    card = main(page).get_by_role("region", name=employer_name)
    expect(card).to_be_visible()
    row = card.get_by_role("row").filter(has=page.get_by_role("link", name="mandate.pdf"))
    expect(row).to_contain_text(t("Waiting for verification"))
    axe("foreign employers, mandate pending")
    log_out(page, t)

    # An officer verifies the mandate.
    officer = unique_email("officer", lang)
    create_account(officer, Role.OFFICER, locale=lang)
    header(page).get_by_role("link", name=t("Log in"), exact=True).click()
    log_in(page, t, officer, PASSWORD)
    axe("officer dashboard")
    main(page).get_by_role("link", name=t("Mandates to verify")).click()
    expect(page).to_have_url(re.compile(r"/backoffice/mandates$"))
    expect(h1(page)).to_have_text(t("Mandates to verify"))
    check_link = main(page).get_by_role(
        "link", name=t("Check the mandate of %(name)s", name=employer_name)
    )
    axe("mandates to verify")
    check_link.click()

    expect(page).to_have_url(re.compile(r"/backoffice/mandates/\d+$"))
    expect(h1(page)).to_have_text(t("Check a mandate"))
    expect(main(page).locator("dl.summary")).to_contain_text(employer_name)
    expect(main(page).locator("dl.summary")).to_contain_text(t("Waiting for verification"))
    axe("check a mandate")
    page.locator("#decision-0").check()
    main(page).get_by_role("button", name=t("Record the decision")).click()

    expect(page).to_have_url(re.compile(r"/backoffice/mandates$"))
    expect(page.get_by_role("status")).to_contain_text(t("The mandate is verified."))
    expect(check_link).to_have_count(0)
    expect(main(page)).to_contain_text(t("No mandates are waiting."))
    expect(main(page).get_by_role("listitem").filter(has_text=employer_name)).to_have_text(
        f"{employer_name}: {t('Verified')}"
    )
    axe("mandates to verify, after the decision")
    log_out(page, t)

    # The mandatary hears of it, in the language it registered in.
    message = wait_for_mail(smtp_sink, email, count=2)
    assert message["Subject"] == t("Your mandate has been verified")
    assert message["Content-Language"] == lang
    assert employer_name in text_of(message)
    assert f"{base_url}/mandates/" in text_of(message)
