"""Workers invited to follow their dossier read-only."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from portal import links, mail
from portal.accounts import services as accounts
from portal.accounts.models import Role, User
from portal.dossiers.models import Dossier, DossierViewer
from portal.errors import NotAllowed
from portal.extensions import db


def invite_worker(
    actor: User, dossier: Dossier, *, email: str, locale: str
) -> DossierViewer | None:
    """Let the worker follow the dossier: a new worker account gets a set-password link.

    The e-mail is in the worker's language and says only that a file can be followed;
    the details are behind the login. When the address has an account of another kind,
    that account is told by e-mail and nothing else happens (None): the employer sees the
    same answer either way, so the form reveals no account.
    """
    if actor.role not in (Role.EMPLOYER, Role.MANDATARY):
        raise NotAllowed
    email = accounts.normalise_email(email)
    user = accounts.user_by_email(email)
    if user is not None and user.role != Role.TALENT:
        not_a_worker(user, locale)
        return None
    link = None
    if user is None:
        name = dossier.worker_name or email
        user = User(email=email, name=name, role=Role.TALENT, locale=locale, password_hash=None)
        db.session.add(user)
        db.session.flush()
    if user.password_hash is None:
        link = accounts.invitation_link(user)
    viewer = db.session.scalar(
        select(DossierViewer).where(
            DossierViewer.dossier_id == dossier.id, DossierViewer.user_id == user.id
        )
    )
    if viewer is None:
        viewer = DossierViewer(dossier_id=dossier.id, user_id=user.id)
        db.session.add(viewer)
    mail.queue(
        user.email,
        "worker_invitation",
        user.locale if link is None else locale,
        defer=True,
        name=user.name,
        link=link or links.external("applications.task_list", dossier_id=dossier.id),
        days=current_app.config["INVITE_LINK_MAX_AGE"] // 86400,
        new_account=link is not None,
    )
    return viewer


def not_a_worker(user: User, locale: str) -> None:
    """Tell an account of another kind that an employer tried to invite its address."""
    mail.queue(
        user.email,
        "worker_invitation_not_possible",
        user.locale or locale,
        defer=True,
        name=user.name,
        login_link=links.external("accounts.login"),
    )
