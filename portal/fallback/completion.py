"""Officers complete the data of a file that came by e-mail, from its attachments.

An e-mail file arrives with documents but without the form's data. An officer types the
sections in from the attached application form, through the same checks as the wizard;
each save is in the audit trail. The legal deadline follows the category once it is known.
"""

from __future__ import annotations

from datetime import date

from portal import audit, clock
from portal.accounts.models import Role, User
from portal.dossiers import access
from portal.dossiers.contents import sections
from portal.dossiers.lifecycle import meaning, status
from portal.dossiers.models import Channel, Dossier
from portal.errors import Invalid, NotAllowed, NotFound
from portal.i18n import _

SAVERS = {
    "worker": sections.save_worker,
    "category": sections.save_category,
    "job": sections.save_job,
    "posting": sections.save_posting,
}
OPEN = meaning.DECIDING  # the data can change while Flanders has not decided


def email_file(actor: User, dossier_id: int) -> Dossier:
    """A submitted file that came by e-mail, for an officer.

    Loaded like any file an officer opens (`access.officer_dossier`); only the channel is
    this module's own check. No row lock: `complete` saves one section's fields and every
    save is written to the trail, so two officers' saves of the same section end as the last
    one, and the trail shows both (unchanged from before this loader was shared).
    """
    dossier = access.officer_dossier(actor, dossier_id)
    # is_draft: an officer who also belongs to an organisation sees its drafts in
    # get_dossier; a draft is no e-mail file to complete.
    if dossier.channel != Channel.EMAIL or dossier.is_draft:
        raise NotFound
    return dossier


def editable_sections(dossier: Dossier) -> tuple[str, ...]:
    return tuple(s for s in sections.sections_for(dossier) if s in SAVERS)


def complete(
    actor: User, dossier: Dossier, section: str, data: dict, today: date | None = None
) -> Dossier:
    """Save one section of an e-mail file (as `email_file` loaded it) that is still being handled."""
    if actor.role not in (Role.OFFICER, Role.ADMIN) or dossier.channel != Channel.EMAIL:
        raise NotAllowed
    if section not in editable_sections(dossier):
        raise NotFound
    if dossier.status not in OPEN:
        raise Invalid({"": [_("A decided file can no longer be changed.")]})
    SAVERS[section](dossier, data)
    if section == "category":
        status.refresh_deadline(dossier, today or clock.today())
    audit.record(
        "fallback:data_completed", dossier_id=dossier.id, actor_id=actor.id, detail=section
    )
    return dossier
