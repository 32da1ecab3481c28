"""Reference data read from packages (KBO, Statbel, NACE-BEL, CLDR)."""

from __future__ import annotations

import pytest

from portal import reference


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0403.170.701", "0403170701"),
        ("BE 0403 170 701", "0403170701"),
        ("0403.170.702", None),
        ("123", None),
        ("", None),
    ],
)
def test_kbo_numbers(raw, expected):
    assert reference.normalise_kbo(raw) == expected


def test_kbo_format():
    assert reference.format_kbo("0403170701") == "0403.170.701"


def test_postal_code_to_municipality_and_region():
    ghent = reference.municipality_for_postal_code("9000")
    assert (ghent.refnis, ghent.name("fr"), ghent.name("de"), ghent.in_flanders) == (
        "44021",
        "Gand",
        "Gent",
        True,
    )
    liege = reference.municipality_for_postal_code("4000")
    assert liege.in_flanders is False and liege.name("en") == "Luik"
    assert reference.region_name(liege.region, "fr") == "Région wallonne"
    assert reference.municipality_for_postal_code("0000") is None
    assert reference.municipality_for_postal_code("90000") is None


def test_nace_codes_have_labels_in_four_languages():
    assert reference.is_nace_code("49410") and not reference.is_nace_code("4941")
    labels = {lang: reference.nace_label("49410", lang) for lang in ("nl", "fr", "de", "en")}
    assert all(labels.values()) and len(set(labels.values())) == 4
    assert len(reference.nace_choices("nl")) > 900


def test_countries_in_the_readers_language():
    names = dict(reference.countries("fr"))
    assert names["IN"] == "Inde" and names["DE"] == "Allemagne"
    assert "ZZ" not in names and "EU" not in names
    assert reference.country_name("MA", "nl") == "Marokko"
