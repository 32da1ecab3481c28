"""An officer finds a file by KBO number and by worker name, reads the certificates' issue
dates, refuses with a ground from the list, confirms on the consequence page, and the
employer reads the ground in their own language. axe on every page, in nl and en.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from portal.dossiers.models import Dossier
from portal.extensions import db
from portal.reference import format_kbo
from tests.e2e.helpers import h1, log_in, log_in_from_the_header, log_out, main
from tests.e2e.test_tracking import submit_a_complete_file
from tests.support import PASSWORD


def kbo_of(app: Flask, dossier_id: int) -> str:
    with app.app_context():
        number = db.session.get(Dossier, dossier_id).organisation.kbo_number
        db.session.remove()
    return number


def search(page: Page, t, query: str):
    page.locator("#q").fill(query)
    main(page).get_by_role("button", name=t("Search"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/backoffice/dossiers\?"))
    return main(page).locator("table.queue tbody tr")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_officer_finds_a_file_and_refuses_it_after_confirming(
    page: Page, axe: Callable[..., None], translate, live_app: Flask, lang: str
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    file = submit_a_complete_file(live_app, lang)
    kbo = kbo_of(live_app, file.dossier_id)

    page.goto(f"/account/login?lang={lang}")
    log_in(page, t, file.officer_email, PASSWORD)
    main(page).get_by_role("link", name=t("Files to handle"), exact=True).click()
    expect(h1(page)).to_have_text(t("Files to handle"))
    axe("queue")

    # By KBO number, written with dots.
    rows = search(page, t, format_kbo(kbo))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(file.reference)
    expect(rows.first).to_contain_text(file.organisation)
    expect(rows.first).to_contain_text(file.worker_name)
    axe("search by KBO")

    # By the worker's last name, lower case.
    last_name = file.worker_name.split(" ")[-1]
    rows = search(page, t, last_name.lower())
    expect(rows).to_have_count(1)
    axe("search by worker name")
    # Hostile input is just text.
    expect(search(page, t, "%_%")).to_have_count(0)
    expect(main(page)).to_contain_text(t("No files match this search."))
    rows = search(page, t, last_name.upper())
    rows.first.get_by_role("link", name=file.reference, exact=True).click()
    expect(h1(page)).to_have_text(t("File %(reference)s", reference=file.reference))

    # The certificates' issue dates, with the 6-month rule.
    documents = main(page).locator("table").filter(has_text=t("Issued on"))
    expect(documents).to_have_count(1)
    expect(documents).to_contain_text(t("At most %(months)s months old at submission", months=6))
    axe("file page")

    # Refuse with a ground from the list; the consequence page comes first.
    page.get_by_label(t("Work authorisation refused"), exact=True).check()
    ground = t("The salary is below the threshold of the category")
    page.get_by_label(ground, exact=True).check()
    page.get_by_label(t("Explanation")).fill("65000 EUR < 78259 EUR")
    main(page).get_by_role("button", name=t("Continue"), exact=True).click()
    expect(h1(page)).to_have_text(
        t("Confirm the decision on file %(reference)s", reference=file.reference)
    )
    expect(main(page)).to_contain_text(
        t(
            "The work authorisation is refused. The applicant receives a refusal letter with these grounds. This cannot be undone."
        )
    )
    expect(main(page)).to_contain_text(ground)
    axe("confirm the decision")
    main(page).get_by_role("button", name=t("Confirm the decision"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/backoffice/dossiers/\d+$"))
    expect(page.get_by_role("status")).to_contain_text(t("The work authorisation is refused."))
    axe("file page, refused")
    log_out(page, t)

    # The employer reads the ground in their language on the timeline.
    log_in_from_the_header(page, t, file.employer_email)
    page.goto(f"/applications/{file.dossier_id}/timeline?lang={lang}")
    expect(main(page).locator("ul.grounds")).to_contain_text(ground)
    expect(main(page)).to_contain_text("65000 EUR < 78259 EUR")
    expect(main(page)).not_to_contain_text("salary_below_threshold")
    axe("timeline, refused")
