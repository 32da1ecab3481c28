"""The orange carpet: the welcome of arriving talent.

Imports `portal`, never the reverse: portal signals "permit granted", onboarding listens.
"""

import os
from pathlib import Path

from portal.i18n import _l

HERE = Path(__file__).resolve().parent


def init_app(app) -> None:
    """Plug the orange carpet into the portal (called by `portal.create_app`)."""
    from onboarding import models  # noqa: F401 - the tables, for the metadata and Alembic
    from onboarding.admin_views import bp as admin_bp
    from onboarding.cli import group
    from onboarding.demo import load_accounts
    from onboarding.employer_views import bp as employer_bp
    from onboarding.invitations import on_permit_granted
    from onboarding.partner_views import bp as partner_bp
    from onboarding.views import bp as welcome_bp
    from onboarding.webhooks import QUEUE
    from portal import jobs, plugins, scheduler
    from portal.dossiers.lifecycle.status import permit_granted

    app.config.setdefault(
        "ONBOARDING_REMIND_DAYS", int(os.environ.get("ONBOARDING_REMIND_DAYS", "3"))
    )
    app.config.setdefault(
        "ONBOARDING_WEBHOOK_TIMEOUT", float(os.environ.get("ONBOARDING_WEBHOOK_TIMEOUT", "5"))
    )
    # The welcome period (months after the latest of arrival and grant): its end starts the
    # retention period of the welcome profile (onboarding.retention).
    app.config.setdefault(
        "ONBOARDING_WELCOME_MONTHS", int(os.environ.get("ONBOARDING_WELCOME_MONTHS", "12"))
    )
    for bp in (welcome_bp, partner_bp, admin_bp, employer_bp):
        app.register_blueprint(bp)
    app.cli.add_command(group)
    # Its own parts: an Alembic branch ("onboarding"), templates (the blueprints' own
    # template folder, onboarding/templates) and demo accounts.
    plugins.add_migrations(app, HERE / "migrations" / "versions")
    plugins.add_demo(app, load_accounts)
    app.extensions["onboarding"] = True
    # Its deliveries are claimed, retried and parked by the portal's one mechanism:
    # `outbox run` (and any worker) delivers them, and administrators see them parked.
    jobs.register(app, QUEUE)
    # The daily reminders run in `flask worker`, once a day across all workers.
    app.config.setdefault(
        "ONBOARDING_REMIND_HOUR", int(os.environ.get("ONBOARDING_REMIND_HOUR", "8"))
    )
    scheduler.register(
        app, scheduler.Periodic("onboarding.remind", _remind, daily_at="ONBOARDING_REMIND_HOUR")
    )
    # Its series of the retention schedule (portal.privacy): webhook bodies after delivery
    # and welcome profiles; its section of a person's own-data download ("welcome").
    from onboarding import own_data, retention

    retention.register(app)
    own_data.register(app)
    # A strong reference: the receiver lives as long as the process.
    permit_granted.connect(on_permit_granted, weak=False)
    # Links the portal's own pages show without knowing this package.
    links = app.extensions.setdefault("dashboard_links", {})
    links.setdefault("talent", []).append(("welcome.checklist", _l("My welcome checklist")))
    links.setdefault("partner", []).append(("partner_inbox.inbox", _l("Referrals to answer")))
    links.setdefault("admin", []).append(("partner_admin.index", _l("Partner services")))
    app.extensions.setdefault("dossier_links", []).append(_employer_welcome_link)


def _remind() -> None:
    """The periodic form of `flask onboarding remind`: today's reminders, committed."""
    from flask import current_app

    from onboarding import services
    from portal.extensions import db

    report = services.remind_all()
    db.session.commit()
    current_app.logger.info("onboarding reminders queued: %s", report.queued)


def _employer_welcome_link(dossier, user):
    """On a granted file, the employer's view of the worker's welcome steps."""
    from flask import url_for

    if dossier.status.value == "residence_granted" and user.role.value in ("employer", "mandatary"):
        yield (
            url_for("welcome_employer.overview", dossier_id=dossier.id),
            _l("The worker's welcome steps"),
        )
