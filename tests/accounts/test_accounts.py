"""Registration, e-mail verification, login, logout, password reset and invitations."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import Mandatary, Organisation, OrgRole, Role, User
from portal.extensions import db
from tests.support import (
    PASSWORD,
    check_page,
    error_summary,
    field_error,
    link_in,
    login,
    make_organisation,
    make_user,
    text_of,
)

EMPLOYER = {
    "organisation_name": "Vlaamse Transport NV",
    "kbo_number": "0403.170.701",
    "street": "Kouter 10",
    "postal_code": "9000",
    "nace_code": "49410",
    "contact_name": "Ann Peeters",
    "email": "ann@transport.example",
    "password": PASSWORD,
    "confirm": PASSWORD,
}


def register(client, **changes):
    data = dict(EMPLOYER, **changes)
    return client.post("/account/register/employer?lang=en", data=data)


def test_employer_registration_creates_organisation_admin_and_sends_a_link(client, mailbox):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/check-email")
    user = db.session.scalar(select(User).where(User.email == "ann@transport.example"))
    assert user.role == Role.EMPLOYER and user.org_role == OrgRole.ADMIN
    assert user.email_verified_at is None and user.locale == "en"
    assert user.password_hash.startswith("$argon2")
    org = user.organisation
    assert (org.kbo_number, org.municipality_refnis, org.nace_code) == (
        "0403170701",
        "44021",
        "49410",
    )
    message = mailbox.last_to("ann@transport.example")
    assert message["Subject"] == "Confirm your e-mail address"
    assert message["Content-Language"] == "en"
    assert "/account/verify/" in text_of(message)


def test_verification_link_activates_the_account_and_login_works(client, mailbox):
    register(client)
    assert (
        client.post(
            "/account/login", data={"email": EMPLOYER["email"], "password": PASSWORD}
        ).status_code
        == 200
    )  # not yet verified
    link = link_in(mailbox.last_to(EMPLOYER["email"]), "/account/verify/")
    page = client.get(link)
    assert page.status_code == 200
    assert "Your e-mail address is confirmed" in page.get_data(as_text=True)
    response = login(client, EMPLOYER["email"])
    assert response.headers["Location"] == "/dashboard"
    dashboard = client.get("/dashboard?lang=en")
    assert "Vlaamse Transport NV" in dashboard.get_data(as_text=True)


def test_unverified_login_says_so_only_with_the_right_password(client, mailbox):
    register(client)
    wrong = client.post(
        "/account/login?lang=en", data={"email": EMPLOYER["email"], "password": "x" * 12}
    )
    assert "The e-mail address or password is not correct." in wrong.get_data(as_text=True)
    right = client.post(
        "/account/login?lang=en", data={"email": EMPLOYER["email"], "password": PASSWORD}
    )
    assert "Confirm your e-mail address first" in right.get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kbo_number": "0403.170.702"}, "kbo_number", "This is not a valid enterprise number"),
        ({"postal_code": "0000"}, "postal_code", "This is not a Belgian postal code."),
        ({"nace_code": "12345"}, "nace_code", "Choose a NACE-BEL code of 5 digits"),
        (
            {"password": "short pass", "confirm": "short pass"},
            "password",
            "Choose a password of at least 12 characters.",
        ),
        ({"confirm": PASSWORD + "!"}, "confirm", "The passwords do not match."),
        ({"email": "not-an-address"}, "email", "Enter an e-mail address like"),
        ({"organisation_name": ""}, "organisation_name", "This field is required."),
    ],
)
def test_bad_registration_input_is_explained_and_kept(client, changes, field, message):
    response = register(client, **changes)
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    assert message in field_error(soup, field)
    assert any(message in item for item in error_summary(soup))
    assert soup.find("a", href=f"#{field}") is not None
    # What was typed is kept, passwords aside.
    if field != "organisation_name":
        assert soup.find(id="organisation_name")["value"] == EMPLOYER["organisation_name"]
    assert not soup.find(id="password").get("value")
    assert soup.find(id=field).get("aria-invalid") == "true"
    assert db.session.scalar(select(User).where(User.email == EMPLOYER["email"])) is None


def test_an_already_registered_address_looks_like_success_and_warns_its_owner(client, mailbox):
    make_user("taken@example.be", locale="fr")
    response = register(client, email="Taken@Example.be", kbo_number="0202239951")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/check-email")
    assert (
        db.session.scalars(select(User).where(User.email == "taken@example.be")).all().__len__()
        == 1
    )
    # No new organisation either.
    assert (
        db.session.scalar(select(Organisation).where(Organisation.kbo_number == "0202239951"))
        is None
    )
    warning = mailbox.last_to("taken@example.be")
    assert warning["Content-Language"] == "fr"
    assert "/account/password/forgot" in text_of(warning)


def test_an_organisation_registers_only_once(client):
    make_user("first@example.be", organisation=make_organisation("0403170701"))
    response = register(client)
    soup = check_page(response.get_data(as_text=True))
    assert "already registered" in field_error(soup, "kbo_number")


@pytest.mark.parametrize("tamper", ["truncate", "flip"])
def test_a_tampered_verification_link_is_refused(client, mailbox, tamper):
    register(client)
    link = link_in(mailbox.last_to(EMPLOYER["email"]), "/account/verify/")
    # Flip a character of the payload (before the first dot), not the last of the base64.
    cut = link.index(".")
    flipped = link[: cut - 2] + ("A" if link[cut - 2] != "A" else "B") + link[cut - 1 :]
    bad = link[:-3] if tamper == "truncate" else flipped
    response = client.get(bad + "?lang=en")
    assert response.status_code == 400
    assert "This link is not valid" in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == EMPLOYER["email"]))
    assert user.email_verified_at is None


def test_an_expired_verification_link_offers_a_new_one(app, client, mailbox):
    register(client)
    link = link_in(mailbox.last_to(EMPLOYER["email"]), "/account/verify/")
    app.config["VERIFY_LINK_MAX_AGE"] = -1
    try:
        response = client.get(link + "?lang=en")
    finally:
        app.config["VERIFY_LINK_MAX_AGE"] = 48 * 3600
    assert response.status_code == 400
    soup = check_page(response.get_data(as_text=True))
    assert soup.h1.get_text(strip=True) == "This link has expired"
    mailbox.clear()
    client.post("/account/verify/resend", data={"email": EMPLOYER["email"]})
    fresh = link_in(mailbox.last_to(EMPLOYER["email"]), "/account/verify/")
    assert client.get(fresh).status_code == 200


def test_mandatary_registration_as_company_needs_a_kbo_number(client, mailbox):
    data = {
        "kind": "company",
        "name": "Posting Partners BV",
        "kbo_number": "",
        "street": "Meir 2",
        "postal_code": "2000",
        "contact_name": "Jan",
        "email": "jan@posting.example",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    response = client.post("/account/register/mandatary?lang=en", data=data)
    soup = check_page(response.get_data(as_text=True))
    assert "A company needs its enterprise number." in field_error(soup, "kbo_number")
    data["kbo_number"] = "0202.239.951"
    assert client.post("/account/register/mandatary", data=data).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "jan@posting.example"))
    assert user.role == Role.MANDATARY
    assert user.mandatary.kbo_number == "0202239951"
    assert mailbox.last_to("jan@posting.example")


def test_mandatary_registration_as_a_person_needs_no_kbo_number(client):
    data = {
        "kind": "person",
        "name": "Piet Janssens",
        "street": "Meir 3",
        "postal_code": "2000",
        "contact_name": "Piet",
        "email": "piet@example.be",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    assert client.post("/account/register/mandatary", data=data).status_code == 302
    mandatary = db.session.scalar(select(Mandatary).where(Mandatary.name == "Piet Janssens"))
    assert mandatary.kbo_number is None


def test_login_gives_a_fresh_session_and_logout_ends_it(client):
    make_user("emp@example.be")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, "emp@example.be")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(str(db.session.scalar(select(User.id))))
    assert client.get("/dashboard").status_code == 200
    client.post("/account/logout")
    assert client.get("/dashboard").status_code == 302


def test_session_cookie_flags(client):
    make_user("emp@example.be")
    response = login(client, "emp@example.be")
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_open_redirects_after_login_are_refused(client):
    make_user("emp@example.be")
    response = client.post(
        "/account/login?next=//evil.example/x",
        data={"email": "emp@example.be", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/dashboard"


def test_login_is_rate_limited(app, client):
    make_user("emp@example.be")
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [
            client.post(
                "/account/login?lang=en", data={"email": "emp@example.be", "password": "wrong" * 3}
            ).status_code
            for _ in range(4)
        ]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    assert codes == [200, 200, 200, 429]


def test_password_reset_reveals_nothing_and_works_once(client, mailbox):
    make_user("emp@example.be", locale="de")
    for address in ("emp@example.be", "nobody@example.be"):
        response = client.post("/account/password/forgot", data={"email": address})
        assert response.headers["Location"] == "/account/check-email?reason=reset"
    # The address without an account is told so, with no link to use.
    assert "/account/password/reset/" not in text_of(mailbox.last_to("nobody@example.be"))
    message = mailbox.last_to("emp@example.be")
    assert message["Content-Language"] == "de"
    link = link_in(message, "/account/password/reset/")
    new_password = "a brand new long password"
    response = client.post(link, data={"password": new_password, "confirm": new_password})
    assert response.headers["Location"] == "/account/login"
    login(client, "emp@example.be", new_password)
    client.post("/account/logout")
    again = client.post(
        link + "?lang=en",
        data={"password": "another long password", "confirm": "another long password"},
    )
    assert again.status_code == 400
    assert "This link is not valid" in again.get_data(as_text=True)


def test_password_reset_ends_other_sessions(app, client, mailbox):
    make_user("emp@example.be")
    login(client, "emp@example.be")
    other = app.test_client()
    other.post("/account/password/forgot", data={"email": "emp@example.be"})
    link = link_in(mailbox.last_to("emp@example.be"), "/account/password/reset/")
    other.post(
        link, data={"password": "a brand new long password", "confirm": "a brand new long password"}
    )
    assert client.get("/dashboard").status_code == 302


def test_admin_invites_a_colleague_who_joins_the_organisation(client, mailbox):
    admin = make_user("admin@org.example")
    login(client, "admin@org.example")
    response = client.post(
        "/account/organisation?lang=nl", data={"name": "Bert", "email": "bert@org.example"}
    )
    assert response.status_code == 302
    invitation = mailbox.last_to("bert@org.example")
    assert invitation["Content-Language"] == "nl"
    client.post("/account/logout")
    link = link_in(invitation, "/account/invitation/")
    client.post(link, data={"password": PASSWORD, "confirm": PASSWORD})
    login(client, "bert@org.example")
    bert = db.session.scalar(select(User).where(User.email == "bert@org.example"))
    assert bert.organisation_id == admin.organisation_id and bert.org_role == OrgRole.MEMBER
    # A member cannot invite.
    refused = client.post("/account/organisation", data={"name": "Eve", "email": "eve@org.example"})
    assert refused.status_code == 403
    # The invitation cannot be used twice.
    client.post("/account/logout")
    assert client.get(link).status_code == 400


def test_an_unknown_address_still_costs_a_password_check(client, monkeypatch):
    from portal.accounts import services

    checked = []
    real = services._hasher

    class Spy:
        def verify(self, hashed, password):
            checked.append(hashed)
            return real.verify(hashed, password)

    monkeypatch.setattr(services, "_hasher", Spy())
    outcome, user = services.authenticate("unknown@example.be", "whatever password")
    assert (outcome, user) == (services.LoginResult.FAILED, None)
    assert checked == [services._DUMMY_HASH]
