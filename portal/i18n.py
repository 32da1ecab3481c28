"""Languages, the locale selector and translation helpers."""

from __future__ import annotations

import enum
import functools
from datetime import UTC, date, datetime, tzinfo
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import flask_babel
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import g, request, session
from flask.globals import _cv_app
from flask_babel import force_locale, get_locale, to_user_timezone
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGUAGES: dict[str, str] = {"nl": "Nederlands", "fr": "Français", "de": "Deutsch", "en": "English"}
DEFAULT_LANGUAGE = "nl"
COOKIE = "lang"


# --- The catalog, looked up once per request --------------------------------------------
#
# Flask-Babel finds the catalog anew on every call: the request context, the domain, the
# locale (as a string) and a cache lookup, about 2 µs each, and a queue page makes
# hundreds of calls. `translations()` keeps what it found beside Flask-Babel's own
# per-request state (g._flask_babel) together with the locale and domain objects it was
# found for, so it is only reused while those are the very same objects: `force_locale`
# and `refresh()` replace or remove them, and the next call looks the catalog up again.
# g lives as long as the request (its app context), so no request sees another's catalog.
_CACHE = "portal_translations"


def translations():
    """The catalog of the current language (Flask-Babel's, found once per request)."""
    app_ctx = _cv_app.get(None)
    state = getattr(app_ctx.g, "_flask_babel", None) if app_ctx is not None else None
    if state is not None:
        cached = getattr(state, _CACHE, None)
        if (
            cached is not None
            and cached[0] is getattr(state, "babel_locale", None)
            and cached[1] is getattr(state, "babel_domain", None)
        ):
            return cached[2]
    found = flask_babel.get_translations()
    if app_ctx is not None:
        state = getattr(app_ctx.g, "_flask_babel", None)
        locale = getattr(state, "babel_locale", None)
        if locale is not None:
            setattr(state, _CACHE, (locale, getattr(state, "babel_domain", None), found))
    return found


_CODE = "portal_language"


def language() -> str:
    """The code of the current language ("nl"): `language()`, worked out once per
    request. Flask-Babel finds the locale anew on every call (the context, its state, and a
    Locale turned into text), about 4 µs, and every page asks it half a dozen times. Kept
    beside Flask-Babel's state like the catalog (`translations`), for the very Locale object
    it was made from: `force_locale` and `refresh()` replace or remove it."""
    app_ctx = _cv_app.get(None)
    state = getattr(app_ctx.g, "_flask_babel", None) if app_ctx is not None else None
    if state is not None:
        cached = getattr(state, _CODE, None)
        if cached is not None and cached[0] is getattr(state, "babel_locale", None):
            return cached[1]
    locale = get_locale()
    code = str(locale)
    if locale is not None and app_ctx is not None:
        state = getattr(app_ctx.g, "_flask_babel", None)
        if state is not None and getattr(state, "babel_locale", None) is locale:
            setattr(state, _CODE, (locale, code))
    return code


def gettext(string: str, **variables) -> str:
    """Flask-Babel's gettext, through the per-request catalog."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Flask-Babel's ngettext (`num` is a variable too), through the per-request catalog."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    """Translated when shown, in the language of that moment."""
    return LazyString(gettext, string, **variables)


_ = gettext
_l = lazy_gettext


# The template side: what jinja2.ext.i18n's "newstyle" callables do (always a format
# string, escaped in HTML), without two context calls and a catalog search per string.
# They take the evaluation context only: a function taking the whole context gets a copy
# of it made for every call inside a loop or a block with variables of its own.
def _as_template_text(eval_ctx, text: str, variables: dict) -> str:
    if eval_ctx.autoescape:
        text = Markup(text)
    # No "%" in the text: formatting would give it back unchanged.
    return text % variables if "%" in text else text


@pass_eval_context
def _template_gettext(eval_ctx, string: str, **variables) -> str:
    return _as_template_text(eval_ctx, translations().ugettext(string), variables)


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    return _as_template_text(eval_ctx, text, variables)


@pass_eval_context
def _template_pgettext(eval_ctx, ctxt: str, string: str, **variables) -> str:
    return _as_template_text(eval_ctx, translations().upgettext(ctxt, string), variables)


@pass_eval_context
def _template_npgettext(eval_ctx, ctxt, singular, plural, num, **variables) -> str:
    variables.setdefault("num", num)
    text = translations().unpgettext(ctxt, singular, plural, num)
    return _as_template_text(eval_ctx, text, variables)


def install_template_gettext(env) -> None:
    """Replace the callables Flask-Babel installed in `env` (after babel.init_app)."""
    env.globals.update(
        gettext=_template_gettext,
        _=_template_gettext,
        ngettext=_template_ngettext,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
    )


__all__ = [
    "LANGUAGES",
    "DEFAULT_LANGUAGE",
    "Choices",
    "_",
    "_l",
    "force_locale",
    "ngettext",
    "select_locale",
]


class Choices(enum.StrEnum):
    """A vocabulary whose members carry their lazily translated label (Open Forms' and
    Django's `TextChoices`): ``AUTHORISED = "authorised", _l("Work authorised")``.

    The value is what is stored and exchanged; `label` is translated when it is shown.
    """

    def __new__(cls, value: str, label=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = value if label is None else label
        return member

    @property
    def title(self) -> str:
        """The label in the current language."""
        return str(self.label)

    @classmethod
    def choices(cls) -> list[tuple[str, object]]:
        """(value, lazy label) pairs, in the order of the enum, for forms."""
        return [(member.value, member.label) for member in cls]

    @classmethod
    def values(cls) -> list[str]:
        return [member.value for member in cls]


# The language picks the catalog; dates and times follow the Belgian variant of it where
# CLDR's plain language uses another country's formats ("en" is US: "12/2/26, 9:54 AM").
FORMAT_LOCALES: dict[str, str] = {"en": "en_BE"}


def normalise(code: str | None) -> str | None:
    """Return a supported language code for `code`, or None."""
    if not code:
        return None
    code = code.strip().lower()[:2]
    return code if code in LANGUAGES else None


def select_locale() -> str:
    """Pick the language: ?lang=, the session's choice, the user's, a cookie, Accept-Language."""
    # Each object once: a name read through Flask's proxies costs a context lookup. And
    # `in` before reading: werkzeug's get() on a missing key raises and catches an HTTP
    # exception inside (a few microseconds, on every request).
    req = request._get_current_object()
    args = req.args
    chosen = normalise(args["lang"]) if "lang" in args else None
    if chosen:
        g.lang_switched_to = chosen  # remembered in after_request (cookie and session)
        return chosen
    chosen = normalise(session._get_current_object().get("lang"))
    if chosen:
        return chosen
    user = current_user._get_current_object()
    if getattr(user, "is_authenticated", False) and normalise(user.locale):
        return user.locale
    cookies = req.cookies
    cookie = normalise(cookies[COOKIE]) if COOKIE in cookies else None
    if cookie:
        return cookie
    # The header as the WSGI server passed it (what `headers.get` reads, without its miss).
    return _best_language(req.environ.get("HTTP_ACCEPT_LANGUAGE", "")) or DEFAULT_LANGUAGE


@functools.lru_cache(maxsize=512)
def _best_language(header: str) -> str | None:
    # Parsing the header is most of the selector's cost, and browsers send few distinct
    # ones; the cache is bounded, so a client sending a new header each time costs a parse.
    return parse_accept_header(header, LanguageAccept).best_match(list(LANGUAGES))


def localized(names: dict[str, str], locale: str) -> str:
    """Pick a name from a {lang: name} mapping, falling back to Dutch, then French."""
    return names.get(locale) or names.get("nl") or names.get("fr") or next(iter(names.values()))


def format_locale(lang: str | None = None) -> Locale:
    """The CLDR locale for dates and times in `lang` (default: the request's language)."""
    return _cldr_locale(_format_locale_id(lang))


def _format_locale_id(lang: str | Locale | None) -> str:
    """ "fr", "en_BE": the CLDR identifier for `lang` or the request's language.

    Tables format a date per row: the request's language is read from where Flask-Babel
    keeps it once found (as `translations()` does), not through get_locale() and a Locale
    made into text again on every call."""
    if lang:
        code = normalise(str(lang)) or DEFAULT_LANGUAGE
    else:
        app_ctx = _cv_app.get(None)
        state = getattr(app_ctx.g, "_flask_babel", None) if app_ctx is not None else None
        locale = getattr(state, "babel_locale", None) if state is not None else None
        if locale is None:
            locale = get_locale()
        code = normalise(locale.language if locale is not None else None) or DEFAULT_LANGUAGE
    return FORMAT_LOCALES.get(code, code)


@functools.cache
def _cldr_locale(identifier: str) -> Locale:
    # Four languages, parsed once per process (a Locale is not changed once made).
    return Locale.parse(identifier)


def local_time(value: datetime) -> datetime:
    """Flask-Babel's to_user_timezone (a naive moment is UTC), with the request's time zone
    read from where Flask-Babel keeps it once found, instead of looked up per call.

    The zone is applied as the standard library's `zoneinfo` of the same name: Flask-Babel
    gives a pytz zone, whose conversion and normalisation cost five datetime copies, and
    tables convert a moment per row. The wall-clock time is the same."""
    app_ctx = _cv_app.get(None)
    state = getattr(app_ctx.g, "_flask_babel", None) if app_ctx is not None else None
    zone = getattr(state, "babel_tzinfo", None) if state is not None else None
    if zone is None:
        return to_user_timezone(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_zoneinfo(zone))


@functools.lru_cache(maxsize=16)
def _zoneinfo(zone: tzinfo) -> tzinfo:
    name = getattr(zone, "zone", None) or getattr(zone, "key", None)
    return ZoneInfo(name) if name else zone


def format_date(value: date | datetime | None, fmt: str = "medium", lang: str | None = None) -> str:
    """A day in the language's Belgian format: "2 December 2026", "2 décembre 2026"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_time(value).date()
    return _format_day(value, fmt, _format_locale_id(lang))


@functools.lru_cache(maxsize=8192)
def _format_day(day: date, fmt: str, locale: str) -> str:
    # A day's text depends on nothing else: tables of files show the same days again and
    # again, in at most four locales. (Bounded: a long-running worker sees many days.)
    return babel_dates.format_date(day, fmt, locale=_cldr_locale(locale))


@functools.lru_cache(maxsize=8192)
def _format_minute(day: date, hour: int, minute: int, fmt: str, locale: str) -> tuple[str, str]:
    # A moment's day and 24-hour time depend on these alone (an audit trail repeats them).
    cldr = _cldr_locale(locale)
    return (
        babel_dates.format_date(day, fmt, locale=cldr),
        babel_dates.format_time(clock_time(hour, minute), "HH:mm", locale=cldr),
    )


def format_number(value) -> str:
    """A number as the request's language writes it: "1.234" in Dutch, "1 234" in French
    (as Flask-Babel's `format_decimal` does, in the request's own locale)."""
    return _format_number(value, language())


@functools.lru_cache(maxsize=8192, typed=True)
def _format_number(value, locale: str) -> str:
    # Counts and positions ("Files 51 to 100 of 1,000+") repeat on every page: kept per
    # value, type (1 and 1.0 are not written alike) and locale. Bounded.
    return babel_numbers.format_decimal(value, locale=locale)


def format_datetime(value: datetime | None, fmt: str = "medium", lang: str | None = None) -> str:
    """A moment in Brussels time, to the minute, saying so in words (no "+0100", no seconds).

    `fmt` (short, medium, long) picks the date's format; the time is always 24-hour.
    """
    if value is None:
        return ""
    local = local_time(value)
    locale = _format_locale_id(lang)
    day, time = _format_minute(
        local.date(),
        local.hour,
        local.minute,
        fmt if fmt in ("short", "medium", "long") else "medium",
        locale,
    )
    if lang is None:
        return gettext("%(date)s, %(time)s Brussels time", date=day, time=time)
    with force_locale(locale.split("_")[0]):  # also outside a request (PDFs, e-mails)
        return gettext("%(date)s, %(time)s Brussels time", date=day, time=time)
