"""Withdrawals, erasures and a partner's answers at once, on a real committed database.

The newcomer clicks "stop" and "erase" in several tabs while the municipality answers the
referral: no request fails, each partner is told exactly once (one webhook, one e-mail),
nothing of the newcomer is left, and the anonymous counts are counted once.
Runs on SQLite, and on PostgreSQL under `.ci/with-postgres.sh` (a database of its own).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from onboarding.models import (
    Partner,
    Referral,
    ReferralMessage,
    WebhookDelivery,
    WelcomeProfile,
    WelcomeTally,
)
from portal.accounts.models import PartnerKind, Role
from portal.extensions import db
from portal.mail import OutboxMessage
from tests.onboarding.factories import GHENT
from tests.support import login, make_user, own_app, run_together

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")

TABS = 4
CODES = {
    PartnerKind.MUNICIPALITY: "municipal_registration",
    PartnerKind.SCHOOL: "school-1",
    PartnerKind.CHILDCARE: "childcare-2",
}


@pytest.fixture
def live(tmp_path):
    with own_app(
        tmp_path,
        "portal_withdrawal",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": TABS * 4, "max_overflow": 10},
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=False,
        ONBOARDING_WEBHOOK_ALLOW_PRIVATE=True,
    ) as app:
        with app.app_context():
            talent = make_user("tara@live.example", Role.TALENT)
            desk = make_user("desk@live.example", Role.PARTNER)
            desk.partner_kind, desk.partner_refnis = PartnerKind.MUNICIPALITY, GHENT
            profile = WelcomeProfile(user_id=talent.id, postal_code="9000", refnis=GHENT)
            db.session.add(profile)
            db.session.flush()
            for kind in PartnerKind:
                partner = Partner(
                    name=f"Gent {kind.value}",
                    kind=kind,
                    refnis=GHENT,
                    email=f"{kind.value}@gent.example",
                    webhook_url="http://127.0.0.1:9/hook",
                    webhook_secret="a-shared-secret-of-some-length",
                )
                db.session.add(partner)
                db.session.flush()
                db.session.add(
                    Referral(
                        profile_id=profile.id,
                        talent_id=talent.id,
                        partner_id=partner.id,
                        item_code=CODES[kind],
                        shared_data='[["name", "Tara"]]',
                    )
                )
            db.session.commit()
            app.referral_id = db.session.scalar(
                select(Referral.id)
                .join(Partner, Partner.id == Referral.partner_id)
                .where(Partner.kind == PartnerKind.MUNICIPALITY)
            )
        yield app


def _client(app, email):
    client = app.test_client()
    with app.app_context():
        login(client, email)
    return client


def test_tabs_withdrawing_and_erasing_while_the_partner_answers(live):
    talents = [_client(live, "tara@live.example") for _ in range(TABS * 2)]
    desks = [_client(live, "desk@live.example") for _ in range(TABS)]
    url = f"/partner/referrals/{live.referral_id}"
    jobs = []
    for n in range(TABS):
        jobs.append(
            lambda c=talents[n]: c.post("/welcome/withdraw", data={"choice": "stop"}).status_code
        )
        jobs.append(
            lambda c=talents[TABS + n]: (
                c.post("/welcome/withdraw", data={"choice": "erase"}).status_code
            )
        )
        jobs.append(
            lambda c=desks[n], n=n: (
                c.post(url, data={"kind": "message", "body": f"Answer {n}"}).status_code
            )
        )
    statuses = run_together(jobs)
    assert all(status < 500 for status in statuses), statuses
    with live.app_context():
        assert db.session.scalar(select(func.count()).select_from(WelcomeProfile)) == 0
        assert db.session.scalar(select(func.count()).select_from(Referral)) == 0
        assert db.session.scalar(select(func.count()).select_from(ReferralMessage)) == 0
        notices = db.session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.event == "referral.withdrawn")
        ).all()
        assert sorted(json.loads(d.payload)["kind"] for d in notices) == sorted(
            k.value for k in PartnerKind
        )
        mails = db.session.scalars(
            select(OutboxMessage.recipient).where(
                OutboxMessage.template == "onboarding_referral_withdrawn"
            )
        ).all()
        assert sorted(mails) == sorted(f"{k.value}@gent.example" for k in PartnerKind)
        tally = {
            (row.event, row.partner_kind): row.count
            for row in db.session.scalars(select(WelcomeTally))
        }
        assert tally[("profiles", "")] == 1
        assert all(tally[("referrals", k.value)] == 1 for k in PartnerKind)
