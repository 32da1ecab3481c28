"""Reading messages: machines recognised (RFC 3834), names decoded, languages told apart."""

from __future__ import annotations

import pytest
from tnefparse.tnef import TNEF

from portal.fallback import language, mailparse
from tests.fallback.mail import PDF, load, tnef

PLAIN = (
    "From: Jan Peeters <jan@bouw.be>\nTo: intake@portal.example\nSubject: {subject}\n"
    "Message-ID: <1@bouw.be>\n{extra}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
    "Beste, hierbij onze aanvraag.\n"
)


def plain(extra: str = "", subject: str = "Aanvraag PRF-2B4-K7M-9XQ4HZRT") -> bytes:
    return PLAIN.format(extra=extra, subject=subject).encode()


@pytest.mark.parametrize(
    "extra",
    [
        "Auto-Submitted: auto-generated\n",
        "Auto-Submitted: auto-replied\n",
        "Auto-Submitted: auto-notified; owner-email=x@y.be\n",
        "Return-Path: <>\n",
        "Precedence: bulk\n",
        "Precedence: junk\n",
        "Precedence: list\n",
        "List-Id: <permits.lists.example>\n",
        "X-Autoreply: yes\n",
        "X-Autorespond: yes\n",
    ],
)
def test_machines_are_recognised_by_their_headers(extra):
    assert mailparse.parse(plain(extra)).automatic


@pytest.mark.parametrize(
    "subject",
    [
        "Automatic reply: your application",
        "Out of Office: Aanvraag",
        "Automatisch antwoord: Aanvraag",
        "Réponse automatique : Demande",
        "Abwesenheitsnotiz: Antrag",
        "Undeliverable: Aanvraag",
    ],
)
def test_answering_machines_are_recognised_by_their_subjects(subject):
    assert mailparse.parse(plain(subject=subject)).automatic


def test_a_person_is_not_a_machine():
    parsed = mailparse.parse(plain("Auto-Submitted: no\nPrecedence: normal\n"))
    assert parsed.automatic is None and not parsed.no_auto_answer
    bounce = plain().replace(b"Jan Peeters <jan@bouw.be>", b"MAILER-DAEMON@mx.example")
    assert mailparse.parse(bounce).automatic


def test_the_sender_can_ask_for_no_automatic_answer():
    assert mailparse.parse(plain("X-Auto-Response-Suppress: OOF, AutoReply\n")).no_auto_answer


def test_a_message_without_a_from_address_is_broken():
    assert mailparse.parse(plain().replace(b"From: Jan Peeters <jan@bouw.be>\n", b"")).broken


def test_a_message_nested_too_deep_is_broken():
    data = load("h_no_proof")
    for level in range(mailparse.MAX_DEPTH + 2):
        boundary = f"level-{level}".encode()
        data = (
            b"From: a@b.be\nSubject: fwd\nMIME-Version: 1.0\n"
            b'Content-Type: multipart/mixed; boundary="'
            + boundary
            + b'"\n\n--'
            + boundary
            + b"\nContent-Type: message/rfc822\n\n"
            + data
            + b"\n--"
            + boundary
            + b"--\n"
        )
        if level == mailparse.MAX_DEPTH - 1:
            assert mailparse.parse(data).broken is None
    assert "nested" in mailparse.parse(data).broken


def test_the_content_hash_ignores_transport_headers_only():
    data = load("h_no_proof")
    again = b"Received: from mx2 by mx1; Tue, 01 Dec 2026 11:00:00 +0100\n" + data
    assert mailparse.content_hash(data) == mailparse.content_hash(again)
    assert mailparse.content_hash(data) != mailparse.content_hash(data.replace(b"lasser", b"kok"))


def test_tnef_written_for_the_fixtures_reads_back():
    data = tnef([("Über uns – ça va.pdf", PDF)], body="Beste,\r\n")
    parsed = TNEF(data, do_checksum=True)
    assert [(a.long_filename(), a.data) for a in parsed.attachments] == [
        ("Über uns – ça va.pdf", PDF)
    ]
    assert all(obj.good_checksum for obj in parsed.objects)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Beste, hierbij onze aanvraag voor een werknemer. Met vriendelijke groeten", "nl"),
        ("Bonjour, veuillez trouver ci-joint notre demande de permis unique. Cordialement", "fr"),
        ("Sehr geehrte Damen und Herren, anbei unser Antrag. Mit freundlichen Grüßen", "de"),
        ("Dear Sir or Madam, please find attached our application. Kind regards", "en"),
        ("PRF-2B4-K7M-9XQ4HZRT", None),
        ("> Beste, hierbij\n> met vriendelijke groeten\nThanks, see attached.", "en"),
    ],
)
def test_the_language_of_a_message(text, expected):
    assert language.detect(text) == expected


def test_a_forwarded_message_is_opened_for_its_attachments_text_and_code():
    data = load("applemail_forwarded", CODE="").replace(
        b"Subject: Application for Priya Sharma", b"Subject: Application PRF-2B4-K7M-9XQ4HZRT"
    )
    parsed = mailparse.parse(data)
    assert [a.name for a in parsed.attachments] == ["Application form.pdf", "passport-scan.png"]
    assert "Application PRF-2B4-K7M-9XQ4HZRT" in parsed.nested_texts
    assert any("passport scan" in text for text in parsed.nested_texts)
    assert parsed.text.startswith("Dear helpdesk")
