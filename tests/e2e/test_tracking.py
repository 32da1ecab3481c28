"""A file followed from submission to the single permit, in each of the four languages.

An employer's complete file is submitted straight in the live server's database (the
wizard has its own journeys in test_applications.py). Then, in the browser with axe on
every page: an officer finds it in the queue, takes it and asks for more information; the
employer sees the question as a banner with the deadline and answers it, after which the
file reads "back with the officer"; the officer authorises the work, which forwards the
file to the Immigration Office at once; the Immigration Office records "granted" through
the exchange API (replayed once with the same Idempotency-Key); and the employer sees every
step with its date on the timeline and downloads the decision letter.

Expected texts come from the portal's catalogs (`translate`).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask, g
from playwright.sync_api import Page, expect

from portal import clock, mail
from portal.accounts.models import OrgRole, Role
from portal.api import keys
from portal.dossiers import rules
from portal.dossiers.contents import documents, sections
from portal.dossiers.lifecycle import deadlines
from portal.dossiers.models import Dossier, DossierStatus
from portal.dossiers.wizard import services
from portal.extensions import db
from portal.i18n import force_locale
from tests.e2e.helpers import (
    LANGS,
    PDF,
    brussels_today,
    flash,
    h1,
    log_in,
    log_in_from_the_header,
    log_out,
    long_date,
    main,
    read_pdf,
    unique_email,
    wait_for_mail,
)
from tests.support import PASSWORD, make_organisation, make_user, text_of

CATEGORY = "highly_qualified"
FLEMISH_STEP = "Admissibility and work authorisation (Flanders decides both together)"


# --- set-up in the live database -----------------------------------------------------------


@dataclass(frozen=True)
class SubmittedFile:
    dossier_id: int
    reference: str
    employer_email: str
    officer_email: str
    officer_name: str
    organisation: str
    worker_name: str
    deadline_on: date


def submit_a_complete_file(app: Flask, lang: str) -> SubmittedFile:
    """An employer (organisation admin) and an officer, and the employer's submitted file.

    The file goes through the portal's own services (sections, documents, submit), so it
    is complete by the same rules as one filled in through the wizard.
    """
    employer_email = unique_email("tracking-employer", lang)
    officer_email = unique_email("tracking-officer", lang)
    organisation = f"Logistics {lang.upper()} {uuid.uuid4().hex[:6]} NV"
    first, last = "Ravi", f"Kumar{lang.upper()}"
    today = date.today()
    with app.test_request_context(f"/?lang={lang}"), force_locale(lang):
        org = make_organisation(name=organisation)
        employer = make_user(
            employer_email, Role.EMPLOYER, locale=lang, organisation=org, org_role=OrgRole.ADMIN
        )
        officer = make_user(officer_email, Role.OFFICER, locale=lang)
        dossier = services.start_dossier(employer, locale=lang)
        sections.save_worker(
            dossier,
            {
                "worker_first_name": first,
                "worker_last_name": last,
                "worker_birth_date": date(1991, 5, 17),
                "worker_nationality": "IN",
                "worker_passport": "P7654321",
                "worker_national_number": "",
                "worker_residence_country": "IN",
                "worker_diplomatic_post": "Belgian Embassy in New Delhi",
                "worker_email": f"ravi.{lang}@example.in",
                "worker_locale": lang,
            },
        )
        sections.save_category(dossier, {"category": CATEGORY})
        sections.save_job(
            dossier,
            {
                "isco_code": "2512",
                "annual_salary": Decimal("65000.00"),
                "start_date": today + timedelta(days=60),
                "duration_months": 24,
                "workplace_street": "Kouter 1",
                "workplace_postal_code": "9000",
            },
        )
        issued = today - timedelta(days=30)
        for code in rules.required_documents(CATEGORY, False):
            documents.add_document(
                employer,
                dossier,
                requirement=code,
                data=PDF.replace(b"%PDF-1.4\n", f"%PDF-1.4\n% {code} {lang}\n".encode(), 1),
                file_name=f"{code}.pdf",
                issued_on=issued if code in rules.dated_documents() else None,
            )
        dossier.declared_at = clock.now()
        submitted = services.submit(employer, dossier, token=f"e2e-{uuid.uuid4().hex}")
        assert not submitted.replayed
        assert dossier.status == DossierStatus.SUBMITTED and dossier.deadline_on is not None
        details = SubmittedFile(
            dossier_id=dossier.id,
            reference=dossier.reference,
            employer_email=employer.email,
            officer_email=officer.email,
            officer_name=officer.name,
            organisation=organisation,
            worker_name=f"{first} {last}",
            deadline_on=dossier.deadline_on,
        )
        db.session.commit()
        # The confirmation e-mail, as a request of the portal would send it.
        mail.deliver_due(ids=[message.id for message in g.pop("outbox_queued", [])])
        db.session.remove()
    return details


def deadline_of(app: Flask, dossier_id: int) -> date | None:
    with app.app_context():
        deadline_on = db.session.get(Dossier, dossier_id).deadline_on
        db.session.remove()
    return deadline_on


def create_api_key(app: Flask, lang: str) -> str:
    """A key with the scope decisions:write, made by an administrator."""
    with app.test_request_context("/"):
        admin = make_user(unique_email("tracking-admin", lang), Role.ADMIN)
        _client, key = keys.create_client(
            admin, f"Immigration Office ({lang})", [keys.DECISIONS_WRITE]
        )
        db.session.commit()
        db.session.remove()
    return key


# --- helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: str


def post_json(url: str, payload: dict, headers: dict[str, str]) -> ApiResponse:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return ApiResponse(response.status, dict(response.headers), response.read().decode())
    except urllib.error.HTTPError as error:
        return ApiResponse(error.code, dict(error.headers), error.read().decode())


def status_tag(page: Page):
    return main(page).locator("strong.tag").first


def steps(page: Page):
    return main(page).locator("ol.timeline > li")


def step(page: Page, title: str):
    return steps(page).filter(has=page.locator(".task-name", has_text=title))


def info_banner(page: Page, t):
    """The banner of the open information request (a region named by its heading)."""
    return main(page).get_by_role("region", name=t("The officer needs more information"))


def open_the_file_as_officer(page: Page, t, axe, reference: str, label: str) -> None:
    """From the dashboard: the queue, the file's row, the file's page."""
    main(page).get_by_role("link", name=t("Files to handle"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/backoffice/dossiers$"))
    expect(h1(page)).to_have_text(t("Files to handle"))
    row = main(page).locator("table.queue tbody tr").filter(has_text=reference)
    expect(row).to_have_count(1)
    axe(f"files to handle ({label})")
    row.get_by_role("link", name=reference, exact=True).click()
    expect(page).to_have_url(re.compile(r"/backoffice/dossiers/\d+$"))
    expect(h1(page)).to_have_text(t("File %(reference)s", reference=reference))


def open_the_file_as_employer(page: Page, t, reference: str) -> None:
    """From the dashboard: My applications, the file's row, its overview."""
    main(page).get_by_role("link", name=t("My applications"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/applications/$"))
    row = main(page).get_by_role("row").filter(has_text=reference)
    row.get_by_role("link", name=reference, exact=True).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+$"))
    expect(h1(page)).to_have_text(t("File %(reference)s", reference=reference))


# --- the journey -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_file_from_submission_through_a_question_to_the_single_permit(
    page: Page,
    axe: Callable[..., None],
    translate,
    live_app: Flask,
    base_url: str,
    smtp_sink,
    tmp_path: Path,
    lang: str,
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    def on(day: date) -> str:
        return t("On %(date)s", date=long_date(live_app, lang, day))

    file = submit_a_complete_file(live_app, lang)
    reference = file.reference
    today = brussels_today()
    question = f"Send the signed employment contract of {file.worker_name}, please."
    answer = f"The contract of {file.worker_name} was signed on Friday; it is attached."

    # --- 1. The officer takes the file and asks for more information.
    page.goto(f"/account/login?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    axe("log in")
    log_in(page, t, file.officer_email, PASSWORD)
    axe("officer dashboard")

    open_the_file_as_officer(page, t, axe, reference, "submitted")
    summary = main(page).locator("dl.summary").first
    expect(status_tag(page)).to_have_text(t("Submitted"))
    expect(summary).to_contain_text(t("Nobody yet"))
    expect(summary).to_contain_text(long_date(live_app, lang, file.deadline_on))
    expect(main(page)).to_contain_text(file.worker_name)
    axe("file page, submitted")

    main(page).get_by_role("button", name=t("Take this file"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/backoffice/dossiers/\d+$"))
    expect(flash(page)).to_contain_text(t("You took this file. It shows as yours in the queue."))
    expect(summary).to_contain_text(file.officer_name)
    expect(main(page).get_by_role("button", name=t("Take this file"))).to_have_count(0)
    axe("file page, taken")

    due_on = today + timedelta(days=rules.procedure("info_request_days"))
    expect(page.locator("#info-due_on")).to_have_value(due_on.isoformat())  # the default
    page.locator("#info-question").fill(question)
    main(page).get_by_role("button", name=t("Send the question"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/backoffice/dossiers/\d+$"))
    expect(flash(page)).to_contain_text(
        t(
            "The applicant has been asked for more information. "
            "The legal clock stops until they answer."
        )
    )
    expect(status_tag(page)).to_have_text(t("Additional information requested"))
    expect(summary).to_contain_text(t("Clock stopped: waiting for the applicant"))
    expect(main(page)).to_contain_text(question)
    expect(main(page).get_by_role("button", name=t("Send the question"))).to_have_count(0)
    axe("file page, information requested")
    log_out(page, t)

    # --- 2. The employer sees the question as a banner and answers it.
    log_in_from_the_header(page, t, file.employer_email)
    open_the_file_as_employer(page, t, reference)
    expect(status_tag(page)).to_have_text(t("Additional information requested"))
    due_text = long_date(live_app, lang, due_on)
    left = deadlines.working_days_between(brussels_today(), due_on)
    banner = info_banner(page, t)
    expect(banner).to_contain_text(question)
    expect(banner).to_contain_text(due_text)
    expect(banner).to_contain_text(re.compile(rf"\(\D*{left} "))  # "(11 …", "(nog 11 …"
    answer_button = banner.get_by_role("link", name=t("Answer the officer"), exact=True)
    expect(answer_button).to_have_class("button")  # the primary action of the page
    receipt = main(page).get_by_role("link", name=t("Download the receipt (PDF)"))
    expect(receipt).to_have_class(re.compile(r"\bbutton-secondary\b"))
    expect(main(page).locator("a.button:not(.button-secondary)")).to_have_count(1)
    axe("overview, information requested")

    main(page).get_by_role(
        "link", name=t("Follow the progress: steps, deadline and what happens next")
    ).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/timeline$"))
    expect(h1(page)).to_have_text(t("Progress of file %(reference)s", reference=reference))
    current = main(page).locator('ol.timeline > li[aria-current="step"]')
    expect(current).to_have_count(1)
    expect(current).to_contain_text(t("Additional information requested"))
    expect(current).to_contain_text(t("Current step"))
    expect(current).to_contain_text(
        t("Answer before %(date)s.", date=long_date(live_app, lang, due_on))
    )
    expect(main(page)).to_contain_text(
        t(
            "The clock has stopped while the officer waits for more information: the deadline "
            "moves one day later for every day until you answer."
        )
    )
    expect(step(page, t("Application submitted"))).to_contain_text(on(today))
    axe("timeline, information requested")

    expect(info_banner(page, t)).to_contain_text(due_text)
    info_banner(page, t).get_by_role("link", name=t("Answer the officer"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/answer$"))
    expect(h1(page)).to_have_text(t("Answer the request for more information"))
    the_question = main(page).get_by_role("region", name=t("The officer's question"))
    expect(the_question).to_contain_text(question)
    expect(the_question).to_contain_text(
        t("Answer before %(date)s.", date=long_date(live_app, lang, due_on))
    )
    axe("answer the request")

    page.locator("#answer").fill(answer)
    main(page).get_by_role("button", name=t("Send the answer"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/timeline$"))
    expect(flash(page)).to_contain_text(
        t("Your answer has been sent. The officer continues with your file.")
    )
    expect(status_tag(page)).to_have_text(t("Back with the officer"))
    expect(main(page)).to_contain_text(
        t(
            "The officer has your answer and continues handling the file. "
            "The legal clock runs again."
        )
    )
    expect(current).to_have_count(1)
    expect(current).to_contain_text(t(FLEMISH_STEP))
    deadline_on = deadline_of(live_app, file.dossier_id)
    assert deadline_on is not None and deadline_on >= file.deadline_on
    deadline = main(page).get_by_role("region", name=t("Deadline"))
    expect(deadline).to_contain_text(
        t("Flanders must decide by %(date)s.", date=long_date(live_app, lang, deadline_on))
    )
    expect(deadline).to_contain_text(
        t(
            "The legal deadline runs from the submission of the complete file and stops while "
            "additional information is requested."
        )
    )
    info_step = step(page, t("Additional information requested"))
    expect(info_step).to_have_count(1)
    expect(info_step).to_contain_text(t("Done"))
    expect(info_step).to_contain_text(on(today))
    axe("timeline, answered")

    main(page).get_by_role("link", name=t("Back to the file")).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+$"))
    expect(status_tag(page)).to_have_text(t("Back with the officer"))
    expect(main(page).locator("section.info-banner")).to_have_count(0)
    expect(main(page).get_by_role("link", name=t("Answer the officer"))).to_have_count(0)
    axe("overview, answered")

    # The employer heard of the question by e-mail, in their language.
    subject = t("More information is needed for file %(reference)s", reference=reference)
    message = wait_for_mail(smtp_sink, file.employer_email, subject=subject)
    assert message["Content-Language"] == lang
    assert f"{base_url}/applications/{file.dossier_id}/answer" in text_of(message)
    assert due_text in " ".join(text_of(message).split()), "the e-mail gives the deadline"
    assert question not in text_of(message), "the e-mail must not carry the file's content"
    assert file.worker_name not in text_of(message)
    # After the answer, the news is that the file is back with the officer, not "Submitted".
    news = wait_for_mail(
        smtp_sink,
        file.employer_email,
        subject=t("News about file %(reference)s", reference=reference),
    )
    assert t("Back with the officer") in " ".join(text_of(news).split())
    log_out(page, t)

    # --- 3. The officer authorises the work: the file goes to the Immigration Office.
    log_in_from_the_header(page, t, file.officer_email)
    open_the_file_as_officer(page, t, axe, reference, "answered")
    expect(status_tag(page)).to_have_text(t("Back with the officer"))
    expect(main(page)).to_contain_text(answer)
    axe("file page, answered")

    page.locator("#decision-outcome-0").check()
    expect(page.get_by_label(t("Work authorised"), exact=True)).to_be_checked()
    main(page).get_by_role("button", name=t("Continue"), exact=True).click()
    expect(h1(page)).to_have_text(
        t("Confirm the decision on file %(reference)s", reference=reference)
    )
    expect(main(page)).to_contain_text(
        t(
            "The work is authorised and the file is forwarded to the Immigration Office (DVZ) at once. This cannot be undone."
        )
    )
    axe("confirm the decision")
    main(page).get_by_role("button", name=t("Confirm the decision"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/backoffice/dossiers/\d+$"))
    expect(flash(page)).to_contain_text(
        t("The work is authorised and the file was forwarded to the Immigration Office.")
    )
    expect(status_tag(page)).to_have_text(t("Forwarded to the Immigration Office"))
    forwarded = summary.locator("dt", has_text=t("Forwarded to the Immigration Office"))
    expect(forwarded).to_have_count(1)
    expect(forwarded.locator("xpath=following-sibling::dd[1]")).to_have_text(
        long_date(live_app, lang, today)
    )
    expect(main(page).locator("#decide")).to_have_count(0)
    expect(main(page).locator("#residence")).to_have_count(1)
    axe("file page, forwarded")
    log_out(page, t)

    # --- 4. The Immigration Office grants residence through the exchange API.
    key = create_api_key(live_app, lang)
    url = f"{base_url}/api/v1/dossiers/{reference}/residence-decision"
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": f"dvz-{uuid.uuid4()}"}
    payload = {"decision": "granted", "decided_on": today.isoformat()}
    first = post_json(url, payload, headers)
    assert first.status == 200, first.body
    assert "Idempotent-Replayed" not in first.headers
    decided = json.loads(first.body)
    assert decided["reference"] == reference
    assert decided["status"] == DossierStatus.RESIDENCE_GRANTED.value
    assert decided["federal_decision"] == "granted"
    assert decided["federal_decision_on"] == today.isoformat()
    assert decided["forwarded_on"] == today.isoformat()
    replay = post_json(url, payload, headers)
    assert replay.status == 200, replay.body
    assert replay.body == first.body
    assert replay.headers.get("Idempotent-Replayed") == "true"

    # --- 5. The employer sees every step, dated, and the final decision.
    log_in_from_the_header(page, t, file.employer_email)
    open_the_file_as_employer(page, t, reference)
    expect(status_tag(page)).to_have_text(t("Single permit granted"))
    axe("overview, granted")

    main(page).get_by_role(
        "link", name=t("Follow the progress: steps, deadline and what happens next")
    ).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/timeline$"))
    expect(status_tag(page)).to_have_text(t("Single permit granted"))
    titles = [
        "Application submitted",
        "Additional information requested",
        FLEMISH_STEP,
        "Forwarded to the Immigration Office (DVZ)",
        "Decision on residence (Immigration Office)",
        "Final decision",
    ]
    expect(steps(page).locator(".task-name")).to_have_text([t(title) for title in titles])
    for title in titles:
        expect(step(page, t(title))).to_contain_text(on(today))
    for title in titles[:-1]:
        expect(step(page, t(title))).to_contain_text(t("Done"))
        expect(step(page, t(title))).not_to_have_attribute("aria-current", "step")
    expect(step(page, t(FLEMISH_STEP))).to_contain_text(t("Work authorised by Flanders"))
    expect(step(page, t(titles[4]))).to_contain_text(t("Residence granted"))
    final = step(page, t("Final decision"))
    expect(final).to_have_attribute("aria-current", "step")
    expect(final).to_contain_text(t("Single permit granted"))
    expect(final).to_contain_text(t("Current step: the procedure has ended"))
    deadline = main(page).get_by_role("region", name=t("Deadline"))
    expect(deadline).to_contain_text(
        t("Flanders decided on %(date)s.", date=long_date(live_app, lang, today))
    )
    expect(main(page)).to_contain_text(t("The single permit is granted. The procedure has ended."))
    axe("timeline, granted")

    main(page).get_by_role("link", name=t("Back to the file")).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+$"))
    with page.expect_download() as info:
        main(page).get_by_role("link", name=t("Download the decision letter (PDF)")).click()
    download = info.value
    assert download.suggested_filename == f"decision-{reference}.pdf"
    letter = tmp_path / download.suggested_filename
    download.save_as(letter)
    assert letter.read_bytes().startswith(b"%PDF-")
    text = " ".join(read_pdf(letter).split())
    assert reference in text, text
    assert file.worker_name in text, text
    # The binding letter is Dutch: the authority, the legal basis with its article.
    data = rules.letter()
    assert data["authority"]["name"]["nl"] in text
    basis = f"{data['legal_basis']['title']['nl']}, art. {data['legal_basis']['articles']['authorised']}."
    assert basis in text
    # A PDF's text comes back with plain spaces where French typography has no-break ones.
    marker = t("This translation is for information only; the Dutch text is binding.")
    marker = marker.replace("\u00a0", " ").replace("\u202f", " ")
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    if lang == "nl":
        assert "This translation is for information only" not in text
    else:  # the translation for information follows the Dutch original, marked as such
        assert marker in text and text.index(data["authority"]["name"]["nl"]) < text.index(marker)
        assert data["authority"]["name"][lang] in text[text.index(marker) :]
