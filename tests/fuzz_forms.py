"""Form fuzzing: a world with one object of each kind, the forms found by walking the URL map,
and Hypothesis strategies for valid, boundary and hostile bodies (tests/test_fuzz_forms.py).

How it works:
1. `build_world` creates users of every role and the objects the routes act on (a draft, a
   submitted file, a file with an open information request, a granted permit, an e-mail
   file, a quarantined message, a ticket with a proof, a mandate, a referral, an API client),
   mostly through the real pages and services.
2. `crawl` GETs every GET route of the URL map (arguments filled from the world, logged in
   with a role the route admits) and reads every `<form method="post">` on those pages: the
   field names and kinds a browser would send, per form action.
3. Every POST route of the URL map (the JSON API apart: schemathesis covers it) gets bodies
   built from those fields, or from the field names of the view's form class when no page
   shows the form.
"""

from __future__ import annotations

import inspect
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import quote_from_bytes, urljoin, urlsplit

from bs4 import BeautifulSoup
from dateutil.relativedelta import relativedelta
from flask import url_for
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.accounts.models import (
    ForeignEmployer,
    Mandate,
    MandateStatus,
    PartnerKind,
    Role,
)
from portal.extensions import db
from portal.security import access_of
from tests.applications_support import PDF, PNG, fill, start, submit
from tests.support import PASSWORD, make_user

SKIPPED_PREFIXES = ("/api/", "/static/")
# Run last, so that they do not take away what other routes act on (the world is rolled
# back after each route anyway; this only keeps a shared client logged in).
LAST = ("accounts.logout",)


@dataclass
class World:
    roles: dict[str, str] = field(default_factory=dict)  # role -> e-mail
    args: dict[str, object] = field(default_factory=dict)  # argument name -> value
    per_endpoint: dict[str, dict[str, object]] = field(default_factory=dict)


def _login(client, email: str) -> None:
    response = client.post("/account/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def build_world(app, tmp_path) -> World:
    """Users of every role and an object of every kind, made as users would make them."""
    from onboarding import referrals, services
    from portal.api import keys
    from portal.fallback import runner
    from portal.fallback.sources import MaildirSource
    from tests.fallback.mail import deliver, load, make_proof
    from tests.onboarding.support import (
        granted_dossier,
        make_partner,
        make_partner_user,
        make_talent,
    )

    world = World()
    employer = make_user("fuzz-employer@example.be", Role.EMPLOYER)
    mandatary = make_user("fuzz-mandatary@example.be", Role.MANDATARY)
    officer = make_user("fuzz-officer@example.be", Role.OFFICER)
    agent = make_user("fuzz-helpdesk@example.be", Role.HELPDESK)
    admin = make_user("fuzz-admin@example.be", Role.ADMIN)
    partner = make_partner_user("fuzz-partner@example.be", PartnerKind.MUNICIPALITY)
    granted = granted_dossier(employer, category="eu_blue_card")
    talent = make_talent("fuzz-talent@example.in", dossier=granted)
    for kind in (PartnerKind.MUNICIPALITY, PartnerKind.SCHOOL, PartnerKind.CHILDCARE):
        make_partner(kind)
    with app.test_request_context("/?lang=en"):
        services.save_profile(
            talent,
            arrival_on=date.today(),
            street="Kouter 1",
            postal_code="9000",
            has_partner=True,
            preferred_locale="en",
        )
        child = services.add_child(talent, date.today() - relativedelta(years=6))
        referral = referrals.refer(talent, "municipal_registration", consent=True)
        item_code = next(
            e.item.code for e in services.checklist(talent).entries if e.item.rule == "school"
        )
        api_client, _key = keys.create_client(admin, "Fuzz client", list(keys.SCOPES))
        proof = make_proof(agent, "sophie.dubois@transports-dubois.be")

    foreign = ForeignEmployer(
        mandatary=mandatary.mandatary, name="Fuzz GmbH", country="DE", registration_number="HRB 1"
    )
    from portal import uploads

    stored = uploads.store(PDF, "mandate.pdf", ("pdf",), 1024 * 1024)
    mandate = Mandate(
        foreign_employer=foreign,
        starts_on=date(date.today().year, 1, 1),
        ends_on=None,
        status=MandateStatus.PENDING,
        file_name=stored.file_name,
        stored_name=stored.stored_name,
        sha256=stored.sha256,
        size=stored.size,
        uploaded_by=mandatary,
    )
    db.session.add_all([foreign, mandate])
    db.session.flush()

    # The e-mail channel: a file from a message with a proof, and one in quarantine.
    maildir = tmp_path / "Maildir"
    deliver(maildir, load("thunderbird_rfc2231", CODE=proof.code), "1.complete")
    deliver(maildir, load("outlook_winmail", CODE=""), "2.quarantine")
    runner.poll(MaildirSource(maildir), deliver=False)
    from portal.fallback.models import IntakeMessage

    quarantined = next(
        m
        for m in db.session.scalars(select(IntakeMessage).order_by(IntakeMessage.id))
        if m.in_quarantine
    )
    db.session.refresh(proof)
    email_file = proof.dossier

    client = app.test_client()
    _login(client, employer.email)
    draft = start(client)
    fill(client, draft)
    submitted = start(client)
    fill(client, submitted)
    assert submit(client, submitted.id).status_code == 302
    asked = start(client)
    fill(client, asked)
    assert submit(client, asked.id, token="token-2").status_code == 302
    officer_client = app.test_client()
    _login(officer_client, officer.email)
    officer_client.post(f"/backoffice/dossiers/{asked.id}/claim")
    response = officer_client.post(
        f"/backoffice/dossiers/{asked.id}/information",
        data={
            "info-question": "The signed contract, please.",
            "info-due_on": (date.today() + timedelta(days=20)).isoformat(),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    db.session.refresh(draft)
    talent_token = "no-such-token"

    world.args = {
        "dossier_id": draft.id,
        "document_id": draft.documents[0].id,
        "client_id": api_client.id,
        "partner_id": referral.partner_id,
        "mandate_id": mandate.id,
        "employer_id": foreign.id,
        "message_id": quarantined.id if quarantined else 1,
        "proof_id": proof.id,
        "ticket_id": proof.ticket_id,
        "referral_id": referral.id,
        "child_id": child.id,
        "code": item_code,
        "token": talent_token,
        "reference": submitted.reference,
    }
    ticket_token = proof.ticket.access_token
    world.per_endpoint = {
        "applications.follow_up": {"dossier_id": granted.id},
        "tracking.answer": {"dossier_id": asked.id},
        "welcome_employer.resend": {"dossier_id": granted.id},
        "email_files.section": {"dossier_id": email_file.id},
        "helpdesk.ticket": {"token": ticket_token},
        "applications.receipt": {"dossier_id": submitted.id},
        "applications.decision_letter": {"dossier_id": submitted.id},
    }
    officer_views = ("claim", "decide", "request_information", "record_residence", "dossier_page")
    for endpoint in (*officer_views, "decision_letter"):
        world.per_endpoint[f"backoffice.{endpoint}"] = {"dossier_id": submitted.id}
    world.roles = {
        Role.EMPLOYER.value: employer.email,
        Role.MANDATARY.value: mandatary.email,
        Role.OFFICER.value: officer.email,
        Role.HELPDESK.value: agent.email,
        Role.ADMIN.value: admin.email,
        Role.PARTNER.value: partner.email,
        Role.TALENT.value: talent.email,
    }
    return world


# -- the URL map ------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    endpoint: str
    url: str
    methods: frozenset[str]
    user: str | None  # the e-mail to log in with; None: anonymous


def _any_values(rule) -> dict[str, list[str]]:
    """<any(worker, category):section> -> {"section": ["worker", "category"]}"""
    found = {}
    for name, converter in rule._converters.items():
        pattern = getattr(converter, "regex", "")
        if converter.__class__.__name__ == "AnyConverter":
            found[name] = re.findall(r"[A-Za-z0-9_-]+", pattern.replace("(?:", ""))
    return found


def _user_for(world: World, view) -> str | None:
    access = access_of(view)
    if access == "public" or access is None:
        return None
    if access == "authenticated":
        return world.roles[Role.EMPLOYER.value]
    if isinstance(access, tuple) and access[0] == "roles":
        return world.roles[Role(access[1][0]).value]
    return None


def targets(app, world: World, method: str) -> list[Target]:
    """A concrete URL for every route that answers `method`, with the user to send it as."""
    found = []
    with app.test_request_context("/"):
        for rule in app.url_map.iter_rules():
            if method not in rule.methods or rule.rule.startswith(SKIPPED_PREFIXES):
                continue
            view = app.view_functions[rule.endpoint]
            if isinstance(access_of(view), tuple) and access_of(view)[0] == "api":
                continue
            choices = _any_values(rule)
            base = {
                arg: world.per_endpoint.get(rule.endpoint, {}).get(arg, world.args.get(arg, 1))
                for arg in rule.arguments
            }
            variants = [base]
            for name, values in choices.items():
                variants = [{**v, name: value} for v in variants for value in values]
            for values in variants:
                url = url_for(rule.endpoint, **values)
                found.append(
                    Target(rule.endpoint, url, frozenset(rule.methods), _user_for(world, view))
                )
    found.sort(key=lambda t: (t.endpoint in LAST, t.endpoint, t.url))
    return found


# -- the forms on the pages -------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, date, number, email, choice, checkbox, file, hidden, password, time
    default: str = ""
    choices: list[str] = field(default_factory=list)


def _kind(tag) -> str:
    if tag.name == "textarea":
        return "textarea"
    if tag.name == "select":
        return "choice"
    kind = (tag.get("type") or "text").lower()
    if kind in ("radio", "submit"):
        return "choice"
    if tag.get("inputmode") in ("decimal", "numeric") and kind == "text":
        return "number"
    return kind if kind in {"date", "number", "email", "checkbox", "file", "hidden",
                            "password", "time"} else "text"  # fmt: skip


def forms_on(html: str, page_url: str, method: str = "post") -> dict[str, list[Field]]:
    """The forms of a page sent with `method`: action path -> fields."""
    soup = BeautifulSoup(html, "html.parser")
    result: dict[str, list[Field]] = {}
    for form in soup.find_all("form"):
        if (form.get("method") or "get").lower() != method:
            continue
        action = urlsplit(urljoin(page_url, form.get("action") or page_url)).path
        fields: dict[str, Field] = {}
        for tag in form.find_all(["input", "select", "textarea", "button"]):
            name = tag.get("name")
            if not name:
                continue
            kind = "choice" if tag.name == "button" else _kind(tag)
            current = fields.get(name) or Field(name, kind)
            if tag.name == "select":
                current.choices += [o.get("value", o.get_text()) for o in tag.find_all("option")]
                picked = tag.find("option", selected=True)
                current.default = picked.get("value", "") if picked else ""
            elif kind == "choice" or kind == "checkbox":
                current.choices.append(tag.get("value", "y"))
                if tag.has_attr("checked") or not current.default:
                    current.default = tag.get("value", "y") if kind == "choice" else ""
            elif tag.name == "textarea":
                current.default = tag.get_text()
            else:
                current.default = tag.get("value", "")
            fields[name] = current
        result.setdefault(action, [])
        known = {f.name for f in result[action]}
        result[action] += [f for f in fields.values() if f.name not in known]
    return result


def form_fields_of_view(app, endpoint: str) -> list[Field]:
    """The fields of the form classes a view builds, when no page shows its form."""
    from portal.forms import BaseForm

    view = inspect.unwrap(app.view_functions[endpoint])
    try:
        source = inspect.getsource(view)
    except OSError:
        return []
    fields = []
    for name, prefix in re.findall(r"\b(\w+Form)\((?:[^)]*prefix=\"(\w+)\")?", source):
        form_class = view.__globals__.get(name)
        if not (inspect.isclass(form_class) and issubclass(form_class, BaseForm)):
            continue
        with app.test_request_context("/"):
            form = form_class(formdata=None, prefix=prefix or "")
            for bound in form:
                kind = {
                    "TextAreaField": "textarea",
                    "DateField": "date",
                    "DayField": "date",
                    "IntegerField": "number",
                    "DecimalField": "number",
                    "AmountField": "number",
                    "EmailField": "email",
                    "BooleanField": "checkbox",
                    "FileField": "file",
                    "SelectField": "choice",
                    "RadioField": "choice",
                    "TimeField": "time",
                }.get(bound.type, "text")
                choices = [
                    str(getattr(c, "value", c)) for c in getattr(bound, "choices", None) or []
                ]
                fields.append(Field(bound.name, kind, choices=choices))
    for name in re.findall(r"request\.form\.get\(\"(\w+)\"", source):
        fields.append(Field(name, "text"))
    return fields


def server_error(url: str, status: int) -> bool:
    """A 5xx, except /readyz's 503, which it answers by design here: no worker has sent a
    heartbeat in the fuzzer's world."""
    return status >= 500 and not (url == "/readyz" and status == 503)


def crawl(app, world: World, clients):
    """Every GET page of the URL map: the POST forms they show, the GET forms (action ->
    (user, fields)), and the (user, url) pairs to render back after fuzzing."""
    forms: dict[str, list[Field]] = defaultdict(list)
    get_forms: dict[str, tuple[str | None, list[Field]]] = {}
    pages = []
    for target in targets(app, world, "GET"):
        client = clients(target.user)
        response = client.get(target.url)
        response.close()
        assert not server_error(target.url, response.status_code), (
            target.url,
            response.status_code,
        )
        pages.append((target.user, target.url))  # a 404 now may show what a POST stores
        if response.status_code >= 400:
            continue
        if "html" in (response.content_type or ""):
            html = response.get_data(as_text=True)
            for action, fields in forms_on(html, target.url).items():
                known = {f.name for f in forms[action]}
                forms[action] += [f for f in fields if f.name not in known]
            for action, fields in forms_on(html, target.url, "get").items():
                get_forms.setdefault(action, (target.user, fields))
    return dict(forms), get_forms, pages


# -- valid bodies to start from ----------------------------------------------------------


def seeds() -> dict[str, dict[str, str]]:
    """A valid body for the forms whose page shows no values to start from, so that
    changing one field reaches the services, not only the required-field checks."""
    from tests.support import new_kbo

    soon = (date.today() + timedelta(days=20)).isoformat()
    person = {"name": "Jan Peeters", "email": "jan.peeters@example.be"}
    address = {"street": "Veldstraat 1", "postal_code": "9000"}
    account = {"contact_name": "Jan Peeters", "email": "jan@example.be",
               "password": PASSWORD, "confirm": PASSWORD}  # fmt: skip
    return {
        "helpdesk.report": {
            **person,
            "tried": "Submit the application.",
            "error_text": "Error 500 on the check page.",
        },
        "accounts.register_employer": {
            "organisation_name": "Peeters NV",
            "kbo_number": new_kbo(),
            "nace_code": "49410",
            **address,
            **account,
        },
        "accounts.register_mandatary": {
            "kind": "company",
            "name": "Mandaat BV",
            "kbo_number": new_kbo(),
            **address,
            **account,
        },
        "accounts.login": {"email": "fuzz-employer@example.be", "password": PASSWORD},
        "partner_admin.new": {
            "name": "Stad Antwerpen",
            "kind": "municipality",
            "refnis": "11002",  # Antwerp: Ghent has all three kinds in the world
            "email": "loket@antwerpen.example",
            "active": "y",
        },
        "backoffice.request_information": {"info-question": "The contract?", "info-due_on": soon},
        "tracking.answer": {"answer": "Here is the contract.", "action": "send"},
        "mandates.add_employer": {
            "name": "Montage GmbH",
            "country": "DE",
            "registration_number": "HRB 99",
        },
        "desk.issue_proof": {
            "email": "fuzz-sender@example.be",
            "kbo": "0403170701",
            "days": "5",
            "confirm": "y",
        },
        "welcome.add_child": {"child-birth_date": "2019-05-17"},
        "api_admin.clients": {"name": "DVZ", "scopes": "dossiers:read"},
    }


def with_seed(specs: list[Field], seed: dict[str, str]) -> list[Field]:
    """The fields, with the seed's values as their defaults (and the seed's extra fields)."""
    out = [Field(f.name, f.kind, seed.get(f.name, f.default), f.choices) for f in specs]
    known = {f.name for f in out}
    return out + [Field(name, "text", value) for name, value in seed.items() if name not in known]


# -- bodies -----------------------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "\x00",
    "Jan\x00Peeters",
    "\u202egnp.exe",
    "\u2066Jan\u2069\u200f",
    "Jan\r\nBcc: victim@example.com",
    "http://evil.example/\r\nhttp://evil.example/",
    "x" * 100_000,
    "é" * 5_000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{ 7*7 }}",
    "%(name)s %s {0}",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🇧🇪 👩‍👩‍👧",
    "\ufeff\ufffe\uffff",
    "\x1b[31mred",
    "../../etc/passwd",
    "NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1",
    "0",
    "9" * 400,
    "99999999999999999999",
    "1.234.5",
    "55,5,5",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "-0001-01-01",
    "24:61",
]
FAR_DATES = ["0001-01-01", "1899-12-31", "1900-01-01", "2100-12-31", "2101-01-01", "9999-12-28"]
NUMBERS = ["NaN", "Infinity", "-Infinity", "1e999", "sNaN", "-0", "1e8", "100000000",
           "99999999.99", "2147483648", "-2147483649", "9" * 5000, "1_000", "٣"]  # fmt: skip

text_values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
)
date_values = st.one_of(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31)).map(date.isoformat),
    st.sampled_from(FAR_DATES),
    text_values,
)
number_values = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-100, max_value=100_000).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(min_value=0, max_value=Decimal(10**9), places=2).map(lambda d: f"{d:,}"),
    st.sampled_from(NUMBERS),
    text_values,
)
time_values = st.one_of(st.times().map(lambda t: t.strftime("%H:%M")), text_values)
file_names = st.one_of(
    st.sampled_from(
        [
            "doc.pdf",
            "scan.png",
            "invoice\u202efdp.exe",
            "../../x.pdf",
            "a" * 300,
            "",
            "nul\x00.pdf",
            "CON.pdf",
            "résumé.PDF",
        ]
    ),  # fmt: skip
    st.text(max_size=30),
)
file_contents = st.one_of(
    st.sampled_from([PDF, PNG, b"", b"%PDF-", b"<html><script>alert(1)</script>", b"\x00" * 64]),
    st.binary(max_size=2_000),
)


def _valid_or(kind_strategy, spec: Field):
    options = [spec.default] if spec.default else []
    options += [c for c in spec.choices if c]
    if options:
        return st.one_of(st.sampled_from(options), kind_strategy)
    return kind_strategy


def value_strategy(spec: Field):
    if spec.kind == "file":
        return st.tuples(file_contents, file_names)
    kind = {
        "date": date_values,
        "number": number_values,
        "time": time_values,
        "choice": st.one_of(st.sampled_from(spec.choices or [""]), text_values),
        "checkbox": st.sampled_from(["y", "", "on", "\x00"]),
    }.get(spec.kind, text_values)
    return _valid_or(kind, spec)


@dataclass
class Body:
    fields: MultiDict
    files: list[tuple[str, bytes, str]]
    raw: bytes | None = None  # an url-encoded body with invalid UTF-8

    def describe(self) -> str:
        shown = {k: (v[:60] + "…" if isinstance(v, str) and len(v) > 60 else v)
                 for k, v in self.fields.items(multi=True)}  # fmt: skip
        return f"fields={shown!r} files={[(n, f) for n, _c, f in self.files]} raw={self.raw!r:.120}"


@st.composite
def bodies(draw, specs: list[Field]):
    """A body: valid defaults with one or more fields changed, fields left out or doubled,
    an unknown field, and sometimes invalid UTF-8."""
    mode = draw(st.sampled_from(["one", "some", "all"]))
    fields, files = MultiDict(), []
    changed = draw(st.sampled_from(specs)) if specs else None
    for spec in specs:
        fuzz = mode == "all" or spec is changed or (mode == "some" and draw(st.booleans()))
        if spec.kind == "file":
            if fuzz:
                content, name = draw(value_strategy(spec))
                files.append((spec.name, content, name))
            continue
        if not fuzz:
            if spec.default or spec.kind not in ("checkbox",):
                fields.add(spec.name, spec.default)
            continue
        if draw(st.integers(0, 9)) == 0:
            continue  # left out
        fields.add(spec.name, draw(value_strategy(spec)))
        if draw(st.integers(0, 9)) == 0:
            fields.add(spec.name, draw(value_strategy(spec)))  # duplicated
    if draw(st.integers(0, 4)) == 0:
        fields.add(draw(st.sampled_from(["zz", "id", "status", "role", "user_id"])), "1")
    raw = None
    if not files and draw(st.integers(0, 5)) == 0:
        junk = draw(st.sampled_from([b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\x00\xff"]))
        name = changed.name if changed else "zz"
        pairs = [(k.encode(), v.encode()) for k, v in fields.items(multi=True) if k != name]
        pairs.append((name.encode(), junk))
        raw = "&".join(f"{quote_from_bytes(k)}={quote_from_bytes(v)}" for k, v in pairs).encode()
    return Body(fields, files, raw)


NASTIEST = ["\x00", "x" * 100_000, "1e999", "9999-12-28", "\u202e" + "x" * 50, "NaN",
            "0001-01-01", "Jan\r\nBcc: x@example.com"]  # fmt: skip


def explicit_bodies(specs: list[Field], full: bool = True) -> list[Body]:
    """Sent to every route whatever Hypothesis draws: the page's own values (a valid body),
    nothing at all, and every field set to one of the nastiest values."""
    out = [
        Body(MultiDict([(s.name, s.default) for s in specs if s.default and s.kind != "file"]), []),
        Body(MultiDict(), []),
    ]
    for value in NASTIEST if full else NASTIEST[:4]:
        fields = MultiDict()
        for spec in specs:
            if spec.kind != "file":
                fields.add(spec.name, value)
        out.append(Body(fields, []))
    return out


def send(client, url: str, body: Body, method: str = "POST"):
    if method == "GET":
        if body.raw is not None:
            return client.get(f"{url}?{body.raw.decode('ascii')}")
        return client.get(url, query_string=body.fields)
    if body.raw is not None:
        return client.post(url, data=body.raw, content_type="application/x-www-form-urlencoded")
    if body.files:
        data = MultiDict(body.fields)
        for name, content, file_name in body.files:
            data.add(name, (io.BytesIO(content), file_name))
        return client.post(url, data=data, content_type="multipart/form-data")
    return client.post(url, data=body.fields)
