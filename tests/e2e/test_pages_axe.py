"""axe-core, in each of the four languages, on the pages no journey passes through.

The public figures and the officers' figures (with known dossiers in a past half-year, so
the charts and tables have something to draw), the administrators' API clients and partner
services (lists, forms, forms with errors, the page after saving), the e-mail preferences,
the eligibility check with a result, the posting guide, and the partner services past
its first page.

Expected texts come from the portal's catalogs (`translate`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from portal import paging, reference
from portal.accounts.models import PartnerKind, Role
from portal.dossiers.models import Channel, Dossier, DossierStatus
from portal.extensions import db
from tests.e2e.helpers import LANGS, flash, h1, log_in_as, main, unique_email
from tests.e2e.test_onboarding import ghent_partners
from tests.factories import DossierFactory

# A past half-year that only this module's dossiers fall in.
PERIOD_FROM, PERIOD_TO = "2024-01-01", "2024-06-30"
PERIOD = f"from={PERIOD_FROM}&to={PERIOD_TO}"
PUBLIC_MINIMUM = 5  # portal.stats.views: no public cell below 5


# --- set-up in the live database -----------------------------------------------------------


def known_dossier(**values) -> Dossier:
    """A handled file of no one's (the figures count by its dates and codes), walked to its
    status by the status machine (`tests.factories`), its decision dates pinned."""
    fields = {
        "reference": f"SP-AXE-{uuid.uuid4().hex[:10].upper()}",
        "status": DossierStatus.RESIDENCE_GRANTED,
        "locale": "nl",
        "sections_done": "",
        "category": "highly_qualified",
        "worker_nationality": "IN",
        "isco_code": "2512",
        "nace_code": "62010",
        "channel": Channel.ONLINE,
        "workplace_refnis": "44021",
    }
    fields.update(values)
    return DossierFactory(owner=None, **fields)


@pytest.fixture(scope="module")
def known_figures(live_app: Flask) -> None:
    """Eight files in the first half of 2024: six submitted in March, so some cells of the
    public table show a number and others "fewer than 5".

    None of them is open (submitted or forwarded), so no officer's queue lists them.
    """
    with live_app.app_context():
        for day in (4, 5, 6, 7, 8):
            submitted = date(2024, 3, day)
            known_dossier(
                submitted_on=submitted,
                flemish_decision="authorised",
                flemish_decision_on=date(2024, 4, day + 10),
                forwarded_on=date(2024, 4, day + 10),
                federal_decision="granted",
                federal_decision_on=date(2024, 5, day + 10),
            )
        known_dossier(
            status=DossierStatus.WORK_REFUSED,
            submitted_on=date(2024, 3, 12),
            flemish_decision="refused",
            flemish_decision_on=date(2024, 4, 30),
            category="executive",
            worker_nationality="TR",
            isco_code="1120",
            nace_code="70100",
            workplace_refnis="11002",
        )
        known_dossier(
            status=DossierStatus.INADMISSIBLE,
            submitted_on=date(2024, 2, 1),
            flemish_decision="inadmissible",
            flemish_decision_on=date(2024, 2, 20),
            channel=Channel.EMAIL,
            worker_nationality="MA",
            workplace_refnis="21004",
        )
        known_dossier(
            status=DossierStatus.WITHDRAWN,
            submitted_on=date(2024, 5, 15),
            category="researcher",
            worker_nationality="BR",
            isco_code="2131",
            nace_code="72110",
            workplace_refnis="24062",
        )
        db.session.commit()
        db.session.remove()


# --- helpers ---------------------------------------------------------------------------------


def submit_button(page: Page, name: str):
    return main(page).get_by_role("button", name=name, exact=True)


def error_summary(page: Page):
    return main(page).locator(".error-summary")


# --- figures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_public_figures(page: Page, axe: Callable[..., None], translate, known_figures, lang):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    page.goto(f"/figures?{PERIOD}&lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(h1(page)).to_have_text(t("Single permit: figures per month"))
    expect(page.locator("#from")).to_have_value(PERIOD_FROM)
    expect(page.locator("#to")).to_have_value(PERIOD_TO)
    expect(main(page).locator('svg.chart[role="img"]')).to_have_count(2)
    table = main(page).get_by_role("table", name=t("Per month"))
    expect(table.locator("tbody tr")).to_have_count(6)
    march = table.locator("tbody tr").filter(has=page.locator("th", has_text="2024-03"))
    expect(march.locator("td").first).to_have_text("6")
    expect(table).to_contain_text(t("fewer than %(n)s", n=PUBLIC_MINIMUM))
    expect(main(page)).not_to_contain_text("SP-AXE-")
    expect(main(page).locator("table")).to_have_count(2)  # the months and the backlog
    axe("public figures")

    # A period that ends before it starts: said in words, and the figures still show.
    page.locator("#from").fill(PERIOD_TO)
    page.locator("#to").fill(PERIOD_FROM)
    submit_button(page, t("Show the figures")).click()
    expect(page).to_have_url(re.compile(r"/figures\?"))
    expect(error_summary(page)).to_contain_text(t("The end of the period is before its start."))
    expect(table.locator("tbody tr")).to_have_count(6)
    axe("public figures, period reversed")


@pytest.mark.parametrize("lang", LANGS)
def test_officer_figures(
    page: Page, axe: Callable[..., None], translate, create_account, known_figures, lang
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    officer = create_account(unique_email("figures-officer", lang), Role.OFFICER, locale=lang)
    log_in_as(page, t, lang, officer["email"])
    main(page).get_by_role("link", name=t("Figures"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/stats$"))
    expect(h1(page)).to_have_text(t("Figures"))
    axe("officer figures, this year")

    page.goto(f"/stats?{PERIOD}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(h1(page)).to_have_text(t("Figures"))
    # Submitted per month, the mean per month, and the distribution (issue 17).
    expect(main(page).locator('svg.chart[role="img"]')).to_have_count(3)
    expect(
        main(page).get_by_role("table", name=t("Distribution of the processing time"))
    ).to_have_count(1)
    months = main(page).get_by_role("table", name=t("Per month"))
    expect(months.locator("tfoot td").first).to_have_text("8")
    expect(months).not_to_contain_text(t("fewer than %(n)s", n=PUBLIC_MINIMUM))
    for title in (
        "Per nationality",
        "Per category",
        "Per sector (NACE-BEL)",
        "Per occupation (ISCO-08)",
        "Per channel",
        "Per region of the workplace",
        "Per kind of application",
    ):
        caption = f"{t(title)} · {t('submitted applications')}"
        expect(main(page).get_by_role("table", name=caption)).to_have_count(1)
    for fmt in ("CSV", "JSON", "XLSX"):
        link = main(page).get_by_role("link", name=fmt, exact=True)
        expect(link).to_have_attribute("href", re.compile(rf"from={PERIOD_FROM}&to={PERIOD_TO}"))
    axe("officer figures, first half of 2024")

    # Capacity: decisions per month and per FTE, a chart and its table.
    main(page).get_by_role("link", name=t("Capacity: decisions per officer and per FTE")).click()
    expect(h1(page)).to_have_text(t("Capacity: decisions per officer and per FTE"))
    expect(main(page).locator('svg.chart[role="img"]')).to_have_count(1)
    expect(main(page).get_by_role("table", name=t("Decisions per month"))).to_have_count(1)
    axe("capacity, first half of 2024")

    # The forecast on the seed year's staff, its method, and the nastiest inputs.
    page.goto(f"/stats/forecast?lang={lang}")
    expect(h1(page)).to_have_text(t("Forecast of the processing time for a given staff"))
    expect(main(page)).to_contain_text(t("How the forecast is made"))
    axe("forecast, default")
    page.goto(f"/stats/forecast?{PERIOD}&fte=1&inflow=10&months=3")
    expect(
        main(page).get_by_role("table", name=t("Validation against the reference period"))
    ).to_have_count(1)
    page.locator("#fte").fill("1e999")
    page.locator("#inflow").fill("NaN")
    page.locator("#months").fill("-1")
    submit_button(page, t("Show the forecast")).click()
    expect(error_summary(page).locator("li")).to_have_count(3)
    axe("forecast, errors")


# --- administrators ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_api_clients(page: Page, axe: Callable[..., None], translate, create_account, lang):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    admin = create_account(unique_email("api-admin", lang), Role.ADMIN, locale=lang)
    name = f"DVZ residence decisions {lang} {uuid.uuid4().hex[:6]}"
    log_in_as(page, t, lang, admin["email"])
    main(page).get_by_role("link", name=t("API clients of other governments")).click()
    expect(page).to_have_url(re.compile(r"/admin/api-clients/$"))
    expect(h1(page)).to_have_text(t("API clients"))
    axe("API clients")

    # Nothing filled in: both errors, linked to their fields.
    submit_button(page, t("Create the client and its key")).click()
    expect(error_summary(page)).to_contain_text(t("This field is required."))
    expect(error_summary(page)).to_contain_text(t("Choose at least one scope."))
    expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
    axe("API clients, form with errors")

    page.locator("#name").fill(name)
    page.locator("#scopes-0").check()
    submit_button(page, t("Create the client and its key")).click()
    expect(page).to_have_url(re.compile(r"/admin/api-clients/$"))
    expect(h1(page)).to_have_text(t("API client created"))
    expect(page.get_by_role("alert")).to_contain_text(
        t("Copy the key now: this is the only time it is shown.")
    )
    expect(page.locator("#api-key")).to_have_text(re.compile(r"\S{20,}"))
    axe("API client created")

    main(page).get_by_role("link", name=t("Back to the API clients")).click()
    row = main(page).locator("tbody tr").filter(has_text=name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(t("No"))  # not revoked
    axe("API clients, with a client")

    row.get_by_role("button", name=t("Revoke the key of %(name)s", name=name)).click()
    expect(flash(page)).to_contain_text(t("The key of “%(name)s” is revoked.", name=name))
    expect(row.get_by_role("button")).to_have_count(0)
    axe("API clients, key revoked")


@pytest.mark.parametrize("lang", LANGS)
def test_partner_services(
    page: Page, axe: Callable[..., None], translate, create_account, live_app, lang
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    ghent = ghent_partners(live_app)
    admin = create_account(unique_email("partner-admin", lang), Role.ADMIN, locale=lang)
    name = f"Lokaal Loket Kinderopvang Leuven {lang} {uuid.uuid4().hex[:6]}"
    log_in_as(page, t, lang, admin["email"])
    main(page).get_by_role("link", name=t("Partner services"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/partners$"))
    expect(h1(page)).to_have_text(t("Partner services"))
    for partner in ghent.values():
        expect(main(page).get_by_role("link", name=partner.name, exact=True)).to_have_count(1)
    axe("partner services")

    main(page).get_by_role("link", name=t("Add a service"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/partners/new$"))
    expect(h1(page)).to_have_text(t("Add a partner service"))
    expect(page.locator("#active")).to_be_checked()
    axe("new partner service")

    # The form's own checks: no name, an address that is not one.
    page.locator("#refnis").fill("24062")
    page.locator("#email").fill("not an address")
    submit_button(page, t("Save the service")).click()
    expect(page).to_have_url(re.compile(r"/admin/partners/new$"))
    expect(error_summary(page)).to_contain_text(t("This field is required."))
    expect(error_summary(page)).to_contain_text(t("Enter an e-mail address like name@example.be."))
    expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
    axe("new partner service, form errors")

    # The service's checks: an unknown municipality, a webhook without a secret.
    page.locator("#name").fill(name)
    page.locator("#refnis").fill("99999")
    page.locator("#email").fill(f"kinderopvang-leuven-{lang}@example.be")
    page.locator("#webhook_url").fill("https://partner.example/referrals")
    submit_button(page, t("Save the service")).click()
    expect(error_summary(page)).to_contain_text(
        t("Enter the 5-digit REFNIS code of a Belgian municipality, e.g. 44021 for Ghent.")
    )
    expect(error_summary(page)).to_contain_text(
        t("A webhook needs a shared secret of at least 16 characters.")
    )
    expect(page.locator("#refnis")).to_have_attribute("aria-invalid", "true")
    axe("new partner service, rule errors")

    # Saved, inactive (so it never stands in the way of another service of Leuven).
    page.locator("#refnis").fill("24062")
    page.locator("#kind").select_option("childcare")
    page.locator("#webhook_url").fill("")
    page.locator("#active").uncheck()
    submit_button(page, t("Save the service")).click()
    expect(page).to_have_url(re.compile(r"/admin/partners$"))
    expect(flash(page)).to_contain_text(t("The service %(name)s has been saved.", name=name))
    row = main(page).locator("tbody tr").filter(has=page.get_by_role("link", name=name, exact=True))
    expect(row).to_contain_text(t("Childcare desk"))
    expect(row).to_contain_text(f"{reference.municipality('24062').name(lang)} (24062)")
    axe("partner services, one saved")

    row.get_by_role("link", name=name, exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/partners/\d+$"))
    expect(h1(page)).to_have_text(t("Change a partner service"))
    expect(page.locator("#name")).to_have_value(name)
    expect(page.locator("#active")).not_to_be_checked()
    axe("change a partner service")


# The last municipality code: services there come after every other on the list.
LAST_REFNIS = "93090"


def many_stopped_services(app: Flask) -> None:
    """More stopped services than a page holds, at the last municipality code (once)."""
    from onboarding.models import Partner

    with app.app_context():
        have = db.session.scalar(
            select(func.count(Partner.id)).where(Partner.refnis == LAST_REFNIS)
        )
        for n in range(have, paging.PER_PAGE + 1):
            db.session.add(
                Partner(
                    name=f"Gestopte dienst <{n}> & co",
                    kind=PartnerKind.SCHOOL,
                    refnis=LAST_REFNIS,
                    email=f"stopped-{n}@example.be",
                    active=False,
                )
            )
        db.session.commit()


@pytest.mark.parametrize("lang", LANGS)
def test_partner_services_a_page_at_a_time(
    page: Page, axe: Callable[..., None], translate, create_account, live_app, lang
):
    """Stopped services stay on the list: past a page, it links to the next and back."""

    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    many_stopped_services(live_app)
    admin = create_account(unique_email("partner-pages", lang), Role.ADMIN, locale=lang)
    log_in_as(page, t, lang, admin["email"])
    page.goto("/admin/partners")
    navigation = page.get_by_role("navigation", name=t("Pages of the partner services"))
    expect(main(page).locator("tbody tr")).to_have_count(paging.PER_PAGE)
    expect(navigation.get_by_role("link", name=t("Page %(number)s", number=1))).to_have_count(0)
    axe("partner services, first page")
    navigation.get_by_role("link", name=t("Next page")).click()
    expect(page).to_have_url(re.compile(r"/admin/partners\?after=\d+$"))
    rows = main(page).locator("tbody tr")
    expect(rows.last).to_contain_text("Gestopte dienst <")
    expect(navigation.get_by_role("link", name=t("Page %(number)s", number=1))).to_have_count(1)
    axe("partner services, a later page")


# --- any account -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_email_notifications(page: Page, axe: Callable[..., None], translate, create_account, lang):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    user = create_account(unique_email("notifications", lang), Role.EMPLOYER, locale=lang)
    log_in_as(page, t, lang, user["email"])
    main(page).get_by_role("link", name=t("Choose which e-mails you receive")).click()
    expect(page).to_have_url(re.compile(r"/account/notifications$"))
    expect(h1(page)).to_have_text(t("E-mail notifications"))
    expect(page.locator("#status_changed")).to_be_checked()
    expect(page.locator("#info_requested")).to_be_checked()
    axe("e-mail notifications")

    page.locator("#info_requested").uncheck()
    submit_button(page, t("Save my choices")).click()
    expect(page).to_have_url(re.compile(r"/account/notifications$"))
    expect(flash(page)).to_contain_text(t("Your choices have been saved."))
    expect(page.locator("#status_changed")).to_be_checked()
    expect(page.locator("#info_requested")).not_to_be_checked()
    axe("e-mail notifications, saved")


# --- public pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_eligibility_result(page: Page, axe: Callable[..., None], translate, lang):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    page.goto(f"/eligibility?lang={lang}")
    expect(h1(page)).to_have_text(t("Check before you apply"))
    page.locator("#category").select_option("highly_qualified")
    page.locator("#annual_salary").fill("72000")
    page.locator("#start_date").fill("2025-06-02")  # the rules have thresholds up to 2025
    page.locator("#reduced_threshold").check()
    submit_button(page, t("Check")).click()
    expect(page).to_have_url(re.compile(r"/eligibility\?.*category=highly_qualified"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    outcome = page.get_by_role("region", name=t("Your result"))
    expect(outcome).to_be_visible()
    expect(page.locator("#salary-result")).to_have_class(re.compile(r"\bnotice-success\b"))
    expect(page.locator("#salary-result")).to_contain_text(t("Threshold met:"))
    expect(page.locator("#when-result")).to_have_text(
        t(
            "This start date has passed. The check uses the rules of that date, but an application needs a start date in the future."
        )
    )
    axe("eligibility, threshold met")

    main(page).get_by_role("link", name=t("Print this checklist")).click()
    expect(page).to_have_url(re.compile(r"/eligibility\?.*print=1"))
    expect(h1(page)).to_have_text(t("Check before you apply: your checklist"))
    expect(page.get_by_role("region", name=t("Your result"))).to_be_visible()
    axe("eligibility, printable checklist")

    # An empty form: every error, linked to its field.
    page.goto(f"/eligibility?category=&annual_salary=&start_date=&lang={lang}")
    expect(error_summary(page)).to_contain_text(t("Choose a category."))
    expect(error_summary(page)).to_contain_text(t("Enter the gross annual salary in euro."))
    expect(error_summary(page)).to_contain_text(t("Enter the start date."))
    axe("eligibility, errors")


@pytest.mark.parametrize("lang", LANGS)
def test_posting_guide(page: Page, axe: Callable[..., None], translate, lang):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    page.goto(f"/guide/detachment?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(h1(page)).to_have_text(t("Posting a worker to Flanders: step by step"))
    expect(main(page).locator("nav.toc a")).not_to_have_count(0)
    axe("posting guide")
