"""The orange carpet's pages: every page in every language, admin of partners, who may open what."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from onboarding import answers, demo, partners, referrals, services
from onboarding.models import Partner
from portal.accounts.models import PartnerKind, Role
from portal.extensions import db
from portal.i18n import LANGUAGES
from tests.onboarding.support import (
    GHENT,
    granted_dossier,
    make_partner,
    make_partner_user,
    make_talent,
    profile_of,
)
from tests.support import PASSWORD, check_page, error_summary, field_error, login, make_user


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def world(db_session):
    """A granted file, its talent with a full profile, Ghent's partners and one referral."""
    employer = make_user("hr@acme.example")
    dossier = granted_dossier(employer)
    talent = make_talent("tara@example.in", dossier=dossier, consent_employer_view=True)
    services.save_profile(
        talent,
        arrival_on=date.today(),
        street="Kouter 1",
        postal_code="9000",
        has_partner=False,
        preferred_locale="en",
    )
    services.add_child(talent, date.today() - relativedelta(years=1))
    services.add_child(talent, date.today() - relativedelta(years=14))
    for kind in PartnerKind:
        make_partner(kind)
    referral = referrals.refer(talent, "municipal_registration", consent=True)
    desk = make_partner_user("desk@city.gent", PartnerKind.MUNICIPALITY)
    answers.answer(desk, referral.id, kind="message", body="Welcome to Ghent.")
    admin = make_user("admin@flanders.example", Role.ADMIN)
    db.session.commit()
    school_code = next(
        e.item.code for e in services.checklist(talent).entries if e.item.rule == "school"
    )
    return {
        "employer": employer,
        "dossier": dossier,
        "talent": talent,
        "desk": desk,
        "admin": admin,
        "referral": referral,
        "school_code": school_code,
    }


def pages(world) -> dict[str, list[str]]:
    partner = db.session.scalar(select(Partner).order_by(Partner.id))
    return {
        "tara@example.in": [
            "/welcome",
            "/welcome/profile",
            f"/welcome/items/{world['school_code']}/referral",
            f"/welcome/referrals/{world['referral'].id}",
        ],
        "desk@city.gent": ["/partner/referrals", f"/partner/referrals/{world['referral'].id}"],
        "admin@flanders.example": [
            "/admin/partners",
            "/admin/partners/new",
            f"/admin/partners/{partner.id}",
        ],
        "hr@acme.example": [f"/welcome/employer/{world['dossier'].id}"],
    }


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_page_in_every_language(app, world, lang):
    for email, urls in pages(world).items():
        client = app.test_client()
        login(client, email)
        for url in urls:
            response = client.get(f"{url}?lang={lang}")
            assert response.status_code == 200, (email, url, response.status_code)
            soup = check_page(response.get_data(as_text=True))
            assert soup.html["lang"] == lang


def test_the_checklist_page(client, world):
    login(client, "tara@example.in")
    soup = check_page(client.get("/welcome?lang=en").get_data(as_text=True))
    titles = [h2.get_text(strip=True) for h2 in soup.select(".welcome-checklist h3")]
    assert titles[0] == "Register at the municipality"
    assert any(t.startswith("Pre-register your child born on") for t in titles)
    assert any(t.startswith("Find childcare for your child born on") for t in titles)
    progress = soup.find("progress")
    assert progress["aria-labelledby"] == "progress-text" and progress["value"] == "0"
    registration = soup.find(id="item-municipal_registration").get_text(" ", strip=True)
    assert (
        "Your referral to Municipality 44021" in registration
        and "Welcome to Ghent." in registration
    )
    school = soup.find(id=f"item-{world['school_code']}")
    assert school.find("a", href=f"/welcome/items/{world['school_code']}/referral")
    assert "OKAN" in school.get_text()


def test_the_consent_page_lists_the_data_and_requires_the_tick(client, world):
    login(client, "tara@example.in")
    url = f"/welcome/items/{world['school_code']}/referral?lang=en"
    soup = check_page(client.get(url).get_data(as_text=True))
    shared = [dt.get_text(strip=True) for dt in soup.select("dl.summary dt")]
    assert shared == [
        "Name",
        "E-mail address",
        "Preferred language",
        "Address",
        "Child's date of birth",
        "Reception class for newcomers (OKAN) suggested",
    ]
    response = client.post(url, data={})
    soup = check_page(response.get_data(as_text=True))
    assert error_summary(soup) and field_error(soup, "consent")
    assert client.post(url, data={"consent": "y"}).status_code == 302
    assert (
        services.find_item(profile_of(world["talent"]), world["school_code"]).referral is not None
    )
    # Asking twice only explains.
    response = client.get(url)
    assert response.status_code == 302


def test_a_brussels_address_is_told_which_region_applies(client, world):
    login(client, "tara@example.in")
    response = client.post(
        "/welcome/profile?lang=en",
        data={"postal_code": "1000", "street": "Grote Markt 1", "preferred_locale": "en"},
    )
    assert response.status_code == 302
    soup = check_page(client.get("/welcome?lang=en").get_data(as_text=True))
    assert "Brussels-Capital Region" in soup.get_text()
    assert soup.find(id=f"item-{world['school_code']}") is None


def test_the_profile_page_saves_and_adds_children(client, world):
    login(client, "tara@example.in")
    data = {
        "arrival_on": date.today().isoformat(),
        "postal_code": "2000",
        "has_partner": "yes",
        "preferred_locale": "de",
    }
    assert client.post("/welcome/profile", data=data).status_code == 302
    profile = profile_of(world["talent"])
    assert (
        profile.refnis == "11002"
        and profile.has_partner is True
        and profile.preferred_locale == "de"
    )
    assert world["talent"].locale == "de"
    before = len(profile.children)
    response = client.post(
        "/welcome/children",
        data={"child-birth_date": (date.today() - timedelta(days=100)).isoformat()},
    )
    assert response.status_code == 302
    assert len(profile_of(world["talent"]).children) == before + 1
    child = profile_of(world["talent"]).children[-1]
    assert client.post(f"/welcome/children/{child.id}/remove").status_code == 302
    assert len(profile_of(world["talent"]).children) == before


@pytest.mark.parametrize("value", ["99999999999999999999", "2147483648", "\u00b2", "01", "-1", "x"])
def test_removing_a_child_that_no_value_can_name_is_not_found(client, world, value):
    """The profile form's "Remove" sends the child's id: a value that is no id (beyond the
    database's integers, a superscript digit, a leading zero) names no child, as another
    family's child's id does (404), and nothing is removed. Past 2**63 it answered 500."""
    login(client, "tara@example.in")
    data = {"postal_code": "2000", "preferred_locale": "en", "action": "save"}
    assert client.post("/welcome/profile", data=data).status_code == 302
    client.post(
        "/welcome/children",
        data={"child-birth_date": (date.today() - timedelta(days=100)).isoformat()},
    )
    before = len(profile_of(world["talent"]).children)
    response = client.post("/welcome/profile", data={**data, "remove_child": value})
    assert response.status_code == 404
    assert len(profile_of(world["talent"]).children) == before >= 1


def test_admin_configures_partners(client, world):
    login(client, "admin@flanders.example")
    bad = client.post(
        "/admin/partners/new?lang=en",
        data={
            "name": "Huis",
            "kind": "childcare",
            "refnis": "99999",
            "email": "x@y.be",
            "webhook_url": "ftp://x",
            "active": "y",
        },
    )
    soup = check_page(bad.get_data(as_text=True))
    assert (
        field_error(soup, "refnis")
        and field_error(soup, "webhook_url")
        and field_error(soup, "webhook_secret")
    )
    duplicate = client.post(
        "/admin/partners/new?lang=en",
        data={
            "name": "Second",
            "kind": "school",
            "refnis": GHENT,
            "email": "s@gent.be",
            "active": "y",
        },
    )
    assert "already has an active service" in duplicate.get_data(as_text=True)
    good = client.post(
        "/admin/partners/new",
        data={
            "name": "Huis van het Kind Antwerpen",
            "kind": "childcare",
            "refnis": "11002",
            "email": "Loket@Antwerpen.be",
            "webhook_url": "https://loket.antwerpen.be/hook",
            "webhook_secret": "s" * 20,
            "active": "y",
        },
    )
    assert good.status_code == 302
    partner = db.session.scalar(select(Partner).where(Partner.refnis == "11002"))
    assert partner.email == "loket@antwerpen.be" and partner.webhook_secret == "s" * 20
    # Editing with an empty secret keeps the secret; the page never shows it.
    page = client.get(f"/admin/partners/{partner.id}").get_data(as_text=True)
    assert "s" * 20 not in page
    edited = client.post(
        f"/admin/partners/{partner.id}",
        data={
            "name": "Huis van het Kind",
            "kind": "childcare",
            "refnis": "11002",
            "email": "loket@antwerpen.be",
            "webhook_url": "https://loket.antwerpen.be/hook",
            "webhook_secret": "",
            "active": "",
        },
    )
    assert edited.status_code == 302
    assert (
        partner.name == "Huis van het Kind"
        and partner.webhook_secret == "s" * 20
        and partner.active is False
    )
    assert "Huis van het Kind" in client.get("/admin/partners").get_data(as_text=True)
    assert client.get("/admin/partners/99999").status_code == 404


def test_the_partner_list_is_read_a_page_at_a_time(client, world, monkeypatch):
    """Stopped services stay on the list, so it grows over the years: a page holds at most
    its size, following "Next page" shows every service once, by municipality code, and a
    cursor that names no service is refused."""
    size = 3
    monkeypatch.setattr(
        partners, "partners_page", functools.partial(partners.partners_page, per_page=size)
    )
    for n, refnis in enumerate(["46003", "11002", "44021", "11002", "71016", "24062", "44021"]):
        make_partner(PartnerKind.SCHOOL, refnis, name=f'<script>x</script> "{n}"', active=False)
    db.session.commit()
    every = list(db.session.scalars(select(Partner)))
    login(client, "admin@flanders.example")
    url, seen, pages_read = "/admin/partners?lang=en", [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        soup = check_page(response.get_data(as_text=True))
        links = soup.select("tbody a")
        assert 1 <= len(links) <= size
        assert "<script>" not in str(soup.select_one("tbody"))
        seen += [int(a["href"].rsplit("/", 1)[1]) for a in links]
        following = soup.select_one('nav.pagination a[rel="next"]')
        url = following["href"] if following else None
        pages_read += 1
        if pages_read > 1:
            assert soup.select_one('nav.pagination a[rel="first"]') is not None
    assert pages_read == -(-len(every) // size)
    assert sorted(seen) == sorted(p.id for p in every)  # each once, none lost
    by_id = {p.id: p for p in every}
    assert [(by_id[i].refnis, i) for i in seen] == sorted((p.refnis, p.id) for p in every)
    referral_id = world["referral"].id  # an id, but of no service
    for cursor in ["-1", "0", "1e3", "9" * 30, "' OR 1=1 --", "\u202e7", str(referral_id + 10**6)]:
        assert client.get("/admin/partners", query_string={"after": cursor}).status_code == 400


@pytest.mark.parametrize(
    ("email", "forbidden"),
    [
        ("tara@example.in", ["/partner/referrals", "/admin/partners", "/welcome/employer/1"]),
        ("desk@city.gent", ["/welcome", "/admin/partners", "/welcome/profile"]),
        ("hr@acme.example", ["/welcome", "/partner/referrals", "/admin/partners/new"]),
        ("admin@flanders.example", ["/welcome", "/partner/referrals"]),
    ],
)
def test_each_role_stays_on_its_own_pages(app, world, email, forbidden):
    client = app.test_client()
    login(client, email)
    for url in forbidden:
        assert client.get(url).status_code == 403, (email, url)


def test_demo_partners_load_once(app, db_session):
    from portal import demo as portal_demo

    portal_demo.load()
    first = demo.load()
    assert [(p.kind, p.refnis, p.email) for p in first] == [
        (PartnerKind.MUNICIPALITY, GHENT, "municipality@demo.example"),
        (PartnerKind.SCHOOL, GHENT, "school@demo.example"),
        (PartnerKind.CHILDCARE, GHENT, "childcare@demo.example"),
    ]
    assert [p.id for p in demo.load()] == [p.id for p in first]
    partner_desk = app.test_client()
    login(partner_desk, "municipality@demo.example", portal_demo.PASSWORD)
    assert partner_desk.get("/partner/referrals").status_code == 200
    tara = app.test_client()
    login(tara, "talent@demo.example", portal_demo.PASSWORD)
    assert "Your welcome checklist" in tara.get("/welcome?lang=en").get_data(as_text=True)


def test_a_page_without_js_has_every_form_with_a_button(client, world):
    login(client, "tara@example.in")
    for url in ("/welcome", "/welcome/profile", f"/welcome/referrals/{world['referral'].id}"):
        soup = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
        for form in soup.find_all("form"):
            assert form.find("button", type="submit"), (url, form)
        assert not soup.find("script")


@pytest.mark.csrf
def test_the_forms_carry_their_csrf_token(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        token = check_page(client.get("/account/login").get_data(as_text=True)).find(
            "input", {"name": "csrf_token"}
        )["value"]
        client.post(
            "/account/login",
            data={"csrf_token": token, "email": "tara@example.in", "password": PASSWORD},
        )
        assert client.post("/welcome/items/bank_account", data={"done": "1"}).status_code == 400
        soup = check_page(client.get("/welcome").get_data(as_text=True))
        form = soup.find("form", action="/welcome/items/bank_account")
        data = {i["name"]: i["value"] for i in form.find_all("input")}
        assert client.post(form["action"], data=data).status_code == 302
        soup = check_page(client.get("/welcome/profile").get_data(as_text=True))
        child_form = soup.find("form", action="/welcome/profile")
        data = {
            i["name"]: i.get("value", "")
            for i in child_form.find_all("input")
            if i.get("type") not in ("radio", "checkbox")
        }
        data.update({"child-birth_date": "2020-01-01", "action": "add_child"})
        assert client.post("/welcome/profile", data=data).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert services.checklist(world["talent"]).done_count == 1
    assert date(2020, 1, 1) in [c.birth_date for c in profile_of(world["talent"]).children]
