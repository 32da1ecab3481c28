"""WTForms' own messages come from a catalog read once per process and language
(`portal.forms._wtforms_catalog`): each request still gets its own language's."""

from __future__ import annotations

from wtforms import IntegerField

from portal.forms import CsrfForm
from portal.i18n import force_locale


class _Number(CsrfForm):
    number = IntegerField("n")


def _error(app, lang: str) -> str:
    # force_locale: the tests' app context (and its g) outlives one request context.
    with (
        app.test_request_context("/", method="POST", data={"number": "x"}),
        force_locale(lang),
    ):
        form = _Number(meta={"csrf": False})
        form.validate()
        return form.number.errors[0]


def test_each_language_gets_its_own_wtforms_messages(app, db_session):
    english = _error(app, "en")
    assert english == "Not a valid integer value."
    others = {lang: _error(app, lang) for lang in ("nl", "fr", "de")}
    assert len(set(others.values())) == 3 and english not in others.values(), others
    assert _error(app, "en") == english  # the cache keyed by language, not the first one
