"""Renewal of a granted professional card: the window, the prefilled renewal file, the
reminders at 90 and 60 days, and "a substantial change of activity is a new application".

Interpretations, stated once (the facts come from `card_rules`, never from here):

- *The window*: a renewal can be started from `renewal_window_days` before the card's
  `valid_until` (60 days; 90 for a card first granted before 2022), up to and including
  that day. Earlier, the page says on which day it opens; after it, the card has expired
  and only a new application is possible.
- *Prefilled*: the renewal is a new draft card file (kind `renewal`, `previous_id` the
  granted file) with the person, the activity and the card's answers copied. Not copied:
  the officer's decision (validity, reminders sent, the decision and its dates) and the
  documents: every document of a card file is evidence of the present situation (a
  criminal-record extract at most 6 months old, the proof of the means of this year, the
  residence document in force), so a renewal brings them fresh.
- *Substantial change*: another card category, another NACE-BEL division (the first two
  digits of the activity's code), or another legal form (company / sole trader) than the
  granted card. Such a file is refused as a renewal, with a pointer to a new application.
- *Reminders*: the holder (the file's `worker_email`, in the file's `worker_locale`) gets
  one e-mail per day in `card_rules.reminder_days()` (90 and 60): the reminder of day D is
  due while D ≥ days left > the next smaller reminder day (≥ 0 for the last), so a worker
  that was down catches up with the latest one, never with two at once. Each is recorded
  in `card.reminders_sent` by a compare-and-set UPDATE in the same transaction as the
  queued e-mail: two workers (or a worker and `flask cards remind`) that run at once send
  it once, whichever commits first; the other's UPDATE matches no row and queues nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update

from portal import clock, links, mail
from portal.accounts.models import User
from portal.dossiers import card_rules
from portal.dossiers.models import (
    WORKER_IDENTITY,
    CardDetails,
    Dossier,
    DossierKind,
    DossierStatus,
    Permit,
)
from portal.errors import Invalid
from portal.extensions import db
from portal.i18n import LANGUAGES, _, format_date

GRANTED = DossierStatus.CARD_GRANTED
# A renewal that is on its way: the reminders stop once it has been submitted.
_NOT_UNDER_WAY = (DossierStatus.DRAFT, DossierStatus.WITHDRAWN)

# What the renewal copies from the granted card file.
COPIED_FIELDS = (
    *WORKER_IDENTITY,
    "worker_nationality",
    "nace_code",
    "workplace_street",
    "workplace_postal_code",
    "workplace_refnis",
    "category",
    "organisation_id",
    "mandatary_id",
)
COPIED_CARD_FIELDS = (
    "files_from",
    "residence_document",
    "residence_valid_until",
    "address_street",
    "address_postal_code",
    "address_city",
    "address_country",
    "legal_form",
    "company_name",
    "company_kbo",
    "activity_description",
    "jobs_planned",
    "investment_eur",
    "start_capital_eur",
    "innovation",
    "export",
    "diploma_level",
    "regulated_profession",
    "means_eur",
    "first_granted_before_2022",
)
# Never copied: the officer's grant (valid_from, valid_until), `reminders_sent`, and every
# document (see the module's docstring).


@dataclass(frozen=True)
class Window:
    """When the renewal of one card can be started."""

    expires_on: date
    opens_on: date
    days: int  # the window's length in days before expiry (60 or 90)

    def state(self, today: date) -> str:
        """ "not_yet", "open" or "expired"."""
        if today < self.opens_on:
            return "not_yet"
        return "open" if today <= self.expires_on else "expired"


def is_granted_card(dossier: Dossier) -> bool:
    return (
        dossier.permit == Permit.PROFESSIONAL_CARD
        and dossier.status == GRANTED
        and dossier.card is not None
        and dossier.card.valid_until is not None
    )


def window(dossier: Dossier) -> Window:
    """The renewal window of a granted card file."""
    if not is_granted_card(dossier):
        raise Invalid({"": [_("Only a granted professional card can be renewed.")]})
    card = dossier.card
    days = card_rules.renewal_window_days(bool(card.first_granted_before_2022))
    return Window(card.valid_until, card.valid_until - timedelta(days=days), days)


def renewal_of(dossier: Dossier) -> Dossier | None:
    """The renewal already started from this card (not withdrawn), if any."""
    return db.session.scalar(
        select(Dossier)
        .where(
            Dossier.previous_id == dossier.id,
            Dossier.kind == DossierKind.RENEWAL,
            Dossier.permit == Permit.PROFESSIONAL_CARD,
            Dossier.status != DossierStatus.WITHDRAWN,
        )
        .order_by(Dossier.id.desc())
        .limit(1)
    )


def refusal(dossier: Dossier, today: date) -> str | None:
    """Why no renewal can be started today (translated), or None when it can."""
    found = window(dossier)
    state = found.state(today)
    if state == "not_yet":
        return _(
            "The renewal of this card opens on %(opens)s, %(days)s days before the card expires on %(expires)s. Come back then.",
            opens=format_date(found.opens_on, "long"),
            days=found.days,
            expires=format_date(found.expires_on, "long"),
        )
    if state == "expired":
        return _(
            "This card expired on %(expires)s, so it can no longer be renewed. Apply for a new professional card instead.",
            expires=format_date(found.expires_on, "long"),
        )
    return None


def start_renewal(
    actor: User, previous: Dossier, *, locale: str, today: date | None = None
) -> Dossier:
    """The renewal draft of a granted card, prefilled; the one already started if there is.

    `previous` is loaded by the caller with `get_dossier(..., for_update=True)`: a double
    click waits for the first, then finds its renewal instead of starting a second one.
    """
    today = today or clock.today()
    problem = refusal(previous, today)
    if problem:
        raise Invalid({"": [problem]})
    existing = renewal_of(previous)
    if existing is not None:
        return existing
    renewal = Dossier(
        created_by_id=actor.id,
        locale=locale if locale in LANGUAGES else previous.locale,
        status=DossierStatus.DRAFT,
        permit=Permit.PROFESSIONAL_CARD,
        kind=DossierKind.RENEWAL,
        previous_id=previous.id,
        previous_permit_expires_on=previous.card.valid_until,
        channel=previous.channel,
    )
    for name in COPIED_FIELDS:
        setattr(renewal, name, getattr(previous, name))
    renewal.card = CardDetails(
        **{name: getattr(previous.card, name) for name in COPIED_CARD_FIELDS}, reminders_sent=""
    )
    db.session.add(renewal)
    db.session.flush()
    return renewal


# -- a substantial change is a new application ---------------------------------------------


def nace_division(code: str | None) -> str | None:
    return code[:2] if code and len(code) >= 2 else None


def substantial_changes(renewal: Dossier) -> list[str]:
    """What makes this renewal a new application (translated), empty when nothing does."""
    if renewal.kind != DossierKind.RENEWAL or renewal.permit != Permit.PROFESSIONAL_CARD:
        return []
    previous = renewal.previous
    if previous is None:
        return []
    changes = []
    if renewal.category != previous.category:
        changes.append(_("another category of professional card"))
    if nace_division(renewal.nace_code) != nace_division(previous.nace_code):
        changes.append(_("another activity (another NACE-BEL division)"))
    old_form = previous.card.legal_form if previous.card else None
    new_form = renewal.card.legal_form if renewal.card else None
    if old_form != new_form:
        changes.append(_("another legal form (company or sole trader)"))
    return changes


def refuse_substantial_change(renewal: Dossier) -> None:
    """Raise when the renewal changes the activity substantially (checked at submission)."""
    changes = substantial_changes(renewal)
    if changes:
        raise Invalid(
            {
                "": [
                    _(
                        "This is not a renewal: %(changes)s is a substantial change of activity. Start a new application for a professional card instead.",
                        changes=", ".join(changes),
                    )
                ]
            }
        )


# -- reminders ---------------------------------------------------------------------------


def due_reminder(valid_until: date, today: date, sent: str) -> int | None:
    """The reminder day (90 or 60) due today for a card valid until `valid_until`."""
    left = (valid_until - today).days
    days = card_rules.reminder_days()  # largest first
    done = {part for part in (sent or "").split(",") if part}
    for index, day in enumerate(days):
        floor = days[index + 1] if index + 1 < len(days) else -1
        if floor < left <= day:
            return None if str(day) in done else day
    return None


def _holder_locale(dossier: Dossier) -> str:
    for locale in (dossier.worker_locale, dossier.locale):
        if locale in LANGUAGES:
            return locale
    return "nl"


def _claim(dossier_id: int, sent: str, day: int) -> bool:
    """Record reminder `day` as sent, if nobody did meanwhile (compare-and-set)."""
    marked = ",".join(part for part in (*sent.split(","), str(day)) if part)
    result = db.session.execute(
        update(CardDetails)
        .where(CardDetails.dossier_id == dossier_id, CardDetails.reminders_sent == sent)
        .values(reminders_sent=marked)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def send_reminders(today: date | None = None) -> int:
    """Queue the renewal reminders due today; returns how many. The caller commits."""
    today = today or clock.today()
    largest = max(card_rules.reminder_days())
    candidates = db.session.execute(
        select(Dossier.id, CardDetails.valid_until, CardDetails.reminders_sent)
        .join(CardDetails, CardDetails.dossier_id == Dossier.id)
        .where(
            Dossier.permit == Permit.PROFESSIONAL_CARD,
            Dossier.status == GRANTED,
            Dossier.worker_email.is_not(None),
            CardDetails.valid_until >= today,
            CardDetails.valid_until <= today + timedelta(days=largest),
        )
        .order_by(Dossier.id)
    ).all()
    queued = 0
    for dossier_id, valid_until, sent in candidates:
        day = due_reminder(valid_until, today, sent or "")
        if day is None:
            continue
        dossier = db.session.get(Dossier, dossier_id)
        renewal = renewal_of(dossier)
        if renewal is not None and renewal.status not in _NOT_UNDER_WAY:
            continue  # the renewal is submitted: nothing to remind of
        if not _claim(dossier_id, sent or "", day):
            continue  # another worker sent it
        found = window(dossier)
        mail.queue(
            dossier.worker_email,
            "card_renewal_reminder",
            _holder_locale(dossier),
            name=dossier.worker_name,
            reference=dossier.reference,
            expires_on=found.expires_on,
            opens_on=found.opens_on,
            is_open=found.state(today) == "open",
            link=links.external("applications.card_renewal_page", dossier_id=dossier.id),
        )
        queued += 1
    return queued


def _renewal_link(dossier: Dossier, user: User):
    """On a granted card's page, the way to its renewal (the page says when it opens)."""
    from flask import url_for

    if is_granted_card(dossier):
        yield (
            url_for("applications.card_renewal_page", dossier_id=dossier.id),
            _("Renew this professional card"),
        )


def register(app) -> None:
    """`flask worker` sends the renewal reminders once a day (CARD_REMINDER_HOUR), and a
    granted card's page links to its renewal."""
    from portal import scheduler

    app.extensions.setdefault("dossier_links", []).append(_renewal_link)

    def remind() -> None:
        count = send_reminders()
        db.session.commit()
        app.logger.info("card renewal reminders queued: %s", count)

    scheduler.register(
        app, scheduler.Periodic("cards.renewal_reminders", remind, daily_at="CARD_REMINDER_HOUR")
    )
