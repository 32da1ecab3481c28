"""Uploads follow the transaction: no bytes without a row, and a sweep for leftovers."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal import uploads, uploads_tx
from portal.dossiers.contents import documents
from portal.dossiers.models import Document
from portal.extensions import db
from portal.uploads_sweep import sweep
from tests.applications_support import PDF, start, upload
from tests.support import login, make_user


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    """A private UPLOAD_DIR, so that counting files counts only this test's."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def employer(client):
    user = make_user("hr@acme.example")
    login(client, user.email)
    return user


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_file()}


def referenced() -> set[str]:
    return set(db.session.scalars(select(Document.stored_name)))


def draft(client):
    dossier = start(client)
    client.post(f"/applications/{dossier.id}/category", data={"category": "executive"})
    return dossier


def make_document(dossier, user, stored) -> Document:
    document = Document(
        dossier=dossier,
        requirement="passport",
        file_name=stored.file_name,
        stored_name=stored.stored_name,
        sha256=stored.sha256,
        size=stored.size,
        mime=stored.mime,
        uploaded_by_id=user.id,
    )
    db.session.add(document)
    db.session.flush()
    return document


# --- Written on commit, gone on rollback ----------------------------------------------------


def test_a_stored_file_waits_for_the_commit(app, db_session, folder):
    stored = uploads.store(PDF, "a.pdf", ("pdf",), 10_000)
    assert names(folder) == {stored.stored_name + ".part"}
    db.session.commit()
    assert names(folder) == {stored.stored_name}
    assert uploads.path_of(stored.stored_name).read_bytes() == PDF


def test_a_rollback_deletes_the_stored_file(app, db_session, folder):
    uploads.store(PDF, "a.pdf", ("pdf",), 10_000)
    db.session.rollback()
    assert names(folder) == set()


def test_a_savepoint_rolled_back_takes_only_its_own_files(app, db_session, folder):
    kept = uploads.store(PDF, "kept.pdf", ("pdf",), 10_000)
    savepoint = db.session.begin_nested()
    uploads.store(PDF, "dropped.pdf", ("pdf",), 10_000)
    savepoint.rollback()
    released = db.session.begin_nested()
    inner = uploads.store(PDF, "inner.pdf", ("pdf",), 10_000)
    released.commit()
    assert names(folder) == {kept.stored_name + ".part", inner.stored_name + ".part"}
    db.session.commit()
    assert names(folder) == {kept.stored_name, inner.stored_name}


def test_a_released_savepoint_still_goes_with_the_outer_rollback(app, db_session, folder):
    savepoint = db.session.begin_nested()
    uploads.store(PDF, "a.pdf", ("pdf",), 10_000)
    savepoint.commit()
    db.session.rollback()
    assert names(folder) == set()


def test_a_session_closed_without_commit_leaves_nothing(app, db_session, folder):
    uploads.store(PDF, "a.pdf", ("pdf",), 10_000)
    db.session.remove()  # what the end of every request's app context does
    assert names(folder) == set()


def test_a_refused_upload_writes_nothing(app, db_session, folder):
    with app.test_request_context(), pytest.raises(documents.Invalid):
        uploads.store(b"MZ" + b"\x00" * 100, "a.exe", ("pdf",), 10_000)
    assert names(folder) == set()


def test_a_request_that_fails_after_the_upload_leaves_no_file(
    app, client, employer, folder, monkeypatch
):
    dossier = draft(client)

    def broken(_dossier):
        raise RuntimeError("the database went away after the file was written")

    monkeypatch.setattr(documents, "_missing", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    assert upload(client, dossier.id, "passport").status_code == 500
    db.session.remove()  # the request's app context ends (the tests keep one open)
    assert names(folder) == set()
    assert referenced() == set()


def test_a_removed_document_keeps_its_file_until_the_removal_commits(app, client, employer, folder):
    dossier = draft(client)
    assert upload(client, dossier.id, "passport").status_code == 302
    document = db.session.scalar(select(Document))
    assert names(folder) == {document.stored_name}
    documents.remove_document(dossier, document.id)
    assert names(folder) == {document.stored_name}
    db.session.rollback()
    assert names(folder) == {document.stored_name}
    documents.remove_document(dossier, document.id)
    db.session.commit()
    assert names(folder) == set()


def test_repeated_failing_uploads_leave_exactly_the_committed_files(
    app, client, employer, folder, monkeypatch
):
    dossier_id = draft(client).id  # the request's commit expires the object; remove() detaches it
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    real = documents._missing

    def sometimes_broken(d):
        if len(d.documents) % 3 == 2:
            raise RuntimeError("boom")
        return real(d)

    monkeypatch.setattr(documents, "_missing", sometimes_broken)
    statuses = []
    for _ in range(12):
        statuses.append(upload(client, dossier_id, "passport").status_code)
        db.session.remove()
    assert 500 in statuses and 302 in statuses
    assert names(folder) == referenced() and len(referenced()) == statuses.count(302)


def test_concurrent_transactions_keep_only_committed_files(tmp_path):
    """Threads, each with its own session (SQLite file, or the suite's PostgreSQL)."""
    url = os.environ.get("DATABASE_URL", "")
    engine = create_engine(
        url if url.startswith("postgresql") else f"sqlite:///{tmp_path / 'db.sqlite'}"
    )
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS uploads_tx_probe"))
        connection.execute(text("CREATE TABLE uploads_tx_probe (name TEXT)"))
    folder = tmp_path / "files"
    folder.mkdir()
    committed: list[str] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        for round_ in range(10):
            name = f"{index:02d}{round_:02d}".ljust(32, "0")
            with Session(engine) as session:
                session.execute(text("INSERT INTO uploads_tx_probe VALUES (:n)"), {"n": name})
                uploads_tx.write_on_commit(session, folder / name, b"x" * 1000)
                if (index + round_) % 3 == 0:
                    continue  # the session closes without a commit (an exception, a crash)
                if (index + round_) % 3 == 1:
                    session.rollback()
                    continue
                try:
                    session.commit()
                except OperationalError:  # database is locked: this transaction is lost
                    session.rollback()
                else:
                    with lock:
                        committed.append(name)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.begin() as connection:
        rows = set(connection.scalars(text("SELECT name FROM uploads_tx_probe")))
        connection.execute(text("DROP TABLE uploads_tx_probe"))
    engine.dispose()
    assert names(folder) == rows and rows == set(committed) and rows


# --- The sweep ------------------------------------------------------------------------------


def old(path: Path) -> Path:
    past = time.time() - 2 * 3600
    os.utime(path, (past, past))
    return path


def test_the_sweep_removes_orphans_and_keeps_referenced_files(app, client, employer, folder):
    dossier = draft(client)
    assert upload(client, dossier.id, "passport").status_code == 302
    kept = db.session.scalar(select(Document)).stored_name
    orphan = folder / ("a" * 32)
    orphan.write_bytes(PDF)
    old(orphan)
    stale = folder / ("b" * 32 + ".part")
    stale.write_bytes(PDF)
    old(stale)
    fresh = folder / ("c" * 32 + ".part")
    fresh.write_bytes(PDF)
    # A row committed, then the process died before the rename.
    interrupted = uploads.store(PDF, "late.pdf", ("pdf",), 10_000)
    make_document(dossier, employer, interrupted)
    db.session.info[uploads_tx._KEY] = []  # forget the pending move, as a crash would
    db.session.commit()
    foreign = folder / "intake"
    foreign.mkdir()
    (folder / "notes.txt").write_text("not ours")
    before = names(folder)

    dry = sweep(dry_run=True)
    assert names(folder) == before
    assert (len(dry.orphans), len(dry.temporary), dry.recent, dry.finished) == (1, 1, 1, 1)

    result = sweep()
    assert (len(result.orphans), len(result.temporary), result.kept) == (1, 1, 1)
    assert names(folder) == {
        kept,
        interrupted.stored_name,
        "c" * 32 + ".part",
        "notes.txt",
    }
    assert foreign.is_dir()
    assert uploads.path_of(interrupted.stored_name).read_bytes() == PDF
    assert sweep(grace=0).temporary == [fresh]
    assert names(folder) == {kept, interrupted.stored_name, "notes.txt"}


def test_the_sweep_command_prints_counts(app, db_session, folder):
    (folder / ("d" * 32)).write_bytes(PDF)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["uploads", "sweep", "--dry-run", "--grace", "0"])
    assert dry.exit_code == 0, dry.output
    assert "would remove 0 temporary and 1 orphan files" in dry.output
    assert names(folder) == {"d" * 32}
    done = runner.invoke(args=["uploads", "sweep", "--grace", "0"])
    assert "removed 0 temporary and 1 orphan files" in done.output
    assert names(folder) == set()


def test_the_sweep_reads_every_stored_name_column(app):
    with app.app_context():
        from portal.uploads_sweep import reference_columns

        columns = {f"{c.table.name}.{c.name}" for c in reference_columns()}
    assert {f"{Document.__tablename__}.stored_name", "mandate.stored_name"} <= columns
    assert any(c.endswith(".screenshot_stored_name") for c in columns)


# --- Downloads ------------------------------------------------------------------------------

POLYGLOT = PDF + b"<html><body><script>alert(document.cookie)</script></body></html>\n"


@pytest.mark.parametrize(
    ("given", "mime", "expected"),
    [
        ("poly.html", "application/pdf", "poly.pdf"),
        ("poly.pdf.html", "application/pdf", "poly.pdf.pdf"),
        ("invoice\u202efdp.exe", "application/pdf", "invoicefdp.pdf"),
        ("\u2067evil\u2069\u200b\u200e\ufeff.png", "image/png", "evil.png"),
        ("scan.JPEG", "image/jpeg", "scan.JPEG"),
        ("scan", "image/jpeg", "scan.jpg"),
        ("..\\..\\windows\\x.svg", "image/png", "x.png"),
        (".pdf", "application/pdf", "pdf.pdf"),
        ("report.pdf", "application/x-msdownload", "report.bin"),
        ("line\r\nbreak\x00.pdf", "application/pdf", "linebreak.pdf"),
    ],
)
def test_the_download_name_follows_the_sniffed_type(given, mime, expected):
    assert uploads.download_name(given, mime) == expected


def test_content_disposition_has_an_ascii_name_and_the_utf8_one():
    header = uploads.content_disposition('Überweisung "März" ✓.pdf')
    assert header.startswith('attachment; filename="Uberweisung Marz .pdf"; ')
    assert header.endswith("filename*=UTF-8''%C3%9Cberweisung%20%22M%C3%A4rz%22%20%E2%9C%93.pdf")
    assert 'filename="file.pdf"' in uploads.content_disposition("приказ.pdf")


def test_a_polyglot_downloads_as_the_type_it_was_sniffed_as(app, client, employer, folder):
    dossier = draft(client)
    assert upload(client, dossier.id, "passport", POLYGLOT, name="poly.html").status_code == 302
    assert upload(client, dossier.id, "passport", name="invoice\u202efdp.exe").status_code == 302
    poly, rtl = db.session.scalars(select(Document).order_by(Document.id)).all()
    with client.get(f"/applications/{dossier.id}/documents/{poly.id}") as response:
        assert response.status_code == 200 and response.data == POLYGLOT
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"] == (
            "attachment; filename=\"poly.pdf\"; filename*=UTF-8''poly.pdf"
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
    with client.get(f"/applications/{dossier.id}/documents/{rtl.id}") as response:
        disposition = response.headers["Content-Disposition"]
        assert "invoicefdp.pdf" in disposition and "\u202e" not in disposition
        assert "%E2%80%AE" not in disposition and ".exe" not in disposition


def test_a_stored_file_that_is_gone_is_a_404(app, client, employer, folder):
    dossier = draft(client)
    assert upload(client, dossier.id, "passport").status_code == 302
    document = db.session.scalar(select(Document))
    uploads.path_of(document.stored_name).unlink()
    assert client.get(f"/applications/{dossier.id}/documents/{document.id}").status_code == 404


def test_a_mandate_downloads_with_a_clean_name_and_the_sniffed_extension(app, client, folder):
    from portal.accounts.models import Mandate, Role
    from tests.accounts import test_mandates as support_mandates

    user = make_user("m@mandates.example", Role.MANDATARY)
    login(client, user.email)
    support_mandates.add_employer(client)
    employer = support_mandates.the_employer()
    name = "Mandaat\u202eLMTH.html"
    assert support_mandates.upload(client, employer.id, POLYGLOT, name=name).status_code == 302
    mandate = db.session.scalar(select(Mandate))
    with client.get(f"/mandates/{mandate.id}/file") as response:
        assert response.mimetype == "application/pdf" and response.data == POLYGLOT
        assert response.headers["Content-Disposition"] == (
            "attachment; filename=\"MandaatLMTH.pdf\"; filename*=UTF-8''MandaatLMTH.pdf"
        )
        assert response.headers["Cache-Control"] == "no-store"
