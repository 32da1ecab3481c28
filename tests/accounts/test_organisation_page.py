"""The organisation page: its members and the requests to join, each a page at a time.

A large employer has hundreds of staff, and anyone may register the enterprise number and
ask to join, so neither list may be read whole.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.accounts.models import ClaimStatus, MembershipClaim, OrgRole, Role, User
from portal.extensions import db
from tests.factories import UserFactory
from tests.support import check_page, login, make_organisation, make_user, statements_of

PAGE = "/account/organisation"


@pytest.fixture
def admin(client, db_session):
    organisation = make_organisation(name="Big Employer NV")
    user = make_user("admin@big.example", organisation=organisation, org_role=OrgRole.ADMIN)
    user.name = "Zoë Admin"
    db.session.commit()
    login(client, user.email)
    return user


def members(admin: User, count: int, name: str = "Member {n:03d}") -> list[User]:
    admin = db.session.get(User, admin.id)  # a page asked since may have closed its session
    made = [
        UserFactory(
            name=name.format(n=n),
            organisation=admin.organisation,
            org_role=OrgRole.MEMBER,
        )
        for n in range(count)
    ]
    db.session.commit()
    return made


def asking(admin: User, count: int) -> list[MembershipClaim]:
    """`count` people with confirmed addresses asking to join, a minute apart, oldest first;
    the last two at the same moment (the id breaks the tie)."""
    admin = db.session.get(User, admin.id)
    start = clock.now() - timedelta(days=2)
    made = []
    for n in range(count):
        person = UserFactory(name=f"Asker {n:03d} <i>x</i>")
        person.organisation_id = None
        moment = start + timedelta(minutes=min(n, count - 2))
        claim = MembershipClaim(
            organisation_id=admin.organisation_id, user_id=person.id, created_at=moment
        )
        db.session.add(claim)
        made.append(claim)
    db.session.commit()
    return made


def member_names(soup) -> list[str]:
    return [row.select("td")[0].get_text(strip=True) for row in soup.select("table tbody tr")]


def asker_names(soup) -> list[str]:
    return [
        li.get_text(" ", strip=True).split(" · ")[0]
        for li in soup.select("main ul:not(.plain) > li")
    ]


def next_link(soup, label: str) -> str | None:
    nav = soup.find("nav", attrs={"aria-label": label})
    link = nav.select_one("a[rel=next]") if nav else None
    return link["href"] if link else None


def test_the_members_come_a_page_at_a_time_by_name_case_aside(client, admin):
    made = members(admin, 50, name="member {n:03d} <b>&amp;</b>")
    made += members(admin, 2, name="Member 049 <b>&amp;</b>")  # same name but for the case
    other = make_organisation(name="Other NV")
    make_user("aaa@other.example", organisation=other, org_role=OrgRole.MEMBER)
    db.session.commit()
    everyone = sorted(
        [(u.name, u.id) for u in [*made, db.session.get(User, admin.id)]],
        key=lambda pair: (pair[0].lower(), pair[1]),
    )
    soup = check_page(client.get(f"{PAGE}?lang=en").get_data(as_text=True))
    assert member_names(soup) == [name for name, _id in everyone[:50]]  # as text
    later = next_link(soup, "Pages of the colleagues")
    assert later == f"{PAGE}?after={everyone[49][1]}"
    soup = check_page(client.get(later + "&lang=en").get_data(as_text=True))
    assert member_names(soup) == [name for name, _id in everyone[50:]]
    assert member_names(soup)[-2:] == ["Member 049 <b>&amp;</b>", "Zoë Admin"]
    assert next_link(soup, "Pages of the colleagues") is None
    nav = soup.find("nav", attrs={"aria-label": "Pages of the colleagues"})
    assert nav.select_one("a[rel=first]")["href"] == PAGE
    assert "aaa@other.example" not in soup.get_text()


def test_the_requests_to_join_come_a_page_at_a_time_oldest_first(client, admin):
    claims = asking(admin, 53)
    stranger = UserFactory(name="Unconfirmed asker", verified=False)
    stranger.organisation_id = None
    db.session.add(MembershipClaim(organisation_id=admin.organisation_id, user_id=stranger.id))
    db.session.commit()
    soup = check_page(client.get(f"{PAGE}?lang=en").get_data(as_text=True))
    assert asker_names(soup) == [f"Asker {n:03d} <i>x</i>" for n in range(50)]
    assert len(soup.select("form[action*='/organisation/requests/']")) == 50
    later = next_link(soup, "Pages of the requests to join")
    assert later == f"{PAGE}?requests_after={claims[49].id}"
    # The request that marks the place is answered meanwhile: the next page still follows it.
    claims[49].status = ClaimStatus.REJECTED
    db.session.commit()
    soup = check_page(client.get(later + "&lang=en").get_data(as_text=True))
    assert asker_names(soup) == [f"Asker {n:03d} <i>x</i>" for n in (50, 51, 52)]
    assert next_link(soup, "Pages of the requests to join") is None
    assert "Unconfirmed asker" not in soup.get_text()
    assert member_names(soup) == ["Zoë Admin"]  # the members' list is on its first page


def test_the_page_reads_as_much_with_a_few_members_and_requests_as_with_sixty(client, admin):
    members(admin, 2)
    asking(admin, 2)
    few, _page = statements_of(client, f"{PAGE}?lang=en")
    members(admin, 58, name="Later {n:03d}")
    asking(admin, 58)
    many, page = statements_of(client, f"{PAGE}?lang=en")
    assert len(many) == len(few)
    assert page.count("/account/organisation/requests/") == 50 and page.count('rel="next"') == 2


HOSTILE = ["abc", "-1", "0", "01", "1.5", str(10**30), "٣", "1\x002", "1\r\n2", "%00"]
HOSTILE += ["1 OR 1=1", "9" * 100_000, "99999"]


@pytest.mark.parametrize("name", ["after", "requests_after"])
@pytest.mark.parametrize("cursor", HOSTILE)
def test_a_cursor_that_names_nothing_of_this_organisation_is_refused(client, admin, name, cursor):
    asking(admin, 2)
    response = client.get(PAGE, query_string={name: cursor, "lang": "nl"})
    assert response.status_code == 400
    h1 = check_page(response.get_data(as_text=True)).h1.get_text(" ", strip=True)
    assert h1 == "Uw verzoek kon niet worden verwerkt"  # translated, no stack trace


def test_another_organisations_member_or_request_is_no_cursor(client, admin):
    other = make_organisation(name="Other NV")
    theirs = make_user("theirs@other.example", organisation=other, org_role=OrgRole.ADMIN)
    person = make_user("asker@other.example", Role.EMPLOYER)
    person.organisation_id = None
    request = MembershipClaim(organisation_id=other.id, user_id=person.id)
    db.session.add(request)
    db.session.commit()
    assert client.get(f"{PAGE}?after={theirs.id}").status_code == 400
    assert client.get(f"{PAGE}?requests_after={request.id}").status_code == 400
    ours = db.session.scalar(select(User.id).where(User.email == "admin@big.example"))
    assert client.get(f"{PAGE}?after={ours}").status_code == 200


def test_a_member_who_is_no_administrator_sees_no_requests_on_any_page(client, db_session):
    organisation = make_organisation(name="Small NV")
    admin = make_user("boss@small.example", organisation=organisation, org_role=OrgRole.ADMIN)
    member = make_user("staff@small.example", organisation=organisation, org_role=OrgRole.MEMBER)
    asking(admin, 3)
    login(client, member.email)
    for query in ("", "?requests_after=1"):
        soup = check_page(client.get(f"{PAGE}{query}").get_data(as_text=True))
        assert "Asker" not in soup.get_text()
