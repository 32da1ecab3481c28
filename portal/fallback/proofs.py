"""Proofs: an agent confirms that a technical problem blocks online submission.

A proof is bound to the requester's e-mail address and to the party that files (a
registered employer, or a mandatary with one of its foreign employers), is valid for
`FALLBACK_PROOF_DAYS` days (through the last day, Brussels time), and is used once: the
intake consumes it with a conditional update, so two messages can never both use it.
"""

from __future__ import annotations

import enum
import functools
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Row, Select, select, update
from sqlalchemy.orm import aliased

from portal import audit, clock, mail, paging
from portal.accounts.models import ForeignEmployer, Mandatary, Organisation, User
from portal.db import constant
from portal.dossiers.models import Dossier
from portal.errors import Invalid, NotFound
from portal.extensions import db
from portal.fallback import codes
from portal.fallback.models import HelpdeskTicket, Proof, TicketStatus, party_name
from portal.fallback.tickets import event, get_ticket, require_agent
from portal.i18n import _
from portal.reference import normalise_kbo

MAX_DAYS = 30


def default_days() -> int:
    return int(current_app.config.get("FALLBACK_PROOF_DAYS", 5))


def intake_address() -> str:
    return current_app.config["INTAKE_ADDRESS"]


@dataclass(frozen=True)
class Party:
    organisation: Organisation | None = None
    mandatary: Mandatary | None = None
    foreign_employer: ForeignEmployer | None = None
    # An employer nobody registered: only its (checksum-valid) enterprise number.
    kbo_number: str | None = None

    @property
    def unregistered(self) -> bool:
        return self.organisation is None and self.mandatary is None and bool(self.kbo_number)


def party_of(proof: Proof) -> Party:
    return Party(proof.organisation, proof.mandatary, proof.foreign_employer, proof.kbo_number)


def resolve_party(
    kbo: str, foreign_registration: str | None, *, allow_unregistered: bool = False
) -> Party:
    """The party that files: an employer, or a mandatary and its foreign employer.

    With `allow_unregistered`, a valid number that nobody registered gives a party of the
    number alone (the e-mail fallback for those who cannot register). A registered
    organisation whose claim is not proven never does: no e-mail route around a claim.
    """
    number = normalise_kbo(kbo or "")
    if number is None:
        raise Invalid({"kbo": [_("This is not a valid enterprise number.")]})
    organisation = db.session.scalar(select(Organisation).where(Organisation.kbo_number == number))
    if organisation is not None:
        if not organisation.claim_proven:  # no e-mail route around an unproven claim
            raise Invalid(
                {
                    "kbo": [
                        _(
                            "This organisation has not yet proven that its administrator may act for it, so it cannot submit files, not even by e-mail. Check its claim first."
                        )
                    ]
                }
            )
        return Party(organisation=organisation)
    mandatary = db.session.scalar(select(Mandatary).where(Mandatary.kbo_number == number))
    if mandatary is None and allow_unregistered:
        return Party(kbo_number=number)
    if mandatary is None:
        raise Invalid(
            {
                "kbo": [
                    _(
                        "No employer or mandatary with this enterprise number is registered. Help the requester register first."
                    )
                ]
            }
        )
    wanted = (foreign_registration or "").strip().casefold()
    employers = mandatary.foreign_employers
    matching = [e for e in employers if e.registration_number.strip().casefold() == wanted]
    if not wanted and len(employers) == 1:
        matching = employers
    if len(matching) != 1:
        raise Invalid(
            {
                "foreign_registration": [
                    _(
                        "This is a mandatary: give the registration number of the foreign employer it files for."
                    )
                ]
            }
        )
    return Party(mandatary=mandatary, foreign_employer=matching[0])


def issue(
    actor: User,
    ticket_id: int,
    *,
    email: str,
    kbo: str,
    foreign_registration: str | None = None,
    days: int | None = None,
    today: date | None = None,
    identity_confirmed: bool = False,
) -> Proof:
    """Issue a proof on a ticket and e-mail it, with the instructions, to `email`.

    For an enterprise number nobody registered, the agent must confirm that they checked
    the requester's identity and link with the employer (`identity_confirmed`); the proof
    is then bound to the address and the number alone, and the confirmation is audited.
    """
    ticket = get_ticket(actor, ticket_id)
    today = today or clock.today()
    days = default_days() if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise Invalid({"days": [_("Choose from 1 to 30 days.")]})
    party = resolve_party(kbo, foreign_registration, allow_unregistered=True)
    if party.unregistered and not identity_confirmed:
        raise Invalid(
            {
                "identity_confirmed": [
                    _(
                        "No employer or mandatary with this enterprise number is registered. Confirm that you checked who the requester is and that they act for this enterprise."
                    )
                ]
            }
        )
    email = codes.normalise_email(email)
    proof = Proof(
        code=f"pending-{secrets.token_hex(12)}",  # replaced once the id is known
        ticket=ticket,
        email=email,
        organisation=party.organisation,
        mandatary=party.mandatary,
        foreign_employer=party.foreign_employer,
        kbo_number=party.kbo_number,
        expires_on=today + timedelta(days=days - 1),
        issued_by_id=actor.id,
    )
    db.session.add(proof)
    db.session.flush()
    proof.code = codes.make(current_app.config["SECRET_KEY"], proof.id, email, proof.expires_on)
    event(ticket, actor, f"proof_issued|{proof.code}|{proof.expires_on.isoformat()}")
    ticket.status = TicketStatus.ANSWERED
    ticket.updated_at = clock.now()
    audit.record("fallback:proof_issued", actor_id=actor.id, detail=f"{proof.code} {email}")
    if party.unregistered:
        audit.record(
            "fallback:proof_unregistered_identity_confirmed",
            actor_id=actor.id,
            detail=f"{proof.code} {email} kbo={party.kbo_number} ticket={ticket.number}",
        )
    mail.queue(
        email,
        "fallback_proof",
        ticket.locale,
        name=ticket.requester_name,
        number=ticket.number,
        code=proof.code,
        expires_on=proof.expires_on,
        intake_address=intake_address(),
        party=proof.party_name,
        max_megabytes=current_app.config["DOCUMENT_MAX_BYTES"] // (1024 * 1024),
    )
    return proof


def revoke(actor: User, proof_id: int) -> Proof:
    require_agent(actor)
    proof = db.session.get(Proof, proof_id)
    if proof is None:
        raise NotFound
    if proof.used_at is not None:
        raise Invalid({"": [_("A proof that has been used cannot be revoked.")]})
    if proof.revoked_at is None:
        proof.revoked_at = clock.now()
        event(proof.ticket, actor, f"proof_revoked|{proof.code}|")
        audit.record("fallback:proof_revoked", actor_id=actor.id, detail=proof.code)
    return proof


class ProofProblem(enum.StrEnum):
    MISSING = "no_proof"
    INVALID = "proof_invalid"
    SENDER = "sender_mismatch"
    EXPIRED = "proof_expired"
    USED = "proof_used"
    REVOKED = "proof_revoked"


@dataclass(frozen=True)
class Verdict:
    proof: Proof | None
    problem: ProofProblem | None
    # The proof a code points to even when it fails (for the answer's language and advice).
    claimed: Proof | None = None


def verify(text: str | None, sender: str, today: date) -> Verdict:
    """Check a code from a message sent by `sender`: first the signature, then the database."""
    if not text:
        return Verdict(None, ProofProblem.MISSING)
    secret = current_app.config["SECRET_KEY"]
    code = codes.check(secret, text, sender)
    if code is None:
        # Tell "sent from the wrong address" apart from "made up or altered": only a
        # genuine code of an existing proof passes the signature with the proof's address.
        parsed = codes.parse(text)
        proof = db.session.get(Proof, parsed.proof_id) if parsed else None
        if proof is not None and codes.check(secret, text, proof.email) is not None:
            return Verdict(None, ProofProblem.SENDER, proof)
        return Verdict(None, ProofProblem.INVALID)
    if code.expires_on < today:
        return Verdict(None, ProofProblem.EXPIRED, db.session.get(Proof, code.proof_id))
    proof = db.session.get(Proof, code.proof_id)
    if (
        proof is None
        or proof.code != code.text
        or proof.email != codes.normalise_email(sender)
        or proof.expires_on != code.expires_on
    ):
        return Verdict(None, ProofProblem.INVALID)
    if proof.revoked_at is not None:
        return Verdict(None, ProofProblem.REVOKED, proof)
    if proof.used_at is not None:
        return Verdict(None, ProofProblem.USED, proof)
    return Verdict(proof, None, proof)


def consume(proof: Proof, dossier: Dossier, actor: User | None) -> bool:
    """Mark the proof used for `dossier`; False when another transaction used it first."""
    now = clock.now()
    result = db.session.execute(
        update(Proof)
        .where(Proof.id == proof.id, Proof.used_at.is_(None))
        .values(used_at=now, dossier_id=dossier.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    proof.used_at, proof.dossier_id = now, dossier.id
    event(proof.ticket, actor, f"proof_used|{proof.code}|{dossier.reference}")
    audit.record(
        "fallback:proof_used",
        dossier_id=dossier.id,
        actor_id=actor.id if actor else None,
        detail=proof.code,
    )
    return True


PROOF_STATES = ("all", "unused", "used", "expired", "revoked")


class DeskProof(NamedTuple):
    """What a row of the desk's list of proofs shows (portal/fallback/proof_rows.py)."""

    id: int
    code: str
    ticket_id: int
    ticket_number: str
    email: str
    party: str  # `models.party_name` of the proof's party
    created_at: datetime
    issuer: str
    expires_on: date
    used_at: datetime | None
    reference: str | None  # the file the proof was used for
    state: str  # `state_of` on the day of the page


def desk_proofs(
    actor: User,
    state: str = "all",
    today: date | None = None,
    before: str | None = None,
    per_page: int | None = None,
) -> paging.Page:
    """Proofs for the helpdesk, newest first, a page past the proof `before`: which were
    used, for which file (`DeskProof`s).

    Read as rows of the columns shown, with the ticket's number, the issuer's name, the
    file's reference and the party's names joined in: as whole proofs with their six
    relations, each row also read a whole file (a hundred columns), ticket, user and
    party, and the page took three times the officers' queue (issue 15)."""
    require_agent(actor)
    today = today or clock.today()
    size = per_page or paging.PER_PAGE
    query = _desk_statement(state if state in PROOF_STATES else "all", today)
    page = paging.newest_first(query, Proof, before, size, rows=True)
    found = [
        DeskProof(
            row.id,
            row.code,
            row.ticket_id,
            row.ticket_number,
            row.email,
            party_name(row.organisation, row.mandatary, row.foreign_employer, row.kbo_number),
            row.created_at,
            row.issuer,
            row.expires_on,
            row.used_at,
            row.reference,
            state_of(row, today),
        )
        for row in page.items
    ]
    return paging.Page(found, page.later, page.first)


@functools.lru_cache(maxsize=len(PROOF_STATES) * 4)
def _desk_statement(state: str, today: date) -> Select:
    """The desk's proofs in `state` ("all" or one of `state_of`'s) on the day `today`,
    written in (`db.constant`: without a parameter, PostgreSQL plans a first page of these
    seven tables once, where planning it took ten times running it): built once per state
    and day."""
    issuer = aliased(User)
    query = (
        select(
            Proof.id,
            Proof.code,
            Proof.ticket_id,
            HelpdeskTicket.number.label("ticket_number"),
            Proof.email,
            Organisation.name.label("organisation"),
            Mandatary.name.label("mandatary"),
            ForeignEmployer.name.label("foreign_employer"),
            Proof.kbo_number,
            Proof.created_at,
            issuer.name.label("issuer"),
            Proof.expires_on,
            Proof.used_at,
            Proof.revoked_at,
            Dossier.reference,
        )
        .join(HelpdeskTicket, HelpdeskTicket.id == Proof.ticket_id)
        .join(issuer, issuer.id == Proof.issued_by_id)
        .outerjoin(Organisation, Organisation.id == Proof.organisation_id)
        .outerjoin(Mandatary, Mandatary.id == Proof.mandatary_id)
        .outerjoin(ForeignEmployer, ForeignEmployer.id == Proof.foreign_employer_id)
        .outerjoin(Dossier, Dossier.id == Proof.dossier_id)
    )
    day = constant(today, Proof.expires_on.type)
    if state == "used":
        query = query.where(Proof.used_at.is_not(None))
    elif state == "unused":
        query = query.where(
            Proof.used_at.is_(None), Proof.revoked_at.is_(None), Proof.expires_on >= day
        )
    elif state == "expired":
        query = query.where(
            Proof.used_at.is_(None), Proof.revoked_at.is_(None), Proof.expires_on < day
        )
    elif state == "revoked":
        query = query.where(Proof.revoked_at.is_not(None))
    return query


def state_of(proof: Proof | Row, today: date) -> str:
    """ "used", "revoked", "expired" or "unused" on `today`: of a proof or a row of its
    columns."""
    if proof.used_at is not None:
        return "used"
    if proof.revoked_at is not None:
        return "revoked"
    if proof.expires_on < today:
        return "expired"
    return "unused"
