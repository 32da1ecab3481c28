"""The person's own data (GDPR art. 15): everything about them, nothing of anyone else."""

from __future__ import annotations

import io
import json
import re

import pytest
from pypdf import PdfReader

from portal import audit
from portal.accounts.models import OrgRole
from portal.dossiers.lifecycle import preferences
from portal.dossiers.models import DossierViewer
from portal.extensions import db
from portal.fallback.models import EntryKind, HelpdeskTicket, TicketEntry
from portal.privacy import own_data
from tests.factories import DossierFactory, EmployerFactory, OfficerFactory, TalentFactory
from tests.support import login


def helpdesk_ticket(user, number: str, note: str | None = None) -> HelpdeskTicket:
    ticket = HelpdeskTicket(
        number=number,
        access_token=f"secret-access-{number}".ljust(40, "z"),
        requester_name=user.name,
        requester_email=user.email,
        user_id=user.id,
        tried="Uploading the contract",
        error_text="Error 500",
    )
    ticket.entries.append(TicketEntry(kind=EntryKind.REQUESTER, body=f"Help, {user.name}"))
    if note:
        ticket.entries.append(TicketEntry(kind=EntryKind.NOTE, body=note))
    db.session.add(ticket)
    return ticket


@pytest.fixture
def world(db_session):
    alice = EmployerFactory(email="alice.filer@example.test", name="Alice Filer")
    bob = EmployerFactory(
        email="bob.colleague@example.test",
        name="Bob Colleague",
        organisation=alice.organisation,
        org_role=OrgRole.MEMBER,
    )
    priya = TalentFactory(email="priya.worker@example.test", name="Priya Worker")
    carol = EmployerFactory(email="carol.other@example.test", name="Carol Otherorg")
    olga = OfficerFactory(email="olga.officer@example.test", name="Olga Officer")
    alices = DossierFactory(
        owner=alice,
        submitted=True,
        reference="SP-2026-ALICE-1",
        worker_first_name="Priyanka",
        worker_last_name="Sharmawitz",
        worker_email="priyanka.in.file@example.in",
    )
    bobs = DossierFactory(owner=bob, submitted=True, reference="SP-2026-BOBBY-2")
    carols = DossierFactory(
        owner=carol, submitted=True, reference="SP-2026-CAROL-3", worker_first_name="Wangwei"
    )
    db.session.add(DossierViewer(dossier_id=alices.id, user_id=priya.id))
    audit.record("download", dossier_id=alices.id, actor_id=olga.id, detail="passport Priyanka.pdf")
    audit.record("download", dossier_id=bobs.id, actor_id=olga.id, detail="bob file.pdf")
    audit.record("download", dossier_id=carols.id, actor_id=olga.id, detail="carol file.pdf")
    audit.record("view", dossier_id=alices.id, actor_id=bob.id)
    helpdesk_ticket(alice, "HD-ALICE", note="Internal: Olga thinks Alice is confused")
    helpdesk_ticket(bob, "HD-BOBBY")
    preferences.save(alice, ["info_requested"])
    db.session.commit()
    return alice, bob, priya, carol, olga, alices, bobs, carols


OTHERS_OF_ALICE = [
    "Bob Colleague",
    "bob.colleague@example.test",
    "Priya Worker",
    "priya.worker@example.test",
    "Priyanka",  # the worker of her file is another person
    "Sharmawitz",
    "priyanka.in.file@example.in",
    "Carol Otherorg",
    "carol.other@example.test",
    "Olga",
    "olga.officer@example.test",
    "passport Priyanka.pdf",
    "SP-2026-BOBBY-2",
    "SP-2026-CAROL-3",
    "Wangwei",
    "HD-BOBBY",
    "Internal:",
]


def secrets_of(user) -> list[str]:
    from portal.accounts.sessions import UserSession

    found = [user.password_hash, user.session_token]
    found += [row.token_hash for row in db.session.query(UserSession).filter_by(user_id=user.id)]
    found += [t.access_token for t in db.session.query(HelpdeskTicket).filter_by(user_id=user.id)]
    return found


def download(client, user, kind: str):
    login(client, user.email)
    response = client.get(f"/account/my-data.{kind}?lang=en")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    return response


def test_the_json_holds_everything_about_the_filer(client, world):
    alice, bob, priya, carol, olga, alices, *_ = world
    response = download(client, alice, "json")
    assert response.mimetype == "application/json"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "alice.filer@example.test"
    assert data["account"]["name"] == "Alice Filer"
    assert data["card_person"] == {}  # she registered no identity for a professional card
    assert data["organisation"]["name"] == alice.organisation.name
    assert data["organisation"]["your_role"] == "admin"
    assert [f["reference"] for f in data["files"]["filed_by_you"]] == ["SP-2026-ALICE-1"]
    assert data["files"]["followed_by_you"] == []
    assert [t["number"] for t in data["tickets"]["tickets"]] == ["HD-ALICE"]
    assert [m["text"] for m in data["tickets"]["tickets"][0]["messages"]] == ["Help, Alice Filer"]
    assert {e["about"]: e["receive"] for e in data["notifications"]["emails"]} == {
        "Changes in the status of my files": False,
        "Requests for more information about my files": True,
    }
    assert len(data["sessions"]["sessions"]) == 1  # the login of this download
    assert data["sessions"]["sessions"][0]["ip_address"]
    # The last login is kept on the account too (its retention counts from it).
    started = data["sessions"]["sessions"][0]["started_at"]
    assert started and data["account"]["last_login_at"] == started
    by_file = [(e["file"], e["action"], e["by"]) for e in data["audit"]["entries"]]
    assert ("SP-2026-ALICE-1", "download", "Officer") in by_file
    assert ("SP-2026-ALICE-1", "view", "Employer") in by_file  # a colleague, by role only
    assert all(e["file"] in ("SP-2026-ALICE-1", None) for e in data["audit"]["entries"])
    text = response.get_data(as_text=True)
    for other in OTHERS_OF_ALICE:
        assert other not in text, other
    for secret in secrets_of(alice):
        assert secret not in text
    for word in ("password", "token", "salt", "api_key", "hash"):
        assert word not in text.lower(), word


def test_the_viewer_sees_the_file_they_follow_with_their_own_details_and_no_one_else(client, world):
    alice, bob, priya, carol, olga, alices, *_ = world
    data = json.loads(download(client, priya, "json").get_data(as_text=True))
    (followed,) = data["files"]["followed_by_you"]
    assert followed["reference"] == "SP-2026-ALICE-1"
    assert followed["worker"]["first_name"] == "Priyanka"  # the file's worker is the viewer
    assert data["files"]["filed_by_you"] == []
    assert ("SP-2026-ALICE-1", "download", "Officer") in [
        (e["file"], e["action"], e["by"]) for e in data["audit"]["entries"]
    ]
    text = json.dumps(data)
    for other in (
        "Alice Filer",
        "alice.filer@example.test",
        "Bob Colleague",
        "bob.colleague@example.test",
        "Olga",
        "passport Priyanka.pdf",
        "SP-2026-BOBBY-2",
        "SP-2026-CAROL-3",
        "HD-ALICE",
    ):
        assert other not in text, other


def test_another_organisation_sees_none_of_it(client, world):
    alice, bob, priya, carol, *_ = world
    text = download(client, carol, "json").get_data(as_text=True)
    assert "SP-2026-CAROL-3" in text and "Carol Otherorg" in text
    for other in ("Alice", "alice.filer", "Bob", "Priya", "SP-2026-ALICE-1", "SP-2026-BOBBY-2"):
        assert other not in text, other


def test_every_registered_section_is_included(app, client, world, monkeypatch):
    alice, *_ = world
    sections = dict(app.extensions.get("own_data_sections", {}))
    sections["welcome_test"] = lambda user: {"profile": {"user": user.id, "city": "Gent"}}
    monkeypatch.setitem(app.extensions, "own_data_sections", sections)
    data = json.loads(download(client, alice, "json").get_data(as_text=True))
    assert data["welcome_test"] == {"profile": {"user": alice.id, "city": "Gent"}}
    for name in sections:
        assert name in data
    pdf = download(client, alice, "pdf")
    assert "Gent" in pdf_text(pdf.data)


def test_a_plugin_section_cannot_replace_the_portals(app, world, monkeypatch):
    alice, *_ = world
    monkeypatch.setitem(app.extensions, "own_data_sections", {"account": lambda user: {}})
    with pytest.raises(RuntimeError):
        own_data.collect(alice)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_reads_back_with_the_same_facts_and_nothing_of_others(client, world):
    alice, *_ = world
    response = download(client, alice, "pdf")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    assert "Your data on the Single Permit Portal" in text
    for fact in ("alice.filer@example.test", "Alice Filer", "SP-2026-ALICE-1", "HD-ALICE"):
        assert fact in text, fact
    assert "Who viewed or changed your files" in text and "Officer" in text
    for other in OTHERS_OF_ALICE:
        assert other not in text, other


ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?[+-]\d\d:\d\d")


def _moments(value) -> list[str]:
    """Every timestamp in a JSON document, however deeply nested."""
    if isinstance(value, dict):
        return [m for item in value.values() for m in _moments(item)]
    if isinstance(value, list):
        return [m for item in value for m in _moments(item)]
    return [value] if isinstance(value, str) and ISO_MOMENT.fullmatch(value) else []


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_every_moment_in_the_pdf_reads_whole_on_one_line(client, world, lang):
    """A timestamp in a table nested in a table (a file's dates, a session's) stays on one
    line: the tables' columns are fixed (pdf.css), and a value's column must hold one."""
    alice, *_ = world
    login(client, alice.email)
    moments = _moments(json.loads(client.get("/account/my-data.json").data))
    assert len(moments) >= 5  # the account's, its session's, its files' and the trail's
    text = pdf_text(client.get(f"/account/my-data.pdf?lang={lang}").data)
    shown = ISO_MOMENT.findall(text)
    # "Made on" is the moment of each download, the rest must all be there whole.
    assert len(shown) == len(moments), sorted(set(moments) - set(shown))


def test_the_downloads_are_audited_and_need_a_login(client, world):
    alice, *_ = world
    assert client.get("/account/my-data.json").status_code == 302
    assert client.get("/account/my-data.pdf").status_code == 302
    download(client, alice, "json")
    entry = db.session.query(audit.AuditEntry).filter_by(action="account:own_data_downloaded")
    assert entry.one().actor_id == alice.id


def test_the_my_data_page_links_both_downloads(client, world):
    alice, *_ = world
    login(client, alice.email)
    assert 'href="/account/my-data"' in client.get("/account/").get_data(as_text=True)
    page = client.get("/account/my-data").get_data(as_text=True)
    assert page.count("<h1") == 1
    assert 'href="/account/my-data.pdf"' in page and 'href="/account/my-data.json"' in page


def entrepreneur(email: str, last_name: str):
    from datetime import date

    from portal.accounts.models import CardPerson, ResidenceDocument, Role
    from tests.factories import UserFactory

    user = UserFactory(role=Role.ENTREPRENEUR, email=email, name=f"Amara {last_name}")
    db.session.add(
        CardPerson(
            user_id=user.id,
            first_name="Amara <script>alert(1)</script>",
            last_name=last_name,
            birth_date=date(1990, 2, 28),
            nationality="NG",
            residence_document=ResidenceDocument.A_CARD,
            residence_valid_until=date(2028, 1, 31),
            address_street="Rue Haute 1 bte ½",
            address_postal_code="1000",
            address_city="Bruxelles",
            address_country="BE",
        )
    )
    db.session.commit()
    return user


def test_an_entrepreneur_gets_the_identity_given_for_a_professional_card(client, db_session):
    amara = entrepreneur("amara@example.test", "Okafor-Ñwosu")
    entrepreneur("someone.else@example.test", "Otherperson")
    data = json.loads(download(client, amara, "json").get_data(as_text=True))
    assert data["card_person"] == {
        "first_name": "Amara <script>alert(1)</script>",
        "last_name": "Okafor-Ñwosu",
        "birth_date": "1990-02-28",
        "nationality": "NG",
        "residence_document": "A card (limited stay)",
        "residence_valid_until": "2028-01-31",
        "street_and_number": "Rue Haute 1 bte ½",
        "postal_code": "1000",
        "town": "Bruxelles",
        "country": "BE",
    }
    text = pdf_text(download(client, amara, "pdf").data)
    assert "Your identity for a professional card" in text
    for fact in ("Okafor-Ñwosu", "Rue Haute 1 bte ½", "Bruxelles", "1990-02-28"):
        assert fact in text, fact
    assert "Otherperson" not in text


def test_a_long_list_is_cut_in_the_pdf_and_whole_in_the_json(client, db_session, monkeypatch):
    """An employer files for the whole organisation: with 10,000 files the PDF took
    WeasyPrint minutes and gigabytes (issue 15). The PDF shows the first files and says
    how many more the JSON holds; the JSON holds them all."""
    monkeypatch.setattr(own_data, "PDF_LIST_LIMIT", 2)
    many = EmployerFactory(email="many.files@example.test", name="Mia Many")
    references = [f"SP-2026-MANY0{n}-K" for n in range(5)]
    for reference in references:
        DossierFactory(owner=many, submitted=True, reference=reference)
    db.session.commit()
    document = json.loads(download(client, many, "json").data)
    assert [f["reference"] for f in document["files"]["filed_by_you"]] == references
    text = " ".join(pdf_text(download(client, many, "pdf").data).split())
    # The first two files (the audit's newest entries may name the last ones too).
    assert references[0] in text and references[1] in text and references[2] not in text
    assert "3 more are not shown here. The JSON download holds them all." in text
    response = client.get("/account/my-data.pdf?lang=nl")
    dutch = " ".join(pdf_text(response.data).split())
    assert "Nog 3 items worden hier niet getoond. De JSON-download bevat ze allemaal." in dutch


def test_for_print_bounds_each_list_and_all_lists_together():
    flood = {"a": list(range(10_000)), "b": [[n] * 1000 for n in range(1000)], "c": {"d": []}}
    printed = own_data.for_print(flood)
    assert printed["a"] == list(range(own_data.PDF_LIST_LIMIT))
    assert printed["a"].more == 10_000 - own_data.PDF_LIST_LIMIT
    # Nested lists count too: never more than the whole budget, whatever the shape.
    shown = len(printed["a"]) + len(printed["b"]) + sum(len(inner) for inner in printed["b"])
    assert shown <= own_data.PDF_ITEMS_LIMIT
    assert printed["b"].more == 1000 - len(printed["b"])
    assert all(inner.more == 1000 - len(inner) for inner in printed["b"])
    assert printed["c"] == {"d": []} and printed["c"]["d"].more == 0
    assert flood["a"][-1] == 9_999  # the document itself is left whole (the JSON's)
