"""Applications in a real browser, in each of the four languages, with axe on every page.

1. An employer files a highly-qualified application, from an empty account to the
   downloaded receipt (whose text is read back with pypdf).
2. A mandatary files a posting for a foreign employer with a verified mandate, guided by
   the posting guide.
3. "Check before you apply" says that a salary does not meet the threshold.

Accounts are made straight in the live server's database: registration has its own
journeys in test_py. Expected texts come from the portal's catalogs (`translate`).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.dossiers import rules
from portal.i18n import force_locale, format_date, gettext
from tests.e2e.helpers import (
    LANGS,
    PDF,
    h1,
    kbo_number,
    log_in,
    main,
    read_pdf,
    unique_email,
    wait_for_mail,
)
from tests.support import PASSWORD, text_of

REFERENCE = re.compile(r"SP-\d{4}-[2-9A-Z]{6}-[2-9A-Z]")
GUIDE = "/guide/detachment"
GUIDE_ANCHORS = ("mandate", "employer", "worker", "category", "job", "posting", "documents")


# --- helpers ---------------------------------------------------------------------------


def status(page: Page):
    return page.get_by_role("status")


def press_submit(page: Page, within: str | None = None) -> None:
    """Click the submit button of the one form in <main> (the header has a logout form)."""
    forms = main(page).locator("form")
    if within:
        forms = forms.filter(has=page.locator(within))
    forms.locator("button[type=submit]").click()


def document_pdf(label: str) -> bytes:
    """A small valid PDF whose bytes (so whose SHA-256) differ per label."""
    return PDF.replace(b"%PDF-1.4\n", b"%PDF-1.4\n% " + label.encode() + b"\n", 1)


def flat(text: str) -> str:
    """Text with every run of whitespace made one space (a PDF wraps long cells)."""
    return " ".join(text.split())


def compact(text: str) -> str:
    return "".join(text.split())


def fill_worker(page: Page, first: str, last: str) -> None:
    page.locator("#worker_first_name").fill(first)
    page.locator("#worker_last_name").fill(last)
    page.locator("#worker_birth_date").fill("1990-04-12")
    page.locator("#worker_nationality").select_option("IN")
    page.locator("#worker_passport").fill("Z1234567")
    page.locator("#worker_residence_country").select_option("IN")
    page.locator("#worker_diplomatic_post").fill("Belgian Embassy in New Delhi")
    page.locator("#worker_email").fill(f"{first.lower()}@example.in")
    page.locator("#worker_locale").select_option("en")


def fill_job(page: Page, salary: str, start: date) -> None:
    page.locator("#isco_code").fill("2512")
    page.locator("#annual_salary").fill(salary)
    page.locator("#start_date").fill(start.isoformat())
    page.locator("#duration_months").fill("24")
    page.locator("#workplace_street").fill("Kouter 1")
    page.locator("#workplace_postal_code").fill("9000")


def upload_documents(page: Page, t, axe, folder: Path, codes, lang: str) -> dict[str, str]:
    """Add one file for each code on the documents page; {file name: SHA-256}."""
    dated = rules.dated_documents()
    issued = (date.today() - timedelta(days=30)).isoformat()
    missing = main(page).locator("table tbody td strong").filter(has_text=t("Missing"))
    expect(missing).to_have_count(len(codes))
    uploaded = {}
    for number, code in enumerate(codes, start=1):
        name = f"{code}.pdf"
        data = document_pdf(f"{code} {lang} {uuid.uuid4().hex}")
        (folder / name).write_bytes(data)
        uploaded[name] = hashlib.sha256(data).hexdigest()
        page.locator("#requirement").select_option(code)
        page.locator("#file").set_input_files(folder / name)
        if code in dated:
            page.locator("#issued_on").fill(issued)
        press_submit(page, within="#requirement")
        expect(page).to_have_url(re.compile(r"/applications/\d+/documents$"))
        expect(status(page)).to_contain_text(t("The file has been added."))
        expect(main(page).locator("table tbody tr").filter(has_text=name)).to_have_count(1)
        expect(missing).to_have_count(len(codes) - number)
        axe(f"documents, {number} of {len(codes)} added")
    expect(main(page).locator("table tbody")).not_to_contain_text(t("Missing"))
    return uploaded


def submit_and_confirm(page: Page, t, axe, worker_name: str) -> str:
    """From the documents page: check the answers, declare, submit; the reference."""
    main(page).get_by_role("link", name=t("Continue: check your answers")).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/check$"))
    expect(h1(page)).to_have_text(t("Check your answers before you submit"))
    expect(main(page)).not_to_contain_text(t("Your file is not complete yet"))
    worker = main(page).locator("#summary-worker + dl.summary")
    expect(worker).to_contain_text(worker_name)
    axe("check your answers")
    page.locator("#declaration").check()
    press_submit(page)
    expect(page).to_have_url(re.compile(r"/applications/\d+/confirmation$"))
    expect(h1(page)).to_have_text(t("Application submitted"))
    reference = main(page).locator(".reference").inner_text().strip()
    assert REFERENCE.fullmatch(reference), reference
    axe("confirmation")
    return reference


def download_receipt(page: Page, t, folder: Path, reference: str) -> str:
    with page.expect_download() as info:
        main(page).get_by_role("link", name=t("Download the receipt (PDF)")).click()
    download = info.value
    assert download.suggested_filename == f"receipt-{reference}.pdf"
    path = folder / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    return read_pdf(path)


def assert_receipt_language(text: str, translate, lang: str) -> None:
    title = "Receipt of your single-permit application"
    translated = translate(lang, title)
    assert translated in flat(text), f"{translated!r} not in the {lang} receipt:\n{text}"
    if translated != title:
        assert title not in flat(text), f"the {lang} receipt is (partly) in English"


# --- 1. an employer, highly qualified ----------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_employer_files_a_highly_qualified_application_and_downloads_the_receipt(
    page: Page, axe, translate, live_app, create_employer, smtp_sink, tmp_path, lang
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    index = LANGS.index(lang)
    email = unique_email("hq-employer", lang)
    organisation = f"Software {lang.upper()} NV"
    create_employer(
        email, organisation=organisation, kbo_number=kbo_number(4300000 + index), locale=lang
    )
    first, last = "Priya", f"Sharma{lang.upper()}"
    worker_name = f"{first} {last}"

    page.goto(f"/account/login?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    axe("log in")
    log_in(page, t, email, PASSWORD)
    expect(main(page)).to_contain_text(organisation)
    axe("employer dashboard")

    # My applications: none yet.
    main(page).get_by_role("link", name=t("My applications"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/applications/$"))
    expect(h1(page)).to_have_text(t("My applications"))
    expect(main(page)).to_contain_text(t("You have no applications yet."))
    axe("my applications, none yet")

    # Start a new application: an employer's draft has the employer section done.
    main(page).get_by_role("link", name=t("Start a new application")).click()
    expect(page).to_have_url(re.compile(r"/applications/new$"))
    expect(h1(page)).to_have_text(t("Start a new application"))
    axe("start a new application")
    press_submit(page)
    expect(page).to_have_url(re.compile(r"/applications/\d+$"))
    expect(h1(page)).to_have_text(t("Your application"))
    expect(main(page)).to_contain_text(organisation)
    expect(main(page)).to_contain_text(
        t("You have completed %(done)s of %(total)s steps.", done=1, total=6)
    )
    axe("task list")

    # The worker.
    main(page).get_by_role("link", name=t("Worker"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/worker$"))
    expect(h1(page)).to_have_text(t("Worker"))
    expect(main(page)).to_contain_text(t("Step %(current)s of %(total)s", current=2, total=6))
    axe("worker")
    fill_worker(page, first, last)
    press_submit(page)

    # The category.
    expect(page).to_have_url(re.compile(r"/applications/\d+/category$"))
    expect(status(page)).to_contain_text(t("Saved. You can come back to this section at any time."))
    expect(h1(page)).to_have_text(t("Category"))
    axe("category")
    page.locator("#category").select_option("highly_qualified")
    press_submit(page)

    # The job, first with a start date too far ahead.
    expect(page).to_have_url(re.compile(r"/applications/\d+/job$"))
    expect(h1(page)).to_have_text(t("Job"))
    axe("job")
    too_far = date.today() + timedelta(days=200)
    fill_job(page, "60000", too_far)
    press_submit(page)

    expect(page).to_have_url(re.compile(r"/applications/\d+/job$"))
    expect(page).to_have_title(re.compile("^" + re.escape(t("Error")) + ":"))
    window = timedelta(days=rules.procedure("max_days_before_start"))
    with live_app.test_request_context("/"), force_locale(lang):
        too_early = gettext(
            "The start date can be at most %(months)s months ahead: submit on %(date)s or later.",
            months=rules.figure("max_months_before_start"),
            date=format_date(too_far - window),
        )
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name=too_early)).to_have_attribute("href", "#start_date")
    expect(page.locator("#start_date-error")).to_be_visible()
    expect(page.locator("#start_date-error")).to_contain_text(too_early)
    expect(page.locator("#start_date")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#isco_code")).to_have_value("2512")
    expect(page.locator("#annual_salary")).to_have_value(re.compile(r"^60000(\.00)?$"))
    axe("job with an error")

    page.locator("#start_date").fill((date.today() + timedelta(days=60)).isoformat())
    press_submit(page)

    # The documents.
    expect(page).to_have_url(re.compile(r"/applications/\d+/documents$"))
    expect(h1(page)).to_have_text(t("Documents"))
    expect(main(page).get_by_role("link", name=t("Continue: check your answers"))).to_have_count(0)
    axe("documents")
    codes = rules.required_documents("highly_qualified", False)
    assert set(rules.dated_documents()) <= set(codes)
    uploaded = upload_documents(page, t, axe, tmp_path, codes, lang)

    # Check, declare, submit.
    reference = submit_and_confirm(page, t, axe, worker_name)

    # The receipt, in the page's language.
    text = download_receipt(page, t, tmp_path, reference)
    assert reference in text
    assert worker_name in flat(text)
    assert organisation in flat(text)
    for name, sha256 in uploaded.items():
        assert name in compact(text), f"{name} not in the receipt:\n{text}"
        assert sha256 in text, f"the SHA-256 of {name} is not on the receipt:\n{text}"
    assert_receipt_language(text, translate, lang)

    # The confirmation e-mail, in the account's language.
    message = wait_for_mail(smtp_sink, email)
    assert message["Subject"] == t("Application %(reference)s received", reference=reference)
    assert reference in text_of(message)

    # The file is listed under My applications.
    main(page).get_by_role("link", name=t("My applications"), exact=True).click()
    row = main(page).get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text(worker_name)
    axe("my applications, one submitted")


# --- 2. a mandatary, a posting -----------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_mandatary_files_a_posting_for_a_foreign_employer(
    page: Page, axe, translate, create_mandatary, tmp_path, lang
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    def guide_link(anchor: str):
        return main(page).locator(f'a[href$="{GUIDE}#{anchor}"]')

    index = LANGS.index(lang)
    email = unique_email("posting-mandatary", lang)
    mandatary = f"Detach {lang.upper()} BV"
    employer = f"Montagebau {lang.upper()} {uuid.uuid4().hex[:6]} GmbH"
    create_mandatary(
        email,
        name=mandatary,
        kbo_number=kbo_number(4400000 + index),
        employer=employer,
        mandate_pdf=document_pdf(f"mandate {lang}"),
        locale=lang,
    )
    first, last = "Arjun", f"Mehta{lang.upper()}"
    worker_name = f"{first} {last}"

    page.goto(f"/account/login?lang={lang}")
    axe("log in")
    log_in(page, t, email, PASSWORD)
    axe("mandatary dashboard")

    # The guide, with an anchor for each step of the form.
    page.goto(GUIDE)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(h1(page)).to_have_text(t("Posting a worker to Flanders: step by step"))
    for anchor in (*GUIDE_ANCHORS, "submit"):
        expect(page.locator(f"section#{anchor}")).to_have_count(1)
        expect(page.locator(f'nav.toc a[href="#{anchor}"]')).to_have_count(1)
    axe("posting guide")

    # Start: choose the foreign employer.
    header_link = page.locator("header.site-header").get_by_role("link", name=t("My dashboard"))
    header_link.click()
    main(page).get_by_role("link", name=t("My applications"), exact=True).click()
    expect(h1(page)).to_have_text(t("My applications"))
    axe("my applications, none yet")
    main(page).get_by_role("link", name=t("Start a new application")).click()
    expect(page).to_have_url(re.compile(r"/applications/new$"))
    expect(guide_link("employer")).to_have_count(1)
    axe("start a posting")
    page.locator("#foreign_employer").select_option(label=employer)
    press_submit(page)

    expect(page).to_have_url(re.compile(r"/applications/\d+$"))
    expect(h1(page)).to_have_text(t("Your application"))
    expect(main(page)).to_contain_text(t("posting for %(employer)s", employer=employer))
    axe("task list of a posting")

    # The worker.
    main(page).get_by_role("link", name=t("Worker"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/worker$"))
    expect(guide_link("worker")).to_have_count(1)
    axe("worker")
    fill_worker(page, first, last)
    press_submit(page)

    # The category: a shortage occupation cannot be posted.
    expect(page).to_have_url(re.compile(r"/applications/\d+/category$"))
    expect(guide_link("category")).to_have_count(1)
    axe("category")
    page.locator("#category").select_option("shortage_occupation")
    press_submit(page)
    refusal = t(
        "The shortage-occupation category is not available for postings: the worker "
        "must be employed by a Belgian employer. Choose another category."
    )
    expect(page).to_have_url(re.compile(r"/applications/\d+/category$"))
    expect(page.locator(".error-summary")).to_contain_text(refusal)
    expect(page.locator("#category-error")).to_contain_text(refusal)
    expect(page.locator("#category")).to_have_attribute("aria-invalid", "true")
    axe("category refused for a posting")
    page.locator("#category").select_option("executive")
    press_submit(page)

    # The job.
    expect(page).to_have_url(re.compile(r"/applications/\d+/job$"))
    expect(guide_link("job")).to_have_count(1)
    axe("job")
    start = date.today() + timedelta(days=60)
    fill_job(page, "120000", start)
    press_submit(page)

    # The posting.
    expect(page).to_have_url(re.compile(r"/applications/\d+/posting$"))
    expect(h1(page)).to_have_text(t("Posting"))
    expect(guide_link("posting")).to_have_count(1)
    axe("posting")
    page.locator("#posting_start").fill(start.isoformat())
    page.locator("#posting_end").fill((start + timedelta(days=300)).isoformat())
    page.locator("#client_name").fill("Bouw NV")
    page.locator("#client_kbo").fill(kbo_number(4500000 + index))
    expect(page.locator("#site_address")).to_have_count(0)  # the place of work, asked once
    page.locator("#limosa_reference").fill(f"L-{start.year}-{4500000 + index}")
    press_submit(page)

    # The documents, with the posting's extras.
    expect(page).to_have_url(re.compile(r"/applications/\d+/documents$"))
    expect(guide_link("documents")).to_have_count(1)
    axe("documents")
    codes = rules.required_documents("executive", True)
    for extra in ("posting_declaration", "a1_certificate", "articles_of_association"):
        assert extra in codes
    upload_documents(page, t, axe, tmp_path, codes, lang)

    reference = submit_and_confirm(page, t, axe, worker_name)
    text = download_receipt(page, t, tmp_path, reference)
    assert reference in text
    assert employer in flat(text)
    assert mandatary in flat(text)
    assert worker_name in flat(text)
    assert_receipt_language(text, translate, lang)


# --- 3. check before you apply -----------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_eligibility_check_says_the_salary_is_below_the_threshold(page: Page, axe, translate, lang):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    page.goto(f"/eligibility?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(h1(page)).to_have_text(t("Check before you apply"))
    expect(page.locator("#outcome")).to_have_count(0)
    axe("eligibility")

    page.locator("#category").select_option("highly_qualified")
    page.locator("#annual_salary").fill("30000")
    page.locator("#start_date").fill("2025-06-02")  # the rules have thresholds up to 2025
    expect(page.locator("#start_date")).to_have_value("2025-06-02")
    press_submit(page)

    expect(page).to_have_url(re.compile(r"/eligibility\?.*category=highly_qualified"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    outcome = page.get_by_role("region", name=t("Your result"))
    expect(outcome).to_be_visible()
    result = page.locator("#salary-result")
    expect(result).to_have_class(re.compile(r"\bnotice-warning\b"))
    expect(result).to_contain_text(t("Threshold not met:"))
    axe("eligibility, threshold not met")
