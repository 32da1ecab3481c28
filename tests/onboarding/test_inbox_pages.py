"""The partner inbox a page at a time (keyset): never more than a page, hostile cursors a
clean 400, and no referral skipped or doubled when new ones arrive between two pages."""

from __future__ import annotations

import pytest

from onboarding import answers
from portal.accounts.models import PartnerKind
from portal.errors import Invalid
from portal.extensions import db
from tests.onboarding.factories import ANTWERP, GHENT, PartnerFactory, ReferralFactory
from tests.onboarding.support import make_partner_user
from tests.support import PASSWORD, login


@pytest.fixture
def service(db_session):
    return PartnerFactory(kind=PartnerKind.SCHOOL, refnis=GHENT)


@pytest.fixture
def desk(service):
    return make_partner_user("desk@school.gent", PartnerKind.SCHOOL, GHENT)


def _referrals(service, count: int) -> list[int]:
    made = [ReferralFactory(partner=service, item_code="school") for _ in range(count)]
    db.session.flush()
    return [referral.id for referral in made]


def _walk(actor, per_page: int) -> list[list[int]]:
    pages, before = [], None
    while True:
        page = answers.inbox_page(actor, before, per_page=per_page)
        pages.append([referral.id for referral in page.referrals])
        if page.older is None:
            return pages
        before = str(page.older)


def test_a_page_never_holds_more_than_its_size_and_the_pages_hold_every_referral(service, desk):
    ids = _referrals(service, 7)
    _referrals(PartnerFactory(kind=PartnerKind.SCHOOL, refnis=ANTWERP), 2)  # not theirs
    pages = _walk(desk, 3)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [i for page in pages for i in page] == sorted(ids, reverse=True)


def test_referrals_arriving_between_two_pages_are_neither_skipped_nor_doubled(service, desk):
    ids = _referrals(service, 5)
    first = answers.inbox_page(desk, per_page=2)
    newer = _referrals(service, 3)  # arrive while the partner reads page 1
    rest = _walk_from(desk, str(first.older), 2)
    seen = [r.id for r in first.referrals] + rest
    assert seen == sorted(ids, reverse=True)  # every older one once, in order
    assert len(set(seen)) == len(seen)
    assert [r.id for r in answers.inbox_page(desk, per_page=3).referrals] == sorted(
        newer, reverse=True
    )  # the new ones head page 1


def _walk_from(actor, before: str, per_page: int) -> list[int]:
    seen = []
    while before:
        page = answers.inbox_page(actor, before, per_page=per_page)
        seen += [referral.id for referral in page.referrals]
        before = str(page.older) if page.older else None
    return seen


def test_the_inbox_page_shows_at_most_a_page_and_links_the_next(client, service, desk, monkeypatch):
    monkeypatch.setattr(answers, "PER_PAGE", 2)
    ids = sorted(_referrals(service, 3), reverse=True)
    db.session.commit()
    login(client, desk.email, PASSWORD)
    html = client.get("/partner/referrals?lang=en").get_data(as_text=True)
    assert html.count("/partner/referrals/") == 2
    assert f"/partner/referrals?before={ids[1]}" in html
    html = client.get(f"/partner/referrals?before={ids[1]}&lang=en").get_data(as_text=True)
    assert f"/partner/referrals/{ids[2]}" in html and html.count("/partner/referrals/") == 1
    assert 'rel="next"' not in html


@pytest.mark.parametrize(
    "cursor", ["abc", "-1", "0", "007", "1e3", " 5", "1.5", str(10**30), str(2**63), "9" * 19]
)
def test_a_hostile_cursor_is_a_clean_400(client, service, desk, cursor):
    _referrals(service, 1)
    db.session.commit()
    login(client, desk.email, PASSWORD)
    response = client.get("/partner/referrals", query_string={"before": cursor})
    assert response.status_code == 400


def test_another_services_referral_is_refused_as_a_cursor(app, client, service, desk):
    [other] = _referrals(PartnerFactory(kind=PartnerKind.SCHOOL, refnis=ANTWERP), 1)
    [city] = _referrals(PartnerFactory(kind=PartnerKind.MUNICIPALITY, refnis=GHENT), 1)
    db.session.commit()
    for cursor in (other, city):
        with app.test_request_context(), pytest.raises(Invalid):
            answers.inbox_page(desk, str(cursor))
    login(client, desk.email, PASSWORD)
    assert client.get(f"/partner/referrals?before={other}").status_code == 400


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_each_row_shows_the_step_day_and_status_in_the_page_language(client, service, desk, lang):
    """The rows are written in Python (onboarding/inbox_rows.py): every word is the page's
    language, each referral links to its page, and a row kept from an earlier page never
    shows a status that has changed since."""
    from bs4 import BeautifulSoup

    from onboarding.models import ReferralStatus
    from onboarding.referrals import TEXTS
    from portal.i18n import force_locale, format_date, gettext

    first = ReferralFactory(partner=service, item_code="school")
    second = ReferralFactory(partner=service, item_code="school-2")  # a second child's
    db.session.commit()
    login(client, desk.email, PASSWORD)

    def shown() -> dict[int, list[str]]:
        html = client.get(f"/partner/referrals?lang={lang}").get_data(as_text=True)
        rows = {}
        for tr in BeautifulSoup(html, "html.parser").select("tbody tr"):
            cells = [" ".join(td.get_text(" ").split()) for td in tr.select("td")]
            rows[int(tr.select_one("a")["href"].rsplit("/", 1)[1])] = cells
        return rows

    with force_locale(lang):
        step = str(TEXTS["school"]["short"])
        day = format_date(first.consent_given_at, "medium")
        expected = {
            referral.id: [
                gettext("Referral %(number)s", number=referral.id),
                step,
                day,
                ReferralStatus.SENT.title,
            ]
            for referral in (second, first)
        }
        closed = ReferralStatus.CLOSED.title
    assert shown() == expected and list(shown()) == [second.id, first.id]  # newest first
    first.status = ReferralStatus.CLOSED
    db.session.commit()
    assert shown()[first.id][3] == closed and shown()[second.id] == expected[second.id]
    assert client.get(f"/partner/referrals/{first.id}").status_code == 200
