"""The welcome before the flight, a profile that keeps its answers, and one way of counting."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from onboarding import services
from portal import progress
from portal.extensions import db
from tests.applications_support import start, upload
from tests.onboarding.support import granted_dossier, make_talent, profile_of
from tests.support import check_page, field_error, login, make_user

BEFORE = ["d_visa", "travel_documents", "municipality_documents"]


def talent_living_in(country: str, email: str = "tara@example.in"):
    employer = make_user(f"hr-{country.lower()}@acme.example")
    dossier = granted_dossier(
        employer,
        worker_residence_country=country,
        worker_diplomatic_post="Belgian Embassy in New Delhi" if country != "BE" else None,
    )
    talent = make_talent(email, dossier=dossier)
    db.session.commit()
    return talent


def codes(soup, part: str) -> list[str]:
    return [li["id"].removeprefix("item-") for li in soup.select(f"ol.{part} > li")]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_worker_still_abroad_sees_before_you_travel_first(client, lang):
    talent = talent_living_in("IN")
    login(client, talent.email)
    soup = check_page(client.get(f"/welcome?lang={lang}").get_data(as_text=True))
    assert soup.find("h2", id="before-travel") is not None
    assert codes(soup, "travel-checklist") == BEFORE
    assert "Belgian Embassy in New Delhi" in soup.find(id="item-d_visa").get_text()
    assert "d_visa" not in codes(soup, "welcome-checklist")
    # An arrival date still to come keeps the part; one that has passed ends it.
    services.save_profile(
        talent,
        arrival_on=date.today() + timedelta(days=20),
        street=None,
        postal_code=None,
        has_partner=None,
        preferred_locale=None,
    )
    db.session.commit()
    soup = check_page(client.get(f"/welcome?lang={lang}").get_data(as_text=True))
    assert codes(soup, "travel-checklist") == BEFORE
    profile_of(talent).arrival_on = date.today() - timedelta(days=1)
    db.session.commit()
    soup = check_page(client.get(f"/welcome?lang={lang}").get_data(as_text=True))
    assert soup.find(id="before-travel") is None and not codes(soup, "travel-checklist")


def test_a_worker_already_in_belgium_has_no_travel_part(client):
    talent = talent_living_in("BE")
    login(client, talent.email)
    soup = check_page(client.get("/welcome?lang=en").get_data(as_text=True))
    assert soup.find(id="before-travel") is None
    assert codes(soup, "welcome-checklist")[0] == "municipal_registration"


def test_the_count_matches_the_cards_optional_and_travel_steps_included(client):
    talent = talent_living_in("IN")
    login(client, talent.email)
    client.post("/welcome/items/d_visa", data={"done": "1"})
    client.post("/welcome/items/civic_integration", data={"done": "1"})  # the optional one
    soup = check_page(client.get("/welcome?lang=en").get_data(as_text=True))
    cards = soup.select("ol > li.card")
    bar = soup.find("progress")
    assert bar["max"] == str(len(cards)) and bar["value"] == "2"
    assert soup.find(id="progress-text").get_text(strip=True) == f"2 of {len(cards)} steps done"


def test_adding_a_child_keeps_every_unsaved_answer(client):
    talent = talent_living_in("IN")
    login(client, talent.email)
    page = check_page(client.get("/welcome/profile?lang=en").get_data(as_text=True))
    form = page.find("form", action="/welcome/profile")
    add = form.find("button", attrs={"name": "action", "value": "add_child"})
    assert add is not None  # "Add a child" is a button of the profile form itself
    arrival = (date.today() + timedelta(days=30)).isoformat()
    born = (date.today() - timedelta(days=800)).isoformat()
    response = client.post(
        "/welcome/profile?lang=en",
        data={
            "arrival_on": arrival,
            "street": "Kouter 1",
            "postal_code": "9000",
            "has_partner": "yes",
            "preferred_locale": "en",
            "child-birth_date": born,
            "action": "add_child",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#children")
    profile = profile_of(talent)
    assert profile.arrival_on.isoformat() == arrival
    assert (profile.street, profile.postal_code, profile.has_partner) == ("Kouter 1", "9000", True)
    assert [c.birth_date.isoformat() for c in profile.children] == [born]
    soup = check_page(client.get("/welcome/profile?lang=en").get_data(as_text=True))
    assert soup.find(id="arrival_on")["value"] == arrival
    assert soup.find(id="has_partner-0").has_attr("checked")


def test_a_wrong_child_date_keeps_the_typed_answers_on_the_page(client):
    talent = talent_living_in("IN")
    login(client, talent.email)
    future = (date.today() + timedelta(days=5)).isoformat()
    response = client.post(
        "/welcome/profile?lang=en",
        data={
            "arrival_on": "2027-01-10",
            "street": "Kouter 1",
            "postal_code": "9000",
            "has_partner": "no",
            "preferred_locale": "en",
            "child-birth_date": future,
            "action": "add_child",
        },
    )
    assert response.status_code == 400
    soup = check_page(response.get_data(as_text=True))
    assert "future" in field_error(soup, "child-birth_date")
    assert soup.find(id="arrival_on")["value"] == "2027-01-10"
    assert soup.find(id="street")["value"] == "Kouter 1"
    assert soup.find(id="has_partner-1").has_attr("checked")
    db.session.expire_all()
    assert (
        profile_of(talent).street is None and not profile_of(talent).children
    )  # nothing half-saved


def test_removing_a_child_also_keeps_the_answers(client):
    talent = talent_living_in("IN")
    child = services.add_child(talent, date.today() - timedelta(days=400))
    db.session.commit()
    login(client, talent.email)
    response = client.post(
        "/welcome/profile",
        data={"street": "Kouter 2", "postal_code": "9000", "remove_child": str(child.id)},
    )
    assert response.status_code == 302
    assert profile_of(talent).street == "Kouter 2" and not profile_of(talent).children
    assert client.post("/welcome/profile", data={"remove_child": "999999"}).status_code == 404


def test_one_way_of_counting_the_steps_of_an_application(client):
    user = make_user("hr@count.example")
    login(client, user.email)
    dossier = start(client)
    task_list = check_page(client.get(f"/applications/{dossier.id}?lang=en").get_data(as_text=True))
    steps = task_list.select("ol.task-list > li")
    expected = progress.count(False for _ in steps)
    assert task_list.find(id="steps-done").get_text(strip=True) == (
        f"You have completed {len(dossier.done)} of {expected.total} steps."
    )
    client.post(f"/applications/{dossier.id}/category", data={"category": "executive"})
    upload(client, dossier.id, "passport")
    pages = {
        "worker": f"/applications/{dossier.id}/worker?lang=en",
        "documents": f"/applications/{dossier.id}/documents?lang=en",
        "check": f"/applications/{dossier.id}/check?lang=en",
    }
    for number, name in ((2, "worker"), (len(steps) - 1, "documents"), (len(steps), "check")):
        soup = check_page(client.get(pages[name]).get_data(as_text=True))
        indicator = soup.find(class_="step-indicator").get_text(strip=True)
        assert indicator == f"Step {number} of {len(steps)}", name


def test_progress_refuses_a_step_that_is_not_there():
    assert progress.count([True, False, True], current=3) == progress.Progress(2, 3, 3)
    with pytest.raises(ValueError):
        progress.count([True], current=2)
