"""The smaller points of the journeys (issue 12): each one failed before its fix."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal import reference
from portal.dossiers.models import Document
from portal.extensions import db
from tests.applications_support import WORKER, start, upload
from tests.support import PASSWORD, check_page, field_error, login, make_user


@pytest.fixture
def employer(client):
    user = make_user("hr@details.example")
    login(client, user.email)
    return user


def test_the_favicon_is_served_and_linked(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    page = check_page(client.get("/?lang=nl").get_data(as_text=True))
    assert page.find("link", rel="icon")["href"] == "/favicon.ico"


def test_the_documents_page_has_no_duplicate_ids(app, client, employer):
    dossier = start(client)
    client.post(f"/applications/{dossier.id}/category", data={"category": "executive"})
    for code in ("passport", "employment_contract", "fee_payment"):
        assert upload(client, dossier.id, code).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True  # the tokens are only rendered with CSRF on
    try:
        html = client.get(f"/applications/{dossier.id}/documents?lang=en").get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    soup = check_page(html)  # fails on any duplicate id
    assert len(soup.find_all("input", attrs={"name": "csrf_token"})) >= 4  # 3 removals, 1 upload
    assert len(soup.find_all(id="csrf_token")) <= 1


def test_the_upload_progress_bar_is_hidden_until_an_upload_starts(client, employer, app):
    dossier = start(client)
    client.post(f"/applications/{dossier.id}/category", data={"category": "executive"})
    soup = check_page(
        client.get(f"/applications/{dossier.id}/documents?lang=en").get_data(as_text=True)
    )
    bar = soup.find("progress", class_="upload-progress")
    assert bar.has_attr("hidden")
    # The stylesheet gives the bar display:block; [hidden] must win over it.
    css = (app.static_folder + "/css/portal.css").replace("//", "/")
    with open(css, encoding="utf-8") as handle:
        assert ".upload-progress[hidden] { display: none; }" in handle.read()


def test_an_old_certificate_is_refused_at_upload(client, employer):
    dossier = start(client)
    client.post(f"/applications/{dossier.id}/category", data={"category": "executive"})
    old = (date.today() - timedelta(days=220)).isoformat()
    response = upload(client, dossier.id, "medical_certificate", issued_on=old)
    assert response.status_code == 200
    message = field_error(check_page(response.get_data(as_text=True)), "issued_on")
    assert "more than 6 months old" in message
    assert db.session.scalar(select(Document)) is None
    # The rule is said before the upload, next to the date field.
    hint = check_page(response.get_data(as_text=True)).find(id="issued_on-hint")
    assert hint is not None and "at most 6 months old" in hint.get_text()
    recent = (date.today() - timedelta(days=30)).isoformat()
    assert upload(client, dossier.id, "medical_certificate", issued_on=recent).status_code == 302
    # A certificate that ages past the limit before submission is still caught at the check.
    document = db.session.scalar(select(Document))
    document.issued_on = date.today() - timedelta(days=220)
    db.session.flush()
    check = check_page(
        client.get(f"/applications/{dossier.id}/check?lang=en").get_data(as_text=True)
    )
    assert "may be at most 6 months old" in check.get_text()


def test_the_check_your_mailbox_page_offers_a_resend_form(client):
    soup = check_page(client.get("/account/check-email?lang=nl").get_data(as_text=True))
    form = soup.find("form", action="/account/verify/resend")
    assert form is not None and form.get("method") == "post"
    assert form.find("input", attrs={"name": "email"}) is not None
    reset = check_page(
        client.get("/account/check-email?reason=reset&lang=en").get_data(as_text=True)
    )
    assert reset.find("form", action="/account/verify/resend") is None


def test_the_eligibility_result_starts_an_application_in_its_category(client):
    soup = check_page(
        client.get(
            "/eligibility?lang=en&category=executive&annual_salary=90000&start_date="
            + (date.today() + timedelta(days=60)).isoformat()
        ).get_data(as_text=True)
    )
    assert soup.find(id="start-application")["href"] == "/applications/new?category=executive"


def test_the_category_is_carried_into_the_wizard_and_bad_values_are_dropped(client, employer):
    page = check_page(
        client.get("/applications/new?category=executive&lang=en").get_data(as_text=True)
    )
    assert page.find("input", attrs={"name": "category", "type": "hidden"})["value"] == "executive"
    response = client.post("/applications/new", data={"category": "executive"})
    assert "/category?category=executive" in response.headers["Location"]
    soup = check_page(client.get(response.headers["Location"] + "&lang=en").get_data(as_text=True))
    assert soup.find("option", selected=True)["value"] == "executive"
    # Anything else is not carried: no hidden field, a plain start.
    for nasty in ("nonsense", "executive\r\nX", "<script>", "_external"):
        page = client.get("/applications/new", query_string={"category": nasty})
        assert 'name="category"' not in page.get_data(as_text=True)
        response = client.post("/applications/new", data={"category": nasty})
        assert "category=" not in response.headers["Location"]


def test_eu_eea_and_swiss_nationals_are_told_they_need_no_single_permit(client, employer):
    dossier = start(client)
    for code in ("FR", "NO", "CH", "BE"):
        response = client.post(
            f"/applications/{dossier.id}/worker?lang=en",
            data={**WORKER, "worker_nationality": code},
        )
        assert "need no single permit" in field_error(
            check_page(response.get_data(as_text=True)), "worker_nationality"
        )
    ok = client.post(f"/applications/{dossier.id}/worker?lang=en", data=WORKER)
    assert ok.status_code == 302
    eligibility = check_page(client.get("/eligibility?lang=nl").get_data(as_text=True))
    assert eligibility.find(id="free-movement") is not None


def test_the_country_list_holds_only_nationalities():
    codes = {code for code, _name in reference.countries("en")}
    assert not codes & {"AQ", "BV", "HM", "TF", "UM", "GS", "IO", "ZZ", "EU"}
    assert {"IN", "MA", "TR", "UA", "XK", "HK"} <= codes


def test_the_workplace_is_asked_once_for_a_posting():
    from portal.dossiers.wizard.forms import JobForm, PostingForm

    assert "site_address" not in PostingForm.__dict__ and hasattr(JobForm, "workplace_street")


def test_the_fee_page_gives_the_amount_with_its_source_and_is_linked(client, employer):
    for lang in ("nl", "en"):
        soup = check_page(client.get(f"/guide/fee?lang={lang}").get_data(as_text=True))
        assert "363" in soup.find(id="fee-amount").get_text()
        assert "DOMAIN.md" in soup.find(id="fee-source").get_text()
    dossier = start(client)
    client.post(f"/applications/{dossier.id}/category", data={"category": "executive"})
    soup = check_page(
        client.get(f"/applications/{dossier.id}/documents?lang=en").get_data(as_text=True)
    )
    assert soup.find(id="fee-help").find("a")["href"] == "/guide/fee"


def test_someone_not_logged_in_comes_back_to_the_category_after_logging_in(client):
    user = make_user("later@details.example")
    response = client.get("/applications/new?category=executive")
    assert response.status_code == 302
    assert "next=%2Fapplications%2Fnew%3Fcategory%3Dexecutive" in response.headers["Location"]
    response = client.post(
        "/account/login?next=%2Fapplications%2Fnew%3Fcategory%3Dexecutive",
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/applications/new?category=executive"
