"""Languages, the locale selector and translation helpers."""

from __future__ import annotations

from flask import g, request, session
from flask_babel import force_locale, gettext, lazy_gettext, ngettext
from flask_login import current_user

LANGUAGES: dict[str, str] = {"nl": "Nederlands", "fr": "Français", "de": "Deutsch", "en": "English"}
DEFAULT_LANGUAGE = "nl"
COOKIE = "lang"

_ = gettext
_l = lazy_gettext

__all__ = ["LANGUAGES", "DEFAULT_LANGUAGE", "_", "_l", "force_locale", "ngettext", "select_locale"]


def normalise(code: str | None) -> str | None:
    """Return a supported language code for `code`, or None."""
    if not code:
        return None
    code = code.strip().lower()[:2]
    return code if code in LANGUAGES else None


def select_locale() -> str:
    """Pick the language: ?lang=, the session's choice, the user's, a cookie, Accept-Language."""
    chosen = normalise(request.args.get("lang"))
    if chosen:
        g.lang_switched_to = chosen  # remembered in after_request (cookie and session)
        return chosen
    chosen = normalise(session.get("lang"))
    if chosen:
        return chosen
    if getattr(current_user, "is_authenticated", False) and normalise(current_user.locale):
        return current_user.locale
    cookie = normalise(request.cookies.get(COOKIE))
    if cookie:
        return cookie
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LANGUAGE


def localized(names: dict[str, str], locale: str) -> str:
    """Pick a name from a {lang: name} mapping, falling back to Dutch, then French."""
    return names.get(locale) or names.get("nl") or names.get("fr") or next(iter(names.values()))
