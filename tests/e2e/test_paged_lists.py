"""axe-core and the 320-px check, in each of the four languages, on the staff lists that come
a page at a time with their page links showing: the mandates to verify, the three lists of
the claims page, the helpdesk's proofs and intake messages, an employer's drafts for an
e-mail submission, a mandatary's foreign employers, and an organisation's members and
requests to join (two rows a page here, so that a few rows make a second page)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from portal import clock, paging
from portal.accounts.models import ClaimStatus, MembershipClaim, OrgRole, Role
from portal.extensions import db
from tests.e2e.helpers import LANGS, h1, log_in_as, unique_email
from tests.factories import (
    ClaimContestFactory,
    DossierFactory,
    ForeignEmployerFactory,
    IntakeMessageFactory,
    MandateFactory,
    OrganisationFactory,
    UserFactory,
    proof,
)
from tests.support import make_organisation, make_user

ROWS = 3  # two pages of two


def seed(app: Flask, lang: str) -> tuple[str, str, str]:
    """Three of each list's rows, older than any other test's (so they come first); the
    e-mails of a helpdesk agent who issued the proofs, of an employer with three drafts (the
    administrator of an organisation with three more members and three people asking to
    join) and of a mandatary with three foreign employers."""
    old = clock.now() - timedelta(days=400)
    with app.app_context():
        agent = make_user(unique_email("paged-agent", lang), Role.HELPDESK, locale=lang)
        employer = make_user(
            unique_email("paged-employer", lang),
            locale=lang,
            organisation=make_organisation(name=f"Paged {lang} NV"),
            org_role=OrgRole.ADMIN,
        )
        mandatary = make_user(unique_email("paged-mandatary", lang), Role.MANDATARY, locale=lang)
        for n in range(ROWS):
            moment = old + timedelta(minutes=n)
            MandateFactory(foreign_employer=ForeignEmployerFactory(), created_at=moment)
            for with_proof in (True, False):
                claim = OrganisationFactory(claim=ClaimStatus.PENDING).claim
                claim.created_at, claim.expires_at = moment, moment + timedelta(days=30)
                claim.proof_uploaded_at = moment if with_proof else None
            ClaimContestFactory(company_name=f"Contest {lang} {n}", locale=lang, created_at=moment)
            proof(agent, f"paged-{lang}-{n}@example.be", locale=lang)
            IntakeMessageFactory()
            DossierFactory(owner=employer)
            represented = ForeignEmployerFactory(mandatary=mandatary.mandatary, name=f"Firma {n}")
            MandateFactory(foreign_employer=represented, uploaded_by=mandatary, verified=True)
            UserFactory(organisation=employer.organisation, org_role=OrgRole.MEMBER)
            asker = UserFactory(organisation=None)
            db.session.add(
                MembershipClaim(organisation_id=employer.organisation_id, user_id=asker.id)
            )
        db.session.commit()
        emails = agent.email, employer.email, mandatary.email
        db.session.remove()
    return emails


@pytest.mark.parametrize("lang", LANGS)
def test_paged_staff_lists(
    page: Page,
    axe: Callable[..., None],
    translate,
    create_account,
    live_app,
    monkeypatch,
    lang,
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    def visit(path: str, label: str, nav: str) -> None:
        """The page at `path`, checked; then the page its `nav` list's next link opens."""
        page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(h1(page)).to_have_count(1)
        axe(label)
        links = page.get_by_role("navigation", name=t(nav))
        links.get_by_role("link", name=t("Next page")).click()
        expect(links.get_by_role("link", name=t("Page %(number)s", number=1))).to_be_visible()
        axe(f"{label}, page 2")

    monkeypatch.setattr(paging, "PER_PAGE", 2)
    agent, employer, mandatary = seed(live_app, lang)

    officer = create_account(unique_email("paged-officer", lang), Role.OFFICER, locale=lang)
    log_in_as(page, t, lang, officer["email"])
    visit("/backoffice/mandates", "mandates to verify", "Pages of the mandates to verify")
    visit("/backoffice/claims", "contests", "Pages of the contests")
    visit("/backoffice/claims", "proofs to check", "Pages of the proofs to check")
    visit("/backoffice/claims", "claims waiting", "Pages of the claims waiting for a proof")
    page.context.clear_cookies()

    log_in_as(page, t, lang, agent)
    visit("/helpdesk/desk/proofs", "proofs for e-mail submission", "Pages of the proofs")
    visit("/helpdesk/desk/intake?state=all", "mail intake", "Pages of the messages")
    page.context.clear_cookies()

    log_in_as(page, t, lang, employer)
    visit("/helpdesk/drafts", "application forms of drafts", "Pages of your drafts")
    visit("/account/organisation", "colleagues", "Pages of the colleagues")
    visit("/account/organisation", "requests to join", "Pages of the requests to join")
    page.context.clear_cookies()

    log_in_as(page, t, lang, mandatary)
    visit("/mandates/", "foreign employers", "Pages of your foreign employers")
