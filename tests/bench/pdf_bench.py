"""PDF benchmark: the receipt of a realistic dossier against a minimal one-page PDF.

Run in one process on a fresh SQLite database with demo data, like `tests/bench/__main__.py`.
The absolute times depend on the machine; the ratio receipt / minimal says what the
receipt's content costs on top of WeasyPrint's fixed cost (fonts, PDF/UA tagging).
"""

from __future__ import annotations

import hashlib
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from flask_migrate import upgrade
from sqlalchemy import select

from portal.accounts.models import User
from portal.demo import load as load_demo
from portal.dossiers.letters import stored
from portal.dossiers.letters.receipts import receipt_pdf
from portal.dossiers.models import Document, Dossier, DossierStatus
from portal.extensions import db
from portal.pdf import render_minimal_pdf
from tests.bench.common import bench_app

WARM_UP = 1
RUNS = 7
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


def _median_ms(render: Callable[[], bytes]) -> float:
    """Median wall time of `render` in milliseconds over RUNS runs, after WARM_UP runs."""
    for _ in range(WARM_UP):
        render()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        render()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


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
    for requirement, name, size in DOCUMENTS:
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
                uploaded_by_id=employer.id,
            )
        )
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
    """Median render times of the receipt (10 documents) and of a minimal PDF, and their
    ratio; then the receipt as issued and kept (first download) and served as kept."""
    app = bench_app("pdf")
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        dossier = make_dossier()
        receipt = _median_ms(lambda: receipt_pdf(dossier, "nl"))
        minimal = _median_ms(render_minimal_pdf)
        issued, kept = _issue_and_download(WARM_UP + RUNS)
        db.session.remove()
        db.engine.dispose()
    return [
        ("receipt render (ms)", receipt),
        ("minimal one-page PDF (ms)", minimal),
        ("receipt / minimal", receipt / minimal),
        ("receipt issued, 1st dl (ms)", issued),
        ("issued / minimal", issued / minimal),
        ("receipt kept, later dl (ms)", kept),
    ]


if __name__ == "__main__":
    for name, value in run():
        print(f"{name:<28} {value:>8.1f}")
