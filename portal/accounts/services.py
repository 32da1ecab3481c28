"""Account services: registration, verification, login, password reset, invitations.

Services take plain values and an explicit actor, never touch the request, and never
commit: the view commits once at the edge.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import func, select

from portal import clock, links, mail, paging, reference, tokens
from portal.accounts import claims, memberships, sessions
from portal.accounts.models import (
    CardPerson,
    ClaimStatus,
    Mandatary,
    MandataryKind,
    Organisation,
    OrgRole,
    ResidenceDocument,
    Role,
    User,
)
from portal.errors import Invalid, NotAllowed
from portal.extensions import db
from portal.i18n import LANGUAGES, _, _l

_hasher = PasswordHasher()
NUMBER_HELD = _l(
    "This enterprise number is already registered on the portal. If you work for this "
    "organisation, ask its administrator to invite you as a colleague."
)
# Verifying against this when no account exists keeps login time the same either way.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def send_verification(user: User) -> None:
    """Queue the e-mail with the signed link that confirms the address."""
    token = tokens.make("verify", {"u": user.id, "e": user.email})
    hours = current_app.config["VERIFY_LINK_MAX_AGE"] // 3600
    mail.queue(
        user.email,
        "verify_email",
        user.locale,
        defer=True,
        name=user.name,
        link=links.external("accounts.verify", token=token),
        hours=hours,
    )


def is_unclaimed_invitation(user: User) -> bool:
    """An account someone else opened by inviting the address, never taken up.

    A worker invited by an employer, or a colleague invited by an organisation's admin:
    nobody has proven the address yet (no password, never verified), so the invitation
    must not keep the address from its owner: registering with it releases it.
    """
    invited = user.role == Role.TALENT or (
        user.role == Role.EMPLOYER and user.org_role == OrgRole.MEMBER
    )
    return invited and user.password_hash is None and user.email_verified_at is None


def release_unclaimed(user: User) -> None:
    """Free the address of an unclaimed invitation; its link stops working.

    The row stays (with what hangs on it) under a unique address that can never receive
    mail, inactive. The employer can invite the person again; the e-mail then tells them
    which account their address has.
    """
    user.email = f"released-{user.id}-{secrets.token_hex(6)}@released.invalid"
    user.active = False
    user.session_token = secrets.token_urlsafe(32)
    db.session.flush()


def _free_address(email: str) -> User | None:
    """The account holding `email`, after releasing an unclaimed invitation."""
    existing = user_by_email(email)
    if existing is not None and is_unclaimed_invitation(existing):
        release_unclaimed(existing)
        return None
    return existing


def _guard_new_email(email: str, locale: str, password: str) -> bool:
    """True when the address is free. When it is taken, tell its owner instead.

    The person registering sees the same page either way, and the request does the same
    work: one password hash, one e-mail queued (sent after the response), so neither the
    page nor its timing reveals which addresses have an account.
    """
    existing = _free_address(email)
    if existing is None:
        return True
    hash_password(password)  # the work a new registration does, thrown away
    mail.queue(
        existing.email,
        "already_registered",
        existing.locale or locale,
        defer=True,
        name=existing.name,
        login_link=links.external("accounts.login"),
        reset_link=links.external("accounts.forgot_password"),
    )
    return False


def _no_account(email: str, locale: str) -> None:
    """Tell an address without a (usable) account that someone asked for a link."""
    mail.queue(
        email, "no_account", locale, defer=True, register_link=links.external("accounts.register")
    )


def register_employer(
    *,
    organisation_name: str,
    kbo_number: str,
    street: str,
    postal_code: str,
    municipality_refnis: str,
    nace_code: str,
    contact_name: str,
    email: str,
    password: str,
    locale: str,
    join_existing: bool = False,
) -> User | None:
    """Register an organisation with its first user as admin; None if the e-mail was taken.

    When the number is held by a proven claim and `join_existing` is set, the person asks
    that organisation's administrator to let them join instead (a second claimant).
    """
    email = normalise_email(email)
    # A claim that lapsed unproven no longer holds the number: it is freed here.
    held = claims.holder(kbo_number)
    if held is not None and not (join_existing and held.status == ClaimStatus.PROVEN):
        raise Invalid({"kbo_number": [NUMBER_HELD]})
    if not _guard_new_email(email, locale, password):
        return None
    if held is not None:
        user = User(
            email=email,
            name=contact_name.strip(),
            password_hash=hash_password(password),
            locale=locale,
            role=Role.EMPLOYER,
        )
        db.session.add(user)
        db.session.flush()
        memberships.request_to_join(user, held.organisation)
        send_verification(user)
        return user
    organisation = Organisation(
        name=organisation_name.strip(),
        kbo_number=kbo_number,
        street=street.strip(),
        postal_code=postal_code,
        municipality_refnis=municipality_refnis,
        nace_code=nace_code,
    )
    user = _first_user(
        organisation,
        email=email,
        contact_name=contact_name,
        password=password,
        locale=locale,
        role=Role.EMPLOYER,
        organisation=organisation,
        org_role=OrgRole.ADMIN,
    )
    claims.open_claim(organisation, user)  # pending: drafts yes, submitting not yet
    return user


def register_mandatary(
    *,
    kind: MandataryKind,
    name: str,
    kbo_number: str | None,
    street: str,
    postal_code: str,
    municipality_refnis: str,
    contact_name: str,
    email: str,
    password: str,
    locale: str,
) -> User | None:
    """Register a Belgian mandatary (person or company); None if the e-mail was taken."""
    email = normalise_email(email)
    if kbo_number and db.session.scalar(
        select(Mandatary.id).where(Mandatary.kbo_number == kbo_number)
    ):
        raise Invalid({"kbo_number": [_("This mandatary is already registered.")]})
    if not _guard_new_email(email, locale, password):
        return None
    mandatary = Mandatary(
        kind=kind,
        name=name.strip(),
        kbo_number=kbo_number or None,
        street=street.strip(),
        postal_code=postal_code,
        municipality_refnis=municipality_refnis,
    )
    return _first_user(
        mandatary,
        email=email,
        contact_name=contact_name,
        password=password,
        locale=locale,
        role=Role.MANDATARY,
        mandatary=mandatary,
    )


ENTREPRENEUR_MIN_AGE = 18


def _person_errors(
    *,
    birth_date,
    nationality: str,
    residence_document: ResidenceDocument,
    residence_valid_until,
    address_country: str,
    address_postal_code: str,
    today,
) -> dict[str, list[str]]:
    """What is wrong with an entrepreneur's identity, residence and address."""
    errors: dict[str, list[str]] = {}
    if reference.has_free_movement(nationality):
        errors["nationality"] = [
            _(
                "Citizens of the EU, Iceland, Liechtenstein, Norway and Switzerland need no "
                "professional card: they may work as self-employed in Belgium without one. "
                "The exemption check tells who else needs none."
            )
        ]
    if birth_date > today - relativedelta(years=ENTREPRENEUR_MIN_AGE):  # 29 Feb: the 28th
        errors["birth_date"] = [
            _("Check the date of birth: you must be at least %(age)s.", age=ENTREPRENEUR_MIN_AGE)
        ]
    in_belgium = address_country == "BE"
    if residence_document == ResidenceDocument.IMMATRICULATION:
        errors["residence_document"] = [
            _(
                "With an attestation of immatriculation you cannot apply for a professional "
                "card in Belgium: apply from abroad at a Belgian embassy or consulate, or once "
                "you hold an A, H, I or J card, a diplomatic identity card or an annex 3."
            )
        ]
    elif residence_document == ResidenceDocument.NONE and in_belgium:
        errors["residence_document"] = [_("Choose the residence document you live in Belgium on.")]
    elif residence_document != ResidenceDocument.NONE:
        if residence_valid_until is None:
            errors["residence_valid_until"] = [
                _("Give the date until which your residence document is valid.")
            ]
        elif residence_valid_until < today:
            errors["residence_valid_until"] = [
                _("This residence document has expired: renew it first.")
            ]
    if in_belgium and reference.municipality_for_postal_code(address_postal_code) is None:
        errors["address_postal_code"] = [_("This is not a Belgian postal code.")]
    return errors


def register_entrepreneur(
    *,
    first_name: str,
    last_name: str,
    birth_date,
    nationality: str,
    residence_document: ResidenceDocument,
    residence_valid_until,
    address_street: str,
    address_postal_code: str,
    address_city: str,
    address_country: str,
    email: str,
    password: str,
    locale: str,
    today=None,
) -> User | None:
    """A foreign entrepreneur registers to file their own professional card (no
    organisation, no enterprise number); None if the e-mail was taken. The address is
    verified by the same e-mail link as every other registration."""
    today = today or clock.today()
    errors = _person_errors(
        birth_date=birth_date,
        nationality=nationality,
        residence_document=residence_document,
        residence_valid_until=residence_valid_until,
        address_country=address_country,
        address_postal_code=address_postal_code.strip(),
        today=today,
    )
    if errors:
        raise Invalid(errors)
    email = normalise_email(email)
    if not _guard_new_email(email, locale, password):
        return None
    user = User(
        email=email,
        name=f"{first_name.strip()} {last_name.strip()}",
        password_hash=hash_password(password),
        locale=locale,
        role=Role.ENTREPRENEUR,
    )
    person = CardPerson(
        user=user,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        birth_date=birth_date,
        nationality=nationality,
        residence_document=residence_document,
        residence_valid_until=None
        if residence_document == ResidenceDocument.NONE
        else residence_valid_until,
        address_street=address_street.strip(),
        address_postal_code=address_postal_code.strip(),
        address_city=address_city.strip(),
        address_country=address_country,
    )
    db.session.add_all([user, person])
    db.session.flush()
    send_verification(user)
    return user


def _first_user(
    party: Organisation | Mandatary,
    *,
    email: str,
    contact_name: str,
    password: str,
    locale: str,
    **links,
) -> User:
    """The first user of a newly registered party; it receives the verification e-mail."""
    user = User(
        email=email,
        name=contact_name.strip(),
        password_hash=hash_password(password),
        locale=locale,
        **links,
    )
    db.session.add_all([party, user])
    db.session.flush()
    send_verification(user)
    return user


def verify_email(token: str) -> User:
    """Confirm an address from a signed link; raises tokens.LinkExpired / LinkInvalid."""
    data = tokens.read("verify", token, current_app.config["VERIFY_LINK_MAX_AGE"])
    user = db.session.get(User, data.get("u"))
    if user is None or user.email != data.get("e"):
        raise tokens.LinkInvalid
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
        memberships.tell_administrators(user)  # only a confirmed request reaches them
    return user


def resend_verification(email: str, locale: str) -> None:
    """Send a fresh link to an unverified account; otherwise an e-mail that says why not.

    Every case queues one e-mail, sent after the response: nothing reveals an account.
    """
    user = user_by_email(email)
    if user is not None and user.active and user.password_hash:
        if user.email_verified_at is None:
            send_verification(user)
            return
        mail.queue(
            user.email,
            "already_verified",
            user.locale,
            defer=True,
            name=user.name,
            login_link=links.external("accounts.login"),
            reset_link=links.external("accounts.forgot_password"),
        )
        return
    _no_account(normalise_email(email), locale)


class LoginResult:
    OK = "ok"
    FAILED = "failed"
    UNVERIFIED = "unverified"


def authenticate(email: str, password: str) -> tuple[str, User | None]:
    """Check a login. An unverified account is told so only when the password is right."""
    user = user_by_email(email)
    if not password_matches(user.password_hash if user else None, password):
        return LoginResult.FAILED, None
    if not user.active:
        return LoginResult.FAILED, None
    if user.email_verified_at is None:
        return LoginResult.UNVERIFIED, user
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginResult.OK, user


def _fingerprint(user: User) -> str:
    # Changes as soon as the password does, so a reset link works once.
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def request_password_reset(email: str, locale: str) -> None:
    """Queue a reset link when the account exists, else an e-mail saying there is none.

    Either way one e-mail is queued and sent after the response: the answer, its work and
    its timing are the same whether or not the address has an account.
    """
    user = user_by_email(email)
    if user is None or not user.active or not user.password_hash:
        _no_account(normalise_email(email), locale)
        return
    token = tokens.make("reset", {"u": user.id, "f": _fingerprint(user)})
    minutes = current_app.config["RESET_LINK_MAX_AGE"] // 60
    mail.queue(
        user.email,
        "password_reset",
        user.locale,
        defer=True,
        name=user.name,
        link=links.external("accounts.reset_password", token=token),
        minutes=minutes,
    )


def check_reset_token(token: str) -> User:
    data = tokens.read("reset", token, current_app.config["RESET_LINK_MAX_AGE"])
    user = db.session.get(User, data.get("u"))
    if user is None or not secrets.compare_digest(_fingerprint(user), data.get("f", "")):
        raise tokens.LinkInvalid
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link; ends every existing session of the user."""
    user = check_reset_token(token)
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_urlsafe(32)
    sessions.end_all(user)
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()  # the link proves the address too
    return user


def change_password(
    actor: User, *, current_password: str, new_password: str, keep: sessions.UserSession | None
) -> User:
    """Change the actor's password; every other session of theirs ends, `keep` stays."""
    if not password_matches(actor.password_hash, current_password):
        raise Invalid({"current_password": [_("The current password is not correct.")]})
    actor.password_hash = hash_password(new_password)
    actor.session_token = secrets.token_urlsafe(32)
    sessions.end_all(actor, keep=keep)
    return actor


def set_language(actor: User, locale: str) -> User:
    """The account's language: e-mails, letters and the pages after login use it."""
    if locale not in LANGUAGES:
        raise Invalid({"locale": [_("Choose one of the languages in the list.")]})
    actor.locale = locale
    return actor


def invite_colleague(actor: User, *, email: str, name: str, locale: str) -> User | None:
    """An organisation admin invites a colleague; None when the address already has an account.

    The admin is told the same either way ("if this address can be invited, an e-mail is
    on its way"); the address itself learns by e-mail what happened.
    """
    if not actor.is_org_admin:
        raise NotAllowed
    email = normalise_email(email)
    existing = _free_address(email)
    if existing is not None:
        mail.queue(
            existing.email,
            "invitation_not_possible",
            existing.locale or locale,
            defer=True,
            name=existing.name,
            inviter=actor.name,
            organisation=actor.organisation.name,
            login_link=links.external("accounts.login"),
        )
        return None
    user = User(
        email=email,
        name=name.strip(),
        password_hash=None,
        role=Role.EMPLOYER,
        locale=locale,
        organisation_id=actor.organisation_id,
        org_role=OrgRole.MEMBER,
    )
    db.session.add(user)
    db.session.flush()
    mail.queue(
        user.email,
        "invitation",
        locale,
        defer=True,
        name=user.name,
        inviter=actor.name,
        organisation=actor.organisation.name,
        link=invitation_link(user),
        days=current_app.config["INVITE_LINK_MAX_AGE"] // 86400,
    )
    return user


def invitation_link(user: User) -> str:
    """A signed link with which an invited user (colleague or worker) chooses a password."""
    token = tokens.make("invite", {"u": user.id, "t": user.session_token[:16]})
    return links.external("accounts.accept_invitation", token=token)


def check_invitation(token: str) -> User:
    data = tokens.read("invite", token, current_app.config["INVITE_LINK_MAX_AGE"])
    user = db.session.get(User, data.get("u"))
    if user is None or user.password_hash or user.session_token[:16] != data.get("t"):
        raise tokens.LinkInvalid
    return user


def accept_invitation(token: str, password: str) -> User:
    """The invited colleague chooses a password; the link proves the address."""
    user = check_invitation(token)
    user.password_hash = hash_password(password)
    user.email_verified_at = clock.now()
    return user


def organisation_members(
    actor: User, after: str | None = None, per_page: int | None = None
) -> paging.Page:
    """The users of the actor's organisation by name (case aside; ties by id), a page past
    the member `after`: a large employer's staff is read 50 at a time. A cursor that is not
    a user of the organisation raises `Invalid`."""
    if actor.organisation_id is None:
        raise NotAllowed
    ours = User.organisation_id == actor.organisation_id
    statement = select(User).where(ours, User.anonymised_at.is_(None))
    size = per_page or paging.PER_PAGE
    return paging.oldest_first(statement, User, func.lower(User.name), after, size, scope=ours)
