"""/.well-known/security.txt (RFC 9116): public, a contact, an Expires computed from the clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal import clock

NOW = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)


@pytest.fixture
def frozen():
    with clock.frozen(NOW):
        yield


def fields(body: str) -> list[tuple[str, str]]:
    return [tuple(line.split(": ", 1)) for line in body.splitlines() if line]


def test_security_txt_is_public_and_follows_rfc_9116(client, frozen):
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.content_type == "text/plain; charset=utf-8"
    found = fields(response.get_data(as_text=True))
    names = [name for name, _value in found]
    assert names.count("Contact") >= 1 and names.count("Expires") == 1
    values = dict(found)
    assert values["Contact"] == "mailto:security@portal.example"
    # Expires: in the future, less than a year away (RFC 9116 section 2.5.5), from the clock.
    assert values["Expires"] == "2027-05-31T10:30:00Z"
    assert values["Canonical"] == "http://portal.test/.well-known/security.txt"
    assert "Preferred-Languages" in values


def test_the_contact_comes_from_the_settings_and_cannot_add_fields(app, client, frozen):
    app.config["SECURITY_CONTACT"] = "cert@vlaanderen.example, https://example.org/report"
    app.config["SECURITY_POLICY_URL"] = "https://example.org/policy\r\nContact: evil"
    app.config["SECURITY_TXT_DAYS"] = 30
    try:
        found = fields(client.get("/.well-known/security.txt").get_data(as_text=True))
    finally:
        app.config["SECURITY_CONTACT"] = "mailto:security@portal.example"
        app.config["SECURITY_POLICY_URL"] = ""
        app.config["SECURITY_TXT_DAYS"] = 180
    contacts = [value for name, value in found if name == "Contact"]
    assert contacts == ["mailto:cert@vlaanderen.example", "https://example.org/report"]
    assert dict(found)["Expires"] == "2027-01-01T10:30:00Z"
    assert dict(found)["Policy"] == "https://example.org/policy Contact: evil"
