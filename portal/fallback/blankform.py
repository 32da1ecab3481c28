"""The blank application form: a fillable PDF in four languages, and reading it back.

Anyone can download it from the helpdesk page (no account). Its fields are the wizard's
own (worker, category, job with the place of work), named `spp_<wizard field>`, plus the
employer (name, KBO number) and a checklist of documents; labels come from the wizard's
forms, so the PDF says what the wizard says, in the reader's language.

When an e-mail with a proof carries our form, the intake reads its fields (pypdf) and
fills the dossier through the wizard's forms and savers: every value is bounded and
checked first (no control or bidi-override characters, short), a section that does not
pass is left for the officer, and what was refused is written in the audit trail. A
PDF that cannot be read is simply not our form: nothing here ever fails the intake.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from pypdf import PdfReader
from werkzeug.datastructures import MultiDict
from wtforms.fields.core import UnboundField

from portal import audit
from portal.accounts.models import User
from portal.dossiers import rules
from portal.dossiers.contents import sections
from portal.dossiers.models import Dossier
from portal.dossiers.wizard.forms import CategoryForm, JobForm, WorkerForm, fill_choices
from portal.errors import Invalid
from portal.extensions import db
from portal.i18n import _, force_locale
from portal.pdf import kept_pdf
from portal.reference import normalise_kbo
from portal.validation import AmountError, parse_amount

log = logging.getLogger(__name__)

PREFIX = "spp_"
SECTION_FORMS = {"worker": WorkerForm, "category": CategoryForm, "job": JobForm}
EMPLOYER_FIELDS = ("employer_name", "employer_kbo")
# A PDF is "ours" when it has these fields (the others may have been removed by a tool).
SIGNATURE = {f"{PREFIX}employer_kbo", f"{PREFIX}worker_last_name", f"{PREFIX}category"}
MAX_VALUE = 300  # longer than any column of the wizard's fields
MAX_FIELDS = 400  # our form has fewer; a PDF with thousands is not ours
DATE_FIELDS = {"worker_birth_date", "vacancy_published_on", "start_date"}
AMOUNT_FIELDS = {"annual_salary"}
# Bidirectional controls (an RTL override makes "exe.pdf" read as "fdp.exe") and the like.
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


@dataclass(frozen=True)
class FormField:
    name: str  # the PDF field's name
    label: str
    kind: str  # text, date, select, checkbox
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""


@dataclass(frozen=True)
class FormSection:
    key: str
    title: str
    fields: tuple[FormField, ...]


def _kind(wtfield) -> str:
    kind = wtfield.type
    if kind == "SelectField":
        return "select"
    if kind == "BooleanField":
        return "checkbox"
    if kind == "DateField":
        return "date"
    return "text"


def form_sections(locale: str) -> list[FormSection]:
    """The form's sections and fields, labelled in `locale` (needs an app context)."""
    result = []
    with force_locale(locale):
        result.append(
            FormSection(
                "employer",
                _("The employer"),
                (
                    FormField(f"{PREFIX}employer_name", _("Name of the employer"), "text"),
                    FormField(
                        f"{PREFIX}employer_kbo",
                        _("Enterprise number (KBO)"),
                        "text",
                        hint=_("10 digits, e.g. 0403.170.701."),
                    ),
                ),
            )
        )
        for key, form_class in SECTION_FORMS.items():
            form = form_class(formdata=None, meta={"csrf": False})
            fill_choices(form, locale)
            fields = []
            for name, wtfield in form._fields.items():
                kind = _kind(wtfield)
                choices = ()
                if kind == "select":
                    choices = tuple((str(c.value), str(c.label)) for c in wtfield.choices)
                hint = str(wtfield.description or "")
                if kind == "date":
                    hint = _("Day/month/year, e.g. 15/03/2026.")
                if name in AMOUNT_FIELDS:
                    hint = _("For example 55000 or 55.000,00")
                fields.append(
                    FormField(PREFIX + name, str(wtfield.label.text), kind, choices, hint)
                )
            result.append(FormSection(key, str(sections.SECTION_TITLES[key]), tuple(fields)))
        documents = tuple(
            FormField(f"{PREFIX}doc_{code}", str(title), "checkbox")
            for code, title in rules.DOCUMENTS.items()
        )
        result.append(FormSection("documents", _("Documents attached"), documents))
    return result


def blank_form_pdf(locale: str) -> bytes:
    """The fillable PDF/UA form in `locale`: the same for everyone, so rendered once per
    process and language and kept (`portal.pdf.kept_pdf`)."""
    return kept_pdf(
        "fallback/blank_form_pdf.html",
        locale,
        sections=form_sections(locale),
        pdf_forms=True,
    )


# --- reading it back -------------------------------------------------------------------


def read_fields(data: bytes) -> dict[str, str] | None:
    """The values of our form's fields in a PDF, or None when it is not our form."""
    if not data.startswith(b"%PDF"):
        return None
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        fields = reader.get_fields() or {}
        if len(fields) > MAX_FIELDS or not set(fields) >= SIGNATURE:
            return None
        values = {}
        for name, spec in fields.items():
            if not isinstance(name, str) or not name.startswith(PREFIX):
                continue
            value = spec.get("/V")
            if isinstance(value, list):  # a multiple choice: ours never is
                value = value[0] if value else ""
            values[name[len(PREFIX) :]] = "" if value is None else str(value)
        return values
    except Exception:  # noqa: BLE001 - any PDF the library cannot read is not our form
        log.info("a PDF attachment could not be read as the application form", exc_info=True)
        return None


def _clean(value: str) -> str | None:
    """The value trimmed, or None when it is too long or holds control/bidi characters."""
    if len(value) > MAX_VALUE or BIDI.search(value):
        return None
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in value):
        return None
    return unicodedata.normalize("NFC", value.strip())


DATE = re.compile(r"^(\d{1,2})[ ./-](\d{1,2})[ ./-](\d{4})$|^(\d{4})-(\d{2})-(\d{2})$")


def _amount(value: str, locale: str) -> str | None:
    """`value` when the wizard will read it as an amount below 10^8 (the wizard's own
    parser, portal.validation.parse_amount, in the form's language), else None."""
    try:
        with force_locale(locale):  # its refusal is worded, also where no request is
            amount = parse_amount(value, locale)
    except AmountError:
        return None
    return value if Decimal(0) <= amount < Decimal(10) ** 8 else None


def _date(value: str) -> str | None:
    match = DATE.match(value)
    if not match:
        return None
    if match.group(4):
        return value
    day, month, year = (int(match.group(i)) for i in (1, 2, 3))
    return f"{year:04d}-{month:02d}-{day:02d}"


@dataclass
class Prefill:
    sections: list[str] = field(default_factory=list)  # saved
    refused: dict[str, str] = field(default_factory=dict)  # field or section -> why
    documents: list[str] = field(default_factory=list)  # ticked on the checklist
    employer_name: str | None = None


def prefill(dossier: Dossier, values: dict[str, str], locale: str) -> Prefill:
    """Fill `dossier` from the form's values through the wizard's forms and savers."""
    result = Prefill()
    clean: dict[str, str] = {}
    for name, raw in values.items():
        if raw in ("", "/Off"):
            continue
        value = _clean(raw)
        if value is None:
            result.refused[name] = "control characters or too long"
            continue
        if name in AMOUNT_FIELDS:
            value = _amount(value, locale)
        elif name in DATE_FIELDS:
            value = _date(value)
        if value is None:
            result.refused[name] = "not a valid value"
            continue
        clean[name] = value
    if "employer_kbo" in clean:
        number = normalise_kbo(clean["employer_kbo"])
        expected = dossier.employer_kbo or (
            dossier.organisation.kbo_number if dossier.organisation else None
        )
        if number is None or (expected and number != expected):
            result.refused["employer_kbo"] = "not the enterprise number of the proof"
    result.employer_name = clean.get("employer_name")
    if result.employer_name and dossier.organisation is None and dossier.employer_kbo:
        dossier.employer_name = result.employer_name[:200]
    result.documents = [
        name[len("doc_") :]
        for name in clean
        if name.startswith("doc_") and name[len("doc_") :] in rules.DOCUMENTS
    ]
    with force_locale(locale):
        for key, form_class in SECTION_FORMS.items():
            names = [n for n, v in vars(form_class).items() if isinstance(v, UnboundField)]
            data = MultiDict({n: clean[n] for n in names if n in clean})
            if not data:
                continue
            form = form_class(formdata=data, meta={"csrf": False})
            fill_choices(form, locale)
            if not form.validate():
                result.refused[key] = "; ".join(sorted(form.errors))
                continue
            savepoint = db.session.begin_nested()
            try:
                sections_data = {
                    name: (f.data.strip() or None) if isinstance(f.data, str) else f.data
                    for name, f in form._fields.items()
                }
                SAVERS[key](dossier, sections_data)
                db.session.flush()
            except (Invalid, ValueError, ArithmeticError) as error:
                savepoint.rollback()
                problems = getattr(error, "errors", None) or {"": [str(error)]}
                result.refused[key] = "; ".join(sorted(problems))
            else:
                savepoint.commit()
                result.sections.append(key)
    return result


SAVERS = {
    "worker": sections.save_worker,
    "category": sections.save_category,
    "job": sections.save_job,
}


def prefill_from_attachments(
    dossier: Dossier, attachments, locale: str, actor: User | None
) -> Prefill | None:
    """Read the first attachment that is our form into `dossier`; audited. Never raises."""
    for attachment in attachments:
        values = read_fields(attachment.data)
        if values is None:
            continue
        try:
            result = prefill(dossier, values, locale)
        except Exception:  # noqa: BLE001 - the file stands without the form's data
            log.exception("reading the application form of %s failed", dossier.reference)
            return None
        refused = ", ".join(f"{name} ({why})" for name, why in sorted(result.refused.items()))
        audit.record(
            "fallback:form_read",
            dossier_id=dossier.id,
            actor_id=actor.id if actor else None,
            detail=(
                f"from {attachment.name[:100]}: filled {', '.join(result.sections) or 'nothing'}"
                + (f"; refused {refused}" if refused else "")
            )[:2000],
        )
        return result
    return None
