"""The bounds every form input keeps, in one place (DESIGN rule 10).

`portal.forms.BaseForm` applies the text, integer, decimal and date rules to every field of
every form by default (`default_rules`), so a new form cannot forget them; fields that need
tighter bounds declare their own `DateWindow` or `NumberRange`, which then replaces the
default.

- Text: no NUL or other control characters. Single-line fields refuse CR/LF as well;
  multi-line fields (`TextAreaField`) allow CR and LF and nothing else. Every text field has
  a maximum length (`Length(max=...)`, a default when the field declares none).
- Bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F) are *removed* from
  single-line fields (names, addresses, references). They are invisible, so the person can
  neither see them nor remove them, and a name such as "Hamid" written in Arabic displays the
  same without them (the Unicode bidi algorithm orders the letters itself). Refusing them
  would stop people whose name was pasted from an Arabic or Hebrew document; keeping them
  lets a name reorder what follows it in e-mails, PDFs and file names ("invoice\u202efdp.exe").
  Nothing visible changes, so this is not "silently changing what the user sent". Multi-line
  free text keeps them (a paragraph in Arabic may need them); it is always shown escaped.
- Lists (multiple choices): no more values than options.
- Integers: within a 32-bit column unless the field says tighter.
- Amounts: finite, and below 10^8 so they fit `Numeric(10, 2)` (`AmountField`).
- Dates: between 1900 and 2100, tighter where the domain says so (`DateWindow`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal
from wtforms import (
    DateField,
    DecimalField,
    FloatField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, StopValidation
from wtforms.widgets import TextInput

from portal import clock
from portal.i18n import _l

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
LINE_BREAKS = frozenset("\r\n")

MAX_LINE = 500  # a single-line field that declares no length of its own
MAX_TEXT = 10_000  # a multi-line field that declares no length of its own
INT_MIN, INT_MAX = -(2**31) + 1, 2**31 - 1
AMOUNT_LIMIT = Decimal(10) ** 8  # Numeric(10, 2): 8 digits before the decimal sign
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


_RECORD_ID = re.compile(r"[1-9][0-9]{0,9}")


def record_id(text: str | None) -> int | None:
    """A row's id sent as text (a URL's `<int:…>`, a form's button value, a list's cursor,
    the user named in the session cookie): 1 to INT_MAX,
    PostgreSQL's integer, written in ASCII digits without a leading zero; None for anything
    else. Asked of the database, a larger one failed there (SQLite past 2**63 - 1,
    PostgreSQL past INT_MAX) and answered 500; a digit such as "²" failed `int()`."""
    if not isinstance(text, str) or not _RECORD_ID.fullmatch(text):
        return None
    value = int(text)
    return value if value <= INT_MAX else None


# -- text -----------------------------------------------------------------------------------


def strip_bidi(value):
    """Filter: the text without bidirectional control characters (see the module text)."""
    return _BIDI.sub("", value) if isinstance(value, str) else value


def strip_surrounding(value):
    """Filter: the text without surrounding white space."""
    return value.strip() if isinstance(value, str) else value


def _forbidden(char: str, multiline: bool) -> bool:
    if multiline and char in LINE_BREAKS:
        return False
    category = unicodedata.category(char)
    # Cc: C0/C1 controls (NUL, TAB, CR, LF, ESC, DEL...); Cs: lone surrogates; Zl/Zp:
    # the Unicode line and paragraph separators, which break a line as CR/LF do.
    return category in ("Cc", "Cs", "Zl", "Zp") or char in ("\ufffe", "\uffff")


class PlainText:
    """Text free of control characters; `multiline` allows CR and LF only.

    Stops the field's other validators, so they never see the characters refused here.
    """

    def __init__(self, multiline: bool = False, max_length: int | None = None):
        self.multiline, self.max_length = multiline, max_length

    def __call__(self, form, field) -> None:
        value = field.data
        if not isinstance(value, str) or not value:
            return
        if self.max_length is not None and len(value) > self.max_length:
            raise StopValidation(_l("Choose one of the options."))
        bad = [char for char in value if _forbidden(char, self.multiline)]
        if not bad:
            return
        if not self.multiline and all(char in LINE_BREAKS for char in bad):
            raise StopValidation(_l("Write this on one line, without line breaks."))
        raise StopValidation(
            _l(
                "Remove the invisible control characters from this text "
                "(they are often copied along from another document)."
            )
        )


def is_plain(value: str, multiline: bool = False) -> bool:
    """True when `value` keeps the text rules (for services that take text outside forms)."""
    return not any(_forbidden(char, multiline) for char in value)


MAX_CHOICES = 100  # a multiple choice never has more options than this


def few_choices(_form, field) -> None:
    """A list of choices is bounded: never more values than there are options, nor 100."""
    values = field.data or []
    if len(values) > min(MAX_CHOICES, len(field.choices or []) or MAX_CHOICES):
        field.data = []
        raise StopValidation(_l("Choose each option at most once."))


# -- dates ----------------------------------------------------------------------------------

DateBound = date | Callable[[], date]


def today() -> date:
    return clock.today()


def days_from_today(days: int) -> Callable[[], date]:
    """A bound that moves with the calendar: `days` after (or, negative, before) today."""
    return lambda: today() + timedelta(days=days)


def _bound(value: DateBound) -> date:
    return value() if callable(value) else value


class DateWindow:
    """A date between `earliest` and `latest` (dates or callables giving one), inclusive."""

    def __init__(self, earliest: DateBound = EARLIEST, latest: DateBound = LATEST, message=None):
        self.earliest, self.latest, self.message = earliest, latest, message

    def __call__(self, form, field) -> None:
        value = field.data
        if not isinstance(value, date):
            return
        earliest, latest = _bound(self.earliest), _bound(self.latest)
        if earliest <= value <= latest:
            return
        from portal.i18n import format_date

        message = self.message or _l("Enter a date from %(earliest)s to %(latest)s.")
        raise StopValidation(
            str(message) % {"earliest": format_date(earliest), "latest": format_date(latest)}
        )


START_WINDOW = DateWindow(date(2000, 1, 1), date(2099, 12, 31))  # start of work or a posting
PAST_WINDOW = DateWindow(EARLIEST, today)  # a birth, an issue date: not in the future


# -- numbers --------------------------------------------------------------------------------


def within_int(_form, field) -> None:
    """Refuse a whole number beyond what the database stores, before any range check.

    WTForms' `NumberRange` asks `math.isnan()` of the value, which turns it into a float:
    a number of 310 digits or more (Python reads up to 4,300) raised OverflowError there,
    a server error instead of a message.
    """
    value = field.data
    if value is not None and not INT_MIN <= value <= INT_MAX:
        field.data = None
        raise StopValidation(_l("Enter a smaller number.") if value > 0 else _l("Enter a number."))


def finite(_form, field) -> None:
    """Refuse NaN and infinities, which Decimal and float both read without complaint."""
    value = field.data
    if value is None:
        return
    try:
        is_finite = value.is_finite() if isinstance(value, Decimal) else value == value
        is_finite = is_finite and abs(value) != float("inf")
    except (InvalidOperation, TypeError):
        is_finite = False
    if not is_finite:
        field.data = None
        raise StopValidation(_l("Enter a number."))


# -- amounts as Belgians write them ---------------------------------------------------------

_CURRENCY = re.compile(r"^\s*(?:€|euros?|eur)?\s*|\s*(?:€|euros?|eur)?\s*$", re.IGNORECASE)
_SPACES = "\u0020\u00a0\u202f\u2009'’"  # space, NBSP, narrow NBSP, thin space, apostrophes
_CHARS = re.compile(r"[0-9.,\u0020\u00a0\u202f\u2009'’]+")
_GROUPS = re.compile(r"\d{1,3}(?:(?P<sep>[.,\u0020\u00a0\u202f\u2009'’])\d{3})(?:(?P=sep)\d{3})*")
MAX_WHOLE_DIGITS = 9


class AmountError(ValueError):
    """An amount that cannot be read without guessing; `str(error)` says how to write it."""


def _language(locale) -> str:
    if locale is None:
        try:
            from flask_babel import get_locale

            locale = get_locale()
        except Exception:  # outside a request: the English conventions
            locale = None
    return str(locale or "en").split("_")[0].split("-")[0]


def amount_examples(locale=None) -> dict[str, str]:
    """55000 and 55000.50 as the reader's language writes them ("55.000", "55.000,50")."""
    language = _language(locale)
    return {
        "whole": format_decimal(55000, locale=language),
        "cents": format_decimal(Decimal("55000.50"), format="#,##0.00", locale=language),
    }


def _how_to(locale) -> str:
    if _language(locale) == "en":
        message = _l(
            "Enter the amount in euro as %(whole)s or %(cents)s: digits, with only a comma "
            "or a space between the thousands and a point before the cents."
        )
    else:
        message = _l(
            "Enter the amount in euro as %(whole)s or %(cents)s: digits, with only a point or "
            "a space between the thousands and a comma before the cents."
        )
    return str(message) % amount_examples(locale)


def parse_amount(text: str, locale=None) -> Decimal:
    """A euro amount as typed in `locale` (default: the page's); AmountError when unsure.

    Every language: "55000", "55.000", "55 000" (also NBSP and narrow NBSP), "55.000,50",
    "55000,50". English also: "55,000", "55,000.50", "55000.50". A sign that could group
    thousands or mark the cents is refused ("55.00" in Dutch, "55,000" in French), as is
    anything mixed ("1.234.5", "55,5,5", "1.234,567.00").
    """
    language = _language(locale)
    english = language == "en"
    cleaned = _CURRENCY.sub("", text or "")
    negative = cleaned[:1] in ("-", "\u2212")
    if negative:
        cleaned = cleaned[1:].lstrip()
    if not cleaned or not _CHARS.fullmatch(cleaned) or not cleaned[0].isdigit():
        raise AmountError(_how_to(locale))
    whole, cents = cleaned, ""
    tail = re.search(r"([.,])(\d{1,2})$", cleaned)
    if tail:
        if tail.group(1) == "." and not english:
            # A point groups thousands in nl/fr/de: "55.00" is a mistyped "55.000" as much as
            # it is 55 euro.
            raise AmountError(_how_to(locale))
        whole, cents = cleaned[: tail.start()], tail.group(2)
    if not whole.isdigit():
        grouped = _GROUPS.fullmatch(whole)
        separator = grouped.group("sep") if grouped else None
        if (
            separator is None
            or (tail and separator == tail.group(1))
            or (separator == "," and not english)
        ):
            raise AmountError(_how_to(locale))
        whole = re.sub(r"\D", "", whole)
    if len(whole) > MAX_WHOLE_DIGITS:
        raise AmountError(_how_to(locale))
    amount = Decimal(f"{whole}.{cents or 0}")
    return -amount if negative else amount


def format_amount(amount: Decimal, locale=None) -> str:
    """€ 55.000,00 in the reader's language."""
    from babel.numbers import format_currency

    return format_currency(amount, "EUR", locale=_language(locale))


class AmountField(DecimalField):
    """A euro amount in a text input, read as Belgians write it (`parse_amount`).

    Always finite, from `minimum` and below `maximum` (10^8 fits Numeric(10, 2)). After a
    submit the page reads the amount back next to the field (`readback`), so "55,00" typed
    for "55.000" is seen before it matters.
    """

    widget = TextInput()

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        minimum=Decimal(0),
        maximum=AMOUNT_LIMIT,
        per=None,
        minimum_message=None,
        **kwargs,
    ):
        kwargs.setdefault("places", 2)
        render_kw = {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.minimum, self.maximum, self.per = minimum, maximum, per
        self.minimum_message = minimum_message
        self.parse_error = None
        self.warning = None  # set by a view: e.g. below the salary threshold

    def process_formdata(self, valuelist):
        self.parse_error = None
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_amount(valuelist[0])
        except AmountError as error:
            self.data = None
            self.parse_error = str(error)
            raise ValueError(str(error)) from error

    def pre_validate(self, form) -> None:
        if self.data is None:
            return
        if self.data < self.minimum:
            message = self.minimum_message or _l("Enter an amount of %(minimum)s or more.")
            raise StopValidation(str(message) % {"minimum": format_amount(self.minimum)})
        if self.data >= self.maximum:
            message = _l("Enter an amount below %(limit)s.")
            raise StopValidation(str(message) % {"limit": format_amount(self.maximum)})

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(self.data, format="#,##0.##", locale=_language(None))

    @property
    def readback(self) -> str:
        """ "€ 55.000,00 per year": what the portal read, shown after a submit."""
        if self.data is None or self.process_errors or not self.raw_data:
            return ""
        amount = format_amount(self.data)
        if self.per is None:
            return str(_l("We read: %(amount)s.")) % {"amount": amount}
        return str(_l("We read: %(amount)s %(per)s.")) % {"amount": amount, "per": self.per}


# -- the defaults every BaseForm applies -----------------------------------------------------


def _has(validators, kind) -> bool:
    return any(isinstance(v, kind) for v in validators)


def default_rules(field_class, validators: list, filters: list) -> tuple[list, list]:
    """The validators and filters a field of `field_class` gets on top of its own."""
    validators, filters = list(validators), list(filters)
    if issubclass(field_class, StringField):
        multiline = issubclass(field_class, TextAreaField)
        if not issubclass(field_class, PasswordField):
            if not multiline:
                filters.append(strip_bidi)
            filters.append(strip_surrounding)
        validators.insert(0, PlainText(multiline=multiline))
        if not any(isinstance(v, Length) and v.max not in (None, -1) for v in validators):
            # Second in the chain, so that the field's own checks never see longer text.
            validators.insert(
                1,
                Length(
                    max=MAX_TEXT if multiline else MAX_LINE,
                    message=_l("Shorten this text to at most %(max)d characters."),
                ),
            )
    elif issubclass(field_class, SelectMultipleField):
        validators.insert(0, few_choices)
    elif issubclass(field_class, SelectField):  # radios too; some accept any value
        validators.insert(0, PlainText(max_length=MAX_LINE))
    elif issubclass(field_class, IntegerField):
        validators.insert(0, within_int)
        if not _has(validators, NumberRange):
            validators.append(NumberRange(INT_MIN, INT_MAX, message=_l("Enter a smaller number.")))
    elif issubclass(field_class, (DecimalField, FloatField)):
        validators.insert(0, finite)
        if not issubclass(field_class, AmountField) and not _has(validators, NumberRange):
            validators.append(
                NumberRange(-AMOUNT_LIMIT, AMOUNT_LIMIT, message=_l("Enter a smaller number."))
            )
    elif issubclass(field_class, DateField) and not _has(validators, DateWindow):
        validators.append(DateWindow())
    return validators, filters
