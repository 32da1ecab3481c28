"""'Check before you apply' (/eligibility) and the posting guide (/guide/detachment)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.dates import format_date

from portal.dossiers import rules
from portal.dossiers.public import eligibility
from portal.i18n import LANGUAGES, format_locale
from tests.support import check_page, error_summary, field_error

URL = "/eligibility"
GUIDE = "/guide/detachment"
GUIDE_ANCHORS = (
    "mandate",
    "employer",
    "worker",
    "category",
    "job",
    "posting",
    "documents",
    "submit",
)
POSTING_EXTRAS = {"posting_declaration", "a1_certificate", "articles_of_association"}
CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css"


def get(client, url=URL, lang="en", **answers):
    response = client.get(url, query_string={"lang": lang, **answers})
    assert response.status_code == 200
    return check_page(response.get_data(as_text=True))


def text(soup, element_id: str) -> str:
    element = soup.find(id=element_id)
    assert element is not None, f"no #{element_id}"
    return element.get_text(" ", strip=True)


def documents(soup) -> list[str]:
    return [li["data-document"] for li in soup.select("#checklist li[data-document]")]


def hq(salary, start="2025-06-01", **more) -> dict:
    return {"category": "highly_qualified", "annual_salary": salary, "start_date": start, **more}


# -- the page in every language ----------------------------------------------------------


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_empty_form_is_public_and_accessible(client, lang):
    soup = get(client, lang=lang)
    assert soup.html["lang"] == lang
    form = soup.find("form", attrs={"method": "get"})
    assert form is not None and form["action"] == URL
    for name in ("category", "annual_salary", "start_date", "reduced_threshold", "posting"):
        assert form.find(attrs={"name": name}) is not None, name
    assert len(soup.select("#category option")) == len(rules.categories()) + 1
    assert error_summary(soup) == []
    assert soup.find(id="outcome") is None


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_result_print_and_error_pages_pass_the_checks_in_every_language(client, lang):
    soup = get(client, lang=lang, **hq("48912", posting="y"))
    assert soup.find(id="outcome") is not None and documents(soup)
    soup = get(client, lang=lang, **hq("48912", posting="y", print="1"))
    assert soup.find("form", attrs={"method": "get"}) is None and documents(soup)
    soup = get(client, lang=lang, category="", annual_salary="-1", start_date="")
    assert len(error_summary(soup)) == 3


def test_the_category_titles_are_translated(client):
    english = [o.get_text(strip=True) for o in get(client, lang="en").select("#category option")]
    assert "Highly qualified worker" in english
    for lang in ("nl", "fr", "de"):
        soup = get(client, lang=lang)
        option = soup.find("option", attrs={"value": "highly_qualified"})
        assert option is not None and option.get_text(strip=True)


# -- the salary threshold ----------------------------------------------------------------


def test_exactly_the_2025_highly_qualified_threshold_is_met(client):
    soup = get(client, **hq("48912"))
    result = soup.find(id="salary-result")
    assert "notice-success" in result["class"]
    assert "Threshold met" in result.get_text()
    outcome = text(soup, "outcome")
    assert "€48,912.00" in outcome and "2025" in outcome


def test_one_euro_below_is_not_met_and_says_by_how_much(client):
    soup = get(client, **hq("48911"))
    result = text(soup, "salary-result")
    assert "Threshold not met" in result
    assert "€1.00 below" in result
    assert "€48,912.00" in text(soup, "outcome")


def test_the_reduced_threshold_for_workers_under_30_or_nurses(client):
    soup = get(client, **hq("39129.60", reduced_threshold="y"))
    assert "Threshold met" in text(soup, "salary-result")
    assert "€39,129.60" in text(soup, "outcome")
    assert "under 30" in text(soup, "outcome")

    soup = get(client, **hq("39129.60"))
    assert "€9,782.40 below" in text(soup, "salary-result")


def test_under_30_does_not_lower_the_executive_threshold(client):
    soup = get(
        client,
        category="executive",
        annual_salary="78259",
        start_date="2025-06-01",
        reduced_threshold="y",
    )
    assert "Threshold met" in text(soup, "salary-result")
    assert "€78,259.00" in text(soup, "outcome")
    assert "applies to highly qualified workers only" in text(soup, "outcome")


@pytest.mark.parametrize(
    ("start", "threshold", "met"),
    [("2024-04-30", "€55,958.00", True), ("2024-05-01", "€60,621.60", False)],
)
def test_the_eu_blue_card_threshold_changed_on_1_may_2024(client, start, threshold, met):
    soup = get(client, category="eu_blue_card", annual_salary="58000", start_date=start)
    outcome = text(soup, "outcome")
    assert threshold in outcome and "2024" in outcome
    assert "in force from" in outcome  # the figure does not cover the whole year
    result = text(soup, "salary-result")
    if met:
        assert "Threshold met" in result
    else:
        assert "Threshold not met" in result and "€2,621.60 below" in result


def test_a_category_without_threshold_says_so(client):
    soup = get(client, category="researcher", annual_salary="1000", start_date="2025-06-01")
    assert "no salary threshold" in text(soup, "salary-result")


def test_a_2026_start_date_gives_the_2025_figure_as_an_indication(client):
    soup = get(client, **hq("50000", start="2026-06-01"))
    result = text(soup, "salary-result")
    assert "The salary thresholds for 2026 are not yet known" in result
    assert "2025" in result and "€48,912.00" in result
    assert "indication" in result
    assert "An officer will check" in result
    assert "reaches that threshold" in result


def test_a_2026_start_date_below_the_2025_figure_says_by_how_much(client):
    soup = get(client, category="executive", annual_salary="78000", start_date="2026-03-01")
    result = text(soup, "salary-result")
    assert "€78,259.00" in result and "€259.00 below" in result and "not yet known" in result


# -- postings, the labour-market test, the submission window --------------------------------


def test_a_posting_in_the_shortage_occupation_category_is_refused(client):
    soup = get(
        client,
        category="shortage_occupation",
        annual_salary="40000",
        start_date="2025-06-01",
        posting="y",
    )
    refusal = text(soup, "posting-refused")
    assert "Not possible as a posting" in refusal
    assert "not available for postings" in refusal
    assert soup.find(id="checklist") is None  # nothing to gather for an impossible file


def test_the_shortage_occupation_without_posting_is_possible(client):
    soup = get(
        client, category="shortage_occupation", annual_salary="40000", start_date="2025-06-01"
    )
    assert soup.find(id="posting-refused") is None
    assert "qualification_proof" in documents(soup)


def test_a_posting_adds_the_posting_documents(client):
    posted = documents(get(client, **hq("50000", posting="y")))
    assert posted == list(rules.required_documents("highly_qualified", posting=True))
    assert set(posted) >= POSTING_EXTRAS
    local = documents(get(client, **hq("50000")))
    assert local == list(rules.required_documents("highly_qualified", posting=False))
    assert not POSTING_EXTRAS & set(local)


def test_the_checklist_has_titles_and_the_six_month_note(client):
    soup = get(client, **hq("50000", posting="y"))
    checklist = text(soup, "checklist")
    assert "Posting declaration" in checklist
    assert "Articles of association of the foreign company" in checklist
    assert "at most 6 months old" in checklist


def test_other_mentions_the_labour_market_test(client):
    soup = get(client, category="other", annual_salary="30000", start_date="2025-06-01")
    test = text(soup, "outcome")
    assert "labour-market test" in test
    assert "9 weeks" in test and "VDAB" in test and "EURES" in test
    assert "vacancy_evidence" in documents(soup)


def test_a_start_more_than_4_5_months_ahead_says_from_when_to_submit(client):
    start = date.today() + timedelta(days=200)
    soup = get(client, **hq("60000", start=start.isoformat()))
    first_day = start - timedelta(days=rules.procedure("max_days_before_start"))
    when = text(soup, "when-result")
    assert "more than 4.5 months" in when
    assert format_date(first_day, "long", locale=format_locale("en")) in when


def test_a_start_within_4_5_months_can_be_submitted_now(client):
    start = date.today() + timedelta(days=30)
    soup = get(client, **hq("60000", start=start.isoformat()))
    assert "You can submit now" in text(soup, "when-result")


def test_a_past_start_date_is_flagged(client):
    assert "has passed" in text(get(client, **hq("60000", start="2024-01-15")), "when-result")


# -- bad input ------------------------------------------------------------------------------


def test_bad_input_shows_the_errors_and_keeps_the_values(client):
    soup = get(
        client,
        category="",
        annual_salary="-5",
        start_date="2025-06-01",
        posting="y",
        reduced_threshold="y",
    )
    assert soup.title.get_text().startswith("Error")
    assert error_summary(soup) == [
        "Category of the permit: Choose a category.",
        "Gross annual salary in euro: The salary cannot be negative.",
    ]
    links = [a["href"] for a in soup.select(".error-summary a")]
    assert links == ["#category", "#annual_salary"]
    assert "Choose a category." in field_error(soup, "category")
    assert "The salary cannot be negative." in field_error(soup, "annual_salary")
    assert soup.find(id="annual_salary")["value"] == "-5"
    assert soup.find(id="annual_salary")["aria-invalid"] == "true"
    assert soup.find(id="start_date")["value"] == "2025-06-01"
    assert soup.find(id="posting").has_attr("checked")
    assert soup.find(id="reduced_threshold").has_attr("checked")
    assert soup.find(id="outcome") is None


def test_a_missing_category_parameter_is_an_error(client):
    soup = get(client, annual_salary="50000", start_date="2025-06-01")
    assert field_error(soup, "category") == "Error: Choose a category."
    assert soup.find(id="annual_salary")["value"] == "50000"


def test_an_unknown_category_is_an_error(client):
    soup = get(client, **{**hq("50000"), "category": "astronaut"})
    assert "Choose a category from the list." in field_error(soup, "category")


def test_an_unreadable_salary_and_date_are_explained(client):
    soup = get(client, category="executive", annual_salary="a lot", start_date="2025-02-30")
    assert "Enter the amount in euro as 55,000 or 55,000.50" in field_error(soup, "annual_salary")
    assert "Enter the start date as a real date" in field_error(soup, "start_date")
    assert soup.find(id="annual_salary")["value"] == "a lot"
    assert soup.find(id="start_date")["value"] == "2025-02-30"
    assert soup.find("option", attrs={"value": "executive"}).has_attr("selected")


def test_empty_answers_are_required(client):
    soup = get(client, category="", annual_salary="", start_date="")
    assert error_summary(soup) == [
        "Category of the permit: Choose a category.",
        "Gross annual salary in euro: Enter the gross annual salary in euro.",
        "Start date of the work: Enter the start date.",
    ]


@pytest.mark.parametrize("lang", ["nl", "fr", "de"])
def test_errors_are_shown_in_every_language(client, lang):
    soup = get(client, lang=lang, category="", annual_salary="-5", start_date="2025-06-01")
    assert len(error_summary(soup)) == 2
    assert field_error(soup, "category") and field_error(soup, "annual_salary")


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("48912", "48912"),
        ("48912.50", "48912.50"),
        ("48912,5", "48912.50"),
        ("48.912", "48912"),
        ("48,912", "48912"),
        ("48 912,50", "48912.50"),
        ("48\u202f912,50", "48912.50"),
        ("48,912.00", "48912"),
        ("€ 48.912", "48912"),
        ("1.234.567,89", "1234567.89"),
        ("-5", "-5"),
    ],
)
def test_amounts_are_read_as_people_type_them(typed, amount):
    assert eligibility.parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize(
    "typed", ["", "abc", "48.912.50", "48912,123", "48.9125", "12,34,567", "1e5", "١٢٣", "9" * 10]
)
def test_ambiguous_or_unreadable_amounts_are_refused(typed):
    with pytest.raises(ValueError):
        eligibility.parse_amount(typed)


def test_a_dutch_style_amount_meets_the_threshold(client):
    soup = get(client, lang="nl", **hq("48.912"))
    assert "notice-success" in soup.find(id="salary-result")["class"]


# -- bookmarking, printing, languages -----------------------------------------------------


def test_the_print_link_keeps_the_answers_and_renders_a_print_version(client):
    soup = get(client, **hq("50000", posting="y"))
    link = soup.find("a", string="Print this checklist")
    assert link is not None
    query = parse_qs(urlsplit(link["href"]).query)
    assert query["print"] == ["1"] and query["annual_salary"] == ["50000"]
    assert query["posting"] == ["y"] and "lang" not in query

    printed = check_page(client.get(link["href"]).get_data(as_text=True))
    assert "checklist" in printed.h1.get_text()
    assert printed.find("form", attrs={"method": "get"}) is None
    assert printed.find("a", string="Print this checklist") is None
    assert documents(printed) == documents(soup)
    assert "print function" in printed.find(class_="no-print").get_text()


def test_print_without_valid_answers_shows_the_form(client):
    soup = get(client, category="", annual_salary="", start_date="", print="1")
    assert soup.find("form", attrs={"method": "get"}) is not None
    assert error_summary(soup)


def test_the_print_stylesheet_hides_the_chrome():
    css = CSS.read_text(encoding="utf-8")
    block = css[css.index("@media print") :]
    assert ".no-print" in block and ".site-header" in block


def test_the_language_switch_keeps_the_answers(client):
    soup = get(client, **hq("50000"))
    french = soup.find("a", attrs={"hreflang": "fr"})
    query = parse_qs(urlsplit(french["href"]).query)
    assert query["lang"] == ["fr"] and query["annual_salary"] == ["50000"]
    assert check_page(client.get(french["href"]).get_data(as_text=True)).find(id="outcome")


def test_the_guide_can_pre_tick_the_posting(client):
    soup = get(client, posting="y")
    assert soup.find(id="posting").has_attr("checked")
    assert error_summary(soup) == [] and soup.find(id="outcome") is None


def test_the_service_uses_the_given_day(app):
    with app.test_request_context("/?lang=en"):
        outcome = eligibility.assess(
            "eu_blue_card", Decimal("70000"), date(2026, 1, 15), today=date(2025, 6, 1)
        )
        assert outcome.earliest_submission == date(2026, 1, 15) - timedelta(days=137)
        assert not outcome.salary.known and outcome.indication.threshold == Decimal("63586.00")
        assert outcome.indication.met
        assert not outcome.start_passed
        refused = eligibility.assess(
            "shortage_occupation",
            Decimal("1"),
            date(2025, 7, 1),
            posting=True,
            today=date(2025, 6, 1),
        )
        assert refused.posting_refused and refused.documents == ()
        assert refused.earliest_submission is None


# -- the posting guide ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_posting_guide_has_all_anchors_and_a_table_of_contents(client, lang):
    soup = get(client, GUIDE, lang=lang)
    assert soup.html["lang"] == lang
    for anchor in GUIDE_ANCHORS:
        section = soup.find(id=anchor)
        assert section is not None, anchor
        assert section.find(["h2", "h3"]) is not None, anchor
    toc = [a["href"] for a in soup.select("nav.toc a")]
    assert toc == [f"#{anchor}" for anchor in GUIDE_ANCHORS]
    assert soup.find("a", href=lambda h: h and h.startswith(URL)) is not None


def test_the_posting_guide_in_english_states_the_key_facts(client):
    soup = get(client, GUIDE)
    assert "Posting a worker to Flanders" in soup.h1.get_text()
    assert "Belgian mandatary" in text(soup, "mandate")
    assert "quarter" in text(soup, "mandate") and "officer" in text(soup, "mandate")
    assert "verified mandate" in text(soup, "employer")
    assert "BIS number" in text(soup, "worker") and "embassy" in text(soup, "worker")
    assert "not available for postings" in text(soup, "category")
    assert "ISCO-08" in text(soup, "job") and "4.5 months" in text(soup, "job")
    assert "Flemish Region" in text(soup, "job")
    assert "Limosa" in text(soup, "posting") and "A1" in text(soup, "posting")
    for fact in ("posting declaration", "A1", "articles of association", "PDF, JPEG or PNG"):
        assert fact in text(soup, "documents"), fact
    assert "complete" in text(soup, "submit") and "receipt" in text(soup, "submit")
    sources = soup.find(class_="sources").get_text()
    assert "vlaanderen.be" in sources and "socialsecurity.be" in sources


def test_crafted_parameters_do_not_reach_the_links(client):
    soup = get(client, **hq("50000", _external="1", _scheme="javascript", _anchor="x", evil="1"))
    href = soup.find("a", string="Print this checklist")["href"]
    assert href.startswith("/eligibility?") and "javascript" not in href
    assert "evil" not in href and "#" not in href
