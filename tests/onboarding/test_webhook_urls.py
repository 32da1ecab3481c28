"""Partner webhooks reach only public https addresses: when saved and when delivered."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import select

from onboarding import partners, urlcheck, webhooks
from onboarding.models import WebhookDelivery
from portal.accounts.models import PartnerKind, Role
from portal.errors import Invalid
from tests.onboarding.support import (
    make_partner,
    receiver_fixture,  # noqa: F401 - the `receiver` fixture
)
from tests.support import make_user

SECRET = "a-shared-secret-of-some-length"
PUBLIC = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]


@pytest.fixture(autouse=True)
def strict(app, db_session, monkeypatch):
    """The production rule (the suite's other tests allow their local receivers)."""
    monkeypatch.setitem(app.config, "ONBOARDING_WEBHOOK_ALLOW_PRIVATE", False)
    with app.test_request_context("/?lang=en"):
        yield


def resolving_to(monkeypatch, *addresses):
    seen = []

    def fake(host, port):
        seen.append(host)
        return list(addresses)

    monkeypatch.setattr(urlcheck, "resolve", fake)
    return seen


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/", "scheme"),
        ("https://169.254.169.254/latest/meta-data/", "private"),
        ("https://127.0.0.1/", "private"),
        ("https://[::1]/", "private"),
        ("https://10.0.0.1/", "private"),
        ("https://192.168.1.20:8443/hook", "private"),
        ("https://172.16.0.1/", "private"),
        ("https://100.64.0.1/", "private"),
        ("https://0.0.0.0/", "private"),
        ("https://224.0.0.251/", "private"),
        ("https://240.0.0.1/", "private"),
        ("https://[fe80::1]/", "private"),
        ("https://[fd00::1]/", "private"),
        ("https://[ff02::1]/", "private"),
        ("https://[::ffff:127.0.0.1]/", "private"),
        ("https://[::ffff:169.254.169.254]/", "private"),
        ("https://[2002:7f00:1::]/", "private"),
        ("https://[64:ff9b::a00:1]/", "private"),
        ("https://localhost/", "private"),
        ("https://2130706433/", "private"),
        ("https://user:pw@example.org/", "scheme"),
        ("ftp://example.org/", "scheme"),
        ("https:///nohost", "scheme"),
        ("https://example.org:99999/", "scheme"),
        ("javascript:alert(1)", "scheme"),
    ],
)
def test_unsafe_webhook_addresses_are_refused(url, kind):
    with pytest.raises(urlcheck.UnsafeURL) as refused:
        urlcheck.check_url(url)
    assert refused.value.kind == kind


def test_a_host_is_refused_if_any_of_its_addresses_is_private(monkeypatch):
    resolving_to(monkeypatch, "93.184.216.34", "10.1.2.3")
    with pytest.raises(urlcheck.UnsafeURL, match="10.1.2.3"):
        urlcheck.check_url("https://partner.example/hook")


def test_a_public_host_is_accepted(monkeypatch):
    seen = resolving_to(monkeypatch, *PUBLIC)
    urlcheck.check_url("https://partner.example:8443/hook")
    assert seen == ["partner.example"]


def test_an_unknown_host_is_refused(monkeypatch):
    def unknown(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(urlcheck, "resolve", unknown)
    with pytest.raises(urlcheck.UnsafeURL) as refused:
        urlcheck.check_url("https://no-such-host.invalid/")
    assert refused.value.kind == "unresolved"


def save(url: str):
    admin = make_user("admin@flanders.example", Role.ADMIN)
    return partners.save_partner(
        admin,
        None,
        name="School",
        kind="school",
        refnis="44021",
        email="school@gent.be",
        webhook_url=url,
        webhook_secret=SECRET,
        active=True,
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://169.254.169.254/", "starts with https://"),
        ("https://127.0.0.1/", "private or local network"),
        ("https://[::1]/", "private or local network"),
        ("https://10.0.0.1/", "private or local network"),
        ("https://localhost/", "private or local network"),
    ],
)
def test_the_administrator_cannot_save_an_unsafe_address(url, message):
    with pytest.raises(Invalid) as refused:
        save(url)
    assert message in str(refused.value.errors["webhook_url"][0])


def test_the_administrator_saves_a_public_address(monkeypatch):
    resolving_to(monkeypatch, *PUBLIC)
    assert save("https://partner.example/hook").webhook_url == "https://partner.example/hook"


def test_delivery_checks_again_because_dns_can_change(monkeypatch, receiver):
    resolving_to(monkeypatch, *PUBLIC)
    partner = save("https://partner.example/hook")
    webhooks.queue(partner, "referral.created", {"referral": 1})
    # Later the partner's name points at the metadata service.
    resolving_to(monkeypatch, "169.254.169.254")
    assert webhooks.deliver_webhooks() == (0, 1)
    delivery = webhooks.db.session.scalar(select(WebhookDelivery))
    assert "169.254.169.254" in delivery.last_error and delivery.sent_at is None


def test_delivery_refuses_a_stored_private_address(monkeypatch, receiver):
    # A row from before the check (or written around it) to the local receiver.
    https_local = receiver.url.replace("http://", "https://")
    for url in (receiver.url, https_local, "https://localhost:9/x"):
        partner = make_partner(PartnerKind.SCHOOL, webhook_url=url, webhook_secret=SECRET)
        webhooks.queue(partner, "referral.created", {"referral": 1})
    assert webhooks.deliver_webhooks() == (0, 3)
    assert receiver.requests == []
