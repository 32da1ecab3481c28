"""The public professional-card pages: the exemption check (every outcome, one question per
page, hostile query strings) and the information page (figures from the rules, in the
reader's number format), both linked from the home page."""

from __future__ import annotations

import copy
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest

from portal.accounts.models import Role
from portal.dossiers import card_rules, rules
from portal.dossiers.public import card_check
from portal.extensions import db
from portal.i18n import LANGUAGES
from tests.card_support import make_entrepreneur
from tests.factories import UserFactory
from tests.support import check_page, error_summary, login, make_user

CHECK = "/card/exemption-check"
INFO = "/card"

# The answers of someone who needs a card: self-employed, no exemption, in Flanders.
NEEDS_A_CARD = {
    "self_employed": "yes",
    **{ground: "no" for ground in card_rules.exemption_grounds()},
    "region": "flanders",
}


def get(client, url=CHECK, lang="en", status=200, **args):
    response = client.get(url, query_string={"lang": lang, **args})
    assert response.status_code == status, response.status_code
    return check_page(response.get_data(as_text=True))


def text(soup, element_id: str) -> str:
    element = soup.find(id=element_id)
    assert element is not None, f"no #{element_id}"
    return element.get_text(" ", strip=True)


def outcome(soup) -> str | None:
    section = soup.find(id="outcome")
    return section["data-outcome"] if section else None


def asked(soup) -> str | None:
    """The name of the question the page asks (its radio buttons), or None."""
    radio = soup.select_one("#card-check-form input[type=radio]")
    return radio["name"] if radio else None


def no_until(name: str) -> dict:
    """Self-employed, and "no" to every exemption before `name`."""
    answers = {"self_employed": "yes"}
    for ground in card_rules.exemption_grounds():
        if ground == name:
            break
        answers[ground] = "no"
    return answers


# -- one question per page ---------------------------------------------------------------


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_check_starts_with_one_question_in_every_language(client, lang):
    soup = get(client, lang=lang)
    assert soup.html["lang"] == lang
    assert asked(soup) == "self_employed"
    assert outcome(soup) is None
    assert soup.find("form", id="card-check-form")["method"] == "get"
    assert soup.select_one("fieldset legend").get_text(strip=True)


def test_each_answer_leads_to_the_next_question_with_the_answers_carried(client):
    soup = get(client, self_employed="yes")
    assert asked(soup) == card_rules.exemption_grounds()[0]
    hidden = {
        tag["name"]: tag["value"] for tag in soup.select("#card-check-form input[type=hidden]")
    }
    assert hidden == {"self_employed": "yes", "asked": card_rules.exemption_grounds()[0]}
    assert "Step 2 of" in soup.get_text()


def test_every_question_in_turn_then_the_region(client):
    for name in card_check.question_names():
        answers = {key: value for key, value in NEEDS_A_CARD.items()}
        names = list(card_check.question_names())
        before = {key: answers[key] for key in names[: names.index(name)]}
        assert asked(get(client, **before)) == name


# -- every outcome -----------------------------------------------------------------------


def test_an_employee_needs_no_card_but_a_single_permit(client):
    soup = get(client, self_employed="no")
    assert outcome(soup) == "employee"
    assert soup.find("a", href=lambda href: href and href.startswith("/eligibility"))


@pytest.mark.parametrize(
    "ground",
    [
        "eea_swiss",
        "eea_family",
        "belgian_spouse",
        "unlimited_stay",
        "recognised_refugee",
        "temporary_protection",
        "assisting_spouse",
    ],
)
def test_an_exemption_names_its_ground_and_the_residence_document_is_the_proof(client, ground):
    soup = get(client, **no_until(ground), **{ground: "yes"})
    assert outcome(soup) == "exempt"
    assert soup.find(id="ground")["data-ground"] == ground
    assert card_rules.exemption_title(ground) in text(soup, "ground")
    assert text(soup, "outcome-title") == "You need no professional card"
    page = text(soup, "outcome")
    if ground == "eea_swiss":
        assert "identity document is the proof" in page
    else:
        assert "residence document is the proof" in page
    assert not soup.find(id="apply")


def test_a_short_stay_is_only_possibly_exempt(client):
    soup = get(client, **no_until("short_stay"), short_stay="yes")
    assert outcome(soup) == "exempt"
    assert text(soup, "outcome-title") == "You may need no professional card"
    assert "Ask the Economic Migration service" in text(soup, "outcome")


@pytest.mark.parametrize("region", ["brussels", "wallonia", "german_speaking"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_another_region_says_where_to_go(client, region, lang):
    answers = {**NEEDS_A_CARD, "region": region}
    soup = get(client, lang=lang, **answers)
    assert outcome(soup) == "other_region"
    where = card_rules.region(region)
    assert where.authority(lang) in text(soup, "where")
    assert where.name(lang) in text(soup, "where")
    assert soup.find(id="region-link")["href"] == where.url


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_someone_who_needs_a_card_sees_the_conditions_and_a_way_to_apply(client, lang):
    soup = get(client, lang=lang, **NEEDS_A_CARD)
    assert outcome(soup) == "needed"
    assert [dt["data-category"] for dt in soup.select("#card-categories dt")] == list(
        card_rules.categories()
    )
    assert soup.find(id="apply")["href"].endswith("/account/register/entrepreneur")
    assert soup.select("#card-documents li[data-document]")


@pytest.mark.parametrize(
    ("role", "linked", "path", "label"),
    [
        (Role.ENTREPRENEUR, True, "/applications/new-card", "Apply for a professional card"),
        (
            Role.MANDATARY,
            True,
            "/applications/new-card",
            "Apply for a professional card for a person",
        ),
        # None of these can file a card; being logged in, registering is no way either.
        (Role.MANDATARY, False, "/card#apply", "How to apply"),  # no business counter yet
        (Role.EMPLOYER, True, "/card#apply", "How to apply"),
        (Role.OFFICER, True, "/card#apply", "How to apply"),
    ],
)
def test_the_way_to_apply_depends_on_who_asks(client, role, linked, path, label):
    email = f"{role.value}-{int(linked)}@card-check.example"
    if role == Role.ENTREPRENEUR:
        make_entrepreneur(email)  # logging in needs the identity given when registering
    elif linked:
        make_user(email, role)
    else:
        UserFactory(email=email, role=role)  # a mandatary account without a company
    db.session.commit()
    login(client, email)
    link = get(client, **NEEDS_A_CARD).find(id="apply")
    assert (link["href"], link.get_text(strip=True)) == (path, label)
    # And it leads somewhere that answers this account.
    assert client.get(path.partition("#")[0]).status_code == 200


def test_the_registration_chooser_offers_the_entrepreneurs_account(client):
    soup = get(client, "/account/register")
    assert soup.select_one('main a[href="/account/register/entrepreneur"]') is not None


def test_the_result_lists_the_answers_with_links_to_change_them(client):
    soup = get(client, **NEEDS_A_CARD)
    links = [a["href"] for a in soup.select("#answers a")]
    assert len(links) == len(NEEDS_A_CARD)
    # "Change" on the third answer goes back to the third question, the first two kept.
    third = dict(parse_qsl(urlsplit(links[2]).query))
    names = list(card_check.question_names())
    assert third == {names[0]: "yes", names[1]: "no"}


# -- hostile query strings ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["maybe", "YES", "x" * 10_000, "yes\x00", "\x00", "", "<script>alert(1)</script>"],
)
def test_an_unknown_answer_asks_the_question_again(client, value):
    response = client.get(CHECK, query_string={"lang": "en", "self_employed": value})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    soup = check_page(html)
    assert asked(soup) == "self_employed"
    assert error_summary(soup)
    assert "<script>alert(1)" not in html
    # The bad answer is not carried on (the language links keep the query, escaped).
    assert "x" * 100 not in str(soup.find("form", id="card-check-form"))
    assert soup.title.get_text().startswith("Error")


def test_a_form_sent_without_a_choice_asks_again_with_a_message(client):
    soup = get(client, self_employed="yes", asked="eea_swiss")
    assert asked(soup) == "eea_swiss"
    assert error_summary(soup) == [
        "Are you a national of a country of the European Economic "
        "Area (the EU, Iceland, Liechtenstein, Norway) or of "
        "Switzerland?: Choose one of the answers."
    ]


def test_later_answers_after_a_bad_one_are_not_carried(client):
    soup = get(client, self_employed="yes", eea_swiss="perhaps", belgian_spouse="yes")
    assert asked(soup) == "eea_swiss"
    hidden = {tag["name"] for tag in soup.select("#card-check-form input[type=hidden]")}
    assert hidden == {"self_employed", "asked"}


@pytest.mark.parametrize(
    "args",
    [
        {"_external": "1", "_scheme": "javascript", "self_employed": "no"},
        {"self_employed": ["no", "yes"]},
        {"unknown\x00": "x" * 10_000},
        {"region": "flanders"},  # an answer for a later question alone
    ],
)
def test_crafted_query_strings_never_fail(client, args):
    response = client.get(CHECK, query_string=args)
    assert response.status_code in (200, 400)
    soup = check_page(response.get_data(as_text=True))
    for link in soup.select("#main a[href], #main form[action]"):
        target = link.get("href") or link.get("action")
        assert target.startswith("/") and not target.startswith("//"), target


def test_nul_and_broken_encoding_in_the_raw_query_string(client):
    for raw in ("self_employed=%00", "self_employed=%ff%fe", "%00=%00&self_employed=yes"):
        response = client.get(f"{CHECK}?{raw}")
        assert response.status_code in (200, 400), raw


# -- the information page -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "means", "capital"),
    [
        ("nl", "26.086,66", "18.600"),
        ("fr", "26.086,66", "18.600"),
        ("de", "26.086,66", "18.600"),
        ("en", "26,086.66", "18,600"),
    ],
)
def test_the_information_page_in_the_readers_number_format(client, lang, means, capital):
    soup = get(client, INFO, lang=lang)
    assert soup.html["lang"] == lang
    assert f"EUR\u00a0{means}" in text(soup, "card-means")
    assert f"EUR\u00a0{capital}" in text(soup, "card-conditions")
    assert "EUR\u00a0140" in text(soup, "card-fees")
    assert soup.find(id="start-check")["href"] == CHECK


def test_the_information_page_names_every_section_and_the_facts(client):
    soup = get(client, INFO)
    for section in ("who", "categories", "conditions", "documents", "apply", "fees", "timing"):
        assert soup.find(id=section), section
    for section in ("renewal", "appeal", "regions"):
        assert soup.find(id=section), section
    assert "level 4" in text(soup, "card-conditions")
    assert "6 months" in text(soup, "card-conditions")
    assert "about 120 days" in text(soup, "card-decision")
    assert "1 to 3 years" in text(soup, "card-validity")
    assert "from 60 days before the card expires" in text(soup, "card-renewal")
    assert "from 90 days before it expires" in text(soup, "card-renewal")
    assert "90 days and again 60 days" in text(soup, "card-renewal")
    appeal = text(soup, "card-appeal")
    assert "within 30 days" in appeal and "within 60 days" in appeal
    assert "3 years: EUR\u00a0270" in text(soup, "card-fees")
    assert text(soup, "card-fees-unconfirmed")
    assert [li["data-ground"] for li in soup.select("#card-exemptions li")] == list(
        card_rules.exemption_grounds()
    )
    filing = text(soup, "card-filing")
    assert "Annex 3" in filing and "Attestation of immatriculation" in filing


def test_the_pages_take_their_figures_from_the_data(client, monkeypatch):
    data = copy.deepcopy(rules._data()["card"])
    data["start_capital_eur"]["value"] = 20000
    data["fee_application_eur"]["value"] = 155
    data["decision_days"]["value"] = 100
    data["means_threshold"].append(
        {"valid_from": date(2026, 6, 1), "annual_eur": 27123.45, "source": "test"}
    )
    monkeypatch.setattr(card_rules, "_card", lambda: data)
    soup = get(client, INFO, lang="nl")
    assert "EUR\u00a020.000" in text(soup, "card-conditions")
    assert "EUR\u00a027.123,45" in text(soup, "card-means")
    assert "EUR\u00a0155" in text(soup, "card-fees")
    assert "100" in text(soup, "card-decision")
    soup = get(client, lang="en", **NEEDS_A_CARD)
    assert "EUR\u00a020,000" in text(soup, "card-categories")


def test_the_home_page_links_both_pages(client):
    soup = get(client, "/")
    hrefs = {a["href"] for a in soup.select("#main a[href]") or soup.select("a[href]")}
    assert CHECK in hrefs and INFO in hrefs
