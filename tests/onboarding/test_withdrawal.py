"""Withdrawing consent for the welcome, and erasing the welcome data (issue 18).

The nasty cases: withdrawing twice, a partner answering while the newcomer withdraws, a
partner whose system is down (queued, retried, parked; the others still told), and the
figures, which must not change when the people behind them are erased.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from onboarding import answers, referrals, services, webhooks, withdrawal
from onboarding.models import (
    ChecklistItem,
    Child,
    Referral,
    ReferralMessage,
    WebhookDelivery,
    WelcomeInvitation,
    WelcomeProfile,
)
from portal import audit, clock, jobs
from portal.accounts.models import PartnerKind, Role
from portal.audit import AuditEntry
from portal.errors import Invalid, NotFound
from portal.extensions import db
from tests.onboarding.support import (
    granted_dossier,
    make_partner,
    make_partner_user,
    make_talent,
    outbox,
    payload,
    profile_of,
    receiver_fixture,  # noqa: F401 - the `receiver` fixture
)
from tests.support import login, make_user

SECRET = "a-shared-secret-of-some-length"

_ABSENT = object()


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    with app.test_request_context("/?lang=en"):
        yield


def newcomer(email: str, employer: str):
    dossier = granted_dossier(make_user(employer))
    user = make_talent(email, dossier=dossier, consent_employer_view=True)
    services.save_profile(
        user,
        arrival_on=date.today(),
        street="Kouter 1",
        postal_code="9000",
        has_partner=True,
        preferred_locale="en",
    )
    services.add_child(user, date.today() - relativedelta(years=14, days=1))
    services.add_child(user, date.today() - relativedelta(years=1, days=1))
    return user


@pytest.fixture
def tara():
    return newcomer("tara@example.in", "hr@acme.example")


@pytest.fixture
def ghent():
    return {
        PartnerKind.MUNICIPALITY: make_partner(
            PartnerKind.MUNICIPALITY, name="Stad Gent", locale="fr"
        ),
        PartnerKind.SCHOOL: make_partner(PartnerKind.SCHOOL, name="Aanmeldpunt Gent"),
        PartnerKind.CHILDCARE: make_partner(
            PartnerKind.CHILDCARE, name="Loket Kinderopvang Gent", locale="de"
        ),
    }


def code_of(talent, rule: str) -> str:
    return next(e.item.code for e in services.checklist(talent).entries if e.item.rule == rule)


def refer_all(talent) -> list[Referral]:
    return [
        referrals.refer(talent, "municipal_registration", consent=True),
        referrals.refer(talent, code_of(talent, "school"), consent=True),
        referrals.refer(talent, code_of(talent, "childcare"), consent=True),
    ]


def notices(event: str = "referral.withdrawn") -> list[WebhookDelivery]:
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.event == event)
            .order_by(WebhookDelivery.id)
        )
    )


def test_withdrawing_stops_every_referral_and_tells_each_partner_once_in_its_language(tara, ghent):
    for partner in ghent.values():
        partner.webhook_url, partner.webhook_secret = "http://127.0.0.1:9/hook", SECRET
    sent = refer_all(tara)
    db.session.commit()
    profile = withdrawal.withdraw(tara, erase_now=False)
    db.session.commit()
    assert profile.consent_withdrawn_at is not None
    assert all(r.withdrawn and r.shared_data is None for r in sent)
    # By webhook: one notice per partner, saying the data must be deleted.
    told = notices()
    assert sorted(d.partner_id for d in told) == sorted(p.id for p in ghent.values())
    assert all(json.loads(d.payload)["delete_data"] is True for d in told)
    # By e-mail, in each partner's own language, without the newcomer's name.
    for partner in ghent.values():
        [notice] = outbox("onboarding_referral_withdrawn", partner.email)
        assert notice.locale == partner.locale
        assert "Tara" not in notice.body_text and "Kouter" not in notice.body_text
    # No new referral can be asked for.
    with pytest.raises(Invalid):
        referrals.propose(tara, "municipal_registration")
    # Audited, without personal data.
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == tara.id))
    assert {"welcome:consent_withdrawn", "welcome:referral_withdrawn"} <= set(actions)


def test_withdrawing_twice_tells_no_partner_twice(tara, ghent):
    ghent[PartnerKind.SCHOOL].webhook_url = "http://127.0.0.1:9/hook"
    ghent[PartnerKind.SCHOOL].webhook_secret = SECRET
    refer_all(tara)
    db.session.commit()
    withdrawal.withdraw(tara, erase_now=False)
    withdrawal.withdraw(tara, erase_now=False)
    referral = db.session.scalar(
        select(Referral).where(Referral.partner_id == ghent[PartnerKind.SCHOOL].id)
    )
    referrals.withdraw(tara, referral.id)  # the referral's own button, a third time
    db.session.commit()
    assert len(notices()) == 1
    for partner in ghent.values():
        assert len(outbox("onboarding_referral_withdrawn", partner.email)) == 1
    audited = db.session.scalar(
        select(func.count()).where(AuditEntry.action == "welcome:consent_withdrawn")
    )
    assert audited == 1
    # Asking erasure afterwards still works, and still tells no one twice.
    assert withdrawal.withdraw(tara, erase_now=True) is None
    db.session.commit()
    assert len(notices()) == 1
    assert profile_of(tara) is None


def test_erasure_removes_profile_children_answers_and_referrals_keeping_counts(tara, ghent):
    other = newcomer("omar@example.in", "hr@other.example")
    sent = refer_all(tara)
    mine = referrals.refer(other, "municipal_registration", consent=True)
    desk = make_partner_user("desk@gent.be", PartnerKind.MUNICIPALITY)
    answers.answer(desk, sent[0].id, kind="message", body="Come on Monday, Tara.")
    services.mark(tara, "municipal_registration", True)
    withdrawal.withdraw(tara, erase_now=False)
    db.session.commit()
    before = withdrawal.figures()
    assert before[(clock.today().replace(day=1), withdrawal.WITHDRAWN, "school")] == 1
    profile_id = profile_of(tara).id
    ids = [r.id for r in sent]
    withdrawal.withdraw(tara, erase_now=True)
    db.session.commit()
    assert db.session.get(WelcomeProfile, profile_id) is None
    for model in (Child, ChecklistItem, WelcomeInvitation):
        assert not db.session.scalars(select(model).where(model.profile_id == profile_id)).all()
    assert not db.session.scalars(select(Referral).where(Referral.id.in_(ids))).all()
    assert not db.session.scalars(
        select(ReferralMessage).where(ReferralMessage.referral_id.in_(ids))
    ).all()
    # The partner can no longer open it; the other newcomer keeps everything.
    with pytest.raises(NotFound):
        answers.open_for_partner(desk, sent[0].id)
    assert [row.id for row in answers.inbox(desk)] == [mine.id]
    assert profile_of(other) is not None and len(profile_of(other).children) == 2
    # The figures are the same: only anonymous counts stand in for what went.
    assert withdrawal.figures() == before
    # The talent's account stays (closing it is a separate right), and the audit chain holds.
    assert db.session.get(type(tara), tara.id) is not None
    assert audit.verify().intact


def test_a_partner_answering_while_the_newcomer_withdraws_gets_nothing_in(tara, ghent):
    """The partner opened the referral; the withdrawal commits before the answer."""
    referral = referrals.refer(tara, "municipal_registration", consent=True)
    desk = make_partner_user("desk@gent.be", PartnerKind.MUNICIPALITY)
    db.session.commit()
    opened = answers.open_for_partner(desk, referral.id)
    real_open = answers.open_for_partner

    def open_then_withdrawn(actor, referral_id):
        found = real_open(actor, referral_id)
        withdrawal.withdraw(tara, erase_now=False)  # lands between reading and writing
        return found

    answers.open_for_partner = open_then_withdrawn
    try:
        with pytest.raises(NotFound):
            answers.answer(desk, opened.id, kind="message", body="See you Monday.")
    finally:
        answers.open_for_partner = real_open
    db.session.commit()
    assert not db.session.scalars(select(ReferralMessage)).all()
    assert not outbox("onboarding_referral_answer")


def test_an_answer_that_came_first_is_erased_with_the_rest(tara, ghent):
    referral = referrals.refer(tara, "municipal_registration", consent=True)
    desk = make_partner_user("desk@gent.be", PartnerKind.MUNICIPALITY)
    answers.answer(desk, referral.id, kind="acknowledgement")
    db.session.commit()
    withdrawal.withdraw(tara, erase_now=True)
    db.session.commit()
    assert not db.session.scalars(select(ReferralMessage)).all()
    with pytest.raises(NotFound):
        answers.answer(desk, referral.id, kind="message", body="Still there?")


def test_a_partner_whose_system_is_down_is_retried_and_parked_and_the_others_are_told(
    app, tara, ghent, receiver
):
    down = ghent[PartnerKind.MUNICIPALITY]
    down.webhook_url, down.webhook_secret = "http://127.0.0.1:9/down", SECRET
    up = ghent[PartnerKind.SCHOOL]
    up.webhook_url, up.webhook_secret = receiver.url, SECRET
    refer_all(tara)
    db.session.commit()
    assert webhooks.deliver_webhooks() == (1, 1)  # the created ones: the school's went out
    withdrawal.withdraw(tara, erase_now=True)
    db.session.commit()
    # The one that never left was emptied and is never sent.
    cancelled = db.session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.partner_id == down.id, WebhookDelivery.event == "referral.created"
        )
    )
    assert cancelled.cancelled_at is not None and cancelled.payload == "{}"
    assert webhooks.deliver_webhooks() == (1, 1)  # the school is told, the town is not
    [told] = [r for r in receiver.requests if payload(r)["event"] == "referral.withdrawn"]
    assert payload(told)["delete_data"] is True
    assert webhooks.verify(SECRET, told["body"], told["headers"]["X-Portal-Signature"])
    waiting = db.session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.partner_id == down.id, WebhookDelivery.event == "referral.withdrawn"
        )
    )
    assert waiting.sent_at is None and waiting.attempts == 1 and waiting.referral_id is None
    # restored afterwards whether or not the app had its own value (the app is shared)
    before = app.config.get("JOBS_MAX_ATTEMPTS", _ABSENT)
    app.config["JOBS_MAX_ATTEMPTS"] = 3
    try:
        for _ in range(2):
            waiting.next_attempt_at = clock.now() - timedelta(seconds=1)
            db.session.commit()
            webhooks.deliver_webhooks()
    finally:
        if before is _ABSENT:
            app.config.pop("JOBS_MAX_ATTEMPTS")
        else:
            app.config["JOBS_MAX_ATTEMPTS"] = before
    db.session.refresh(waiting)
    assert waiting.parked and waiting.attempts == 3
    # An administrator retries it once the town's system is back: it goes out once.
    down.webhook_url = waiting.url = receiver.url
    waiting.parked_at, waiting.next_attempt_at = None, clock.now() - timedelta(seconds=1)
    db.session.commit()
    assert webhooks.deliver_webhooks() == (1, 0)
    assert webhooks.deliver_webhooks() == (0, 0)
    withdrawn = [r for r in receiver.requests if payload(r)["event"] == "referral.withdrawn"]
    assert len(withdrawn) == 2  # school and town, once each
    # Each partner also had its e-mail, whatever its system did.
    for partner in ghent.values():
        assert len(outbox("onboarding_referral_withdrawn", partner.email)) == 1
    assert "webhooks" in jobs.queues()


def test_the_withdrawal_page(client, tara, ghent):
    referrals.refer(tara, "municipal_registration", consent=True)
    db.session.commit()
    login(client, tara.email)
    page = client.get("/welcome/withdraw?lang=en")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Withdraw your consent for the welcome" in text and "Stad Gent" in text
    assert "/privacy" in page.get_data(as_text=True)
    # Nothing chosen: the error summary, nothing withdrawn.
    refused = client.post("/welcome/withdraw?lang=en", data={})
    assert refused.status_code == 200 and "error-summary" in refused.get_data(as_text=True)
    assert profile_of(tara).consent_withdrawn_at is None
    # Stop only: back on the checklist, which stays.
    stopped = client.post("/welcome/withdraw", data={"choice": "stop"})
    assert stopped.status_code == 302 and stopped.location.endswith("/welcome")
    db.session.expire_all()
    assert profile_of(tara).consent_withdrawn_at is not None
    assert client.get("/welcome").status_code == 200
    # Erase: gone at once.
    erased = client.post("/welcome/withdraw", data={"choice": "erase"})
    assert erased.status_code == 302
    db.session.expire_all()
    assert profile_of(tara) is None
    assert client.get("/welcome/withdraw").status_code == 404


def test_the_profile_page_links_to_the_withdrawal(client, tara):
    login(client, tara.email)
    assert "/welcome/withdraw" in client.get("/welcome/profile").get_data(as_text=True)


def test_another_person_cannot_withdraw_for_the_newcomer(client, tara, ghent):
    referrals.refer(tara, "municipal_registration", consent=True)
    db.session.commit()
    desk = make_partner_user("desk@gent.be", PartnerKind.MUNICIPALITY)
    login(client, desk.email)
    assert client.post("/welcome/withdraw", data={"choice": "erase"}).status_code in (403, 404)
    db.session.expire_all()
    assert profile_of(tara) is not None and profile_of(tara).consent_withdrawn_at is None


def test_after_withdrawal_the_checklist_offers_no_referral(client, tara, ghent):
    login(client, tara.email)
    assert "/referral" in client.get("/welcome").get_data(as_text=True)
    withdrawal.withdraw(tara, erase_now=False)
    db.session.commit()
    html = client.get("/welcome").get_data(as_text=True)
    assert 'id="consent-withdrawn"' in html and "/welcome/withdraw" in html
    assert '/referral"' not in html and "items/municipal_registration/referral" not in html
    assert client.get("/welcome/items/municipal_registration/referral").status_code == 302


@pytest.mark.parametrize("locale", ["xx", "<script>", "nl-BE"])
def test_a_partner_language_must_be_one_of_the_four(locale):
    from onboarding import partners

    admin = make_user("admin@portal.example", Role.ADMIN)
    with pytest.raises(Invalid) as refused:
        partners.save_partner(
            admin, None, name="Ville de Bruxelles", kind="municipality", refnis="21004",
            email="accueil@bruxelles.example", webhook_url=None, webhook_secret=None,
            active=True, locale=locale,
        )  # fmt: skip
    assert "locale" in refused.value.errors


def test_a_partner_written_in_french():
    from onboarding import partners

    admin = make_user("admin@portal.example", Role.ADMIN)
    saved = partners.save_partner(
        admin, None, name="Ville de Bruxelles", kind="municipality", refnis="21004",
        email="accueil@bruxelles.example", webhook_url=None, webhook_secret=None,
        active=True, locale="fr",
    )  # fmt: skip
    assert saved.locale == "fr"
    assert referrals.partner_locale(saved) == "fr"
