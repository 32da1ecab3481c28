"""The browser tests' one set of helpers: page landmarks, logging in and out, e-mails, PDFs.

Every test module of tests/e2e imports these from here (never from another test module),
so a journey reads as its steps and a change of the page layout is made in one place.
"""

from __future__ import annotations

import io
import re
import time
import uuid
from collections.abc import Callable
from datetime import date
from email.message import EmailMessage
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from portal import clock
from portal.i18n import force_locale, format_date
from tests.support import PASSWORD, link_in, text_of

LANGS = ["nl", "fr", "de", "en"]
NEW_PASSWORD = "a long and memorable sentence"  # >= 12 characters

# A minimal, well-formed one-page PDF (the portal sniffs the %PDF signature).
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


# --- values --------------------------------------------------------------------------------


def kbo_number(first_eight: int) -> str:
    """A valid Belgian enterprise number: 8 digits and 97 - (those digits mod 97)."""
    assert 0 < first_eight < 2 * 10**7  # so that it starts with 0 or 1
    return f"{first_eight:08d}{97 - first_eight % 97:02d}"


def unique_email(kind: str, lang: str) -> str:
    return f"{kind}-{lang}-{uuid.uuid4().hex[:10]}@example.be"


def brussels_today() -> date:
    """The portal's "today" (its dates are days in Brussels)."""
    return clock.today()


def long_date(app: Flask, lang: str, day: date) -> str:
    """A date as the portal's `date("long")` filter writes it in `lang`."""
    with app.test_request_context("/"), force_locale(lang):
        return format_date(day, "long")


def full_date(app: Flask, lang: str, day: date) -> str:
    """A date as the portal's `date("full")` filter writes it in `lang`."""
    with app.test_request_context("/"), force_locale(lang):
        return format_date(day, "full")


def read_pdf(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)


# --- landmarks -----------------------------------------------------------------------------


def h1(page: Page):
    return page.get_by_role("heading", level=1)


def header(page: Page):
    return page.locator("header.site-header")


def main(page: Page):
    return page.locator("main")


def flash(page: Page):
    return page.get_by_role("status")


# --- logging in and out ----------------------------------------------------------------------


def log_in(page: Page, t, email: str, password: str) -> None:
    """On the login page: log in and land on the dashboard."""
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    main(page).get_by_role("button", name=t("Log in"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(h1(page)).to_have_text(t("My dashboard"))


def log_in_as(page: Page, t, lang: str, email: str) -> None:
    """Go to the login page in `lang` and log in with the tests' password."""
    page.goto(f"/account/login?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    log_in(page, t, email, PASSWORD)


def log_in_from_the_header(page: Page, t, email: str) -> None:
    header(page).get_by_role("link", name=t("Log in"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/login$"))
    log_in(page, t, email, PASSWORD)


def log_out(page: Page, t) -> None:
    header(page).get_by_role("button", name=t("Log out"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("status")).to_contain_text(t("You are logged out."))
    expect(header(page).get_by_role("link", name=t("Log in"), exact=True)).to_be_visible()
    expect(header(page).get_by_role("button")).to_have_count(0)


# --- e-mail ----------------------------------------------------------------------------------


def wait_for_mail(
    sink,
    address: str,
    count: int = 1,
    *,
    subject: str | None = None,
    containing: str | None = None,
    timeout: float = 30,
) -> EmailMessage:
    """The last e-mail to `address` once `count` have come, or the last with this `subject`
    or whose text is `containing` these words (others may share the address)."""

    def wanted(message: EmailMessage) -> bool:
        return (subject is None or message["Subject"] == subject) and (
            containing is None or containing in text_of(message)
        )

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in sink.to(address) if wanted(m)]
        if len(found) >= count:
            return found[-1]
        time.sleep(0.05)
    if subject is None and containing is None:
        return sink.last_to(address)  # fails with the list of recipients
    subjects = [m["Subject"] for m in sink.to(address)]
    raise AssertionError(
        f"no e-mail to {address} with subject {subject!r} containing {containing!r}; got {subjects}"
    )


def verify_by_mail(page: Page, t: Callable[..., str], sink, address: str, lang: str, base_url: str):
    """Follow the link of the confirmation e-mail, which points to the live server."""
    message = wait_for_mail(sink, address)
    assert message["Subject"] == t("Confirm your e-mail address")
    assert message["Content-Language"] == lang
    path = link_in(message, "/account/verify/")
    assert f"{base_url}{path}" in text_of(message), "the link must point to the live server"
    page.goto(path)
    expect(h1(page)).to_have_text(t("Your e-mail address is confirmed"))
