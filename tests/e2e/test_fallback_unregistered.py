"""In a real browser, nl and en, axe on every page: the e-mail fallback for the unregistered.

A reporter without an account (and whose enterprise is not registered) reports a problem
and sees the helpdesk's phone and hours; the agent issues a proof for the unregistered
number with the identity check; the reporter downloads the blank form (a PDF with
form fields) and fills it; the intake (in-process) accepts it; an officer sees the file
with the form's data.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from portal.accounts.models import Role
from portal.fallback import runner
from portal.fallback.sources import MaildirSource
from tests.e2e.helpers import h1, kbo_number, log_in, log_out, main, wait_for_mail
from tests.fallback.mail import deliver
from tests.fallback.test_blankform import GOOD, fill, message
from tests.support import PASSWORD, text_of

pytestmark = pytest.mark.e2e
LANGS = ["nl", "en"]


@pytest.mark.parametrize("lang", LANGS)
def test_an_unregistered_reporter_applies_by_e_mail_with_the_blank_form(
    page: Page, axe, translate, smtp_sink, live_app, create_account, tmp_path, lang
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    index = LANGS.index(lang)
    sender = f"amina.{lang}@atelier-benali.be"
    kbo = kbo_number(7_400_000 + index)  # nobody registers it
    agent = create_account(f"agent.unreg.{lang}@helpdesk.example", Role.HELPDESK, locale=lang)
    officer = create_account(f"officer.unreg.{lang}@officer.example", Role.OFFICER, locale=lang)

    # The reporter, without an account, reports the problem and sees how to call.
    page.goto(f"/helpdesk/new?lang={lang}")
    expect(h1(page)).to_have_text(t("Report a technical problem"))
    expect(main(page).locator("a[href^='tel:']")).to_be_visible()
    expect(page.locator("footer a[href^='tel:']")).to_be_visible()
    axe("report a problem, with the helpdesk's contact details")
    page.locator("#name").fill("Amina Benali")
    page.locator("#email").fill(sender)
    page.locator("#organisation_name").fill("Atelier Benali")
    page.locator("#organisation_kbo").fill(kbo)
    page.locator("#tried").fill("Register my company")
    page.locator("#error_text").fill("The registration page shows error 500")
    main(page).get_by_role("button", name=t("Send to the helpdesk")).click()
    number = re.search(r"HD-\d{4}-\w{6}", h1(page).inner_text()).group(0)
    axe("ticket page")

    # ... and downloads the blank application form: a PDF with form fields.
    page.goto(f"/helpdesk/new?lang={lang}")
    with page.expect_download() as download_info:
        main(page).get_by_role("link", name=t("Download the blank application form (PDF)")).click()
    blank = download_info.value.path().read_bytes()
    assert blank.startswith(b"%PDF")
    fields = PdfReader(download_info.value.path()).get_fields()
    assert {"spp_employer_kbo", "spp_worker_last_name", "spp_annual_salary"} <= set(fields)

    # The agent may issue a proof for the unregistered number only after the identity check.
    page.goto("/account/login")
    log_in(page, t, agent["email"], PASSWORD)
    page.goto("/helpdesk/desk")
    main(page).get_by_role("link", name=number).click()
    expect(page.locator("#proof-kbo")).to_have_value(kbo)
    # (Without the identity check the desk refuses with a 400 page: tests/fallback/test_unregistered.py.)
    expect(page.locator("label[for='proof-identity_confirmed']")).to_be_visible()
    axe("desk ticket of an unregistered reporter")
    page.locator("#proof-confirm").check()
    page.locator("#proof-identity_confirmed").check()
    main(page).get_by_role("button", name=t("Issue the proof")).click()
    expect(page.get_by_role("status")).to_contain_text(
        t("The proof has been issued and e-mailed to the requester.")
    )
    axe("desk ticket with a proof for an unregistered number")
    proof_mail = wait_for_mail(smtp_sink, sender, count=2)
    code = re.search(r"PRF-[2-9A-Z]+-[2-9A-Z]+-[2-9A-Z]+", proof_mail["Subject"]).group(0)
    assert "/helpdesk/application-form.pdf" in text_of(proof_mail)
    log_out(page, t)

    # The reporter sends the filled form; the intake (in-process) accepts it.
    filled = fill(blank, {**GOOD, "employer_kbo": kbo, "worker_last_name": f"Sharma-{lang}"})
    maildir = tmp_path / "Maildir"
    deliver(maildir, message(code, filled, f"blank-{lang}", sender=sender), f"17974{index}.mx1")
    with live_app.app_context():
        report = runner.poll(MaildirSource(maildir))
        assert report.outcomes["accepted"] == 1, report.summary()
    acknowledgement = wait_for_mail(smtp_sink, sender, count=3)
    reference = re.search(r"SP-\d{4}-\w{6}-\w", acknowledgement["Subject"]).group(0)

    # The officer sees the file, with the form's data and the number.
    page.goto("/account/login")
    log_in(page, t, officer["email"], PASSWORD)
    page.goto("/backoffice/dossiers?channel=email")
    axe("queue of e-mail files")
    main(page).get_by_role("link", name=reference).click()
    expect(h1(page)).to_contain_text(reference)
    axe("the e-mail file")
    page.goto(page.url.rstrip("/").replace("/backoffice/dossiers/", "/backoffice/email-files/"))
    expect(main(page)).to_contain_text(f"Sharma-{lang}")
    expect(main(page)).to_contain_text(f"{kbo[:4]}.{kbo[4:7]}.{kbo[7:]}")
    expect(main(page)).to_contain_text("Atelier Benali BV")
    axe("complete the e-mail file")
    log_out(page, t)
