"""PDF benchmark: the receipts of realistic files (a single permit and a professional card)
and the decision letter, against two minimal one-page PDFs.

Run in one process on a fresh SQLite database with demo data, like `tests/bench/__main__.py`.
The absolute times depend on the machine; the ratios say what a document costs against:

- **WeasyPrint's minimal page**: "Hello" rendered with WeasyPrint's defaults (no stylesheet,
  no PDF/UA, the fonts gathered for the document as WeasyPrint does when given none): the
  yardstick of issue #15, which asks for at most 3x;
- **the portal's minimal page** (`portal.pdf.render_minimal_pdf`): the portal's PDF frame
  with almost nothing in it (its stylesheet, PDF/UA tagging, the fonts kept per thread), so
  that the ratio says what the document's content costs on top of the fixed part.

Each document is timed alternately with both minimal pages, so a load that comes and goes
on a shared machine weighs on all three alike.

The receipt also has a **plain twin** (`receipt_twin`): the receipt's own HTML rendered the way
WeasyPrint's minimal page is, with WeasyPrint's defaults (no print stylesheet, no PDF/UA
tagging, the fonts gathered for the document). Beside the minimal page it says what the
receipt's content costs WeasyPrint, done the plain way; the receipt's share of it, what the
portal's way of rendering it adds or saves.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple

from flask import render_template
from flask_migrate import upgrade
from sqlalchemy import select
from weasyprint import HTML

from portal.accounts.models import User
from portal.demo import load as load_demo
from portal.dossiers.letters import stored
from portal.dossiers.letters.decision import decision_letter_pdf
from portal.dossiers.letters.receipts import receipt_context, receipt_pdf
from portal.dossiers.models import Document, Dossier, DossierStatus, FlemishDecision, Permit
from portal.extensions import db
from portal.i18n import force_locale
from portal.pdf import render_minimal_pdf
from tests.bench.common import bench_app

WARM_UP = 1
RUNS = 7
PAIRS = 15
# Ten documents, as a highly qualified worker's file with a posting's extras would have.
DOCUMENTS = [
    ("passport", "passport-scan-all-pages.pdf", 2_411_520),
    ("employment_contract", "arbeidsovereenkomst-getekend.pdf", 384_211),
    ("diploma", "master-diploma-computer-science.pdf", 1_048_576),
    ("qualification_proof", "transcript_of_records.pdf", 733_402),
    ("medical_certificate", "medisch-attest-apostille.pdf", 212_993),
    ("good_conduct", "police-clearance-certificate.pdf", 198_004),
    ("fee_payment", "betalingsbewijs-retributie.pdf", 55_318),
    ("accommodation_proof", "huurcontract-gent.pdf", 640_112),
    ("posting_declaration", "posting-declaration-limosa.pdf", 91_870),
    ("a1_certificate", "a1-certificate.pdf", 120_455),
]
# A professional card's file: the common documents and the economic category's evidence.
CARD_DOCUMENTS = [
    ("passport", "pasaport-elif.pdf", 1_802_240),
    ("residence_document", "a-kaart-voor-en-achterzijde.pdf", 402_113),
    ("criminal_record", "uittreksel-strafregister.pdf", 151_006),
    ("diploma", "lisans-diplomasi-apostil.pdf", 933_870),
    ("means_proof", "bankattest-bestaansmiddelen.pdf", 88_412),
    ("business_plan", "ondernemingsplan-restaurant-gent.pdf", 2_904_331),
    ("start_capital_proof", "bankattest-startkapitaal.pdf", 71_950),
    ("jobs_investment_evidence", "investeringsplan-en-aanwervingen.pdf", 512_004),
]


def _ms(render: Callable[[], bytes]) -> float:
    start = time.perf_counter()
    render()
    return (time.perf_counter() - start) * 1000


MINIMAL_HTML = "<!doctype html><html lang=en><title>Hello</title><h1>Hello</h1></html>"


def weasyprint_minimal_pdf() -> bytes:
    """A one-page "Hello" with WeasyPrint's defaults: the yardstick of issue #15."""
    return HTML(string=MINIMAL_HTML).write_pdf()


def receipt_twin(dossier: Dossier, locale: str) -> Callable[[], bytes]:
    """The receipt's plain twin (see the docstring): a function rendering the receipt's HTML,
    made once, with WeasyPrint's defaults as `weasyprint_minimal_pdf` does."""
    with force_locale(locale):
        html = render_template("pdf/receipt.html", lang=locale, **receipt_context(dossier, locale))
    return lambda: HTML(string=html).write_pdf()


class Compared(NamedTuple):
    ms: float  # median ms of the document
    weasyprint_ms: float  # of WeasyPrint's minimal page, alongside
    portal_ms: float  # of the portal's minimal page, alongside
    to_weasyprint: float  # median of the rounds' ratios
    to_portal: float


def _against_minimal(render: Callable[[], bytes]) -> Compared:
    """Median ms of `render` and of both minimal pages, run in turn PAIRS times after WARM_UP
    runs of each, and the medians of the rounds' ratios (each round ran under the same
    load, so its ratios hold better than the ratio of the medians on a busy machine)."""
    for _ in range(WARM_UP):
        render()
        weasyprint_minimal_pdf()
        render_minimal_pdf()
    rounds = [
        (_ms(render), _ms(weasyprint_minimal_pdf), _ms(render_minimal_pdf)) for _ in range(PAIRS)
    ]
    return Compared(
        statistics.median(r[0] for r in rounds),
        statistics.median(r[1] for r in rounds),
        statistics.median(r[2] for r in rounds),
        statistics.median(r[0] / r[1] for r in rounds),
        statistics.median(r[0] / r[2] for r in rounds),
    )


def make_dossier(reference: str = "SP-2026-BENCH2-K") -> Dossier:
    """A submitted dossier of the demo employer with ten documents."""
    employer = db.session.scalar(select(User).where(User.email == "employer@demo.example"))
    dossier = Dossier(
        reference=reference,
        status=DossierStatus.SUBMITTED,
        locale="nl",
        created_by_id=employer.id,
        organisation_id=employer.organisation_id,
        submitted_at=datetime(2026, 3, 2, 9, 15, tzinfo=UTC),
        worker_first_name="Priya",
        worker_last_name="Raghunathan",
        worker_birth_date=date(1994, 7, 14),
        worker_nationality="IN",
        worker_passport="Z1234567",
        isco_code="2512",
        nace_code="49410",
        annual_salary=Decimal("61234.50"),
        start_date=date(2026, 5, 1),
        duration_months=36,
        workplace_postal_code="9000",
        workplace_refnis="44021",
        category="highly_qualified",
    )
    db.session.add(dossier)
    db.session.flush()
    _add_documents(dossier, employer, DOCUMENTS)
    db.session.commit()
    return dossier


def make_card_dossier(reference: str = "PC-2026-BENCH1-K") -> Dossier:
    """A submitted professional-card file of the demo entrepreneur with eight documents."""
    entrepreneur = db.session.scalar(select(User).where(User.email == "entrepreneur@demo.example"))
    dossier = Dossier(
        reference=reference,
        permit=Permit.PROFESSIONAL_CARD,
        status=DossierStatus.SUBMITTED,
        locale="nl",
        created_by_id=entrepreneur.id,
        submitted_at=datetime(2026, 3, 2, 9, 15, tzinfo=UTC),
        worker_first_name="Elif",
        worker_last_name="Entrepreneur",
        worker_birth_date=date(1992, 3, 1),
        worker_nationality="TR",
        worker_passport="U09876543",
        nace_code="56101",
        workplace_postal_code="9000",
        workplace_refnis="44021",
        category="economic",
    )
    db.session.add(dossier)
    db.session.flush()
    _add_documents(dossier, entrepreneur, CARD_DOCUMENTS)
    db.session.commit()
    return dossier


def _add_documents(dossier: Dossier, uploader: User, documents: list) -> None:
    for requirement, name, size in documents:
        sha256 = hashlib.sha256(name.encode()).hexdigest()
        db.session.add(
            Document(
                dossier_id=dossier.id,
                requirement=requirement,
                file_name=name,
                stored_name=f"{sha256[:32]}.pdf",
                sha256=sha256,
                size=size,
                mime="application/pdf",
                uploaded_by_id=uploader.id,
            )
        )


def decided(dossier: Dossier) -> Dossier:
    """`dossier` as Flanders authorised it, with the officer's reasons, for its letter."""
    dossier.flemish_decision = FlemishDecision.AUTHORISED
    dossier.flemish_decision_on = date(2026, 4, 14)
    dossier.flemish_reasons = "De aanvraag is volledig en voldoet aan de voorwaarden."
    db.session.commit()
    return dossier


def _issue_and_download(count: int) -> tuple[float, float]:
    """Median ms of a receipt's first download (render, hash, keep, commit) of a file never
    downloaded before, and of a later one (read the kept bytes, check their hash)."""
    dossiers = [make_dossier(f"SP-2026-BENCH{n:02d}-K") for n in range(count)]
    first, later = [], []
    for dossier in dossiers:
        start = time.perf_counter()
        stored.letter_pdf(dossier, stored.RECEIPT, "nl")
        db.session.commit()
        first.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        stored.letter_pdf(dossier, stored.RECEIPT, "nl")
        db.session.commit()
        later.append((time.perf_counter() - start) * 1000)
    return statistics.median(first[WARM_UP:]), statistics.median(later[WARM_UP:])


def run() -> list[tuple[str, float]]:
    """Median render times of the receipts (single permit with 10 documents, professional
    card with 8), of the first one's plain twin, and of a decision letter (Dutch alone, as
    a Dutch-language file gets it, and Dutch with its English translation: two letters in
    one PDF), each against both minimal pages timed alongside; the receipt's share of its
    twin; then the receipt as issued and kept (first download) and served as kept."""
    app = bench_app("pdf")
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        permit = make_dossier()
        card = make_card_dossier()
        letter_dossier = decided(make_dossier("SP-2026-LETTER-K"))
        documents = {
            "receipt": _against_minimal(lambda: receipt_pdf(permit, "nl")),
            "receipt twin": _against_minimal(receipt_twin(permit, "nl")),
            "card receipt": _against_minimal(lambda: receipt_pdf(card, "nl")),
            "letter nl": _against_minimal(lambda: decision_letter_pdf(letter_dossier, "nl")),
            "letter nl+en": _against_minimal(lambda: decision_letter_pdf(letter_dossier, "en")),
        }
        issued, kept = _issue_and_download(WARM_UP + RUNS)
        db.session.remove()
        db.engine.dispose()
    first = documents["receipt"]
    rows = [
        ("WeasyPrint's minimal (ms)", first.weasyprint_ms),
        ("portal's minimal (ms)", first.portal_ms),
    ]
    for name, compared in documents.items():
        rows += [
            (f"{name} (ms)", compared.ms),
            (f"{name} / WeasyPrint min.", compared.to_weasyprint),
            (f"{name} / portal min.", compared.to_portal),
        ]
    twin = documents["receipt twin"]
    return rows + [
        ("receipt / its plain twin", first.to_weasyprint / twin.to_weasyprint),
        ("receipt issued, 1st dl (ms)", issued),
        ("issued / WeasyPrint min.", issued / first.weasyprint_ms),
        ("receipt kept, later dl (ms)", kept),
    ]


if __name__ == "__main__":
    for name, value in run():
        print(f"{name:<34} {value:>8.2f}")
