"""The helpdesk's list of the mail intake, written a row at a time in Python
(portal/fallback/intake_rows.py): what a sender wrote is shown as written, never as markup,
and the outcome and the moment read in the page's language."""

from __future__ import annotations

import pytest

from portal import clock
from portal.extensions import db
from portal.fallback.models import OUTCOME_TITLES, Outcome, Review
from portal.i18n import LANGUAGES, force_locale, format_datetime
from tests.factories import DossierFactory, HelpdeskFactory, IntakeMessageFactory
from tests.support import HOSTILE_MARKUP as HOSTILE
from tests.support import linked_row_cells, login, unmarked_page


@pytest.fixture
def agent(db_session):
    return HelpdeskFactory()


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_each_row_shows_the_senders_words_escaped_and_the_outcome_in_the_page_language(
    client, agent, lang
):
    hostile = IntakeMessageFactory(
        sender="<b>o'brien</b>+x@example.be", subject=HOSTILE, reason="<i>no_proof</i>"
    )
    accepted = IntakeMessageFactory(
        outcome=Outcome.ACCEPTED,
        reason=None,
        dossier=DossierFactory(submitted=True),
        review=Review.CONVERTED,
        reviewed_at=clock.now(),
    )
    bare = IntakeMessageFactory(sender=None, subject=None, reason=None, outcome=Outcome.ERROR)
    db.session.commit()
    login(client, agent.email)

    rows = linked_row_cells(unmarked_page(client, f"/helpdesk/desk/intake?state=all&lang={lang}"))
    with force_locale(lang):
        from portal.i18n import _

        titles = {outcome: str(title) for outcome, title in OUTCOME_TITLES.items()}
        reviewed = _("reviewed")

        def moment(message) -> str:
            return " ".join(format_datetime(message.received_at, "short").split())

    assert rows[hostile.id] == [
        moment(hostile),
        "<b>o'brien</b>+x@example.be",
        " ".join(HOSTILE.split()),
        f"{titles[Outcome.REJECTED]} (<i>no_proof</i>)",
        "–",
    ]
    assert rows[accepted.id] == [
        moment(accepted),
        accepted.sender,
        accepted.subject,
        f"{titles[Outcome.ACCEPTED]} · {reviewed}",
        accepted.dossier.reference,
    ]
    assert rows[bare.id] == [moment(bare), "–", "–", titles[Outcome.ERROR], "–"]


def test_a_kept_row_follows_its_message_once_reviewed(client, agent):
    """Rows are kept under their values: a message reviewed since is shown as reviewed."""
    message = IntakeMessageFactory()
    db.session.commit()
    login(client, agent.email)
    before = linked_row_cells(unmarked_page(client, "/helpdesk/desk/intake?state=all&lang=en"))
    assert before[message.id][3] == "Rejected (no_proof)"
    message.review, message.reviewed_at = Review.DISMISSED, clock.now()
    db.session.commit()
    after = linked_row_cells(unmarked_page(client, "/helpdesk/desk/intake?state=all&lang=en"))
    assert after[message.id][3] == "Rejected (no_proof) · reviewed"


def _mixed() -> tuple[list[int], list[int]]:
    """Messages of every kind, interleaved: the ids of those in the quarantine (rejected or
    failed, not reviewed, not purged), newest first, and of all."""
    kinds = [
        {"outcome": Outcome.REJECTED},
        {"outcome": Outcome.ERROR, "reason": None},
        {"outcome": Outcome.ACCEPTED, "reason": None},
        {"outcome": Outcome.REJECTED, "review": Review.DISMISSED, "reviewed_at": clock.now()},
        {"outcome": Outcome.ERROR, "reason": None, "purged_at": clock.now()},
        {"outcome": Outcome.DUPLICATE, "reason": None},
    ]
    made = [IntakeMessageFactory(**kinds[n % len(kinds)]) for n in range(23)]
    db.session.commit()
    waiting = [m.id for m in made if m.in_quarantine]
    return waiting[::-1], [m.id for m in made]


def test_the_quarantine_merges_both_outcomes_newest_first_a_page_at_a_time(db_session, agent):
    from portal.fallback import quarantine

    waiting, made = _mixed()
    seen, before = [], None
    for _page in range(20):  # 5 pages of 2, and never for ever
        page = quarantine.messages(agent, "quarantine", before, per_page=2)
        seen += [row.id for row in page.items]
        if page.later is None:
            break
        before = str(page.later)
    assert seen == waiting and len(waiting) == 8
    # The list of one outcome holds all its messages, reviewed and purged ones too.
    errors = quarantine.messages(agent, "error", per_page=50).items
    assert [row.id for row in errors] == [i for n, i in enumerate(made) if n % 6 in (1, 4)][::-1]


def test_the_intake_lists_read_an_index_in_its_order_and_sort_nothing(db_session, agent):
    """The quarantine (per outcome) and a single outcome's list read a range of their index
    newest first: never a walk through every message kept, nor a sort of them."""
    import functools

    from portal.fallback import quarantine
    from tests.support import sorted_plans

    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL uses the same btree indexes")
    waiting, made = _mixed()
    db.session.execute(db.text("ANALYZE intake_message"))
    for view, before, index in (
        ("quarantine", None, "ix_intake_message_quarantine"),
        ("quarantine", str(waiting[3]), "ix_intake_message_quarantine"),
        ("error", None, "ix_intake_message_outcome"),
        ("accepted", str(made[-1]), "ix_intake_message_outcome"),
    ):
        plans = sorted_plans(functools.partial(quarantine.messages, agent, view, before, 2))
        assert plans, view
        for plan in plans:
            assert index in plan and "TEMP B-TREE" not in plan, (view, plan)
