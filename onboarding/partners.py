"""Partners configured by an administrator: name, kind, municipality, e-mail, webhook."""

from __future__ import annotations

from sqlalchemy import select

from onboarding.models import Partner
from onboarding.urlcheck import UnsafeURL, check_url
from portal import paging, reference
from portal.accounts.models import PartnerKind, Role, User
from portal.accounts.services import normalise_email
from portal.errors import Invalid, NotAllowed, NotFound
from portal.extensions import db
from portal.i18n import LANGUAGES, _

MIN_SECRET = 16


def _admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise NotAllowed


def _webhook_problem(kind: str) -> str:
    if kind == "private":
        return _(
            "This address leads to a private or local network. Enter the public address of the service's system."
        )
    if kind == "unresolved":
        return _("This address cannot be found. Check the host name.")
    return _("Enter a web address that starts with https://.")


def partners_page(actor: User, after: str | None = None, per_page: int = 0) -> paging.Page:
    """The configured services by municipality code (ties in the order they were added), a
    page past the service `after`: a service is kept when it stops (made inactive), so the
    list grows over the years while a page stays `per_page` long. Administrators only; a
    cursor that names no service raises `Invalid`."""
    _admin(actor)
    size = per_page or paging.PER_PAGE
    return paging.oldest_first(select(Partner), Partner, Partner.refnis, after, size)


def get_partner(actor: User, partner_id: int) -> Partner:
    _admin(actor)
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise NotFound
    return partner


def save_partner(
    actor: User,
    partner: Partner | None,
    *,
    name: str,
    kind: str,
    refnis: str,
    email: str,
    webhook_url: str | None,
    webhook_secret: str | None,
    active: bool,
    locale: str | None = None,
) -> Partner:
    """Create (`partner` None) or change a partner. An empty secret keeps the current one."""
    _admin(actor)
    errors: dict[str, list[str]] = {}
    name, refnis = (name or "").strip(), (refnis or "").strip()
    webhook_url = (webhook_url or "").strip() or None
    webhook_secret = (webhook_secret or "").strip() or None
    if not name:
        errors["name"] = [_("Enter the name of the service.")]
    try:
        kind = PartnerKind(kind)
    except ValueError:
        errors["kind"] = [_("Choose the kind of service.")]
    if not refnis or reference.municipality(refnis) is None:
        errors["refnis"] = [
            _("Enter the 5-digit REFNIS code of a Belgian municipality, e.g. 44021 for Ghent.")
        ]
    if "@" not in (email or ""):
        errors["email"] = [_("Enter an e-mail address like name@example.be.")]
    if webhook_url:
        try:
            check_url(webhook_url)
        except UnsafeURL as unsafe:
            errors["webhook_url"] = [_webhook_problem(unsafe.kind)]
    secret = webhook_secret or (partner.webhook_secret if partner else None)
    if webhook_url and (secret is None or len(secret) < MIN_SECRET):
        errors["webhook_secret"] = [_("A webhook needs a shared secret of at least 16 characters.")]
    if not errors and active:
        duplicate = db.session.scalar(
            select(Partner.id).where(
                Partner.kind == kind,
                Partner.refnis == refnis,
                Partner.active.is_(True),
                Partner.id != (partner.id if partner else -1),
            )
        )
        if duplicate:
            errors["refnis"] = [
                _(
                    "This municipality already has an active service of this kind. Deactivate that one first."
                )
            ]
    if locale and locale not in LANGUAGES:
        errors["locale"] = [_("Choose one of the languages in the list.")]
    if errors:
        raise Invalid(errors)
    if partner is None:
        partner = Partner()
        db.session.add(partner)
    partner.name, partner.kind, partner.refnis = name, kind, refnis
    partner.email = normalise_email(email)
    partner.webhook_url = webhook_url
    partner.webhook_secret = secret if webhook_url else (webhook_secret or partner.webhook_secret)
    partner.active = bool(active)
    if locale:
        partner.locale = locale
    elif partner.locale is None:
        partner.locale = "nl"
    db.session.flush()
    return partner
