"""In a real browser, in each language, with axe on every page: ticket → proof → e-mail → officer.

Uses the browser fixtures of tests/e2e (live server, system Chromium, axe-core).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.accounts.models import Role
from portal.fallback import runner
from portal.fallback.sources import MaildirSource
from tests.e2e.helpers import LANGS, h1, kbo_number, log_in, log_out, main, wait_for_mail
from tests.fallback.mail import deliver, load
from tests.support import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", LANGS)
def test_ticket_proof_email_and_the_officer_sees_the_file(
    page: Page,
    axe,
    translate,
    smtp_sink,
    live_app,
    create_account,
    create_employer,
    tmp_path,
    lang,
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    index = LANGS.index(lang)
    sender = f"sophie.{lang}@transports-dubois.be"
    kbo = kbo_number(7_300_000 + index)
    boss = create_employer(
        f"boss.{lang}@transports-dubois.be",
        organisation=f"Dubois {lang}",
        kbo_number=kbo,
        locale=lang,
    )
    agent = create_account(f"agent.{lang}@helpdesk.example", Role.HELPDESK, locale=lang)
    officer = create_account(f"officer.{lang}@officer.example", Role.OFFICER, locale=lang)

    # Anyone reports the problem, without an account.
    page.goto(f"/helpdesk/new?lang={lang}")
    expect(h1(page)).to_have_text(t("Report a technical problem"))
    axe("report a problem")
    page.locator("#name").fill("Sophie Dubois")
    page.locator("#email").fill(sender)
    page.locator("#organisation_kbo").fill(kbo)
    page.locator("#tried").fill("Submit the application")
    page.locator("#error_text").fill("Error 500 on the last page")
    main(page).get_by_role("button", name=t("Send to the helpdesk")).click()
    expect(h1(page)).to_contain_text("HD-")
    number = re.search(r"HD-\d{4}-\w{6}", h1(page).inner_text()).group(0)
    axe("ticket page")

    # The agent finds the ticket and issues a proof.
    page.goto("/account/login")
    log_in(page, t, agent["email"], PASSWORD)
    page.goto("/helpdesk/desk")
    axe("desk")
    main(page).get_by_role("link", name=number).click()
    expect(h1(page)).to_contain_text(number)
    axe("desk ticket")
    page.locator("#proof-confirm").check()
    main(page).get_by_role("button", name=t("Issue the proof")).click()
    expect(page.get_by_role("status")).to_contain_text(
        t("The proof has been issued and e-mailed to the requester.")
    )
    axe("desk ticket with a proof")
    proof_mail = wait_for_mail(smtp_sink, sender, count=2)
    code = re.search(r"PRF-[2-9A-Z]+-[2-9A-Z]+-[2-9A-Z]+", proof_mail["Subject"]).group(0)

    # The e-mail with the proof arrives in the intake mailbox and is read.
    maildir = tmp_path / "Maildir"
    message = load("thunderbird_rfc2231", CODE=code).replace(
        b"sophie.dubois@transports-dubois.be", sender.encode()
    )
    message = message.replace(b"5c1e7a2b-93d4", f"5c1e7a2b-{lang}".encode())
    deliver(maildir, message, f"1796300{index}.M1P1.mx1")
    with live_app.app_context():
        report = runner.poll(MaildirSource(maildir))
        assert report.read == 1 and report.outcomes["accepted"] == 1, report.summary()
    acknowledgement = wait_for_mail(smtp_sink, sender, count=3)
    reference = re.search(r"SP-\d{4}-\w{6}-\w", acknowledgement["Subject"]).group(0)

    page.goto("/helpdesk/desk/proofs?state=used")
    expect(main(page)).to_contain_text(reference)
    axe("proofs")
    page.goto("/helpdesk/desk/intake?state=all")
    axe("mail intake")
    main(page).locator("tbody a").first.click()
    expect(main(page)).to_contain_text(reference)
    axe("a message of the mail intake")
    log_out(page, t)

    # The officer sees the e-mail file in the queue and opens it.
    page.goto("/account/login")
    log_in(page, t, officer["email"], PASSWORD)
    page.goto("/backoffice/dossiers?channel=email")
    axe("queue of e-mail files")
    main(page).get_by_role("link", name=reference).click()
    expect(h1(page)).to_contain_text(reference)
    expect(main(page)).to_contain_text("Formulaire de demande signé.pdf")
    axe("e-mail file")
    # The officer types in the data from the attached form.
    page.goto(
        f"{page.url.rstrip('/').replace('/backoffice/dossiers/', '/backoffice/email-files/')}"
    )
    expect(h1(page)).to_contain_text(reference)
    axe("complete an e-mail file")
    page.goto(page.url + "/worker")
    axe("complete the worker section")
    log_out(page, t)

    # The employer finds the application forms of their drafts (none yet).
    page.goto("/account/login")
    log_in(page, t, boss["email"], PASSWORD)
    page.goto("/helpdesk/drafts")
    expect(h1(page)).to_have_text(t("Application forms for an e-mail submission"))
    axe("application forms of drafts")
