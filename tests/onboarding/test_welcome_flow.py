"""The orange carpet: checklist rules at their boundaries, the invitation on grant, the profile,
marking done, the calendar and the reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from onboarding import calendar, invitations, rules, services
from onboarding.models import ChecklistItem, Child, WelcomeProfile
from portal import mail
from portal.accounts.models import PartnerKind, Role, User
from portal.dossiers.lifecycle import handling
from portal.dossiers.models import DossierStatus
from portal.errors import Invalid, NotFound
from portal.extensions import db
from tests.onboarding.support import (
    BRUSSELS,
    GHENT,
    granted_dossier,
    invitation_of,
    make_talent,
    outbox,
    profile_of,
)
from tests.support import field_error, link_in, login, make_user, text_of


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    """Services translate their messages, which needs a request (the locale)."""
    with app.test_request_context("/?lang=en"):
        yield


TODAY = date(2026, 3, 2)  # a Monday


def codes(facts: rules.Facts) -> list[str]:
    return [item.code for item in rules.checklist(facts)]


def item(facts: rules.Facts, code: str) -> rules.Item:
    return next(i for i in rules.checklist(facts) if i.code == code)


def child_aged(years: int, *, on: date = TODAY, days: int = 0) -> date:
    """The birth date of a child who turns `years` on `on` (`days` later for younger)."""
    return on - relativedelta(years=years) + timedelta(days=days)


# Rules: dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrival", "due"),
    [
        (date(2026, 1, 9), date(2026, 1, 21)),  # Friday: the weekend does not count
        (date(2026, 1, 10), date(2026, 1, 21)),  # Saturday arrival: same 8th working day
        (date(2026, 1, 5), date(2026, 1, 15)),  # Monday: 8 working days later is Thursday
        (date(2026, 4, 2), date(2026, 4, 15)),  # before Easter Monday (6 April 2026)
        (date(2026, 12, 23), date(2027, 1, 6)),  # over Christmas and New Year's Day
        (date(2026, 4, 30), date(2026, 5, 13)),  # over Labour Day (Friday 1 May)
    ],
)
def test_registration_is_due_on_the_8th_working_day_after_arrival(arrival, due):
    facts = rules.Facts(today=arrival - timedelta(days=30), arrival_on=arrival)
    assert item(facts, "municipal_registration").due_on == due


def test_without_an_arrival_date_there_is_no_registration_date():
    assert item(rules.Facts(today=TODAY), "municipal_registration").due_on is None


def test_the_family_registers_by_the_same_date_when_it_comes_along():
    alone = rules.Facts(today=TODAY, arrival_on=TODAY, has_partner=False)
    assert "family_registration" not in codes(alone)
    with_partner = rules.Facts(today=TODAY, arrival_on=TODAY, has_partner=True)
    assert (
        item(with_partner, "family_registration").due_on
        == item(with_partner, "municipal_registration").due_on
    )
    with_child = rules.Facts(today=TODAY, children=((1, child_aged(5)),))
    assert "family_registration" in codes(with_child)


# Rules: cards ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "card"),
    [("eu_blue_card", "H"), ("highly_qualified", "A"), ("researcher", "A"), (None, "A")],
)
def test_an_eu_blue_card_gets_an_h_card_every_other_permit_an_a_card(category, card):
    found = item(rules.Facts(today=TODAY, category=category), "residence_card")
    assert found.params["card"] == card
    assert f"({card} card)" in found.title


# Rules: ages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        (child_aged(0), {"childcare"}),
        (child_aged(3, days=1), {"childcare"}),  # 3 tomorrow: still childcare
        (child_aged(3), {"school"}),  # exactly 3: school, no longer childcare
        (child_aged(12, days=1), {"school"}),  # not yet 12: no OKAN
        (child_aged(12), {"school", "okan"}),  # exactly 12: OKAN suggested
        (child_aged(18, days=1), {"school", "okan"}),  # 17, the last day
        (child_aged(18), set()),  # exactly 18: compulsory education is over
        (child_aged(30), set()),
    ],
)
def test_school_childcare_and_okan_at_their_age_boundaries(birth, expected):
    found = set()
    for entry in rules.checklist(rules.Facts(today=TODAY, children=((7, birth),))):
        if entry.rule in ("school", "childcare"):
            found.add(entry.rule)
            assert entry.code == f"{entry.rule}-7"
            assert entry.refer_to == (
                PartnerKind.SCHOOL if entry.rule == "school" else PartnerKind.CHILDCARE
            )
            if entry.params.get("okan"):
                found.add("okan")
    assert found == expected


def test_ages_count_on_the_arrival_day_when_it_is_later():
    arrival = TODAY + timedelta(days=60)
    birth = child_aged(3, on=arrival)  # 2 today, 3 on arrival
    assert rules.age_on(birth, TODAY) == 2
    facts = rules.Facts(today=TODAY, arrival_on=arrival, children=((1, birth),))
    assert "school-1" in codes(facts) and "childcare-1" not in codes(facts)
    past = rules.Facts(
        today=TODAY, arrival_on=TODAY - timedelta(days=400), children=((1, child_aged(3)),)
    )
    assert "school-1" in codes(past)  # an arrival in the past does not make a child younger


def test_one_item_per_child_and_a_leap_day_birthday():
    assert rules.age_on(date(2020, 2, 29), date(2023, 2, 28)) == 2
    assert rules.age_on(date(2020, 2, 29), date(2023, 3, 1)) == 3
    facts = rules.Facts(today=TODAY, children=((1, child_aged(1)), (2, child_aged(14))))
    assert [c for c in codes(facts) if c.startswith(("school", "childcare"))] == [
        "school-2",
        "childcare-1",
    ]


def test_flemish_services_are_left_out_for_an_address_in_another_region():
    children = ((1, child_aged(1)), (2, child_aged(8)))
    elsewhere = codes(rules.Facts(today=TODAY, children=children, in_flanders=False))
    for code in ("school-2", "childcare-1", "civic_integration", "dutch_lessons"):
        assert code not in elsewhere
    assert "municipal_registration" in elsewhere and "residence_card" in elsewhere
    for in_flanders in (True, None):
        assert "school-2" in codes(
            rules.Facts(today=TODAY, children=children, in_flanders=in_flanders)
        )


def test_every_rule_names_its_source_and_every_item_its_texts():
    for rule in rules.RULES:
        assert any(where in rule.source for where in ("DOMAIN.md", "issue #6", "issue #12"))
    facts = rules.Facts(
        today=TODAY,
        arrival_on=TODAY,
        abroad=True,
        has_partner=True,
        children=((1, child_aged(1)), (2, child_aged(13))),
    )
    found = rules.checklist(facts)
    assert {i.rule for i in found} == {r.code for r in rules.RULES}
    for entry in found:
        assert (
            entry.title
            and entry.why
            and entry.how
            and entry.when
            and entry.helper
            and entry.short_title
        )
    assert item(facts, "civic_integration").optional
    assert item(facts, "school-2").note and item(facts, "school-2").params["okan"]


# The invitation on grant -----------------------------------------------------------------


@pytest.fixture
def employer(db_session):
    return make_user("hr@acme.example")


@pytest.fixture
def officer(db_session):
    return make_user("officer@flanders.example", Role.OFFICER)


def forwarded(employer, **fields):
    dossier = granted_dossier(employer, **fields)
    dossier.status, dossier.federal_decision, dossier.federal_decision_on = (
        DossierStatus.FORWARDED,
        None,
        None,
    )
    db.session.flush()
    return dossier


def test_a_granted_permit_invites_the_worker_in_their_language(
    app, client, employer, officer, mailbox
):
    dossier = forwarded(
        employer,
        worker_email="Ana@Example.pt",
        worker_locale="fr",
        locale="nl",
        category="eu_blue_card",
    )
    handling.record_residence(dossier, "granted", actor=officer)
    talent = db.session.scalar(select(User).where(User.email == "ana@example.pt"))
    assert talent.role == Role.TALENT and talent.password_hash is None and talent.locale == "fr"
    assert talent.organisation_id is None  # separate from the employer's account
    profile = profile_of(talent)
    assert profile.dossier_id == dossier.id and profile.preferred_locale == "fr"
    [queued] = outbox("onboarding_invitation")
    assert queued.locale == "fr"
    db.session.commit()
    mail.deliver_due()
    message = mailbox.last_to("ana@example.pt")
    assert message["Content-Language"] == "fr"
    assert "Portail du permis unique" in text_of(message)  # the French footer
    # The worker opens the link, chooses a password and reaches the welcome space.
    link = link_in(message, "/account/invitation/")
    password = "a long and private sentence"
    assert client.post(link, data={"password": password, "confirm": password}).status_code == 302
    login(client, "ana@example.pt", password)
    page = client.get("/welcome?lang=en").get_data(as_text=True)
    assert "(H card)" in page  # an EU Blue Card


def test_the_worker_locale_falls_back_to_the_files_language(employer, officer):
    dossier = forwarded(employer, worker_locale=None, locale="de")
    handling.record_residence(dossier, "granted", actor=officer)
    assert outbox("onboarding_invitation")[0].locale == "de"


def test_no_invitation_without_an_address_or_for_a_non_talent_account(employer, officer):
    users = db.session.scalar(select(func.count(User.id)))
    handling.record_residence(forwarded(employer, worker_email=None), "granted", actor=officer)
    handling.record_residence(
        forwarded(employer, worker_email=employer.email), "granted", actor=officer
    )
    assert db.session.scalar(select(func.count(User.id))) == users
    assert employer.role == Role.EMPLOYER
    assert db.session.scalar(select(func.count(WelcomeProfile.id))) == 0
    assert outbox("onboarding_invitation") == []


def test_a_refusal_invites_no_one(employer, officer):
    handling.record_residence(forwarded(employer), "refused", actor=officer, reason="No")
    assert outbox("onboarding_invitation") == []


def test_an_existing_talent_account_is_reused_and_asked_to_log_in(employer, officer):
    talent = make_user("priya@example.in", Role.TALENT, locale="nl")
    dossier = forwarded(employer, worker_email="priya@example.in", worker_locale="en")
    handling.record_residence(dossier, "granted", actor=officer)
    [queued] = outbox("onboarding_invitation")
    assert queued.locale == "nl"  # the language the worker chose on their account
    assert "/account/login" in queued.body_text and "/account/invitation/" not in queued.body_text
    assert profile_of(talent).dossier_id == dossier.id


def test_the_employer_resends_the_invitation_and_others_cannot(app, client, employer):
    dossier = granted_dossier(employer, worker_email="new@example.in")
    login(client, employer.email)
    assert client.post(f"/welcome/employer/{dossier.id}/resend").status_code == 302
    assert client.post(f"/welcome/employer/{dossier.id}/resend").status_code == 302
    assert len(outbox("onboarding_invitation", "new@example.in")) == 2
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "new@example.in")) == 1
    other = make_user("hr@other.example")
    client.post("/account/logout")
    login(client, other.email)
    assert client.get(f"/welcome/employer/{dossier.id}").status_code == 404
    assert client.post(f"/welcome/employer/{dossier.id}/resend").status_code == 404
    assert len(outbox("onboarding_invitation", "new@example.in")) == 2


def test_no_resend_before_the_grant(app, client, employer):
    dossier = granted_dossier(employer, status=DossierStatus.FORWARDED)
    login(client, employer.email)
    page = client.get(f"/welcome/employer/{dossier.id}?lang=en").get_data(as_text=True)
    assert "opens when the single permit is granted" in page
    client.post(f"/welcome/employer/{dossier.id}/resend")
    assert outbox("onboarding_invitation") == []


def test_the_employer_sees_steps_done_only_with_consent_and_never_details(app, client, employer):
    dossier = granted_dossier(employer)
    talent = make_talent(dossier=dossier, arrival_on=date.today())
    db.session.add(Child(profile_id=profile_of(talent).id, birth_date=date(2012, 5, 17)))
    services.mark(talent, "health_insurance", True)
    login(client, employer.email)
    page = client.get(f"/welcome/employer/{dossier.id}?lang=en").get_data(as_text=True)
    assert "Health insurance" not in page and "has not chosen to show" in page
    services.set_employer_consent(talent, invitation_of(dossier).id, True)
    page = client.get(f"/welcome/employer/{dossier.id}?lang=en").get_data(as_text=True)
    assert "Health insurance: <strong>Done</strong>" in page
    assert "Registration at the municipality: <strong>Not done yet</strong>" in page
    steps = [
        li.get_text(" ", strip=True)
        for li in BeautifulSoup(page, "html.parser").select("main ul.plain li")
    ]
    assert "Dutch lessons: Not done yet" in steps
    assert not [
        s for s in steps if s.startswith(("School", "Childcare", "Registration of the family"))
    ]
    assert "2012" not in page and "May 17" not in page  # no birth dates, no deadlines
    view = invitations.employer_view(employer, dossier)
    assert view.done_count == 1 and view.total == len(view.steps)


# The profile ------------------------------------------------------------------------------


@pytest.fixture
def talent(db_session):
    dossier = granted_dossier(make_user("hr@acme.example"), granted_on=date(2026, 2, 20))
    return make_talent("tara@example.in", dossier=dossier)


def save(talent, **changes):
    values = {
        "arrival_on": None,
        "street": None,
        "postal_code": None,
        "has_partner": None,
        "preferred_locale": None,
    }
    values.update(changes)
    return services.save_profile(talent, **values)


def test_a_postal_code_is_turned_into_the_municipality(talent):
    profile = save(talent, street="Kouter 1", postal_code="9000")
    assert profile.refnis == GHENT
    assert services.outside_flanders(profile, "en") is None
    brussels = save(talent, postal_code="1000")
    assert brussels.refnis == BRUSSELS
    region = services.outside_flanders(brussels, "en")
    assert region.region == "Brussels-Capital Region"


def test_a_postal_code_that_does_not_exist_is_refused(talent):
    save(talent, postal_code="9000")
    with pytest.raises(Invalid) as error:
        save(talent, postal_code="9999")
    assert "does not exist" in error.value.errors["postal_code"][0]
    assert profile_of(talent).refnis == GHENT


def test_an_arrival_before_the_permit_is_refused(talent):
    with pytest.raises(Invalid) as error:
        save(talent, arrival_on=date(2026, 2, 19))
    assert "20 February 2026" in error.value.errors["arrival_on"][0]  # Belgian English
    assert save(talent, arrival_on=date(2026, 2, 20)).arrival_on == date(2026, 2, 20)


def test_a_birth_date_in_the_future_is_refused(talent):
    with pytest.raises(Invalid) as error:
        services.add_child(talent, TODAY + timedelta(days=1), on=TODAY)
    assert "future" in error.value.errors["birth_date"][0]
    assert services.add_child(talent, TODAY, on=TODAY).birth_date == TODAY  # born today is fine
    assert len(profile_of(talent).children) == 1


def test_a_child_of_someone_else_cannot_be_removed(talent):
    other = make_talent()
    child = services.add_child(other, date(2020, 1, 1))
    with pytest.raises(NotFound):
        services.remove_child(talent, child.id)
    services.remove_child(other, child.id)
    assert db.session.get(Child, child.id) is None


def test_the_profile_page_shows_each_bad_input_at_its_field(client, talent):
    login(client, talent.email)
    response = client.post(
        "/welcome/profile?lang=en",
        data={"postal_code": "9999", "arrival_on": "2026-01-01", "preferred_locale": "en"},
    )
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "does not exist" in field_error(soup, "postal_code")
    assert "before your permit" in field_error(soup, "arrival_on")
    response = client.post(
        "/welcome/children?lang=en",
        data={"child-birth_date": (date.today() + timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "future" in field_error(soup, "child-birth_date")
    assert profile_of(talent).children == []


# The checklist ------------------------------------------------------------------------------


def test_the_checklist_follows_the_profile(talent):
    save(talent, arrival_on=date(2026, 4, 2), postal_code="9000", has_partner=True)
    services.add_child(talent, child_aged(1))
    services.add_child(talent, child_aged(14))
    found = services.checklist(talent, on=TODAY)
    children = {c.birth_date: c.id for c in profile_of(talent).children}
    by_code = {e.item.code: e.item for e in found.entries}
    assert by_code["municipal_registration"].due_on == date(2026, 4, 15)
    assert f"childcare-{children[child_aged(1)]}" in by_code
    assert by_code[f"school-{children[child_aged(14)]}"].params["okan"]
    assert "family_registration" in by_code
    # Every card on the page counts, the optional one too: "0 of 10" next to 10 cards.
    assert found.done_count == 0 and found.total == len(found.entries)


def test_marking_done_counts_and_can_be_undone(talent):
    services.mark(talent, "bank_account", True)
    checklist = services.checklist(talent)
    assert checklist.done_count == 1
    services.mark(talent, "bank_account", False)
    assert services.checklist(talent).done_count == 0
    with pytest.raises(NotFound):
        services.mark(talent, "school-999", True)  # not on this talent's checklist


def test_the_checklist_page_shows_progress_and_marks_done(client, talent):
    login(client, talent.email)
    page = client.get("/welcome?lang=en").get_data(as_text=True)
    assert '<progress class="upload-progress" max="' in page and 'value="0"' in page
    assert client.post("/welcome/items/bank_account", data={"done": "1"}).status_code == 302
    page = client.get("/welcome?lang=en").get_data(as_text=True)
    assert 'value="1"' in page and "1 of " in page
    assert client.post("/welcome/items/nonsense", data={"done": "1"}).status_code == 404


def test_a_talent_without_a_granted_permit_is_told_to_wait(client, db_session):
    user = make_user("early@example.in", Role.TALENT)
    login(client, user.email)
    page = client.get("/welcome?lang=en").get_data(as_text=True)
    assert "opens when your single permit is granted" in page
    assert client.get("/welcome/profile").status_code == 404


# The calendar -------------------------------------------------------------------------------


def unfold(text: str) -> str:
    return text.replace("\r\n ", "")


def test_the_calendar_is_rfc_5545(talent):
    save(talent, arrival_on=date(2026, 4, 2), has_partner=True)
    text = calendar.checklist_calendar(talent, base_url="http://portal.test")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in lines)
    body = unfold(text)
    assert body.count("BEGIN:VEVENT") == 2  # the talent's and the family's registration
    assert "DTSTART;VALUE=DATE:20260415\r\nDTEND;VALUE=DATE:20260416" in body
    assert f"UID:welcome-{profile_of(talent).id}-municipal_registration@portal.test" in body
    assert "SUMMARY:Register at the municipality\r\n" in body
    services.mark(talent, "municipal_registration", True)
    assert (
        unfold(calendar.checklist_calendar(talent, base_url="http://portal.test")).count(
            "BEGIN:VEVENT"
        )
        == 1
    )


def test_text_is_escaped_and_long_lines_folded_between_characters():
    assert calendar.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "DESCRIPTION:" + "é" * 100
    folded = calendar.fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert unfold(folded) == line


def test_the_calendar_download(client, talent):
    login(client, talent.email)
    response = client.get("/welcome/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]


# Reminders ----------------------------------------------------------------------------------


def test_a_reminder_before_the_deadline_once(app, talent, mailbox):
    save(talent, arrival_on=date(2026, 4, 2))  # due 15 April
    assert services.remind(date(2026, 4, 11)) == 0  # too early (4 days before)
    assert services.remind(date(2026, 4, 12)) == 1  # 3 days before
    assert services.remind(date(2026, 4, 13)) == 0  # once per deadline
    assert services.remind(date(2026, 4, 16)) == 0  # too late to remind
    [queued] = outbox("onboarding_reminder", talent.email)
    assert "Register at the municipality" in queued.body_text
    assert "15 April 2026" in queued.body_text


def test_no_reminder_for_a_step_done(talent):
    save(talent, arrival_on=date(2026, 4, 2))
    services.mark(talent, "municipal_registration", True)
    assert services.remind(date(2026, 4, 14)) == 0


def test_a_moved_deadline_is_reminded_again(talent):
    save(talent, arrival_on=date(2026, 4, 2))
    assert services.remind(date(2026, 4, 14)) == 1
    save(talent, arrival_on=date(2026, 4, 3))  # due 16 April now
    assert services.remind(date(2026, 4, 14)) == 1
    state = db.session.scalar(
        select(ChecklistItem).where(ChecklistItem.code == "municipal_registration")
    )
    assert state.reminded_for == date(2026, 4, 16)


def test_the_remind_command(app, talent, monkeypatch):
    save(talent, arrival_on=date(2026, 4, 2))
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    result = app.test_cli_runner().invoke(args=["onboarding", "remind", "--date", "2026-04-13"])
    assert result.exit_code == 0, result.output
    assert "reminders queued: 1" in result.output
