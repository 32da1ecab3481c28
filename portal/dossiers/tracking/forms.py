"""Forms of the tracking pages: answering an information request, e-mail preferences."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from portal.dossiers.lifecycle.preferences import KINDS
from portal.forms import BaseForm
from portal.i18n import _l


class RequiredToSend:
    """Marks the answer as required (label, `required` flag); the service checks it on
    sending, so that adding a file first never fails for an empty answer."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


class AnswerForm(BaseForm):
    answer = TextAreaField(
        _l("Your answer"),
        [RequiredToSend(), Length(max=10000)],
        description=_l("Answer the question, or say which documents you added."),
        render_kw={"rows": 8},
    )
    requirement = SelectField(_l("Which document is this?"), [Optional()], choices=[])
    file = FileField(
        _l("File (PDF, JPEG or PNG)"),
        description=_l("One file at a time: choose it and press “Add the file”."),
    )
    issued_on = DateField(
        _l("Date of issue"),
        [Optional()],
        description=_l("Required for the medical certificate and the certificate of good conduct."),
    )


class NotificationsForm(BaseForm):
    # Always posted, so a form with every box unticked still counts as sent.
    sent = HiddenField(default="1")
    status_changed = BooleanField(KINDS["status_changed"])
    info_requested = BooleanField(KINDS["info_requested"])
