"""The professional-card wizard: who files, the sections, completeness, submission, receipt."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.accounts.models import MandateKind, Role
from portal.dossiers import card_rules, references
from portal.dossiers.contents import card
from portal.dossiers.models import CardDetails, Dossier, DossierStatus, Permit
from portal.extensions import db
from tests.applications_support import submit, upload
from tests.card_support import (
    ACTIVITY,
    BENEFIT,
    fill_card,
    make_entrepreneur,
    person,
    post,
    start_card,
)
from tests.factories import ForeignEmployerFactory, MandateFactory
from tests.support import check_page, error_summary, field_error, login, make_user


@pytest.fixture
def entrepreneur(client):
    user = make_entrepreneur()
    login(client, user.email)
    return user


def _page(response):
    return check_page(response.get_data(as_text=True))


def test_an_entrepreneur_files_a_complete_card_and_gets_a_receipt(client, entrepreneur, mailbox):
    dossier = start_card(client)
    assert dossier.permit == Permit.PROFESSIONAL_CARD and dossier.created_by_id == entrepreneur.id
    assert dossier.organisation_id is None and dossier.mandatary_id is None
    # Started from what the person gave when registering.
    assert dossier.worker_name == "Amara Okafor" and dossier.card.residence_document == "a_card"
    task_list = _page(client.get(f"/applications/{dossier.id}?lang=en"))
    assert "Professional card" in task_list.get_text()
    fill_card(client, dossier)
    assert dossier.done >= set(card.SECTIONS)
    details = db.session.get(CardDetails, dossier.id)
    assert details.start_capital_eur == Decimal("18600") and details.investment_eur == Decimal(
        "50000"
    )
    assert details.jobs_planned == 3 and details.diploma_level == 6
    assert details.regulated_profession is False and details.company_kbo == "0403170701"
    assert dossier.workplace_refnis == "44021" and dossier.nace_code == "46389"
    check = _page(client.get(f"/applications/{dossier.id}/check?lang=en"))
    text = check.get_text()
    assert "Okafor Trading BV" in text and "Economic added value" in text
    assert "€140.00 when you apply." in text  # the fee, from card_rules, before submission
    response = submit(client, dossier.id)
    assert response.headers["Location"] == f"/applications/{dossier.id}/confirmation"
    assert dossier.status == DossierStatus.SUBMITTED and references.is_valid(dossier.reference)
    assert mailbox.last_to(entrepreneur.email) is not None
    index = _page(client.get("/applications/?lang=en"))
    row = index.find("a", string=dossier.reference).find_parent("tr")
    assert "Professional card" in row.get_text()
    receipt = client.get(f"/applications/{dossier.id}/receipt.pdf?lang=en")
    assert receipt.status_code == 200 and receipt.data.startswith(b"%PDF")


def test_the_receipt_names_the_kind(app, client, entrepreneur):
    from portal.dossiers.letters.receipts import receipt_context

    dossier = start_card(client)
    fill_card(client, dossier)
    submit(client, dossier.id)
    context = receipt_context(dossier, "en")
    assert context["is_card"] and context["permit_title"] == "Professional card"
    assert context["category_title"] == "Economic added value"
    titles = {d["title"] for d in context["documents"]}
    assert "Business plan" in titles and "Proof of the start capital" in titles


def test_an_incomplete_card_cannot_be_submitted(client, entrepreneur):
    dossier = start_card(client)
    assert post(client, dossier.id, "person", person()).status_code == 302
    page = _page(submit(client, dossier.id))
    assert dossier.status == DossierStatus.DRAFT and dossier.reference is None
    assert "Complete the section “The activity”." in " ".join(error_summary(page))


def test_only_the_person_sees_their_card(client, entrepreneur):
    dossier = start_card(client)
    assert client.get(f"/applications/{dossier.id}").status_code == 200
    other = make_entrepreneur("other@example.test")
    client.post("/account/logout")
    login(client, other.email)
    assert client.get(f"/applications/{dossier.id}").status_code == 404
    assert client.get(f"/applications/{dossier.id}/person").status_code == 404
    assert dossier.reference is None and "Amara" not in client.get("/applications/").get_data(
        as_text=True
    )


def test_an_entrepreneur_cannot_start_a_single_permit(client, entrepreneur):
    response = client.post("/applications/new")
    assert response.status_code == 302 and response.headers["Location"].endswith("/new-card")
    assert db.session.scalar(select(func.count(Dossier.id))) == 0


# -- a business counter (mandatary) ----------------------------------------------------------


def _mandatary_with(kind: MandateKind):
    user = make_user("loket@example.test", Role.MANDATARY)
    represented = ForeignEmployerFactory(
        mandatary=user.mandatary, name="Amara Okafor", country="NG", registration_number="A0123"
    )
    MandateFactory(foreign_employer=represented, kind=kind, verified=True, uploaded_by=user)
    return user, represented


def test_a_business_counter_with_a_card_mandate_files_for_the_person(client, mailbox):
    user, represented = _mandatary_with(MandateKind.PROFESSIONAL_CARD)
    login(client, user.email)
    page = _page(client.get("/applications/new-card?lang=en"))
    assert "Amara Okafor" in page.get_text()
    dossier = start_card(client, {"person": str(represented.id)})
    assert dossier.mandatary_id == user.mandatary_id and dossier.permit == Permit.PROFESSIONAL_CARD
    fill_card(client, dossier)
    submit(client, dossier.id)
    assert dossier.status == DossierStatus.SUBMITTED
    assert client.get(f"/applications/{dossier.id}").status_code == 200
    # The person's own account does not see the counter's file (it is not theirs to manage).
    client.post("/account/logout")
    login(client, make_entrepreneur().email)
    assert client.get(f"/applications/{dossier.id}").status_code == 404


def test_a_mandatary_without_a_card_mandate_cannot_file_or_see(client):
    user, represented = _mandatary_with(MandateKind.EMPLOYER)  # single permits only
    login(client, user.email)
    page = _page(client.get("/applications/new-card?lang=en"))
    assert "no verified professional-card mandate" in page.get_text()
    response = client.post("/applications/new-card?lang=en", data={"person": str(represented.id)})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Dossier.id))) == 0
    # Another counter's card file looks like a missing one.
    counter, person_row = _mandatary_with_other()
    client.post("/account/logout")
    login(client, counter.email)
    dossier = start_card(client, {"person": str(person_row.id)})
    client.post("/account/logout")
    login(client, user.email)
    assert client.get(f"/applications/{dossier.id}").status_code == 404


def _mandatary_with_other():
    user = make_user("loket2@example.test", Role.MANDATARY)
    represented = ForeignEmployerFactory(mandatary=user.mandatary, name="Li Wei", country="CN")
    MandateFactory(
        foreign_employer=represented,
        kind=MandateKind.PROFESSIONAL_CARD,
        verified=True,
        uploaded_by=user,
    )
    return user, represented


def test_a_card_mandate_allows_no_single_permit(client):
    user, represented = _mandatary_with(MandateKind.PROFESSIONAL_CARD)
    login(client, user.email)
    response = client.post(
        "/applications/new?lang=en", data={"foreign_employer": str(represented.id)}
    )
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Dossier.id))) == 0


# -- the sections ----------------------------------------------------------------------------


def test_an_eea_or_swiss_national_is_pointed_to_the_exemption(client, entrepreneur):
    dossier = start_card(client)
    for nationality in ("FR", "CH", "NO"):
        page = _page(post(client, dossier.id, "person", person(worker_nationality=nationality)))
        assert "need no professional card" in field_error(page, "worker_nationality")
    assert dossier.worker_nationality == "NG" and "person" not in dossier.done


def test_an_attestation_of_immatriculation_is_refused_for_filing_in_belgium(client, entrepreneur):
    dossier = start_card(client)
    page = _page(post(client, dossier.id, "person", person(residence_document="immatriculation")))
    assert "attestation of immatriculation" in field_error(page, "residence_document")
    nl = _page(
        post(client, dossier.id, "person", person(residence_document="immatriculation"), "nl")
    )
    assert field_error(nl, "residence_document")  # a translated reason in every language
    assert dossier.card.residence_document == "a_card"


def test_from_abroad_the_d_visa_route_needs_the_post(client, entrepreneur):
    dossier = start_card(client)
    abroad = person(
        files_from="abroad",
        residence_document="",
        residence_valid_until="",
        address_postal_code="100001",
        address_city="Abuja",
        address_country="NG",
    )
    page = _page(post(client, dossier.id, "person", abroad))
    assert "D visa" in field_error(page, "worker_diplomatic_post")
    abroad["worker_diplomatic_post"] = "Belgian Embassy in Abuja"
    assert post(client, dossier.id, "person", abroad).status_code == 302
    assert dossier.card.files_from == "abroad" and dossier.card.residence_document is None
    assert "residence_document" not in card.required_documents(dossier) or not dossier.category


@pytest.mark.parametrize(
    ("postal_code", "region"),
    [("1000", "Brussels"), ("5000", "Walloon"), ("4700", "German-speaking")],
)
def test_another_region_is_refused_with_where_to_go(client, entrepreneur, postal_code, region):
    dossier = start_card(client)
    page = _page(
        post(client, dossier.id, "activity", dict(ACTIVITY, workplace_postal_code=postal_code))
    )
    message = field_error(page, "workplace_postal_code")
    assert region in message and "http" in message
    assert dossier.workplace_postal_code is None and "activity" not in dossier.done


def test_a_wrong_kbo_number_or_nace_code_is_refused(client, entrepreneur):
    dossier = start_card(client)
    page = _page(
        post(
            client,
            dossier.id,
            "activity",
            dict(ACTIVITY, company_kbo="0403.170.702", nace_code="99999"),
        )
    )
    assert field_error(page, "company_kbo") and field_error(page, "nace_code")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("18.600", Decimal("18600")),
        ("18.600,50", Decimal("18600.50")),
        ("€ 18 600", Decimal("18600")),
    ],
)
def test_belgian_amounts_are_read_as_written(client, entrepreneur, typed, stored):
    dossier = start_card(client)
    response = post(client, dossier.id, "benefit", dict(BENEFIT, start_capital_eur=typed))
    assert response.status_code == 302
    assert dossier.card.start_capital_eur == stored


@pytest.mark.parametrize(
    "typed", ["1e9", "18,600.50.1", "-18.600", "NaN", "0x4A", "١٨٦٠٠", "18.6000"]
)
def test_ambiguous_or_hostile_amounts_are_refused_not_changed(client, entrepreneur, typed):
    dossier = start_card(client)
    assert post(client, dossier.id, "benefit", BENEFIT).status_code == 302
    page = _page(post(client, dossier.id, "benefit", dict(BENEFIT, start_capital_eur=typed)))
    assert field_error(page, "start_capital_eur"), typed
    assert dossier.card.start_capital_eur == Decimal("18600")  # the saved value untouched
    nl = _page(post(client, dossier.id, "benefit", dict(BENEFIT, start_capital_eur=typed), "nl"))
    assert field_error(nl, "start_capital_eur") != field_error(page, "start_capital_eur")


@pytest.mark.parametrize("jobs", ["-1", "1e9", "3.5", "100001", "9" * 40])
def test_jobs_must_be_a_sensible_whole_number(client, entrepreneur, jobs):
    dossier = start_card(client)
    page = _page(post(client, dossier.id, "benefit", dict(BENEFIT, jobs_planned=jobs)))
    assert field_error(page, "jobs_planned") and dossier.card.jobs_planned is None


def test_a_right_to_left_override_is_taken_out_not_stored(client, entrepreneur):
    dossier = start_card(client)
    response = post(
        client, dossier.id, "activity", dict(ACTIVITY, company_name="Okafor \u202egnidart")
    )
    assert response.status_code == 302
    assert dossier.card.company_name == "Okafor gnidart"


@pytest.mark.parametrize("nasty", ["x" * 10_000, "Okafor\x00Trading", "Okafor\u2028Trading"])
def test_nasty_text_is_refused(client, entrepreneur, nasty):
    dossier = start_card(client)
    page = _page(post(client, dossier.id, "activity", dict(ACTIVITY, company_name=nasty)))
    assert field_error(page, "company_name")
    assert dossier.card.company_name is None
    page = _page(post(client, dossier.id, "person", person(worker_last_name=nasty)))
    assert field_error(page, "worker_last_name") and dossier.worker_last_name == "Okafor"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("worker_birth_date", "9999-12-31"),
        ("residence_valid_until", "9999-12-31"),
        ("worker_birth_date", "2023-02-29"),  # no such day
        ("residence_valid_until", "2001-01-01"),
        ("worker_birth_date", (date.today() - timedelta(days=17 * 365)).isoformat()),
    ],
)
def test_impossible_dates_are_refused(client, entrepreneur, field, value):
    dossier = start_card(client)
    page = _page(post(client, dossier.id, "person", person(**{field: value})))
    assert field_error(page, field), (field, value)
    assert "person" not in dossier.done


def test_a_29_february_birth_date_is_kept(client, entrepreneur):
    dossier = start_card(client)
    assert (
        post(client, dossier.id, "person", person(worker_birth_date="1996-02-29")).status_code
        == 302
    )
    assert dossier.worker_birth_date == date(1996, 2, 29)


def test_diploma_level_outside_1_to_8_is_refused(client, entrepreneur):
    dossier = start_card(client)
    for level in ("0", "9", "-1", "1e9"):
        page = _page(
            post(
                client,
                dossier.id,
                "qualifications",
                {"diploma_level": level, "regulated_profession": "no"},
            )
        )
        assert field_error(page, "diploma_level"), level
    assert dossier.card.diploma_level is None


def test_means_below_the_threshold_are_warned_about(client, entrepreneur):
    dossier = start_card(client)
    threshold = card_rules.means_threshold(clock.today())
    page = _page(post(client, dossier.id, "means", {"means_eur": "abc"}))
    assert field_error(page, "means_eur")
    response = post(client, dossier.id, "means", {"means_eur": "20.000"})
    assert response.status_code == 302  # a warning, not a refusal: the officer decides
    page = _page(client.get(f"/applications/{dossier.id}/means?lang=en"))
    warning = page.find(id="means_eur-warning")
    assert warning is not None and "below the required means" in warning.get_text()
    assert card.means_warning(threshold, clock.today()) is None
    assert card.means_warning(threshold - Decimal("0.01"), clock.today())


def test_the_criminal_record_extract_must_be_at_most_six_months_old(client, entrepreneur):
    dossier = start_card(client)
    fill_card(client, dossier)
    old = (card_rules.oldest_criminal_record_date(clock.today()) - timedelta(days=1)).isoformat()
    response = upload(client, dossier.id, "criminal_record", issued_on=old)
    assert field_error(_page(response), "issued_on")
    missing = _page(upload(client, dossier.id, "criminal_record", issued_on=""))
    assert field_error(missing, "issued_on")
    # Still valid today, but not on a submission day six months and a week from now.
    later = clock.today() + timedelta(days=200)
    problems = card.completeness(dossier, later)
    assert any(p.field == "criminal_record" for p in problems)
    assert not card.completeness(dossier, clock.today())


def test_documents_follow_the_category(client, entrepreneur):
    dossier = start_card(client)
    assert post(client, dossier.id, "activity", ACTIVITY).status_code == 302
    assert "start_capital_proof" in card.required_documents(dossier)
    assert (
        post(
            client, dossier.id, "activity", dict(ACTIVITY, category="sporting_cultural_artistic")
        ).status_code
        == 302
    )
    required = card.required_documents(dossier)
    assert "value_evidence" in required and "start_capital_proof" not in required
    page = _page(upload(client, dossier.id, "start_capital_proof"))
    assert field_error(page, "requirement")


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_every_card_page_in_four_languages(client, entrepreneur, lang):
    dossier = start_card(client)
    for path in ("person", "activity", "benefit", "qualifications", "means", "documents", "check"):
        response = client.get(f"/applications/{dossier.id}/{path}?lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True))
    assert _page(client.get(f"/applications/new-card?lang={lang}"))


def test_the_entrepreneur_follows_and_answers_their_file(client, entrepreneur, mailbox):
    from portal.dossiers.lifecycle import handling
    from tests.factories import OfficerFactory

    dossier = start_card(client)
    fill_card(client, dossier)
    submit(client, dossier.id)
    officer = OfficerFactory()
    handling.request_info(officer, dossier, question="Send the business plan signed.")
    assert dossier.status == DossierStatus.INFO_REQUESTED
    from portal.dossiers.lifecycle import status

    assert status.recipients(dossier, "status_changed") == [entrepreneur]  # told of changes
    other = make_entrepreneur("other@example.test")
    assert other not in status.recipients(dossier, "status_changed")
    timeline = _page(client.get(f"/applications/{dossier.id}/timeline?lang=en"))
    assert timeline.find("a", href=f"/applications/{dossier.id}/answer") is not None
    answer = _page(client.get(f"/applications/{dossier.id}/answer?lang=en"))
    assert "Business plan" in answer.get_text()
    response = client.post(
        f"/applications/{dossier.id}/answer?lang=en",
        data={"answer": "Signed plan attached to the file.", "action": "send"},
    )
    assert response.status_code == 302
    assert dossier.status == DossierStatus.SUBMITTED


def test_a_card_draft_as_a_pdf_form_and_the_card_confirmation(client, entrepreneur):
    dossier = start_card(client)
    assert post(client, dossier.id, "activity", ACTIVITY).status_code == 302
    listing = client.get("/helpdesk/drafts?lang=en")
    assert listing.status_code == 200
    form = client.get(f"/helpdesk/drafts/{dossier.id}/form.pdf?lang=en")
    assert form.status_code == 200 and form.data.startswith(b"%PDF")
    fill_card(client, dossier)
    check = _page(client.get(f"/applications/{dossier.id}/check?lang=en"))
    assert "the worker agrees" not in check.get_text()
    submit(client, dossier.id)
    confirmation = _page(client.get(f"/applications/{dossier.id}/confirmation?lang=en"))
    assert confirmation.find(id="card-next") is not None


def test_the_entrepreneur_reads_the_granted_validity(client, entrepreneur):
    from portal.dossiers.lifecycle import handling
    from tests.factories import OfficerFactory

    dossier = start_card(client)
    fill_card(client, dossier)
    submit(client, dossier.id)
    start = clock.today()
    handling.decide(
        OfficerFactory(),
        dossier,
        outcome="authorised",
        valid_from=start,
        valid_until=handling.longest_until(start, 1),
    )
    page = _page(client.get(f"/applications/{dossier.id}?lang=en"))
    assert "Professional card granted" in page.get_text()
    assert page.find(id="card-validity") is not None
    letter = client.get(f"/applications/{dossier.id}/decision-letter.pdf?lang=en")
    assert letter.status_code == 200 and letter.data.startswith(b"%PDF")
