"""The orange carpet in a browser, in each of the four languages, with axe on every page.

An officer authorises a submitted file and records the granted residence (through the
portal's own services, in the live app; the officer's pages have their journey in
test_tracking.py). The worker receives the invitation in their language, chooses a
password, logs in and opens the welcome checklist; fills in the profile (arrival, an
address in Ghent, children of 1 and 14 on arrival) and sees municipal registration with its
deadline, school pre-registration with OKAN, and childcare. The worker consents to two
referrals, after seeing which data go to which service; Ghent's municipality and school
desk (separate logins) find them in their inbox and answer; the worker reads the answers
on the checklist and by e-mail, and marks a step done.

Expected texts come from the portal's catalogs (`translate`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from flask import Flask, g
from playwright.sync_api import Page, expect
from sqlalchemy import select

from onboarding import demo
from onboarding.models import Partner
from portal import mail, reference
from portal.accounts.models import PartnerKind, Role, User
from portal.dossiers.lifecycle import handling
from portal.dossiers.lifecycle.deadlines import add_working_days
from portal.dossiers.models import Dossier, DossierStatus
from portal.extensions import db
from portal.i18n import LANGUAGES, force_locale
from tests.e2e.helpers import (
    LANGS,
    NEW_PASSWORD,
    brussels_today,
    flash,
    full_date,
    h1,
    header,
    log_in,
    log_in_from_the_header,
    log_out,
    long_date,
    main,
    unique_email,
    wait_for_mail,
)
from tests.e2e.test_tracking import submit_a_complete_file
from tests.support import link_in, make_user, text_of

GHENT = demo.GHENT  # REFNIS 44021
STREET, POSTAL_CODE = "Kouter 1", "9000"
REGISTRATION_WORKING_DAYS = 8


# --- set-up in the live database -----------------------------------------------------------


@dataclass(frozen=True)
class GhentPartner:
    name: str
    email: str


def ghent_partners(app: Flask) -> dict[PartnerKind, GhentPartner]:
    """Ghent's three active partner services, as `onboarding.demo` makes them (once).

    A municipality has at most one active service of each kind, and a referral goes to that
    one, so every language shares them; each language has its own partner users.
    """
    found = {}
    with app.app_context():
        for name, kind, _demo_email in demo.PARTNERS:
            partner = db.session.scalar(
                select(Partner)
                .where(Partner.kind == kind, Partner.refnis == GHENT, Partner.active.is_(True))
                .order_by(Partner.id)
            )
            if partner is None:
                partner = Partner(
                    name=name,
                    kind=kind,
                    refnis=GHENT,
                    email=f"{kind.value}-gent-e2e@example.be",
                    active=True,
                )
                db.session.add(partner)
                db.session.flush()
            found[kind] = GhentPartner(partner.name, partner.email)
        db.session.commit()
        db.session.remove()
    return found


def create_partner_user(app: Flask, email: str, kind: PartnerKind, lang: str) -> str:
    """A verified partner user of Ghent's service of `kind`."""
    with app.app_context():
        user = make_user(email, Role.PARTNER, locale=lang)
        user.partner_kind, user.partner_refnis = kind, GHENT
        db.session.commit()
        db.session.remove()
    return email


@dataclass(frozen=True)
class GrantedFile:
    dossier_id: int
    reference: str
    worker_name: str
    worker_email: str


def grant_a_permit(app: Flask, lang: str) -> GrantedFile:
    """A complete file whose worker is invited in `lang`, authorised and granted residence.

    The officer's decision and the Immigration Office's "granted" go through
    `portal.dossiers.lifecycle.handling`, as the officer's page and the exchange API call them; the
    e-mails they queue are sent as after a request of the portal.
    """
    file = submit_a_complete_file(app, lang)
    worker_email = unique_email("talent", lang)
    with app.test_request_context(f"/?lang={lang}"), force_locale(lang):
        dossier = db.session.get(Dossier, file.dossier_id)
        dossier.worker_email, dossier.worker_locale = worker_email, lang
        officer = db.session.scalar(select(User).where(User.email == file.officer_email))
        handling.decide(officer, dossier, outcome="authorised")
        assert dossier.status == DossierStatus.FORWARDED
        handling.record_residence(dossier, "granted", actor=officer)
        assert dossier.status == DossierStatus.RESIDENCE_GRANTED
        db.session.commit()
        # Sent now, as after the portal's response: queued and deferred (account) e-mails.
        queued = [*g.pop("outbox_queued", []), *g.pop("outbox_deferred", [])]
        mail.deliver_due(ids=[message.id for message in queued])
        db.session.remove()
    return GrantedFile(file.dossier_id, file.reference, file.worker_name, worker_email)


# --- helpers ---------------------------------------------------------------------------------


def ghent_in(lang: str) -> str:
    return reference.municipality(GHENT).name(lang)


def card(page: Page, code: str):
    """One step of the checklist."""
    return main(page).locator(f"li#item-{code}")


def shared_terms(page: Page):
    return main(page).locator("dl.summary").last.locator("dt")


def shared_value(page: Page, term: str):
    """The value of one shared datum (the last list of terms on the page is the shared data)."""
    exactly = re.compile(rf"^\s*{re.escape(term)}\s*$")
    terms = main(page).locator("dl.summary").last.locator("dt").filter(has_text=exactly)
    return terms.locator("xpath=following-sibling::dd[1]")


def referral_id_from(page: Page) -> int:
    expect(page).to_have_url(re.compile(r"/welcome/referrals/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def open_the_referral_as_partner(
    page: Page, t, axe, lang: str, referral_id: int, label: str
) -> None:
    """From the dashboard: the inbox, the referral's row, the referral."""
    main(page).get_by_role("link", name=t("Referrals to answer"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/partner/referrals$"))
    expect(h1(page)).to_have_text(t("Referrals for your service"))
    expect(main(page)).to_contain_text(
        t(
            "Newcomers in %(municipality)s who asked to be introduced to your service.",
            municipality=f"{ghent_in(lang)} ({GHENT})",
        )
    )
    name = t("Referral %(number)s", number=referral_id)
    row = main(page).locator("tbody tr").filter(has=page.get_by_role("link", name=name, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(t("Sent, waiting for an answer"))
    axe(f"partner inbox ({label})")
    row.get_by_role("link", name=name, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/partner/referrals/{referral_id}$"))
    expect(h1(page)).to_have_text(name)


def send_answer(page: Page, t) -> None:
    main(page).get_by_role("button", name=t("Send the answer"), exact=True).click()


@dataclass
class Journey:
    """What the steps of one language's journey share: the browser, the texts, the live
    portal, Ghent's services and their desks, the dates, and what earlier steps found."""

    page: Page
    axe: Callable[..., None]
    translate: Callable[..., str]
    live_app: Flask
    base_url: str
    smtp_sink: object
    lang: str
    partners: dict[PartnerKind, GhentPartner]
    municipality_desk: str
    school_desk: str
    today: date
    # Found on the way.
    file: GrantedFile | None = None
    set_password: str = ""
    school_code: str = ""
    total: int = 0
    municipality_referral: int = 0
    school_referral: int = 0
    appointment: str = ""

    def t(self, msgid: str, **variables) -> str:
        return self.translate(self.lang, msgid, **variables)

    def long(self, day: date) -> str:
        return long_date(self.live_app, self.lang, day)

    @property
    def municipality(self) -> GhentPartner:
        return self.partners[PartnerKind.MUNICIPALITY]

    @property
    def school(self) -> GhentPartner:
        return self.partners[PartnerKind.SCHOOL]

    @property
    def arrival(self) -> date:
        return self.today + timedelta(days=10)

    @property
    def toddler_born(self) -> date:
        return self.arrival - relativedelta(years=1, months=2)  # 1 year old on arrival

    @property
    def teenager_born(self) -> date:
        return self.arrival - relativedelta(years=14, months=2)  # 14 years old on arrival

    @property
    def registration_due(self) -> date:
        return add_working_days(self.arrival, REGISTRATION_WORKING_DAYS)

    @property
    def appointment_on(self) -> date:
        return self.today + timedelta(days=14)

    @property
    def place(self) -> str:
        return f"Stadhuis Gent, Botermarkt 1 ({self.lang})"

    @property
    def school_message(self) -> str:
        return f"We found two schools with a reception class near Kouter ({self.lang})."


# --- the journey -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_granted_worker_is_welcomed_and_referred_to_the_municipality_and_a_school(
    page: Page,
    axe: Callable[..., None],
    translate,
    live_app: Flask,
    base_url: str,
    smtp_sink,
    lang: str,
):
    journey = Journey(
        page,
        axe,
        translate,
        live_app,
        base_url,
        smtp_sink,
        lang,
        partners=ghent_partners(live_app),
        municipality_desk=create_partner_user(
            live_app, unique_email("desk-municipality", lang), PartnerKind.MUNICIPALITY, lang
        ),
        school_desk=create_partner_user(
            live_app, unique_email("desk-school", lang), PartnerKind.SCHOOL, lang
        ),
        today=brussels_today(),
    )
    an_officer_grants_the_permit_and_the_worker_is_invited(journey)
    the_worker_chooses_a_password_and_opens_the_checklist(journey)
    the_worker_fills_in_the_profile(journey)
    the_checklist_shows_deadlines_and_services(journey)
    the_worker_consents_to_a_referral_to_the_municipality(journey)
    the_worker_consents_to_a_referral_to_the_school(journey)
    the_services_hear_of_it_by_email(journey)
    the_municipality_proposes_an_appointment(journey)
    the_school_desk_acknowledges_and_writes(journey)
    the_worker_reads_the_answers(journey)
    the_worker_marks_a_step_done(journey)
    the_worker_sees_what_was_shared(journey)


# --- the steps -------------------------------------------------------------------------------


def an_officer_grants_the_permit_and_the_worker_is_invited(j: Journey) -> None:
    """An officer grants the permit: the worker is invited, in their language."""
    t = j.t
    j.file = grant_a_permit(j.live_app, j.lang)
    invitation = wait_for_mail(
        j.smtp_sink,
        j.file.worker_email,
        subject=t("Welcome to Flanders: your personal welcome space is open"),
    )
    assert invitation["Content-Language"] == j.lang
    assert f"{j.base_url}/welcome" in text_of(invitation)
    j.set_password = link_in(invitation, "/account/invitation/")
    assert f"{j.base_url}{j.set_password}" in text_of(invitation)


def the_worker_chooses_a_password_and_opens_the_checklist(j: Journey) -> None:
    """The worker chooses a password, logs in and opens the welcome checklist."""
    page, t, axe = j.page, j.t, j.axe
    page.goto(f"{j.set_password}?lang={j.lang}")
    expect(page.locator("html")).to_have_attribute("lang", j.lang)
    expect(main(page)).to_contain_text(
        t(
            "Choose a password for your account. With it you follow your single-permit application and, once the permit is granted, your welcome checklist."
        )
    )
    axe("choose a password")
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    main(page).get_by_role("button", name=t("Create my account"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/login$"))
    expect(flash(page)).to_contain_text(
        t("Welcome! Log in with your e-mail address and new password.")
    )
    log_in(page, t, j.file.worker_email, NEW_PASSWORD)
    expect(main(page)).to_contain_text(j.file.worker_name)
    axe("talent dashboard")

    main(page).get_by_role("link", name=t("My welcome checklist"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/welcome$"))
    expect(h1(page)).to_have_text(t("Your welcome checklist"))
    expect(main(page)).to_contain_text(
        t(
            "Tell us your arrival date and your address to see your deadlines and the local services that can help you."
        )
    )
    expect(card(page, "municipal_registration")).to_contain_text(
        t(
            "Within 8 working days of your arrival. Fill in your arrival date in your profile to see the date."
        )
    )
    expect(main(page).locator('li[id^="item-school-"]')).to_have_count(0)
    axe("welcome checklist, empty profile")


def the_worker_fills_in_the_profile(j: Journey) -> None:
    """The profile: arrival, an address in Ghent, two children."""
    page, t, axe, long = j.page, j.t, j.axe, j.long
    main(page).get_by_role("link", name=t("Your profile: arrival, address and family")).click()
    expect(page).to_have_url(re.compile(r"/welcome/profile$"))
    expect(h1(page)).to_have_text(t("Your welcome profile"))
    expect(page.locator("#preferred_locale")).to_have_value(j.lang)
    expect(main(page)).to_contain_text(t("No children added."))
    axe("welcome profile, empty")

    page.locator("#arrival_on").fill(j.arrival.isoformat())
    page.locator("#street").fill(STREET)
    page.locator("#postal_code").fill(POSTAL_CODE)
    page.locator("#has_partner-1").check()  # no partner comes along
    main(page).get_by_role("button", name=t("Save your profile"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/welcome$"))
    expect(flash(page)).to_contain_text(
        t("Your profile has been saved. Your checklist is up to date.")
    )
    expect(card(page, "municipal_registration")).to_contain_text(
        t("By %(date)s", date=full_date(j.live_app, j.lang, j.registration_due))
    )

    main(page).get_by_role("link", name=t("Your profile: arrival, address and family")).click()
    expect(page.locator("#arrival_on")).to_have_value(j.arrival.isoformat())
    expect(page.locator("#postal_code")).to_have_value(POSTAL_CODE)
    expect(main(page)).to_contain_text(t("Municipality: %(name)s", name=ghent_in(j.lang)))
    for born in (j.toddler_born, j.teenager_born):
        page.locator("#child-birth_date").fill(born.isoformat())
        main(page).get_by_role("button", name=t("Add a child"), exact=True).click()
        expect(page).to_have_url(re.compile(r"/welcome/profile#children$"))
        expect(flash(page)).to_contain_text(
            t("The child has been added. Your checklist is up to date.")
        )
    children = main(page).locator("h2#children + ul > li")
    expect(children).to_have_count(2)
    for child, born in zip(children.all(), (j.teenager_born, j.toddler_born), strict=True):
        expect(child).to_contain_text(t("Child born on %(date)s", date=long(born)))
    axe("welcome profile, filled in")


def the_checklist_shows_deadlines_and_services(j: Journey) -> None:
    """The checklist: registration with its deadline, school with OKAN, childcare."""
    page, t, axe, long = j.page, j.t, j.axe, j.long
    main(page).get_by_role("link", name=t("Back to your checklist")).click()
    expect(page).to_have_url(re.compile(r"/welcome$"))
    expect(h1(page)).to_have_text(t("Your welcome checklist"))
    items = main(page).locator("ol.welcome-checklist > li")
    expected = [
        "municipal_registration",
        "family_registration",
        "residence_card",
        "health_insurance",
        r"school-\d+",
        r"childcare-\d+",
        "civic_integration",
        "dutch_lessons",
        "bank_account",
        "family_doctor",
    ]
    expect(items).to_have_count(len(expected))
    for item, code in zip(items.all(), expected, strict=True):
        expect(item).to_have_attribute("id", re.compile(rf"^item-{code}$"))

    registration = card(page, "municipal_registration")
    expect(registration.get_by_role("heading", level=3)).to_have_text(
        t("Register at the municipality")
    )
    expect(registration.locator("dd strong")).to_have_text(
        t("By %(date)s", date=full_date(j.live_app, j.lang, j.registration_due))
    )
    expect(registration).to_contain_text(t("To do"))
    expect(card(page, "family_registration").locator("dd strong")).to_have_text(
        t("By %(date)s", date=full_date(j.live_app, j.lang, j.registration_due))
    )

    school_card = main(page).locator('li[id^="item-school-"]')
    expect(school_card).to_have_count(1)
    j.school_code = school_card.get_attribute("id").removeprefix("item-")
    expect(school_card.get_by_role("heading", level=3)).to_have_text(
        t("Pre-register your child born on %(date)s at a school", date=long(j.teenager_born))
    )
    expect(school_card).to_contain_text(
        t(
            "Your child is between 12 and 18: a reception class for newcomers who do not yet speak Dutch (OKAN) in secondary school can help in the first year."
        )
    )
    childcare_card = main(page).locator('li[id^="item-childcare-"]')
    expect(childcare_card).to_have_count(1)
    expect(childcare_card.get_by_role("heading", level=3)).to_have_text(
        t("Find childcare for your child born on %(date)s", date=long(j.toddler_born))
    )
    expect(childcare_card).not_to_contain_text("OKAN")

    optional = items.filter(has=page.locator("span.tag", has_text=t("optional")))
    expect(optional).to_have_count(1)
    # The worker lives abroad and arrives in 10 days: "before you travel" comes first.
    travel = main(page).locator("ol.travel-checklist > li")
    expect(travel).to_have_count(3)
    expect(main(page).locator("h2#before-travel")).to_have_text(t("Before you travel"))
    j.total = len(expected) + 3  # every card counts, the optional one and the travel steps too
    progress_text = main(page).locator("#progress-text")
    expect(progress_text).to_have_text(t("%(done)s of %(total)s steps done", done=0, total=j.total))
    expect(main(page).locator("progress")).to_have_attribute("value", "0")
    expect(main(page).locator("progress")).to_have_attribute("max", str(j.total))
    for kind, code in (
        (PartnerKind.MUNICIPALITY, "municipal_registration"),
        (PartnerKind.SCHOOL, j.school_code),
        (PartnerKind.CHILDCARE, childcare_card.get_attribute("id").removeprefix("item-")),
    ):
        expect(
            card(page, code).get_by_role(
                "link", name=t("Ask %(service)s to contact you", service=j.partners[kind].name)
            )
        ).to_have_count(1)
    axe("welcome checklist, with deadlines and services")


def the_worker_consents_to_a_referral_to_the_municipality(j: Journey) -> None:
    """Consent to a referral to the municipality: which data go where."""
    page, t, axe, long = j.page, j.t, j.axe, j.long
    registration = card(page, "municipal_registration")
    registration.get_by_role(
        "link", name=t("Ask %(service)s to contact you", service=j.municipality.name)
    ).click()
    expect(page).to_have_url(re.compile(r"/welcome/items/municipal_registration/referral$"))
    expect(h1(page)).to_have_text(t("Ask to be referred"))
    expect(main(page).get_by_role("heading", level=2)).to_have_text(
        t("Which data go to which service")
    )
    expect(main(page)).to_contain_text(
        t(
            "To: %(service)s (%(kind)s, %(municipality)s).",
            service=j.municipality.name,
            kind=t("Municipality (civil affairs)"),
            municipality=f"{ghent_in(j.lang)} ({GHENT})",
        )
    )
    expect(shared_terms(page)).to_have_text(
        [
            t("Name"),
            t("E-mail address"),
            t("Preferred language"),
            t("Address"),
            t("Arrival date"),
            t("Residence card"),
            t("Family members who come along"),
        ]
    )
    expect(shared_value(page, t("Name"))).to_have_text(j.file.worker_name)
    expect(shared_value(page, t("E-mail address"))).to_have_text(j.file.worker_email)
    expect(shared_value(page, t("Preferred language"))).to_have_text(LANGUAGES[j.lang])
    expect(shared_value(page, t("Address"))).to_have_text(
        f"{STREET}, {POSTAL_CODE} {ghent_in('nl')}"
    )
    expect(shared_value(page, t("Arrival date"))).to_have_text(long(j.arrival))
    expect(shared_value(page, t("Residence card"))).to_have_text(t("%(card)s card", card="A"))
    expect(shared_value(page, t("Family members who come along"))).to_have_text("2")
    expect(page.locator("#consent")).not_to_be_checked()
    axe("consent, municipality")

    # Without the tick, nothing is sent.
    main(page).get_by_role("button", name=t("Send my request"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/welcome/items/municipal_registration/referral$"))
    expect(main(page).locator(".error-summary")).to_contain_text(
        t("Tick the box to agree that these data are sent, or go back to your checklist.")
    )
    axe("consent, municipality, not ticked")
    page.locator("#consent").check()
    main(page).get_by_role("button", name=t("Send my request"), exact=True).click()
    j.municipality_referral = referral_id_from(page)
    expect(flash(page)).to_contain_text(
        t("Your request has been sent to %(service)s.", service=j.municipality.name)
    )
    expect(h1(page)).to_have_text(t("Your referral to %(service)s", service=j.municipality.name))
    expect(main(page)).to_contain_text(t("Sent, waiting for an answer"))
    expect(main(page)).to_contain_text(t("No answer yet."))
    axe("referral, municipality, sent")


def the_worker_consents_to_a_referral_to_the_school(j: Journey) -> None:
    """The same for the 14-year-old's school."""
    page, t, axe, long = j.page, j.t, j.axe, j.long
    main(page).get_by_role("link", name=t("Back to your checklist")).click()
    expect(page).to_have_url(re.compile(r"/welcome$"))
    card(page, j.school_code).get_by_role(
        "link", name=t("Ask %(service)s to contact you", service=j.school.name)
    ).click()
    expect(page).to_have_url(re.compile(rf"/welcome/items/{j.school_code}/referral$"))
    expect(main(page)).to_contain_text(
        t(
            "To: %(service)s (%(kind)s, %(municipality)s).",
            service=j.school.name,
            kind=t("School registration desk"),
            municipality=f"{ghent_in(j.lang)} ({GHENT})",
        )
    )
    expect(shared_terms(page)).to_have_text(
        [
            t("Name"),
            t("E-mail address"),
            t("Preferred language"),
            t("Address"),
            t("Child's date of birth"),
            t("Reception class for newcomers (OKAN) suggested"),
        ]
    )
    expect(shared_value(page, t("Child's date of birth"))).to_have_text(long(j.teenager_born))
    expect(shared_value(page, t("Reception class for newcomers (OKAN) suggested"))).to_have_text(
        t("Yes")
    )
    expect(main(page)).not_to_contain_text(long(j.arrival))  # the school does not need it
    axe("consent, school")
    page.locator("#consent").check()
    main(page).get_by_role("button", name=t("Send my request"), exact=True).click()
    j.school_referral = referral_id_from(page)
    expect(flash(page)).to_contain_text(
        t("Your request has been sent to %(service)s.", service=j.school.name)
    )

    main(page).get_by_role("link", name=t("Back to your checklist")).click()
    for code, service in (("municipal_registration", j.municipality), (j.school_code, j.school)):
        section = card(page, code).get_by_role(
            "region", name=t("Your referral to %(service)s", service=service.name)
        )
        expect(section).to_contain_text(t("Sent, waiting for an answer"))
        expect(
            card(page, code).get_by_role(
                "link", name=t("Ask %(service)s to contact you", service=service.name)
            )
        ).to_have_count(0)
    axe("welcome checklist, two referrals sent")
    log_out(page, t)


def the_services_hear_of_it_by_email(j: Journey) -> None:
    """The services heard of it by e-mail: a link, no personal data."""
    for service, number in (
        (j.municipality, j.municipality_referral),
        (j.school, j.school_referral),
    ):
        link = f"{j.base_url}/partner/referrals/{number}"
        message = wait_for_mail(j.smtp_sink, service.email, containing=link)
        assert message["Subject"] == j.translate(
            "nl", "A newcomer asks to be referred to your service"
        )
        body = text_of(message)
        assert j.file.worker_name not in body and j.file.worker_email not in body


def the_municipality_proposes_an_appointment(j: Journey) -> None:
    """The municipality proposes an appointment."""
    page, t, axe, long = j.page, j.t, j.axe, j.long
    log_in_from_the_header(page, t, j.municipality_desk)
    open_the_referral_as_partner(page, t, axe, j.lang, j.municipality_referral, "municipality")
    expect(main(page)).to_contain_text(t("Data the newcomer agreed to share with you"))
    expect(shared_value(page, t("Name"))).to_have_text(j.file.worker_name)
    expect(shared_value(page, t("Arrival date"))).to_have_text(long(j.arrival))
    expect(main(page)).to_contain_text(t("No answer yet."))
    axe("partner referral, municipality")

    main(page).locator('input[name="kind"][value="appointment"]').check()
    send_answer(page, t)  # no date, time or place yet
    errors = main(page).locator(".error-summary")
    expect(errors).to_contain_text(t("Enter the date of the appointment."))
    expect(errors).to_contain_text(t("Say where the appointment takes place."))
    axe("partner referral, municipality, answer incomplete")
    page.locator("#appointment_on").fill(j.appointment_on.isoformat())
    page.locator("#appointment_time").fill("09:30")
    page.locator("#place").fill(j.place)
    send_answer(page, t)
    expect(page).to_have_url(re.compile(rf"/partner/referrals/{j.municipality_referral}$"))
    expect(flash(page)).to_contain_text(t("Your answer has been sent to the newcomer."))
    status = main(page).locator("dl.summary").first.locator("dd").nth(2)
    expect(status).to_have_text(t("Appointment proposed"))
    j.appointment = t(
        "Appointment on %(date)s at %(time)s, %(place)s.",
        date=full_date(j.live_app, j.lang, j.appointment_on),
        time="09:30",
        place=j.place,
    )
    expect(main(page).locator("ol.referral-messages")).to_contain_text(j.appointment)
    axe("partner referral, municipality, appointment proposed")
    log_out(page, t)


def the_school_desk_acknowledges_and_writes(j: Journey) -> None:
    """The school desk acknowledges, then sends a message."""
    page, t, axe, long = j.page, j.t, j.axe, j.long
    log_in_from_the_header(page, t, j.school_desk)
    open_the_referral_as_partner(page, t, axe, j.lang, j.school_referral, "school")
    expect(shared_value(page, t("Child's date of birth"))).to_have_text(long(j.teenager_born))
    # The school desk sees only its own kind of referral.
    main(page).get_by_role("link", name=t("Back to the referrals")).click()
    expect(
        main(page).get_by_role(
            "link", name=t("Referral %(number)s", number=j.municipality_referral), exact=True
        )
    ).to_have_count(0)
    main(page).get_by_role(
        "link", name=t("Referral %(number)s", number=j.school_referral), exact=True
    ).click()
    axe("partner referral, school")

    main(page).locator('input[name="kind"][value="acknowledgement"]').check()
    send_answer(page, t)
    expect(flash(page)).to_contain_text(t("Your answer has been sent to the newcomer."))
    status = main(page).locator("dl.summary").first.locator("dd").nth(2)
    expect(status).to_have_text(t("Received by the service"))
    main(page).locator('input[name="kind"][value="message"]').check()
    page.locator("#body").fill(j.school_message)
    send_answer(page, t)
    expect(flash(page)).to_contain_text(t("Your answer has been sent to the newcomer."))
    messages = main(page).locator("ol.referral-messages > li")
    expect(messages).to_have_count(2)
    expect(messages.nth(0)).to_contain_text(t("Received"))
    expect(messages.nth(1)).to_contain_text(t("Message"))
    expect(messages.nth(1)).to_contain_text(j.school_message)
    expect(status).to_have_text(t("Received by the service"))
    axe("partner referral, school, answered")

    main(page).get_by_role("link", name=t("Back to the referrals")).click()
    name = t("Referral %(number)s", number=j.school_referral)
    row = main(page).locator("tbody tr").filter(has=page.get_by_role("link", name=name, exact=True))
    expect(row).to_contain_text(t("Received by the service"))
    axe("partner inbox, school, answered")
    log_out(page, t)


def the_worker_reads_the_answers(j: Journey) -> None:
    """The worker reads the answers, by e-mail and on the checklist."""
    page, t, axe = j.page, j.t, j.axe
    progress_text = main(page).locator("#progress-text")
    for service, number in (
        (j.municipality, j.municipality_referral),
        (j.school, j.school_referral),
    ):
        message = wait_for_mail(
            j.smtp_sink,
            j.file.worker_email,
            subject=t("%(partner)s answered your request", partner=service.name),
        )
        assert message["Content-Language"] == j.lang
        assert f"{j.base_url}/welcome/referrals/{number}" in text_of(message)
    answered = wait_for_mail(j.smtp_sink, j.file.worker_email, containing=j.school_message)
    assert answered["Subject"] == t("%(partner)s answered your request", partner=j.school.name)
    assert j.appointment in " ".join(
        text_of(
            wait_for_mail(
                j.smtp_sink,
                j.file.worker_email,
                containing=f"/welcome/referrals/{j.municipality_referral}",
            )
        ).split()
    )

    header(page).get_by_role("link", name=t("Log in"), exact=True).click()
    log_in(page, t, j.file.worker_email, NEW_PASSWORD)
    main(page).get_by_role("link", name=t("My welcome checklist"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/welcome$"))
    registration_referral = card(page, "municipal_registration").get_by_role(
        "region", name=t("Your referral to %(service)s", service=j.municipality.name)
    )
    expect(registration_referral.locator("p strong").first).to_have_text(t("Appointment proposed"))
    expect(registration_referral).to_contain_text(j.appointment)
    school_referral_section = card(page, j.school_code).get_by_role(
        "region", name=t("Your referral to %(service)s", service=j.school.name)
    )
    expect(school_referral_section.locator("p strong").first).to_have_text(
        t("Received by the service")
    )
    expect(school_referral_section).to_contain_text(j.school_message)
    expect(progress_text).to_have_text(t("%(done)s of %(total)s steps done", done=0, total=j.total))
    axe("welcome checklist, answered")


def the_worker_marks_a_step_done(j: Journey) -> None:
    """One step done: the progress moves."""
    page, t, axe = j.page, j.t, j.axe
    registration = card(page, "municipal_registration")
    progress_text = main(page).locator("#progress-text")
    insurance = card(page, "health_insurance")
    insurance_title = t("Join a health-insurance fund")
    insurance.get_by_role("button", name=t("Mark as done")).click()
    expect(page).to_have_url(re.compile(r"/welcome#item-health_insurance$"))
    expect(flash(page)).to_contain_text(t("Marked as done: %(item)s", item=insurance_title))
    expect(insurance.locator("strong.tag")).to_have_text(t("Done"))
    expect(insurance.get_by_role("button", name=t("Mark as not done"))).to_have_count(1)
    expect(progress_text).to_have_text(t("%(done)s of %(total)s steps done", done=1, total=j.total))
    expect(main(page).locator("progress")).to_have_attribute("value", "1")
    expect(registration.locator("strong.tag")).to_have_text(t("To do"))
    axe("welcome checklist, one step done")


def the_worker_sees_what_was_shared(j: Journey) -> None:
    """The referral page shows what was shared, and the answers."""
    page, t, axe, long = j.page, j.t, j.axe, j.long
    registration_referral = card(page, "municipal_registration").get_by_role(
        "region", name=t("Your referral to %(service)s", service=j.municipality.name)
    )
    registration_referral.get_by_role(
        "link", name=t("See what was shared, or withdraw your consent")
    ).click()
    expect(page).to_have_url(re.compile(rf"/welcome/referrals/{j.municipality_referral}$"))
    expect(main(page)).to_contain_text(j.appointment)
    expect(shared_value(page, t("Arrival date"))).to_have_text(long(j.arrival))
    axe("referral, municipality, answered")
