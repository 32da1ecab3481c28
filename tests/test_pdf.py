"""PDFs: the submission receipt in the reader's language, tagged PDF/UA, no remote fetches."""

from __future__ import annotations

import io
import os
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask import render_template
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
from weasyprint.formatting_structure import boxes
from weasyprint.text.fonts import FontConfiguration

from portal import pdf
from portal.accounts.models import ForeignEmployer, Mandatary, MandataryKind, Role
from portal.dossiers.letters.receipts import receipt_context, receipt_pdf
from portal.dossiers.models import Dossier, DossierStatus
from portal.dossiers.rules import CATEGORY_TITLES, DOCUMENTS
from portal.extensions import db
from portal.i18n import force_locale, gettext
from tests.factories import DocumentFactory, DossierFactory
from tests.support import make_user

REFERENCE = "SP-2026-ABCDEF-G"
FILES = [
    ("passport", "passport-priya.pdf", 48_213, "3f1a" * 16),
    ("employment_contract", "contract_signed.pdf", 1_572_864, "9c0e5b7d" * 8),
]


def submitted_dossier(**overrides) -> Dossier:
    """The receipt's file: an employer's, submitted on 2 March 2026, with two documents."""
    user = make_user("hr@receipt.example")
    fields = {
        "reference": REFERENCE,
        "submitted_at": datetime(2026, 3, 2, 9, 15, tzinfo=UTC),
        "worker_last_name": "Raghunathan",
        "worker_birth_date": date(1994, 7, 14),
        "worker_nationality": "IN",
        "worker_passport": "Z1234567",
        "isco_code": "2512",
        "nace_code": "62010",
        "annual_salary": Decimal("61234.50"),
        "start_date": date(2026, 5, 1),
        "duration_months": 36,
        "workplace_postal_code": "9000",
        "workplace_refnis": "44021",
        **overrides,
    }
    dossier = DossierFactory(owner=user, status=DossierStatus.SUBMITTED, **fields)
    for requirement, name, size, sha256 in FILES:
        DocumentFactory(
            dossier=dossier,
            requirement=requirement,
            file_name=name,
            stored_name=f"{sha256[:16]}.pdf",
            sha256=sha256,
            size=size,
            uploaded_by_id=user.id,
        )
    db.session.refresh(dossier)
    return dossier


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def structure_types(data: bytes) -> list[str]:
    """The structure element types (/H1, /Table, …) of a tagged PDF, in document order."""
    root = PdfReader(io.BytesIO(data)).trailer["/Root"]
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, IndirectObject):
            node = node.get_object()
        if isinstance(node, ArrayObject):
            for child in node:
                walk(child)
        elif isinstance(node, DictionaryObject) and "/S" in node:
            found.append(str(node["/S"]).lstrip("/"))
            walk(node.get("/K"))

    walk(root["/StructTreeRoot"].get_object()["/K"])
    return found


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        # 09:15 UTC is 10:15 in Brussels (CET); CLDR names and number formats per language.
        (
            "en",
            [
                "9000 Gent",
                "India",
                "2 March 2026",
                "10:15",
                "14 July 1994",
                "€61,234.50",
                "36 months",
            ],
        ),
        (
            "fr",
            [
                "9000 Gand",
                "Inde",
                "2 mars 2026",
                "10:15",
                "14 juillet 1994",
                "61\u202f234,50\u00a0€",
            ],
        ),
    ],
)
def test_the_receipt_holds_the_dossier_and_every_document_fingerprint(
    app, db_session, locale, expected
):
    dossier = submitted_dossier()
    data = receipt_pdf(dossier, locale)

    assert data.startswith(b"%PDF-1.7")
    text = text_of(data)
    with force_locale(locale):
        titles = [
            gettext("Single Permit Portal"),  # translated already: proves the locale is forced
            str(CATEGORY_TITLES["highly_qualified"]),
            str(DOCUMENTS["passport"]),
            str(DOCUMENTS["employment_contract"]),
        ]
    assert (titles[0] == "Single Permit Portal") == (locale == "en")
    for needle in [
        REFERENCE,
        "Priya Raghunathan",
        "Z1234567",
        "2512",
        "Test NV",
        *titles,
        *expected,
    ]:
        assert needle in text, f"{needle!r} not in the {locale} receipt:\n{text}"
    kbo = dossier.organisation.kbo_number
    assert f"{kbo[:4]}.{kbo[4:7]}.{kbo[7:]}" in text
    for _, name, _, sha256 in FILES:
        assert name in text
        assert sha256 in text, "the full SHA-256 must be on one line, copyable as is"


def test_the_receipts_plain_twin_in_the_benchmark_carries_the_receipts_text_untagged(
    app, db_session
):
    """The PDF benchmark sets the receipt beside its plain twin: the same HTML with
    WeasyPrint's defaults. The twin must hold the receipt's whole text (else it would be
    cheap for showing less), and be plain: no PDF/UA tagging, as the minimal page."""
    from tests.bench.pdf_bench import receipt_twin

    dossier = submitted_dossier()
    twin = text_of(receipt_twin(dossier, "fr")())
    receipt = text_of(receipt_pdf(dossier, "fr"))
    for needle in [REFERENCE, "Priya Raghunathan", "Inde", *(sha for *_, sha in FILES)]:
        assert needle in twin and needle in receipt, needle
    assert twin.split() == receipt.split()  # the same words, in the same order
    catalog = PdfReader(io.BytesIO(receipt_twin(dossier, "fr")())).trailer["/Root"]
    assert "/MarkInfo" not in catalog  # untagged: no PDF/UA


def test_english_receipt_wording_and_sizes(app, db_session):
    text = text_of(receipt_pdf(submitted_dossier(), "en"))
    assert "Receipt of your single-permit application" in text
    assert "Keep this receipt. You can download it again at any time from your dashboard." in text
    assert "47 kB" in text and "1.5 MB" in text  # 48,213 and 1,572,864 bytes


def test_the_receipt_is_tagged_pdf_ua_in_the_readers_language(app, db_session):
    for locale in ("en", "fr"):
        data = receipt_pdf(submitted_dossier(reference=f"SP-2026-PDFUA{locale.upper()}-X"), locale)
        reader = PdfReader(io.BytesIO(data))
        catalog = reader.trailer["/Root"]
        assert catalog["/Lang"] == locale
        assert catalog["/MarkInfo"]["/Marked"].value is True
        assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
        xmp = catalog["/Metadata"].get_object().get_data()
        assert b'pdfuaid:part="1"' in xmp
        assert f"SP-2026-PDFUA{locale.upper()}-X" in reader.metadata.title
        types = structure_types(data)
        assert types.count("H1") == 1
        assert types.index("H1") < types.index("H2")
        # Filed by, worker, job, documents: each a heading over its paragraph.
        assert types.count("H2") == 4, types
        assert types.count("P") >= 5, types
        db.session.rollback()


def test_a_posting_receipt_names_the_mandatary_and_the_foreign_employer(app, db_session):
    mandatary_user = make_user("desk@mandates.example", Role.MANDATARY)
    employer = ForeignEmployer(
        mandatary_id=mandatary_user.mandatary_id,
        name="Kaveri Infotech Pvt Ltd",
        country="IN",
        registration_number="U72900KA2001PTC028",
    )
    db.session.add(employer)
    db.session.flush()
    dossier = submitted_dossier(
        organisation_id=None,
        mandatary_id=mandatary_user.mandatary_id,
        foreign_employer_id=employer.id,
        is_posting=True,
    )
    text = text_of(receipt_pdf(dossier, "fr"))
    assert "Mandates BV" in text
    assert "Kaveri Infotech Pvt Ltd" in text
    assert text.count("Inde") == 2  # the worker's nationality and the employer's country
    assert "Test NV" not in text


def test_a_mandatary_without_kbo_number_gets_no_empty_row(app, db_session):
    mandatary = Mandatary(
        kind=MandataryKind.PERSON,
        name="Jan Peeters",
        kbo_number=None,
        street="Meir 1",
        postal_code="2000",
        municipality_refnis="11002",
    )
    user = make_user("jan@peeters.example", Role.MANDATARY, mandatary=mandatary)
    dossier = submitted_dossier(organisation_id=None, mandatary_id=user.mandatary_id)
    text = text_of(receipt_pdf(dossier, "en"))
    assert "Jan Peeters" in text
    assert "Enterprise number" not in text


def test_minimal_pdf_is_a_one_page_tagged_document(app):
    with app.app_context():
        data = pdf.render_minimal_pdf()
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert "Hello" in reader.pages[0].extract_text()
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"].value is True


def _in_threads(app, count: int, renders: int) -> tuple[list[bytes], list[BaseException]]:
    """`count` threads started together, each rendering `renders` minimal PDFs."""
    results: list[bytes] = []
    failures: list[BaseException] = []
    start = threading.Barrier(count)

    def work() -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                for _ in range(renders):
                    results.append(pdf.render_minimal_pdf())
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, failures


def test_each_thread_gathers_the_fonts_once_for_all_its_pdfs(app, monkeypatch):
    """WeasyPrint makes a font configuration for every document unless given one: Fontconfig's
    font list loaded again and every face loaded anew (a third of a minimal page, issue 15).
    The portal keeps one per thread: Pango's font maps are not to be shared between threads."""
    made: list[FontConfiguration] = []
    original = FontConfiguration.__init__

    def counted(self) -> None:
        made.append(self)
        original(self)

    monkeypatch.setattr(FontConfiguration, "__init__", counted)
    # One thread after the other: the second must not find the first's configuration.
    first, first_failures = _in_threads(app, count=1, renders=3)
    second, second_failures = _in_threads(app, count=1, renders=3)
    assert first_failures == second_failures == []
    assert all("Hello" in text_of(data) for data in first + second)
    # One each: never one per document (6), never one for both threads (1). (The second
    # thread may get the first's ident back: the count tells them apart, not the idents.)
    assert len(made) == 2


def test_the_print_stylesheet_is_parsed_once_and_again_when_it_changes(app, monkeypatch):
    """A `<link>` made WeasyPrint fetch and parse the stylesheet for every document (a fifth
    of a minimal page, issue 15): it is parsed once per thread, and again when the file
    changes (a deployment that restarts no worker)."""
    parsed: list[str] = []
    original = pdf.CSS

    def counted(*args, **kwargs):
        parsed.append(kwargs.get("url", ""))
        return original(*args, **kwargs)

    monkeypatch.setattr(pdf, "CSS", counted)

    def render_three() -> None:
        results, failures = _in_threads(app, count=1, renders=3)
        assert failures == [] and len(results) == 3

    render_three()
    assert len(parsed) == 1 and parsed[0].endswith("/static/css/pdf.css")
    path = Path(app.static_folder) / "css" / "pdf.css"
    before = path.stat()
    with app.app_context():
        pdf.render_minimal_pdf()  # this thread's own, kept (or made now)
        kept = len(parsed)
        pdf.render_minimal_pdf()
        assert len(parsed) == kept
        try:
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
            pdf.render_minimal_pdf()
            pdf.render_minimal_pdf()
        finally:
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert len(parsed) == kept + 1  # once more for the changed file, then kept again


def test_pdfs_rendered_at_the_same_moment_in_four_threads_all_come_out_whole(app):
    results, failures = _in_threads(app, count=4, renders=5)
    assert failures == []
    assert len(results) == 20
    for data in results:
        reader = PdfReader(io.BytesIO(data))
        assert len(reader.pages) == 1 and "Hello" in reader.pages[0].extract_text()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.css",
        "https://example.com/x.css",
        "file:///etc/passwd",
        "file://example.com/etc/passwd",
        "data:text/css,body{color:red}",
        "ftp://example.com/x.css",
    ],
)
def test_the_fetcher_refuses_anything_but_static_files(app, url):
    with app.app_context(), pytest.raises(pdf.ResourceRefused):
        pdf.static_fetcher().fetch(url)


def test_the_fetcher_refuses_a_way_out_of_the_static_folder(app):
    with app.app_context():
        fetcher = pdf.static_fetcher()
        outside = fetcher.root.as_uri() + "/../portal/app.py"
        assert (fetcher.root.parent / "portal" / "app.py").is_file()
        with pytest.raises(pdf.ResourceRefused):
            fetcher.fetch(outside)
        with pytest.raises(pdf.ResourceRefused):
            fetcher.fetch(fetcher.root.as_uri() + "/css/no-such-file.css")


def test_the_fetcher_serves_the_print_stylesheet(app):
    with app.app_context():
        fetcher = pdf.static_fetcher()
        response = fetcher.fetch(fetcher.root.as_uri() + "/css/pdf.css")
        body = response.read()
        response.close()
    assert response.content_type == "text/css"
    assert body == (Path(app.static_folder) / "css" / "pdf.css").read_bytes()


@pytest.mark.parametrize(
    "tag",
    [
        '<link rel="stylesheet" href="http://example.com/x.css">',
        '<img src="file:///etc/passwd" alt="">',
        '<link rel="stylesheet" href="../portal/app.py">',
    ],
)
def test_rendering_stops_when_a_template_refers_to_a_remote_or_private_resource(
    app, monkeypatch, tag
):
    html = f'<!doctype html><html lang="en"><head><title>T</title>{tag}</head><body>x</body></html>'
    monkeypatch.setattr(pdf, "render_template", lambda *args, **kwargs: html)
    with app.app_context(), pytest.raises(pdf.ResourceRefused):
        pdf.render_pdf("pdf/minimal.html", "en")


def test_every_fingerprint_fits_its_line(app, db_session):
    """Each fingerprint is one unbroken string inside the page's text area: overflowing would
    cut it off on paper (the text layer keeps it), wrapping would split the string."""
    dossier = submitted_dossier()
    with force_locale("fr"):
        html = render_template("pdf/receipt.html", lang="fr", **receipt_context(dossier, "fr"))
    lists = []

    def walk(box) -> None:
        element = getattr(box, "element", None)
        if isinstance(box, boxes.BlockBox) and element.get("class") == "documents":
            lists.append(box)
        for child in getattr(box, "children", []):
            walk(child)

    for page in pdf.laid_out(html).pages:
        walk(page._page_box)
    assert len(lists) == 1
    texts = [box for box in lists[0].descendants() if isinstance(box, boxes.TextBox)]
    right = lists[0].content_box_x() + lists[0].width
    for _, _, _, sha256 in FILES:
        lines = [box for box in texts if sha256 in box.text]
        assert len(lines) == 1, f"{sha256} is not on one line"
        assert lines[0].position_x + lines[0].width <= right
