"""Tracking: the status machine, the timeline, answering requests, e-mails, the audit trail."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from itertools import product

import pytest
from babel.dates import format_date
from sqlalchemy import func, select, text

from portal import audit, clock, mail
from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.dossiers.lifecycle import deadlines, handling, meaning, preferences, status, timeline
from portal.dossiers.lifecycle.models import InfoRequest, StatusEvent
from portal.dossiers.models import Document, Dossier, DossierStatus, DossierViewer, Permit
from portal.errors import Invalid, NotAllowed
from portal.extensions import db
from portal.i18n import LANGUAGES, format_locale
from tests.applications_support import PDF, fill, start, submit
from tests.factories import DossierFactory
from tests.support import check_page, error_summary, field_error, html_of, login, make_user, text_of

S = DossierStatus


def long_date(day: date, locale: str = "en") -> str:
    return format_date(day, "long", locale=format_locale(locale))


def today() -> date:
    return clock.today()


def count_of(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def page(client, url: str, lang: str = "en"):
    response = client.get(f"{url}?lang={lang}")
    assert response.status_code == 200, (url, response.status_code)
    return check_page(response.get_data(as_text=True))


def steps(soup) -> list[str]:
    return [li.get_text(" ", strip=True) for li in soup.select("ol.timeline > li")]


def current_step(soup) -> str:
    found = soup.select('ol.timeline > li[aria-current="step"]')
    assert len(found) == 1, found
    return found[0].get_text(" ", strip=True)


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    """Services translate their messages, which needs a request (the locale)."""
    with app.test_request_context():
        yield


@pytest.fixture
def employer(client):
    user = make_user("hr@acme.example")
    login(client, user.email)
    return user


@pytest.fixture
def officer(db_session):
    return make_user("officer@flanders.example", Role.OFFICER)


def submitted_file(client) -> Dossier:
    dossier = start(client)
    fill(client, dossier)
    assert submit(client, dossier.id, token=f"token-{dossier.id}").status_code == 302
    assert dossier.status == S.SUBMITTED
    return dossier


def deliver() -> None:
    db.session.commit()
    mail.deliver_due()


# The transition table -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("permit", "source", "target"),
    [
        (permit, source, target)
        for permit, source, target in product(Permit, DossierStatus, DossierStatus)
        # each kind of file, from every status it can be in
        if meaning.TABLE[source].permit in (None, permit)
    ],
    ids=lambda value: value.value,
)
def test_every_pair_of_statuses_follows_the_transition_table(db_session, permit, source, target):
    """Per kind of file: a card never goes to DVZ or a work authorisation, a single permit
    never reaches a card's outcome, whatever `ALLOWED` holds for the other kind."""
    owner = make_user("owner@acme.example")
    dossier = DossierFactory(owner=owner, status=source, permit=permit)
    assert dossier.permit == permit
    events, entries = count_of(StatusEvent), count_of(AuditEntry)
    other_kind = meaning.TABLE[target].permit not in (None, permit)
    if other_kind:
        assert not status.can_change(dossier, target)
    if target in meaning.allowed(permit, source):
        event = status.change(dossier, target, owner, "because")
        assert dossier.status == target
        assert (event.from_status, event.to_status, event.actor_id) == (source, target, owner.id)
        assert count_of(StatusEvent) == events + 1 and count_of(AuditEntry) == entries + 1
        assert audit.trail(dossier.id)[-1].action == f"status:{target.value}"
    else:
        assert not status.can_change(dossier, target)
        with pytest.raises(Invalid):
            status.change(dossier, target, owner, "because")
        assert dossier.status == source
        assert count_of(StatusEvent) == events and count_of(AuditEntry) == entries


def test_final_statuses_lead_nowhere():
    assert all(not status.ALLOWED.get(final) for final in status.FINAL)


# The timeline ---------------------------------------------------------------------------


def test_the_timeline_follows_a_file_from_submission_to_the_final_decision(
    app, client, employer, officer
):
    dossier = submitted_file(client)
    day = today()
    for lang in LANGUAGES:
        soup = page(client, f"/applications/{dossier.id}/timeline", lang)
        assert soup.html["lang"] == lang
        assert len(soup.select('[aria-current="step"]')) == 1
    soup = page(client, f"/applications/{dossier.id}/timeline")
    listed = steps(soup)
    assert [s.split(" ")[0] for s in listed] == [
        "Application",
        "Admissibility",
        "Forwarded",
        "Decision",
        "Final",
    ]
    assert "Done" in listed[0] and long_date(day) in listed[0]
    current = current_step(soup)
    assert "Admissibility and work authorisation" in current and "Current step" in current
    assert all("Not yet" in s for s in listed[2:])
    body = soup.get_text(" ", strip=True)
    left = (dossier.deadline_on - day).days
    assert long_date(dossier.deadline_on) in body and f"{left} days left" in body
    assert (
        "What happens now" in body
        and "What happens after that" in body
        and "Who to contact" in body
    )
    assert "We do not give an estimate yet" in body
    overview = page(client, f"/applications/{dossier.id}")
    assert overview.find("a", href=f"/applications/{dossier.id}/timeline")

    request = handling.request_info(officer, dossier, question="Send the signed contract.")
    db.session.commit()
    soup = page(client, f"/applications/{dossier.id}/timeline")
    assert "Additional information requested" in current_step(soup)
    assert "clock has stopped" in soup.get_text(" ", strip=True)
    assert soup.find("a", href=f"/applications/{dossier.id}/answer")
    overview = page(client, f"/applications/{dossier.id}")
    assert overview.find("a", href=f"/applications/{dossier.id}/answer")

    answer = page(client, f"/applications/{dossier.id}/answer")
    assert "Send the signed contract." in answer.get_text() and long_date(request.due_on) in (
        answer.get_text()
    )
    response = client.post(
        f"/applications/{dossier.id}/answer?lang=en",
        data={
            "answer": "Here is the signed contract.",
            "requirement": "employment_contract",
            "file": (io.BytesIO(PDF), "signed-contract.pdf"),
            "action": "upload",
        },
        content_type="multipart/form-data",
    )
    soup = check_page(response.get_data(as_text=True))
    assert soup.find(id="answer").get_text().strip() == "Here is the signed contract."
    assert "signed-contract.pdf" in soup.get_text()
    document = db.session.scalar(select(Document).where(Document.info_request_id == request.id))
    assert document.file_name == "signed-contract.pdf" and document.dossier_id == dossier.id
    assert dossier.status == S.INFO_REQUESTED
    response = client.post(
        f"/applications/{dossier.id}/answer",
        data={"answer": "Here is the signed contract.", "action": "send"},
    )
    assert response.headers["Location"] == f"/applications/{dossier.id}/timeline"
    assert dossier.status == S.SUBMITTED and request.answer == "Here is the signed contract."
    assert request.answered_by_id == employer.id and dossier.deadline_on is not None
    soup = page(client, f"/applications/{dossier.id}/timeline")
    info = [s for s in steps(soup) if s.startswith("Additional information requested")]
    assert len(info) == 1 and "Done" in info[0]
    assert "Admissibility" in current_step(soup)

    handling.decide(officer, dossier, outcome="authorised")
    db.session.commit()
    assert dossier.status == S.FORWARDED and dossier.deadline_on is None
    soup = page(client, f"/applications/{dossier.id}/timeline")
    forwarded = next(s for s in steps(soup) if s.startswith("Forwarded to the Immigration Office"))
    assert "Done" in forwarded and long_date(dossier.forwarded_on) in forwarded
    assert "Decision on residence" in current_step(soup)
    assert f"Flanders decided on {long_date(day)}" in soup.get_text(" ", strip=True)

    handling.record_residence(dossier, "granted", actor=officer)
    db.session.commit()
    soup = page(client, f"/applications/{dossier.id}/timeline")
    final = current_step(soup)
    assert final.startswith("Final decision") and "Single permit granted" in final
    assert "Current step" in final
    assert all("Done" in s for s in steps(soup)[:-1])


def test_one_decided_file_gives_no_estimate(client, employer, officer):
    """The defect: one decision made "around <today> (0 working days)" on submission day."""
    first = submitted_file(client)
    handling.decide(officer, first, outcome="authorised")
    db.session.commit()
    second = submitted_file(client)
    soup = page(client, f"/applications/{second.id}/timeline")
    body = soup.get_text(" ", strip=True)
    assert "Expected decision date" in body
    assert "We do not give an estimate yet: fewer than 20 files" in body
    assert "Around" not in body and "0 working days" not in body


MONDAY = date(2026, 3, 2)


def decided_files(owner, durations, *, category="highly_qualified", start=MONDAY):
    for days in durations:
        DossierFactory(
            owner=owner,
            status=S.FORWARDED,
            category=category,
            submitted_at=datetime.combine(start, datetime.min.time(), tzinfo=UTC).replace(hour=9),
            submitted_on=start,
            flemish_decision_on=deadlines.add_working_days(start, days),
        )


def test_the_expected_date_is_the_median_of_twenty_comparable_decisions(db_session):
    owner = make_user("owner@acme.example")
    decided_files(owner, range(1, 21))  # 1..20 working days
    decided_files(owner, [200] * 5, category="researcher")  # another category: not comparable
    decided_files(owner, [300] * 5, start=date(2024, 1, 8))  # decided over a year ago
    mine = DossierFactory(
        owner=owner,
        status=S.SUBMITTED,
        submitted_at=datetime(2026, 6, 1, 9, tzinfo=UTC),
        submitted_on=None,
    )
    expected = timeline.expected_decision(mine, today=date(2026, 6, 1))
    assert expected.sample == 20
    # median of 1..20 = 10.5 → 11; interquartile range 5.75 → 6 and 15.25 → 16
    assert (expected.working_days, expected.low, expected.high) == (11, 6, 16)
    assert expected.on == date(2026, 6, 16)
    assert (expected.earliest, expected.latest) == (date(2026, 6, 9), date(2026, 6, 23))


def test_nineteen_comparable_decisions_give_no_estimate(db_session):
    owner = make_user("owner@acme.example")
    decided_files(owner, range(1, 20))
    decided_files(owner, [5] * 10, category="researcher")
    mine = DossierFactory(
        owner=owner, status=S.SUBMITTED, submitted_at=datetime(2026, 6, 1, 9, tzinfo=UTC)
    )
    expected = timeline.expected_decision(mine, today=date(2026, 6, 1))
    assert expected.on is None and expected.sample == 19 and expected.minimum == 20


def _twenty_decisions_and_mine(owner):
    """Twenty decisions of 1..20 working days, and a file decided on 20 May 2026."""
    decided_files(owner, range(1, 21))
    return DossierFactory(
        owner=owner,
        status=S.FORWARDED,
        submitted_at=datetime(2026, 5, 1, 9, tzinfo=UTC),
        flemish_decision_on=date(2026, 5, 20),
    )


def test_the_estimate_of_a_decided_file_leaves_the_file_itself_out(db_session):
    """The estimate's statement is built once with every value a parameter: each file is
    left out of its own sample, and the window and sample size are the ones asked."""
    owner = make_user("owner@acme.example")
    mine = _twenty_decisions_and_mine(owner)
    db.session.flush()
    assert timeline.expected_decision(mine, today=date(2026, 6, 1), sample=30).sample == 20
    other = DossierFactory(owner=owner, status=S.SUBMITTED, submitted_at=mine.submitted_at)
    db.session.flush()
    assert timeline.expected_decision(other, today=date(2026, 6, 1), sample=30).sample == 21
    assert timeline.expected_decision(other, today=date(2026, 6, 1), sample=5).sample == 5
    assert timeline.expected_decision(other, today=date(2026, 5, 19)).sample == 20  # not yet
    assert timeline._recent_decisions.cache_info().currsize == 1


@pytest.fixture
def estimate_reads(app):
    """The statements that read a category's recent decisions (the estimate's), counted."""
    from sqlalchemy import event

    seen: list[str] = []

    def count(_conn, _cursor, statement, *_rest) -> None:
        if "dossier.flemish_decision_on >=" in statement:
            seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    app.extensions.pop(timeline.ESTIMATE_STORE, None)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_the_estimate_is_kept_per_category_and_day_and_follows_each_change(
    db_session, estimate_reads, monkeypatch
):
    """The recent decisions' working days are read once per category, window and sample
    (the store), and read again after a decision this process commits (the data's
    generation), once they are a minute old, and while the session holds changes it has not
    committed (which are then its own and never kept). Each file is still left out of its
    own sample."""
    owner = make_user("owner@acme.example")
    mine = _twenty_decisions_and_mine(owner)
    other = DossierFactory(owner=owner, status=S.SUBMITTED, submitted_at=mine.submitted_at)
    db.session.commit()
    june = date(2026, 6, 1)

    def estimate(dossier, sample=30):
        return timeline.expected_decision(dossier, today=june, sample=sample)

    assert estimate(mine).sample == 20 and estimate(other).sample == 21
    first = estimate(other)
    assert len(estimate_reads) == 1  # read once for both files
    assert estimate(other, sample=5).sample == 5
    assert len(estimate_reads) == 2  # another sample: read apart

    # Not committed: read afresh, with the session's own change, and not kept.
    decided_files(owner, [40])
    db.session.flush()
    assert estimate(other).sample == 22
    assert len(estimate_reads) == 3
    db.session.rollback()
    db.session.commit()  # nothing: the rolled-back session committed again
    assert estimate(other) == first
    assert len(estimate_reads) == 3  # the kept answer, which never held the change

    # A decision committed by this process shows at once.
    decided_files(owner, [60, 60])
    db.session.commit()
    assert estimate(other).sample == 23 and estimate(other).high > first.high
    assert len(estimate_reads) == 4

    # A minute later the kept answer is read again (another process may have decided).
    monkeypatch.setattr(timeline, "ESTIMATE_MAX_AGE", 0.0)
    estimate(other)
    assert len(estimate_reads) == 5


def test_the_timeline_page_shows_the_median_and_its_range(client, employer, officer):
    mine = submitted_file(client)
    owner = make_user("other@acme.example")
    start = today() - timedelta(days=60)
    decided_files(owner, [10] * 10 + [20] * 10, category=mine.category, start=start)
    db.session.commit()
    body = page(client, f"/applications/{mine.id}/timeline").get_text(" ", strip=True)
    expected = timeline.expected_decision(mine)
    assert expected.working_days == 15 and expected.sample == 20
    assert f"Around {long_date(expected.on)}" in body
    assert f"between {long_date(expected.earliest)} and {long_date(expected.latest)}" in body
    assert "median processing time (15 working days) of the 20 files" in body


def test_a_refusal_ends_the_timeline_with_its_reasons(client, employer, officer):
    dossier = submitted_file(client)
    handling.decide(
        officer,
        dossier,
        outcome="inadmissible",
        reasons="The fee was not paid.",
        reason_codes=["fee_not_paid"],
    )
    db.session.commit()
    soup = page(client, f"/applications/{dossier.id}/timeline")
    listed = steps(soup)
    assert len(listed) == 2 and listed[-1] == current_step(soup)
    assert "Inadmissible" in listed[-1] and "The fee was not paid." in listed[-1]
    assert "Forwarded" not in soup.select_one("ol.timeline").get_text()
    assert "days left" not in soup.get_text()


def test_a_withdrawn_file_ends_with_the_withdrawal(client, employer):
    dossier = submitted_file(client)
    client.post(f"/applications/{dossier.id}/withdraw", data={"reason": "Candidate declined"})
    soup = page(client, f"/applications/{dossier.id}/timeline")
    final = current_step(soup)
    assert "Withdrawn" in final and "Candidate declined" in final
    assert steps(soup)[-1] == final


def test_only_parties_see_the_timeline_and_only_filers_answer(app, client, employer, officer):
    dossier = submitted_file(client)
    handling.request_info(officer, dossier, question="Which diploma?")
    db.session.commit()
    outsider = app.test_client()
    make_user("other@firm.example")
    login(outsider, "other@firm.example")
    assert outsider.get(f"/applications/{dossier.id}/timeline").status_code == 404
    assert outsider.get(f"/applications/{dossier.id}/answer").status_code == 404
    worker = app.test_client()
    talent = make_user("priya@example.in", Role.TALENT)
    db.session.add(DossierViewer(dossier_id=dossier.id, user_id=talent.id))
    db.session.commit()
    login(worker, "priya@example.in")
    soup = page(worker, f"/applications/{dossier.id}/timeline")
    assert not soup.find("a", href=f"/applications/{dossier.id}/answer")
    assert worker.get(f"/applications/{dossier.id}/answer").status_code == 403
    reader = app.test_client()
    login(reader, officer.email)
    page(reader, f"/applications/{dossier.id}/timeline")
    assert reader.get(f"/applications/{dossier.id}/answer").status_code == 403
    with pytest.raises(NotAllowed):
        timeline.request_to_answer(officer, dossier)


def test_a_draft_has_no_timeline_and_a_file_without_request_no_answer_page(client, employer):
    draft = start(client)
    response = client.get(f"/applications/{draft.id}/timeline")
    assert response.headers["Location"] == f"/applications/{draft.id}"
    dossier = submitted_file(client)
    response = client.get(f"/applications/{dossier.id}/answer")
    assert response.headers["Location"] == f"/applications/{dossier.id}/timeline"
    assert timeline.request_to_answer(employer, dossier) is None


# Answering an information request -------------------------------------------------------


def test_answering_after_the_due_date_is_refused_and_keeps_what_was_typed(
    client, employer, officer
):
    dossier = submitted_file(client)
    request = handling.request_info(officer, dossier, question="Send the diploma.")
    request.due_on = today() - timedelta(days=1)
    db.session.commit()
    soup = page(client, f"/applications/{dossier.id}/answer")
    assert "The due date has passed" in soup.get_text()
    response = client.post(
        f"/applications/{dossier.id}/answer?lang=en",
        data={"answer": "Attached, sorry for the delay.", "action": "send"},
    )
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    assert "The answer was due on" in " ".join(error_summary(soup))
    assert "The answer was due on" in field_error(soup, "answer")
    assert soup.find(id="answer").get_text().strip() == "Attached, sorry for the delay."
    assert dossier.status == S.INFO_REQUESTED and request.answered_at is None
    response = client.post(
        f"/applications/{dossier.id}/answer?lang=en",
        data={
            "answer": "Attached.",
            "requirement": "diploma",
            "file": (io.BytesIO(PDF), "diploma.pdf"),
            "action": "upload",
        },
        content_type="multipart/form-data",
    )
    assert "The answer was due on" in field_error(
        check_page(response.get_data(as_text=True)), "file"
    )
    assert count_of(Document) == len(dossier.documents)
    assert (
        db.session.scalar(
            select(func.count(Document.id)).where(Document.info_request_id.is_not(None))
        )
        == 0
    )


def test_an_empty_answer_or_a_wrong_document_is_refused(client, employer, officer):
    dossier = submitted_file(client)
    handling.request_info(officer, dossier, question="Anything else?")
    db.session.commit()
    soup = check_page(
        client.post(
            f"/applications/{dossier.id}/answer?lang=en", data={"answer": " ", "action": "send"}
        ).get_data(as_text=True)
    )
    assert "Write your answer" in field_error(soup, "answer")
    soup = check_page(
        client.post(
            f"/applications/{dossier.id}/answer?lang=en",
            data={"answer": "Draft", "action": "upload"},
        ).get_data(as_text=True)
    )
    assert "Choose a file" in field_error(soup, "file")
    soup = check_page(
        client.post(
            f"/applications/{dossier.id}/answer?lang=en",
            data={
                "answer": "Draft",
                "requirement": "",
                "file": (io.BytesIO(PDF), "x.pdf"),
                "action": "upload",
            },
            content_type="multipart/form-data",
        ).get_data(as_text=True)
    )
    assert "checklist" in field_error(soup, "requirement")
    assert soup.find(id="answer").get_text().strip() == "Draft"
    assert dossier.status == S.INFO_REQUESTED


# Notifications ---------------------------------------------------------------------------


def test_status_changes_are_e_mailed_in_each_partys_language_unless_muted(
    app, client, employer, officer, mailbox
):
    dossier = submitted_file(client)
    german = make_user("kollegin@acme.example", organisation=employer.organisation, locale="de")
    quiet = make_user("quiet@acme.example", organisation=employer.organisation, locale="fr")
    other = app.test_client()
    login(other, quiet.email)
    page(other, "/account/notifications")
    response = other.post("/account/notifications", data={"sent": "1", "info_requested": "y"})
    assert response.headers["Location"] == "/account/notifications"
    assert quiet.muted_notifications == "status_changed"
    soup = page(other, "/account/notifications")
    assert not soup.find(id="status_changed").has_attr("checked")
    assert soup.find(id="info_requested").has_attr("checked")
    mailbox.clear()

    handling.request_info(officer, dossier, question="Send the signed contract.")
    deliver()
    asked = mailbox.last_to(german.email)
    assert asked["Content-Language"] == "de" and dossier.reference in asked["Subject"]
    assert f"/applications/{dossier.id}/answer" in text_of(asked)
    assert len(mailbox.to(quiet.email)) == 1  # info requests are still wanted

    mailbox.clear()
    handling.answer_info(employer, dossier, answer="Attached.")
    handling.decide(officer, dossier, outcome="authorised")
    deliver()
    for user in (employer, german):
        received = mailbox.to(user.email)
        assert received and all(m["Content-Language"] == user.locale for m in received)
    assert mailbox.to(quiet.email) == []
    assert f"/applications/{dossier.id}/timeline" in text_of(mailbox.last_to(german.email))
    for message in mailbox.messages:
        for part in (text_of(message), html_of(message), message["Subject"]):
            assert "Priya" not in part and "Sharma" not in part


def test_unticking_everything_mutes_both_and_other_kinds_are_kept(client, employer):
    employer.muted_notifications = "newsletter"
    db.session.commit()
    client.post("/account/notifications", data={"sent": "1"})
    assert set(employer.muted_notifications.split(",")) == {
        "newsletter",
        "status_changed",
        "info_requested",
    }
    preferences.save(employer, ["status_changed", "info_requested"])
    assert employer.muted_notifications == "newsletter"
    assert preferences.receives(employer) == {"status_changed": True, "info_requested": True}


# The audit trail -------------------------------------------------------------------------


def _decided_file(client, officer) -> Dossier:
    dossier = submitted_file(client)
    handling.request_info(officer, dossier, question="Send the signed contract.")
    handling.answer_info(
        db.session.get(type(officer), dossier.created_by_id), dossier, answer="Attached."
    )
    handling.decide(officer, dossier, outcome="authorised")
    db.session.commit()
    return dossier


def test_the_audit_chain_of_a_flow_verifies_and_tampering_is_found(client, employer, officer):
    dossier = _decided_file(client, officer)
    report = audit.verify()
    assert report.intact and report.entries == count_of(AuditEntry)
    trail = audit.trail(dossier.id)
    assert [e.action for e in trail if e.action.startswith("status:")] == [
        "status:submitted",
        "status:info_requested",
        "status:submitted",
        "status:work_authorised",
        "status:forwarded",
    ]
    target = trail[2]
    db.session.execute(
        text("UPDATE audit_entry SET detail = :detail WHERE id = :id"),
        {"detail": "tampered", "id": target.id},
    )
    db.session.expire_all()
    report = audit.verify()
    assert not report.intact and report.first_broken_id == target.id


def _cli(app):
    if "audit" not in app.cli.commands:
        from portal.dossiers.lifecycle.auditlog import register

        register(app)
    return app.test_cli_runner()


def test_the_audit_commands_verify_and_export(app, client, employer, officer, tmp_path):
    dossier = _decided_file(client, officer)
    runner = _cli(app)
    result = runner.invoke(args=["audit", "verify"])
    total = count_of(AuditEntry)
    assert result.exit_code == 0, result.output
    assert f"{total} entries" in result.output and "intact" in result.output

    result = runner.invoke(args=["audit", "export"])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0 and len(lines) == total
    assert all(len(line["hash"]) == 64 and len(line["prev_hash"]) == 64 for line in lines)
    assert [line["id"] for line in lines] == sorted(line["id"] for line in lines)

    output = tmp_path / "trail.jsonl"
    result = runner.invoke(
        args=["audit", "export", "--dossier", dossier.reference, "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    mine = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert mine and {line["reference"] for line in mine} == {dossier.reference}
    assert [line["hash"] for line in mine] == [e.hash for e in audit.trail(dossier.id)]

    result = runner.invoke(args=["audit", "export", "--dossier", "SP-0000-NOPE"])
    assert result.exit_code != 0 and "No file with reference" in result.output

    target = audit.trail(dossier.id)[1]
    db.session.execute(
        text("UPDATE audit_entry SET detail = :detail WHERE id = :id"),
        {"detail": "tampered", "id": target.id},
    )
    db.session.expire_all()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"broken at entry {target.id}" in result.output


def test_a_file_added_to_an_answer_is_written_to_the_trail(client, employer, officer):
    dossier = submitted_file(client)
    request = handling.request_info(officer, dossier, question="Send the diploma.")
    db.session.commit()
    document = timeline.attach_to_answer(
        employer,
        dossier,
        request,
        requirement="diploma",
        data=PDF,
        file_name="diploma.pdf",
        issued_on=None,
    )
    assert document.info_request_id == request.id
    entry = audit.trail(dossier.id)[-1]
    assert entry.action == "info:document" and document.sha256 in entry.detail
    assert db.session.get(InfoRequest, request.id).answered_at is None


def test_administrators_download_the_audit_trail(app, client, db_session):
    import json as json_module

    from portal import audit
    from portal.accounts.models import Role
    from tests.support import login, make_user

    audit.record("probe", detail="first")
    audit.record("probe", detail="second")
    db_session.flush()
    make_user("root@flanders.example", Role.ADMIN)
    login(client, "root@flanders.example")
    with client.get("/admin/audit.jsonl") as response:
        rows = [json_module.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [r["detail"] for r in rows if r["action"] == "probe"] == ["first", "second"]
    assert rows[-1]["prev_hash"] == rows[-2]["hash"]
    assert client.get("/admin/audit.jsonl?reference=SP-0000-XXXXXX-X").status_code == 404
    make_user("clerk@flanders.example", Role.OFFICER)
    other = app.test_client()
    login(other, "clerk@flanders.example")
    assert other.get("/admin/audit.jsonl").status_code == 403


# Information requests: the banner, the e-mail's deadline, "back with the officer" ----------


def working_days_left(due_on: date) -> int:
    return deadlines.working_days_between(today(), due_on)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_open_request_is_a_banner_whose_primary_action_is_to_answer(
    client, employer, officer, lang
):
    dossier = submitted_file(client)
    question = "Send the signed contract.\n\nAnd <b>the payslip</b> of March."
    request = handling.request_info(officer, dossier, question=question)
    db.session.commit()
    for url in (f"/applications/{dossier.id}", f"/applications/{dossier.id}/timeline"):
        soup = page(client, url, lang)
        banner = soup.select_one("section.info-banner")
        assert banner is not None, url
        text = banner.get_text(" ", strip=True)
        assert "Send the signed contract." in text and "<b>the payslip</b> of March." in text
        assert banner.find("b") is None  # the question is text, never markup
        assert long_date(request.due_on, lang) in text
        assert re.search(rf"\(\D*{working_days_left(request.due_on)} ", text)  # "(nog 11 …"
        primary = banner.find("a", href=f"/applications/{dossier.id}/answer")
        assert primary is not None and primary["class"] == ["button"]
        # The only primary button on the page is the answer: the receipt is secondary.
        buttons = [a for a in soup.select("main a.button") if "button-secondary" not in a["class"]]
        assert buttons == [primary], url
    overview = page(client, f"/applications/{dossier.id}", lang)
    receipt = overview.find("a", href=f"/applications/{dossier.id}/receipt.pdf")
    assert "button-secondary" in receipt["class"]


def test_the_banner_says_answer_by_today_and_then_overdue(client, employer, officer):
    dossier = submitted_file(client)
    request = handling.request_info(officer, dossier, question="The contract, please.")
    db.session.commit()
    assert timeline.banner(dossier, today=request.due_on).working_days_left == 0
    late = timeline.banner(dossier, today=request.due_on + timedelta(days=1))
    assert late.overdue and late.working_days_left == 0
    request.due_on = today() - timedelta(days=1)
    db.session.commit()
    text = page(client, f"/applications/{dossier.id}").select_one("section.info-banner").text
    assert f"The answer was due on {long_date(request.due_on)}." in " ".join(text.split())


def test_no_banner_and_a_primary_receipt_without_an_open_request(client, employer):
    dossier = submitted_file(client)
    soup = page(client, f"/applications/{dossier.id}")
    assert soup.select_one("section.info-banner") is None
    receipt = soup.find("a", href=f"/applications/{dossier.id}/receipt.pdf")
    assert receipt["class"] == ["button"]


def test_a_worker_sees_the_question_but_no_answer_button(app, client, employer, officer):
    dossier = submitted_file(client)
    worker = make_user("priya@worker.example", Role.TALENT)
    db.session.add(DossierViewer(dossier_id=dossier.id, user_id=worker.id))
    handling.request_info(officer, dossier, question="The contract, please.")
    db.session.commit()
    other = app.test_client()
    login(other, worker.email)
    banner = page(other, f"/applications/{dossier.id}/timeline").select_one("section.info-banner")
    assert "The contract, please." in banner.text
    assert banner.find("a", href=f"/applications/{dossier.id}/answer") is None


def test_the_request_e_mail_gives_the_deadline_in_the_readers_language_and_no_content(
    app, client, employer, officer, mailbox
):
    dossier = submitted_file(client)
    french = make_user("collegue@acme.example", organisation=employer.organisation, locale="fr")
    mailbox.clear()
    # Sent while an officer's request with a forged Host is being answered: the link still
    # goes to the portal's own address.
    with app.test_request_context("/", base_url="http://evil.example"):
        request = handling.request_info(officer, dossier, question="Send Priya's contract.")
        deliver()
    days = working_days_left(request.due_on)
    for user, lang in ((employer, "en"), (french, "fr")):
        message = mailbox.last_to(user.email)
        body = text_of(message)
        flat = " ".join(body.split())
        assert long_date(request.due_on, lang) in flat, flat
        assert f"({days} " in flat
        assert f"http://portal.test/applications/{dossier.id}/answer" in body
        assert "evil.example" not in body + html_of(message)
        for part in (body, html_of(message), message["Subject"]):
            assert "Priya" not in part and "Sharma" not in part and "contract" not in part
    assert "Answer by" in " ".join(text_of(mailbox.last_to(employer.email)).split())


def test_after_the_answer_the_file_is_back_with_the_officer_never_submitted(
    client, employer, officer, mailbox
):
    dossier = submitted_file(client)
    handling.request_info(officer, dossier, question="The contract, please.")
    deliver()
    mailbox.clear()
    response = client.post(
        f"/applications/{dossier.id}/answer", data={"answer": "Attached.", "action": "send"}
    )
    assert response.status_code == 302
    deliver()
    assert dossier.status == S.SUBMITTED  # the same status: the officer handles it as before
    for url in (f"/applications/{dossier.id}", f"/applications/{dossier.id}/timeline"):
        soup = page(client, url)
        assert soup.select_one("strong.tag").get_text(strip=True) == "Back with the officer"
        assert soup.select_one("section.info-banner") is None
    body = " ".join(page(client, f"/applications/{dossier.id}/timeline").get_text(" ").split())
    assert "The officer has your answer and continues handling the file." in body
    listing = page(client, "/applications/")
    assert "Back with the officer" in listing.get_text(" ", strip=True)
    message = mailbox.last_to(employer.email)
    text = " ".join(text_of(message).split())
    assert f"The status of file {dossier.reference} is now: Back with the officer." in text
    assert "Submitted" not in text + html_of(message)


def test_a_file_never_asked_for_more_still_reads_submitted(client, employer):
    dossier = submitted_file(client)
    assert status.title_of(dossier) == "Submitted"
    assert page(client, f"/applications/{dossier.id}").select_one("strong.tag").text == "Submitted"


def test_files_opened_in_turn_each_show_their_own_history_and_requests(client, employer, officer):
    """The timeline's two statements are built once per process, the file's id a parameter
    (`timeline._history_statements`): files opened in turn never show each other's events
    or requests."""
    asked, answered, plain = submitted_file(client), submitted_file(client), submitted_file(client)
    withdrawn = submitted_file(client)
    handling.request_info(officer, asked, question="The contract, please.")
    handling.request_info(officer, answered, question="The diploma, please.")
    db.session.commit()
    # The withdrawal's reason is read from the file's own status event.
    response = client.post(
        f"/applications/{withdrawn.id}/withdraw", data={"reason": "Candidate declined"}
    )
    assert response.status_code == 302
    response = client.post(
        f"/applications/{answered.id}/answer", data={"answer": "Attached.", "action": "send"}
    )
    assert response.status_code == 302
    db.session.commit()

    def info_steps(soup) -> list[str]:
        return [s for s in steps(soup) if s.startswith("Additional information requested")]

    for _round in range(2):
        soup = page(client, f"/applications/{asked.id}/timeline")
        assert "Additional information requested" in current_step(soup)
        assert soup.find("a", href=f"/applications/{asked.id}/answer")
        soup = page(client, f"/applications/{answered.id}/timeline")
        assert soup.select_one("strong.tag").get_text(strip=True) == "Back with the officer"
        assert len(info_steps(soup)) == 1 and "Done" in info_steps(soup)[0]
        assert "Admissibility" in current_step(soup)
        soup = page(client, f"/applications/{plain.id}/timeline")
        assert soup.select_one("strong.tag").get_text(strip=True) == "Submitted"
        assert info_steps(soup) == [] and "Admissibility" in current_step(soup)
        assert not soup.find("a", href=f"/applications/{plain.id}/answer")
        final = current_step(page(client, f"/applications/{withdrawn.id}/timeline"))
        assert "Withdrawn" in final and "Candidate declined" in final
