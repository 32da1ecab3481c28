"""axe-core and the 320-px check, in each of the four languages, on the pages the security
and robustness work added: the account page with its sessions, proving an organisation's
claim, contesting a registration, the officers' claims queue and a claim (also one whose
proof the retention schedule took out), an anonymised contest, the parked items of the
delivery queues, and the page on the federal fee."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from portal import clock
from portal.accounts.models import ClaimStatus, ContestStatus, OrgRole, Role
from portal.extensions import db
from portal.privacy import run
from tests.e2e.helpers import LANGS, h1, log_in_as, unique_email
from tests.support import make_organisation, make_user


def pending_employer(app: Flask, lang: str) -> tuple[str, int]:
    """An employer whose organisation's claim waits for its proof; (e-mail, claim id)."""
    with app.app_context():
        organisation = make_organisation(name=f"Pending {lang} NV", claim=ClaimStatus.PENDING)
        user = make_user(
            unique_email("pending", lang),
            Role.EMPLOYER,
            locale=lang,
            organisation=organisation,
            org_role=OrgRole.ADMIN,
        )
        organisation.claim.claimant_id = user.id
        db.session.commit()
        details = user.email, organisation.claim.id
        db.session.remove()
    return details


def after_retention(app: Flask, series: str, make: Callable[[datetime], object]) -> int:
    """The id of the record `make(long_ago)` creates (three years ago), once the real
    retention run of `series` has handled it."""
    from tests.privacy.test_run import only

    with app.app_context():
        record = make(clock.now() - timedelta(days=3 * 366))
        db.session.commit()
        run.run(dry_run=False, now=clock.now(), entries=only(series))
        record_id = record.id
        db.session.remove()
    return record_id


def decided_contest(long_ago: datetime):
    """A contest decided `long_ago`, its contact person with markup."""
    from tests.factories import ClaimContestFactory

    return ClaimContestFactory(
        status=ContestStatus.DISMISSED,
        decided_at=long_ago,
        created_at=long_ago,
        contact_name="Dirk <b>Director</b>",
        proof_stored_name="",
    )


def rejected_claim(long_ago: datetime):
    """A claim rejected `long_ago`, with a proof and a reason that name Dirk."""
    from portal.accounts.models import ClaimStatus, ProofKind
    from tests.factories import OrganisationFactory

    claim = OrganisationFactory(claim=ClaimStatus.REJECTED).claim
    claim.decided_at = long_ago
    claim.proof_kind, claim.proof_file_name = ProofKind.KBO_EXTRACT, "Dirk <b>Director</b>.pdf"
    claim.proof_stored_name, claim.proof_sha256, claim.proof_size = "", "f" * 64, 10
    claim.decision_reason = "Dirk did not sign"
    return claim


@pytest.mark.parametrize("lang", LANGS)
def test_security_pages(
    page: Page, axe: Callable[..., None], translate, create_account, live_app, lang
):
    def t(msgid, **variables):
        return translate(lang, msgid, **variables)

    def visit(path: str, label: str) -> None:
        page.goto(f"{path}?lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(h1(page)).to_have_count(1)
        axe(label)

    # Public: contest a registration, and the federal fee.
    visit("/account/register/contest", "contest a registration")
    visit("/guide/fee", "the federal fee")

    # An employer whose claim is pending: the account page and the proof page.
    email, claim_id = pending_employer(live_app, lang)
    log_in_as(page, t, lang, email)
    visit("/account/", "account and sessions")
    expect(page.locator("main table")).to_have_count(1)  # the open sessions
    visit("/account/claim", "prove the organisation")
    page.context.clear_cookies()

    # Officers review claims.
    officer = create_account(unique_email("claims-officer", lang), Role.OFFICER, locale=lang)
    log_in_as(page, t, lang, officer["email"])
    visit("/backoffice/claims", "organisation claims")
    visit(f"/backoffice/claims/{claim_id}", "one organisation claim")
    # A contest the retention schedule anonymised: its own state of the contest's page.
    contest_id = after_retention(live_app, "claim_contests", decided_contest)
    visit(f"/backoffice/contests/{contest_id}", "an anonymised contest")
    expect(page.locator("main")).to_contain_text(t("Anonymised by the retention schedule"))
    expect(page.locator("main")).not_to_contain_text("Dirk")
    # A rejected claim whose proof and reason the retention schedule took out.
    rejected_id = after_retention(live_app, "rejected_claims", rejected_claim)
    visit(f"/backoffice/claims/{rejected_id}", "an anonymised claim")
    expect(page.locator("main")).to_contain_text(t("Anonymised by the retention schedule"))
    expect(page.locator("main")).not_to_contain_text("Dirk")
    page.context.clear_cookies()

    # Administrators see the parked items of the delivery queues.
    admin = create_account(unique_email("parked-admin", lang), Role.ADMIN, locale=lang)
    log_in_as(page, t, lang, admin["email"])
    visit("/admin/parked/", "parked items")
