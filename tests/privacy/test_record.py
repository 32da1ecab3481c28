"""PRIVACY.md (the record of processing) against the schedule, and the privacy page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.privacy import page, schedule

ROOT = Path(__file__).resolve().parents[2]
RECORD = (ROOT / "PRIVACY.md").read_text(encoding="utf-8")


def series_lines() -> dict[str, str]:
    """The retention section of PRIVACY.md: each "- `series`: ..." bullet, joined."""
    section = RECORD.split("## 7. Retention per series", 1)[1].split("\n## ", 1)[0]
    found = {}
    for bullet in re.split(r"\n- ", section)[1:]:
        match = re.match(r"`([a-z_]+)`:(.*)", bullet, re.S)
        if match:
            found[match.group(1)] = " ".join(match.group(2).split())
    return found


@pytest.mark.parametrize("name", sorted(schedule.load()))
def test_every_series_of_the_schedule_is_in_the_record_with_its_period_and_action(name):
    entry = schedule.load()[name]
    lines = series_lines()
    assert name in lines, f"PRIVACY.md does not describe the series {name}"
    count, unit = entry.period.count, entry.period.unit
    period = f"**{count} {unit if count != 1 else unit[:-1]}**"  # "1 year", "6 months"
    assert period in lines[name], f"{name}: PRIVACY.md does not say {period}"
    assert f"; {entry.action}" in lines[name], f"{name}: PRIVACY.md does not say {entry.action}"


def test_the_record_describes_no_series_the_schedule_does_not_have():
    assert set(series_lines()) == set(schedule.load())


def test_the_record_names_its_legal_bases_and_recipients():
    needles = ("6(1)(e)", "article 9", "article 10", "Bestuursdecreet", "DVZ", "Processors")
    for needle in needles:
        assert needle in RECORD
    assert "(DOMAIN.md, Retention and data protection)" in RECORD


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_the_privacy_page_in_four_languages(client, lang):
    response = client.get(f"/privacy?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'lang="{lang}"' in html and html.count("<h1") == 1
    assert "/privacy/record" in html and "/account/" in html and "/welcome/withdraw" in html
    assert html.count("<dt>") == len(schedule.load())  # one line per series, from the schedule


def test_the_page_says_what_the_schedule_says(client, app):
    with app.test_request_context("/?lang=en"):
        lines = {line.what: line for line in page.lines()}
    drafts = lines["An application that was never submitted"]
    assert drafts.how_long == "6 months after the last change"
    assert drafts.then == "Then it is deleted."


def test_the_footer_links_to_the_privacy_page(client):
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)


def test_the_record_is_served_as_html(client):
    response = client.get("/privacy/record?lang=fr")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.count("<h1") == 1
    assert "<h2>Record of processing: the Single Permit Portal</h2>" in html
    assert "welcome_profiles" in html


def test_html_in_the_record_is_escaped(client, tmp_path, monkeypatch):
    hostile = tmp_path / "PRIVACY.md"
    hostile.write_text("# Record\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n")
    monkeypatch.setattr(page, "RECORD_FILES", (hostile,))
    html = client.get("/privacy/record").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html


def test_no_record_file_is_a_404(client, tmp_path, monkeypatch):
    monkeypatch.setattr(page, "RECORD_FILES", (tmp_path / "missing.md",))
    assert client.get("/privacy/record").status_code == 404


def test_the_record_shows_the_plug_ins_parts_only_where_they_run(client):
    text = page.record_text()
    assert text.count("<!-- with: onboarding -->") == text.count("<!-- end -->") > 0
    on = page.for_this_portal(text, {"onboarding": True})
    off = page.for_this_portal(text, {})
    assert "<!--" not in on and "<!--" not in off
    assert "Withdrawal of the welcome consent" in on
    assert "Withdrawal of the welcome consent" not in off and "Local services" not in off
    html = client.get("/privacy/record").get_data(as_text=True)
    assert "&lt;!--" not in html and "Withdrawal of the welcome consent" in html
