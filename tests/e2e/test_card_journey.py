"""The professional card in a real browser, in each of the four languages, axe on every page.

An entrepreneur runs the exemption check from the home page, goes from its "you need a
card" straight to registering (identity, nationality, residence document, address), confirms
the address by e-mail, logs in, fills every section of the card wizard (the person, the
activity, the economic benefit, qualifications, means, documents with the dated criminal
record extract), sees the fee before submitting, submits and downloads the receipt,
which names the kind. An officer grants the card with a validity; the entrepreneur reads it
and the Dutch decision letter. Then the daily job sends the renewal reminders at 90 and 60
days before expiry, in the holder's language, and the second one's link starts the renewal,
prefilled. Every page is audited by axe and at 320 px.

Expected texts come from the portal's catalogs (`translate`), so the test holds before
and after the new strings are translated.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from functools import partial

import pytest
from playwright.sync_api import Page, expect

from portal import clock, scheduler
from portal.accounts.models import Role
from portal.dossiers import card_rules
from portal.dossiers.models import Dossier
from portal.extensions import db
from tests.e2e.helpers import (
    LANGS,
    PDF,
    h1,
    log_in_as,
    log_out,
    long_date,
    main,
    read_pdf,
    unique_email,
    verify_by_mail,
    wait_for_mail,
)
from tests.support import link_in, text_of

REFERENCE = re.compile(r"SP-\d{4}-[2-9A-Z]{6}-[2-9A-Z]")


def press_submit(page: Page, within: str | None = None) -> None:
    forms = main(page).locator("form")
    if within:
        forms = forms.filter(has=page.locator(within))
    forms.locator("button[type=submit]").first.click()


def save_section(page: Page, t, next_path: str) -> None:
    main(page).get_by_role("button", name=t("Save and continue")).click()
    expect(page).to_have_url(re.compile(rf"/applications/\d+/{next_path}$"))
    expect(page.get_by_role("status")).to_contain_text(
        t("Saved. You can come back to this section at any time.")
    )


def choose(page: Page, label: str, continue_label: str) -> None:
    main(page).get_by_role("radio", name=label, exact=True).check()
    main(page).get_by_role("button", name=continue_label, exact=True).click()


def exemption_check(page: Page, t, axe, lang: str) -> None:
    """From the home page: the exemption check, as someone who needs a card from Flanders,
    ending in the conditions and the way to apply (card-public's pages)."""
    page.goto(f"/?lang={lang}")
    main(page).get_by_role("link", name=t("Check whether you need a professional card")).click()
    expect(h1(page)).to_have_text(t("Do you need a professional card?"))
    axe("exemption check")
    choose(page, t("Yes"), t("Continue"))
    for _ground in card_rules.exemption_grounds():
        choose(page, t("No"), t("Continue"))
    choose(page, t("In the Flemish Region"), t("Continue"))
    expect(page.locator("#outcome")).to_have_attribute("data-outcome", "needed")
    axe("exemption check: a card is needed")
    main(page).locator("#apply").click()  # straight to the entrepreneur's registration
    expect(page).to_have_url(re.compile(r"/account/register/entrepreneur$"))


def register(page: Page, t, axe, email: str, lang: str) -> None:
    expect(h1(page)).to_have_text(t("Register as an entrepreneur"))
    expect(
        main(page).get_by_role("link", name=t("Check first whether you need a professional card"))
    ).to_be_visible()
    axe("register as an entrepreneur")
    page.locator("#first_name").fill("Amara")
    page.locator("#last_name").fill("Okafor")
    page.locator("#birth_date").fill("1988-02-29")
    page.locator("#nationality").select_option("FR")  # first: an EEA national is told why not
    page.locator("#residence_document-0").check()  # A card
    page.locator("#residence_valid_until").fill((date.today() + timedelta(days=700)).isoformat())
    page.locator("#address_street").fill("Kouter 1")
    page.locator("#address_postal_code").fill("9000")
    page.locator("#address_city").fill("Gent")
    page.locator("#address_country").select_option("BE")
    page.locator("#email").fill(email)
    page.locator("#password").fill("correct horse battery staple")
    page.locator("#confirm").fill("correct horse battery staple")
    press_submit(page)
    expect(page.locator("#nationality-error")).to_be_visible()
    axe("registration refused for an EEA national")
    page.locator("#nationality").select_option("NG")
    page.locator("#password").fill("correct horse battery staple")
    page.locator("#confirm").fill("correct horse battery staple")
    press_submit(page)
    expect(page).to_have_url(re.compile(r"/account/check-email"))


def renewal_reminders(
    page: Page, t, axe, live_app, smtp_sink, email: str, lang: str, file_url: str
) -> None:
    """The worker's daily job (`cards.renewal_reminders`) at 90 and then 60 days before
    expiry: one e-mail each, in the holder's language; the first link finds the renewal
    not open yet (the day it opens is named), the second starts it, prefilled from the
    granted card. The card's validity is moved, not the clock: its file was submitted
    today, so no fixed past month gains a file (other tests count March 2024)."""
    card_id = int(file_url.rsplit("/", 1)[-1])
    subject = t("Your professional card expires soon: renew it in time")
    window = card_rules.renewal_window_days()  # the card is from after 2022
    first, *_rest, last = card_rules.reminder_days()
    assert first > window >= last, "the first reminder comes before the window opens"
    for count, days_left in enumerate((first, last), start=1):
        with live_app.app_context():
            expires = clock.today() + timedelta(days=days_left)
            db.session.get(Dossier, card_id).card.valid_until = expires
            db.session.commit()
            # What `flask worker` runs once a day, without its once-a-day bookkeeping.
            scheduler.jobs()["cards.renewal_reminders"].run()
            db.session.remove()
        message = wait_for_mail(smtp_sink, email, count, subject=subject)
        assert message["Content-Language"] == lang
        assert long_date(live_app, lang, expires) in text_of(message)
        page.goto(link_in(message, f"/applications/{card_id}/card-renewal"))
        expect(h1(page)).to_have_text(t("Renew your professional card"))
        start = main(page).get_by_role("button", name=t("Start the renewal"))
        if days_left > window:
            opens = expires - timedelta(days=window)
            expect(main(page)).to_contain_text(long_date(live_app, lang, opens))
            expect(start).to_have_count(0)
            axe("the renewal, reached from the first reminder: not open yet")
            continue
        axe("the renewal, reached from the last reminder: open")
        start.click()
        expect(page).to_have_url(re.compile(r"/applications/\d+$"))
        renewal = page.url.rsplit("/", 1)[-1]
        assert renewal != str(card_id), "a new file, not the card itself"
        axe("task list of the renewal")
        main(page).get_by_role("link", name=t("You and your residence")).click()
        expect(h1(page)).to_have_text(t("You and your residence"))
        expect(page.locator("#worker_first_name")).to_have_value("Amara")
        expect(page.locator("#worker_passport")).to_have_value("A01234567")
        axe("the renewal's first section, prefilled")
        page.goto(f"/applications/{renewal}/activity?lang={lang}")
        expect(page.locator("#company_name")).to_have_value("Okafor Trading BV")
        axe("the renewal's activity, prefilled")


@pytest.mark.parametrize("lang", LANGS)
def test_an_entrepreneur_applies_for_a_professional_card(
    page: Page, axe, translate, live_app, smtp_sink, base_url, tmp_path, create_account, lang
):
    t = partial(translate, lang)
    email = unique_email("entrepreneur", lang)
    exemption_check(page, t, axe, lang)
    register(page, t, axe, email, lang)
    verify_by_mail(page, t, smtp_sink, email, lang, base_url)
    log_in_as(page, t, lang, email)
    main(page).get_by_role("link", name=t("Apply for a professional card")).click()
    expect(h1(page)).to_have_text(t("Apply for a professional card"))
    expect(main(page)).to_contain_text(t("What it costs"))
    axe("start a professional card")
    press_submit(page)
    expect(page).to_have_url(re.compile(r"/applications/\d+$"))
    expect(main(page)).to_contain_text(t("Professional card"))
    axe("task list of a card")

    main(page).get_by_role("link", name=t("You and your residence")).click()
    expect(h1(page)).to_have_text(t("You and your residence"))
    expect(page.locator("#worker_first_name")).to_have_value("Amara")  # from registering
    page.locator("#worker_passport").fill("A01234567")
    axe("the person")
    save_section(page, t, "activity")

    page.locator("#category-0").check()  # economic
    page.locator("#legal_form-1").check()  # company
    page.locator("#company_name").fill("Okafor Trading BV")
    page.locator("#company_kbo").fill("0403.170.701")
    page.locator("#activity_description").fill("Import and wholesale of foodstuffs.")
    page.locator("#nace_code").fill("46389")
    page.locator("#workplace_street").fill("Veldstraat 10")
    page.locator("#workplace_postal_code").fill("1000")  # Brussels: refused, with where to go
    main(page).get_by_role("button", name=t("Save and continue")).click()
    expect(page.locator("#workplace_postal_code-error")).to_contain_text("https://")
    axe("the activity, another region refused")
    page.locator("#workplace_postal_code").fill("9000")
    axe("the activity")
    save_section(page, t, "benefit")

    page.locator("#jobs_planned").fill("3")
    page.locator("#investment_eur").fill("50.000")
    page.locator("#start_capital_eur").fill("18.600")
    page.locator("#export").fill("To the Netherlands.")
    axe("the economic benefit")
    save_section(page, t, "qualifications")

    page.locator("#diploma_level").select_option("6")
    page.locator("#regulated_profession-1").check()  # no
    axe("qualifications")
    save_section(page, t, "means")

    page.locator("#means_eur").fill("20.000")  # below 110% of the leefloon: warned, saved
    save_section(page, t, "documents")
    page.goto(page.url.replace("/documents", "/means"))
    expect(page.locator("#means_eur-warning")).to_be_visible()
    axe("means, below the threshold")
    page.locator("#means_eur").fill("30.000")
    save_section(page, t, "documents")

    axe("documents")
    issued = (date.today() - timedelta(days=30)).isoformat()
    for code in card_rules.required_documents("economic"):
        name = f"{code}.pdf"
        (tmp_path / name).write_bytes(
            PDF.replace(b"%PDF-1.4\n", f"%PDF-1.4\n% {code} {uuid.uuid4().hex}\n".encode(), 1)
        )
        page.locator("#requirement").select_option(code)
        page.locator("#file").set_input_files(tmp_path / name)
        if code == "criminal_record":
            page.locator("#issued_on").fill(issued)
        press_submit(page, within="#requirement")
        expect(page).to_have_url(re.compile(r"/applications/\d+/documents$"))
        expect(main(page).locator("table tbody tr").filter(has_text=name)).to_have_count(1)
    axe("documents, all added")

    main(page).get_by_role("link", name=t("Continue: check your answers")).click()
    expect(h1(page)).to_have_text(t("Check your answers before you submit"))
    expect(main(page)).not_to_contain_text(t("Your file is not complete yet"))
    expect(main(page).locator("#fee")).to_be_visible()
    expect(main(page)).to_contain_text("Okafor Trading BV")
    axe("check your answers of a card")
    page.locator("#declaration").check()
    press_submit(page)
    expect(page).to_have_url(re.compile(r"/applications/\d+/confirmation$"))
    reference = main(page).locator(".reference").inner_text().strip()
    assert REFERENCE.fullmatch(reference), reference
    axe("confirmation")

    with page.expect_download() as info:
        main(page).get_by_role("link", name=t("Download the receipt (PDF)")).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    text = " ".join(read_pdf(path).split())
    assert reference in text
    assert t("Receipt of your professional-card application") in text
    assert t("Professional card") in text

    page.goto(f"/applications/?lang={lang}")
    row = main(page).locator("tr").filter(has_text=reference)
    expect(row).to_contain_text(t("Professional card"))
    axe("my applications")
    file_url = row.get_by_role("link", name=reference).get_attribute("href")
    log_out(page, t)

    # The officer grants the card with the validity the page proposes (card-core's form).
    officer = create_account(unique_email("officer", lang), Role.OFFICER, locale=lang)
    log_in_as(page, t, lang, officer["email"])
    page.goto(f"/backoffice/dossiers/{file_url.rsplit('/', 1)[-1]}?lang={lang}")
    main(page).get_by_role("radio", name=t("Grant the professional card"), exact=True).check()
    valid_until = page.locator("#decision-valid_until").input_value()
    assert valid_until, "the page proposes the card's validity"
    axe("the officer's decision on a card")
    main(page).locator("form").filter(has=page.locator("#decision-valid_from")).locator(
        "button[type=submit]"
    ).click()
    expect(h1(page)).to_have_text(
        t("Confirm the decision on file %(reference)s", reference=reference)
    )
    axe("confirm the decision on a card")
    main(page).get_by_role("button", name=t("Confirm the decision")).click()
    expect(page.get_by_role("status")).to_be_visible()
    log_out(page, t)

    # The entrepreneur sees the grant and its validity, and downloads the decision letter.
    log_in_as(page, t, lang, email)
    page.goto(f"{file_url}?lang={lang}")
    expect(main(page)).to_contain_text(t("Professional card granted"))
    expect(page.locator("#card-validity")).to_contain_text(
        long_date(live_app, lang, date.fromisoformat(valid_until))
    )
    axe("the granted card")
    with page.expect_download() as info:
        main(page).get_by_role("link", name=t("Download the decision letter (PDF)")).click()
    letter = tmp_path / info.value.suggested_filename
    info.value.save_as(letter)
    letter_text = " ".join(read_pdf(letter).split())
    assert reference in letter_text
    # Binding in Dutch, with the validity the officer set (card-core's card letter).
    end = long_date(live_app, "nl", date.fromisoformat(valid_until))
    assert end in letter_text, (end, letter_text[:2000])

    # The renewal reminders, 90 and 60 days before the card expires, in the holder's
    # language; each link leads to the renewal page, open only from 60 days.
    renewal_reminders(page, t, axe, live_app, smtp_sink, email, lang, file_url)
