"""The mail intake: realistic and hostile Maildirs, outcomes, dossiers, answers, crashes."""

from __future__ import annotations

import base64
import json
from collections import Counter
from datetime import date, timedelta

import pytest
from flask import g
from sqlalchemy import func, select

from portal import clock
from portal.accounts.models import Role
from portal.dossiers.lifecycle.models import StatusEvent
from portal.dossiers.models import Channel, Document, Dossier, DossierStatus
from portal.extensions import db
from portal.fallback import filing, intake, rawstore, runner
from portal.fallback.models import IntakeMessage, Outcome, Proof
from portal.fallback.sources import MaildirSource
from portal.mail import OutboxMessage
from tests.fallback.mail import PDF, SENDERS, deliver, load, make_proof
from tests.support import make_user

REALISTIC_ATTACHMENTS = {
    "outlook_winmail": [
        "Aanvraagformulier gecombineerde vergunning.pdf",
        "Paspoort Oğuz Yılmaz.pdf",
    ],
    "thunderbird_rfc2231": [
        "Formulaire de demande signé.pdf",
        "Diplôme d'études supérieures – Université de Liège.pdf",
    ],
    "gmail_encoded_names": ["Arbeitsvertrag Müller.pdf", "Reisepass Jürgen Müller.jpg"],
    "applemail_forwarded": ["Application form.pdf", "passport-scan.png"],
    "outlook_signature_logo": [
        "Aanvraagformulier.pdf",
        "Diploma Bachelor Verpleegkunde – Ayøe.pdf",
    ],
}


@pytest.fixture
def agent(db_session):
    return make_user("agent@helpdesk.example", Role.HELPDESK)


@pytest.fixture
def maildir(tmp_path):
    path = tmp_path / "Maildir"
    for folder in ("new", "cur", "tmp"):
        (path / folder).mkdir(parents=True)
    return path


def poll(maildir, **kwargs) -> runner.PollReport:
    g.pop("outbox_queued", None)  # what the test set-up queued is not the intake's
    return runner.poll(MaildirSource(maildir), **kwargs)


def redelivered(data: bytes, hop: str = "mx2") -> bytes:
    """The same message as a second delivery: one more Received header on top."""
    return (
        f"Received: from {hop}.portal.example by mx1.portal.example (Postfix);"
        " Tue, 01 Dec 2026 11:00:00 +0100\n".encode()
        + data
    )


def records() -> list[IntakeMessage]:
    return list(db.session.scalars(select(IntakeMessage).order_by(IntakeMessage.id)))


def by_key(unique: str) -> IntakeMessage:
    return db.session.scalar(
        select(IntakeMessage).where(IntakeMessage.source_key == f"maildir:{unique}")
    )


def answers_to(address: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.recipient == address, OutboxMessage.template.like("fallback_intake%")
            )
            .order_by(OutboxMessage.id)
        )
    )


def deliver_realistic(maildir, agent) -> dict[str, Proof]:
    issued = {}
    for number, (name, (sender, _lang)) in enumerate(SENDERS.items(), start=1):
        proof = make_proof(agent, sender)
        issued[name] = proof
        deliver(maildir, load(name, CODE=proof.code), f"17960{number:02d}.M1P1.mx1")
    return issued


def test_realistic_messages_become_email_dossiers(app, db_session, agent, maildir, mailbox):
    issued = deliver_realistic(maildir, agent)
    # Thunderbird's message arrives a second time (a retry of the sending server).
    deliver(
        maildir,
        redelivered(load("thunderbird_rfc2231", CODE=issued["thunderbird_rfc2231"].code)),
        "1796099.M9P9.mx1",
    )

    report = poll(maildir)

    assert report.outcomes == Counter({Outcome.ACCEPTED: 5, Outcome.DUPLICATE: 1})
    assert sorted(p.name for p in (maildir / "new").iterdir()) == []
    assert len(list((maildir / "cur").iterdir())) == 6
    for number, (name, (sender, lang)) in enumerate(SENDERS.items(), start=1):
        record = by_key(f"17960{number:02d}.M1P1.mx1")
        assert (record.outcome, record.reason, record.sender) == (Outcome.ACCEPTED, None, sender)
        dossier = record.dossier
        proof = issued[name]
        assert dossier.channel == Channel.EMAIL
        assert dossier.status == DossierStatus.SUBMITTED
        assert dossier.organisation_id == proof.organisation_id
        assert dossier.reference and dossier.submitted_at and dossier.deadline_on
        assert dossier.locale == lang
        assert [d.file_name for d in dossier.documents] == REALISTIC_ATTACHMENTS[name]
        assert all(d.requirement == filing.EMAIL_ATTACHMENT for d in dossier.documents)
        assert proof.used_at is not None and proof.dossier_id == dossier.id
        event = db.session.scalar(select(StatusEvent).where(StatusEvent.dossier_id == dossier.id))
        assert (event.from_status, event.to_status) == (
            DossierStatus.DRAFT,
            DossierStatus.SUBMITTED,
        )
        # Kept raw, content-addressed, before anything else.
        assert (
            rawstore.path_of(record.sha256).read_bytes()
            == (maildir / "cur" / f"17960{number:02d}.M1P1.mx1:2,S").read_bytes()
        )
        # One acknowledgement, in the language of the text, with the reference.
        (answer,) = answers_to(sender)
        assert (answer.template, answer.locale) == ("fallback_intake_accepted", lang)
        assert dossier.reference in answer.subject
        assert any(dossier.reference in m["Subject"] for m in mailbox.to(sender))
    duplicate = by_key("1796099.M9P9.mx1")
    assert (duplicate.outcome, duplicate.reason) == (Outcome.DUPLICATE, intake.DUPLICATE_MESSAGE_ID)
    assert duplicate.duplicate_of_id == by_key("1796002.M1P1.mx1").id
    assert len(answers_to(SENDERS["thunderbird_rfc2231"][0])) == 1
    assert (
        db.session.scalar(select(func.count(Dossier.id)).where(Dossier.channel == Channel.EMAIL))
        == 5
    )


def test_the_outlook_signature_logo_is_not_a_document(app, db_session, agent, maildir):
    proof = make_proof(agent, SENDERS["outlook_signature_logo"][0])
    deliver(maildir, load("outlook_signature_logo", CODE=proof.code), "1.logo")
    poll(maildir)
    names = [d.file_name for d in by_key("1.logo").dossier.documents]
    assert "image001.png" not in names and len(names) == 2


def hostile_maildir(maildir, agent, app, monkeypatch) -> dict[str, str]:
    """Deliver the hostile messages; return {unique name: fixture name}."""
    today = date.today()
    used = make_proof(agent, "ines@wouters.example.be")
    used.used_at = clock.now()
    altered = make_proof(agent, "lotte@willems.example.be")
    last = altered.code[-1]
    altered_code = altered.code[:-1] + ("X" if last != "X" else "Y")
    expired = make_proof(agent, "bram@claes.example.be", today=today - timedelta(days=10))
    mismatched = make_proof(agent, "rightful@owner.example.be")
    fresh = {
        name: make_proof(agent, f"{name}@hostile.example.be")
        for name in ("no_attachments", "disallowed", "oversized", "broken", "no_id")
    }
    monkeypatch.setitem(app.config, "INTAKE_MAX_MESSAGE_BYTES", 50_000)
    big = base64.encodebytes(PDF + b"0" * 60_000).decode()
    messages = {
        "h_no_proof": load("h_no_proof"),
        "h_invented_proof": load("h_invented_proof"),
        "h_altered_proof": load("h_altered_proof", CODE=altered_code, SENDER=altered.email),
        "h_expired_proof": load("h_expired_proof", CODE=expired.code, SENDER=expired.email),
        "h_used_proof": load("h_used_proof", CODE=used.code, SENDER=used.email),
        "h_sender_mismatch": load("h_sender_mismatch", CODE=mismatched.code),
        "h_no_attachments": load(
            "h_no_attachments",
            CODE=fresh["no_attachments"].code,
            SENDER=fresh["no_attachments"].email,
        ),
        "h_disallowed_type": load(
            "h_disallowed_type", CODE=fresh["disallowed"].code, SENDER=fresh["disallowed"].email
        ),
        "h_oversized": load(
            "h_oversized", CODE=fresh["oversized"].code, SENDER=fresh["oversized"].email, BIG=big
        ),
        "h_broken_mime": load(
            "h_broken_mime", CODE=fresh["broken"].code, SENDER=fresh["broken"].email
        ),
        "h_no_message_id": load(
            "h_no_message_id", CODE=fresh["no_id"].code, SENDER=fresh["no_id"].email
        ),
        "h_auto_reply": load("h_auto_reply"),
        "h_bounce": load("h_bounce"),
    }
    names = {}
    for number, (name, data) in enumerate(messages.items(), start=1):
        unique = f"17970{number:02d}.M2P2.mx1"
        deliver(maildir, data, unique)
        names[unique] = name
    # The same messages delivered twice: with and without a Message-ID.
    deliver(maildir, redelivered(messages["h_no_proof"]), "1797098.M2P2.mx1")
    names["1797098.M2P2.mx1"] = "h_no_proof (again)"
    deliver(maildir, redelivered(messages["h_no_message_id"]), "1797099.M2P2.mx1")
    names["1797099.M2P2.mx1"] = "h_no_message_id (again)"
    return names


EXPECTED_HOSTILE = {
    "h_no_proof": (Outcome.REJECTED, "no_proof", True),
    "h_invented_proof": (Outcome.REJECTED, "proof_invalid", True),
    "h_altered_proof": (Outcome.REJECTED, "proof_invalid", True),
    "h_expired_proof": (Outcome.REJECTED, "proof_expired", True),
    "h_used_proof": (Outcome.REJECTED, "proof_used", True),
    "h_sender_mismatch": (Outcome.REJECTED, "sender_mismatch", True),
    "h_no_attachments": (Outcome.REJECTED, "no_attachments", True),
    "h_disallowed_type": (Outcome.REJECTED, "attachment_type", True),
    "h_oversized": (Outcome.REJECTED, "too_large", True),
    "h_broken_mime": (Outcome.REJECTED, "broken_mime", True),
    # No Message-ID is not the sender's fault: accepted, and deduplicated by content.
    "h_no_message_id": (Outcome.ACCEPTED, None, True),
    # Machines never get an answer (RFC 3834).
    "h_auto_reply": (Outcome.REJECTED, "automatic", False),
    "h_bounce": (Outcome.REJECTED, "automatic", False),
    "h_no_proof (again)": (Outcome.DUPLICATE, "duplicate_message_id", False),
    "h_no_message_id (again)": (Outcome.DUPLICATE, "duplicate_content", False),
}


def test_hostile_messages_each_end_in_a_recorded_outcome(
    app, db_session, agent, maildir, mailbox, monkeypatch
):
    names = hostile_maildir(maildir, agent, app, monkeypatch)
    dossiers_before = db.session.scalar(select(func.count(Dossier.id)))

    report = poll(maildir)

    seen = {}
    for unique, name in names.items():
        record = by_key(unique)
        assert record is not None, f"{name} was lost"
        seen[name] = (record.outcome, record.reason, record.answered)
    assert seen == EXPECTED_HOSTILE
    received = len(names)
    counts = Counter(r.outcome for r in records())
    assert (
        counts[Outcome.ACCEPTED] + counts[Outcome.REJECTED] + counts[Outcome.DUPLICATE] == received
    )
    assert report.read == received and not list((maildir / "new").iterdir())
    # One dossier only: the message without a Message-ID, once.
    assert db.session.scalar(select(func.count(Dossier.id))) == dossiers_before + 1
    # The answers: refusals with the reason, in the language of the text; none to machines.
    assert not mailbox.to("marie.vermeulen@vermeulen-transport.be")
    assert not [m for m in mailbox.messages if "mailer-daemon" in m["To"].lower()]
    refused = by_key("1797001.M2P2.mx1")
    (answer,) = answers_to("pieter@janssens-bv.be")
    assert (answer.template, answer.locale) == ("fallback_intake_refused", "nl")
    assert "/helpdesk/new" in answer.body_text and refused.locale == "nl"
    (answer,) = answers_to("no_attachments@hostile.example.be")
    assert answer.locale == "fr"
    (answer,) = answers_to("disallowed@hostile.example.be")
    assert "Aanvraagformulier.docx" in answer.body_text
    assert mailbox.to("someone.else@other-company.example.be")
    # A refused message leaves its proof unused: the sender can send it again, corrected.
    proof = db.session.scalar(
        select(Proof).where(Proof.email == "no_attachments@hostile.example.be")
    )
    assert proof.used_at is None
    quarantined = [r for r in records() if r.in_quarantine]
    assert len(quarantined) == counts[Outcome.REJECTED]


def test_a_redelivered_message_is_counted_once_across_runs(app, db_session, agent, maildir):
    proof = make_proof(agent, SENDERS["gmail_encoded_names"][0])
    data = load("gmail_encoded_names", CODE=proof.code)
    deliver(maildir, data, "1.first")
    assert poll(maildir).outcomes == Counter({Outcome.ACCEPTED: 1})
    deliver(maildir, redelivered(data), "2.second")
    assert poll(maildir).outcomes == Counter({Outcome.DUPLICATE: 1})
    assert by_key("2.second").dossier_id == by_key("1.first").dossier_id
    assert (
        db.session.scalar(select(func.count(Dossier.id)).where(Dossier.channel == Channel.EMAIL))
        == 1
    )


class Crash(BaseException):
    """The process dies (killed, out of memory): nothing catches it."""


def test_a_crash_mid_batch_loses_nothing_and_duplicates_nothing(
    app, db_session, agent, maildir, monkeypatch
):
    issued = deliver_realistic(maildir, agent)
    deliver(maildir, load("h_no_proof"), "1796100.hostile")
    db.session.commit()
    calls = {"n": 0}
    real_receive = intake.receive

    def dying_receive(item, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            with item.open() as stream:
                rawstore.keep(stream)  # the bytes were being stored when it died
            raise Crash
        return real_receive(item, **kwargs)

    monkeypatch.setattr(intake, "receive", dying_receive)
    with pytest.raises(Crash):
        poll(maildir)
    db.session.rollback()  # the process is gone: its open transaction with it
    assert len(records()) == 2
    assert len(list((maildir / "new").iterdir())) == 4

    monkeypatch.setattr(intake, "receive", real_receive)
    report = poll(maildir)

    assert report.read == 4 and report.resumed == 0
    assert Counter(r.outcome for r in records()) == Counter(
        {Outcome.ACCEPTED: 5, Outcome.REJECTED: 1}
    )
    assert len({r.source_key for r in records()}) == 6
    for name, proof in issued.items():
        assert proof.used_at is not None
        assert len(answers_to(SENDERS[name][0])) == 1
    assert (
        db.session.scalar(select(func.count(Dossier.id)).where(Dossier.channel == Channel.EMAIL))
        == 5
    )
    assert not list((maildir / "new").iterdir())


def test_a_crash_after_the_commit_only_marks_the_message_done_on_the_rerun(
    app, db_session, agent, maildir, monkeypatch
):
    deliver_realistic(maildir, agent)
    db.session.commit()
    real_done = MaildirSource.done
    calls = {"n": 0}

    def dying_done(self, item):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Crash  # committed, but still in new/
        return real_done(self, item)

    monkeypatch.setattr(MaildirSource, "done", dying_done)
    with pytest.raises(Crash):
        poll(maildir)
    db.session.rollback()
    assert len(records()) == 2 and len(list((maildir / "new").iterdir())) == 4
    monkeypatch.setattr(MaildirSource, "done", real_done)

    report = poll(maildir)

    assert (report.read, report.resumed) == (3, 1)
    assert Counter(r.outcome for r in records()) == Counter({Outcome.ACCEPTED: 5})
    assert sum(len(answers_to(sender)) for sender, _lang in SENDERS.values()) == 5
    assert not list((maildir / "new").iterdir())


def test_an_unexpected_error_is_recorded_quarantined_and_answered(
    app, db_session, agent, maildir, monkeypatch
):
    proof = make_proof(agent, SENDERS["applemail_forwarded"][0])
    deliver(maildir, load("applemail_forwarded", CODE=proof.code), "1.error")

    def broken_disk(**kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(intake, "create_dossier", broken_disk)
    report = poll(maildir)

    record = by_key("1.error")
    assert report.outcomes == Counter({Outcome.ERROR: 1})
    assert (record.outcome, record.reason) == (Outcome.ERROR, "error")
    assert "No space left" in record.detail and record.in_quarantine
    assert proof.used_at is None
    (answer,) = answers_to(proof.email)
    assert answer.template == "fallback_intake_review"
    assert rawstore.path_of(record.sha256).exists()


def test_intake_commands_poll_and_list_json(app, db_session, agent, maildir, monkeypatch):
    monkeypatch.setattr(db.session, "remove", lambda: None)  # keep the test's session
    proof = make_proof(agent, SENDERS["thunderbird_rfc2231"][0])
    deliver(maildir, load("thunderbird_rfc2231", CODE=proof.code), "1.cli")
    deliver(maildir, load("h_no_proof"), "2.cli")
    deliver(maildir, redelivered(load("h_no_proof")), "3.cli")
    cli = app.test_cli_runner()

    result = cli.invoke(args=["intake", "poll", "--maildir", str(maildir)])
    assert result.exit_code == 0, result.output
    assert "accepted 1, rejected 1, duplicate 1, error 0" in result.output

    result = cli.invoke(args=["intake", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["outcome"], r["reason"]) for r in rows] == [
        ("accepted", None),
        ("rejected", "no_proof"),
        ("duplicate", "duplicate_message_id"),
    ]
    accepted = rows[0]
    assert accepted["message_id"] == "<5c1e7a2b-93d4-4f0e-b8a1-2f6c9d0e4b17@transports-dubois.be>"
    assert accepted["reference"] == proof.dossier.reference and accepted["received_at"]
    assert rows[1]["reference"] is None

    result = cli.invoke(args=["intake", "poll", "--maildir", str(maildir / "missing")])
    assert result.exit_code != 0 and "not a Maildir" in result.output


def test_answers_to_one_address_stop_at_the_daily_limit(app, db_session, maildir, monkeypatch):
    monkeypatch.setitem(app.config, "INTAKE_ANSWERS_PER_DAY", 2)
    data = load("h_no_proof")
    for number in range(4):
        deliver(
            maildir, data.replace(b"a1f0c9e2-no-proof", f"loop-{number}".encode()), f"{number}.loop"
        )
    poll(maildir)
    assert [by_key(f"{n}.loop").answered for n in range(4)] == [True, True, False, False]
    assert all(by_key(f"{n}.loop").reason == "no_proof" for n in range(4))


def test_no_answer_to_our_own_address(app, db_session, maildir):
    data = load("h_no_proof").replace(b"pieter@janssens-bv.be", b"intake@portal.example")
    deliver(maildir, data, "1.self")
    poll(maildir)
    assert by_key("1.self").answered is False


def test_a_proof_is_consumed_once_even_by_two_messages(app, db_session, agent, maildir):
    proof = make_proof(agent, SENDERS["outlook_winmail"][0])
    first = load("outlook_winmail", CODE=proof.code)
    second = first.replace(b"DB9PR03MB7212A1B2C3D4E5F60718", b"DB9PR03MB7212FFFFFFFFFFFFFFFF")
    deliver(maildir, first, "1.once")
    deliver(maildir, second, "2.once")
    poll(maildir)
    assert (by_key("1.once").outcome, by_key("2.once").reason) == (Outcome.ACCEPTED, "proof_used")
    assert (
        db.session.scalar(
            select(func.count(Document.id)).where(Document.dossier_id == proof.dossier_id)
        )
        == 2
    )


class FakeImap:
    """Just enough of imaplib.IMAP4 for ImapSource: UID SEARCH, FETCH and STORE."""

    def __init__(self, messages: dict[bytes, bytes]) -> None:
        self.messages = messages
        self.flags: dict[bytes, set[str]] = {uid: set() for uid in messages}
        self.logged_in = False

    def login(self, user, password):
        self.logged_in = (user, password) == ("intake", "secret")
        return "OK", [b"Logged in"]

    def select(self, folder):
        return "OK", [str(len(self.messages)).encode()]

    def response(self, code):
        return code, [b"1796000000"]

    def uid(self, command, *args):
        if command == "SEARCH":
            assert args[1:] == ("UNKEYWORD", "$PortalIntake")
            new = [uid for uid in self.messages if "$PortalIntake" not in self.flags[uid]]
            return "OK", [b" ".join(new)]
        if command == "FETCH":
            uid = args[0]
            return "OK", [
                (b"1 (UID " + uid + b" BODY[] {%d}" % len(self.messages[uid]), self.messages[uid]),
                b")",
            ]
        if command == "STORE":
            uid, _operation, flags = args
            self.flags[uid].update(flags.strip("()").split())
            return "OK", []
        raise AssertionError(command)

    def logout(self):
        return "BYE", []


def test_the_imap_source_reads_new_messages_once(app, db_session, agent, monkeypatch):
    from portal.fallback.sources import ImapSettings, ImapSource

    proof = make_proof(agent, SENDERS["gmail_encoded_names"][0])
    fake = FakeImap(
        {b"41": load("gmail_encoded_names", CODE=proof.code), b"42": load("h_no_proof")}
    )
    monkeypatch.setitem(app.config, "INTAKE_IMAP_HOST", "imap.portal.example")
    monkeypatch.setitem(app.config, "INTAKE_IMAP_USER", "intake")
    monkeypatch.setitem(app.config, "INTAKE_IMAP_PASSWORD", "secret")
    monkeypatch.setattr(ImapSource, "_connect", staticmethod(lambda settings: fake))
    settings = ImapSettings.from_config(app.config)
    assert (settings.port, settings.folder, settings.ssl) == (993, "INBOX", True)

    g.pop("outbox_queued", None)
    report = runner.poll(ImapSource(settings))
    assert fake.logged_in
    assert report.outcomes == Counter({Outcome.ACCEPTED: 1, Outcome.REJECTED: 1})
    assert fake.flags[b"41"] == {"\\Seen", "$PortalIntake"}
    keys = [r.source_key for r in records()]
    assert keys == [
        "imap:imap.portal.example/INBOX:1796000000:41",
        "imap:imap.portal.example/INBOX:1796000000:42",
    ]

    monkeypatch.setattr(db.session, "remove", lambda: None)
    result = app.test_cli_runner().invoke(args=["intake", "poll", "--imap"])
    assert result.exit_code == 0 and "read 0" in result.output, result.output


def test_a_file_the_virus_scanner_refuses_is_a_recorded_refusal(
    app, db_session, agent, maildir, monkeypatch
):
    monkeypatch.setitem(app.config, "UPLOAD_SCANNER", lambda data: "EICAR-Test-Signature")
    proof = make_proof(agent, SENDERS["outlook_winmail"][0])
    deliver(maildir, load("outlook_winmail", CODE=proof.code), "1.virus")
    poll(maildir)  # outside any request, as the command runs
    record = by_key("1.virus")
    assert (record.outcome, record.reason) == (Outcome.REJECTED, "attachment_refused")
    assert proof.used_at is None and record.dossier_id is None


def test_a_mandatary_proof_makes_a_posting_file(app, db_session, agent, maildir):
    from portal.accounts.models import ForeignEmployer
    from portal.fallback import proofs, tickets

    mandatary_user = make_user("emily.clarke@clarke-logistics.be", Role.MANDATARY)
    employer = ForeignEmployer(
        mandatary=mandatary_user.mandatary,
        name="Bau GmbH",
        country="DE",
        registration_number="HRB 1",
    )
    db.session.add(employer)
    db.session.flush()
    ticket = tickets.open_ticket(
        mandatary_user,
        name="Emily",
        email=mandatary_user.email,
        organisation_name=None,
        organisation_kbo=None,
        tried="Submit a posting",
        error_text="Timeout",
        locale="en",
    )
    proof = proofs.issue(
        agent, ticket.id, email=mandatary_user.email, kbo=mandatary_user.mandatary.kbo_number
    )
    deliver(maildir, load("applemail_forwarded", CODE=proof.code), "1.posting")
    poll(maildir)
    dossier = by_key("1.posting").dossier
    assert (dossier.mandatary_id, dossier.foreign_employer_id, dossier.is_posting) == (
        mandatary_user.mandatary_id,
        employer.id,
        True,
    )
    # The sender has an account: the files are recorded as theirs, the status change too.
    assert {d.uploaded_by_id for d in dossier.documents} == {mandatary_user.id}
    assert dossier.created_by_id == mandatary_user.id


def test_an_unreadable_winmail_dat_is_broken_mime(app, db_session, agent, maildir):
    proof = make_proof(agent, SENDERS["outlook_winmail"][0])
    data = load("outlook_winmail", CODE=proof.code)
    start = data.index(b'Content-Disposition: attachment; filename="winmail.dat"')
    body_start = data.index(b"\n\n", start) + 2
    data = (
        data[:body_start]
        + b"bm90IGEgVE5FRiBmaWxlIGF0IGFsbA==\n"
        + data[data.index(b"\n\n--_000_", body_start) :]
    )
    deliver(maildir, data, "1.tnef")
    poll(maildir)
    record = by_key("1.tnef")
    assert (record.outcome, record.reason) == (Outcome.REJECTED, "broken_mime")
    assert "winmail.dat" in record.detail


def test_a_message_the_spam_filter_flagged_is_recorded_but_not_answered(app, db_session, maildir):
    deliver(maildir, b"X-Spam-Flag: YES\nX-Spam-Score: 9.1\n" + load("h_no_proof"), "1.spam")
    poll(maildir)
    record = by_key("1.spam")
    assert (record.outcome, record.reason, record.answered) == (Outcome.REJECTED, "no_proof", False)
