"""`BaseForm.carry_out`: the one way a view runs the service call a sent form asks for."""

from __future__ import annotations

import pytest
from wtforms import StringField
from wtforms.validators import InputRequired

from portal.errors import Invalid
from portal.forms import CsrfForm


class _Named(CsrfForm):
    name = StringField("Name", [InputRequired()])


def _carry_out(app, data: dict, action) -> tuple[bool, list[str], list[str]]:
    """(the answer, the name field's errors, the form-wide errors) for a POST of `data`."""
    with app.test_request_context("/", method="POST", data=data):
        form = _Named(meta={"csrf": False})
        done = form.carry_out(action)
        return done, [str(e) for e in form.name.errors], [str(e) for e in form.form_errors]


def test_a_form_sent_invalid_never_reaches_the_service(app):
    calls = []
    done, name_errors, _ = _carry_out(app, {"name": ""}, lambda: calls.append(1))
    assert (done, calls) == (False, [])
    assert name_errors  # the form's own message


def test_a_valid_form_runs_the_service_once(app):
    calls = []
    assert _carry_out(app, {"name": "Ana"}, lambda: calls.append(1)) == (True, [], [])
    assert calls == [1]


def test_a_refusal_goes_beside_the_fields_it_names_and_above_the_form(app):
    """The nastiest refusal: a field the form has, one it has not, and the whole form."""

    def refuse():
        raise Invalid({"name": ["Taken."], "nope": ["Unknown."], "": ["Closed <b>now</b>."]})

    done, name_errors, form_errors = _carry_out(app, {"name": "Ana"}, refuse)
    assert done is False
    assert name_errors == ["Taken."]
    assert form_errors == ["Unknown.", "Closed <b>now</b>."]


def test_any_other_failure_goes_on_up(app):
    def fail():
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        _carry_out(app, {"name": "Ana"}, fail)
