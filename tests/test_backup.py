"""A backup restores: pg_dump and the upload store, into a fresh database, audit trail intact.

What README "Backup and restore" says, done: a submitted file with its documents and audit
entries; `pg_dump --format=custom`, then a copy of the upload store; `pg_restore` into a
new, empty database and the files into a new folder; `flask --app wsgi audit verify` on
the restored database (the real command, in its own process) and the file and its
documents found again, bytes and checksums included.

PostgreSQL only: skipped unless DATABASE_URL names a PostgreSQL server and pg_dump and
pg_restore are installed (`make test` runs it in its PostgreSQL pass, .ci/with-postgres.sh).
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text

from portal import audit, create_app
from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.dossiers.models import Document, Dossier, DossierStatus
from portal.extensions import db
from portal.storage import storage
from tests.applications_support import fill, start, submit
from tests.support import login, make_user

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get("DATABASE_URL", "")
SOURCE, RESTORED = "portal_backup_source", "portal_backup_restored"


def _tool(name: str) -> str | None:
    """The newest server's own pg_dump/pg_restore (a dump needs one at least as new)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version)
    return found[-1] if found else shutil.which(name)


def _version(path: str) -> tuple[int, ...]:
    part = Path(path).parent.parent.name
    return tuple(int(p) for p in part.split(".") if p.isdigit())


pytestmark = [
    pytest.mark.skipif(not URL.startswith("postgresql"), reason="PostgreSQL only"),
    pytest.mark.skipif(
        not (_tool("pg_dump") and _tool("pg_restore")), reason="pg_dump/pg_restore missing"
    ),
]


def _database(name: str) -> str:
    return urlunsplit(urlsplit(URL)._replace(path=f"/{name}"))


def _libpq(url: str) -> str:
    """postgresql+psycopg://… (SQLAlchemy) as postgresql://… (libpq, for the tools)."""
    return "postgresql" + url[url.index("://") :]


def _app(url: str, uploads: Path):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-of-sufficient-length-000",
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": str(uploads),
            "MAIL_DIR": str(uploads.parent / "mail"),
            "MAIL_SERVER": "",
            "OUTBOX_SEND_AFTER_REQUEST": False,
            "WTF_CSRF_ENABLED": False,
            # One Limiter serves every app: leave it switched on, as the suite's app has it.
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "PORTAL_BASE_URL": "http://portal.test",
        }
    )


def _close(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _flask(url: str, uploads: Path, *args: str) -> subprocess.CompletedProcess:
    """`flask --app wsgi ARGS` as an operator runs it, configured by the environment."""
    env = dict(os.environ, DATABASE_URL=url, UPLOAD_DIR=str(uploads), PORTAL_ENV="development")
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def databases():
    admin = create_engine(URL, isolation_level="AUTOCOMMIT")

    def recreate(*names: str) -> None:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    recreate(SOURCE, RESTORED)
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {SOURCE}"))
        connection.execute(text(f"CREATE DATABASE {RESTORED}"))  # new and empty
    yield _database(SOURCE), _database(RESTORED)
    recreate(SOURCE, RESTORED)
    admin.dispose()


def test_a_dump_restores_into_a_fresh_database_with_its_files_and_an_intact_audit_trail(
    databases, tmp_path
):
    source_url, restored_url = databases
    source_uploads, restored_uploads = tmp_path / "uploads", tmp_path / "restored-uploads"

    # 1. A live portal with a submitted file, its documents and audit entries.
    source = _app(source_url, source_uploads)
    with source.app_context():
        upgrade()
        make_user("backup@example.be")
        db.session.commit()
        client = source.test_client()
        login(client, "backup@example.be")
        dossier = start(client)
        fill(client, dossier)
        assert submit(client, dossier.id).status_code == 302
        db.session.expire_all()
        dossier = db.session.get(Dossier, dossier.id)
        assert dossier.status == DossierStatus.SUBMITTED
        reference = dossier.reference
        # The trail as it is in use: sealed entries, and one written since the last seal.
        audit.record("backup:before_seal", dossier_id=dossier.id)
        audit.seal()
        audit.record("backup:after_seal", dossier_id=dossier.id)
        db.session.commit()
        documents = {
            d.stored_name: (d.file_name, d.sha256)
            for d in db.session.scalars(select(Document).where(Document.dossier_id == dossier.id))
        }
        entries = db.session.scalar(select(func.count(AuditEntry.id)))
        version = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    _close(source)
    assert documents and entries >= 3

    # 2. The backup: the database first (custom format), then the upload store.
    dump = tmp_path / "portal.dump"
    subprocess.run(
        [_tool("pg_dump"), "--format=custom", "--file", str(dump), _libpq(source_url)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    shutil.copytree(source_uploads, tmp_path / "uploads-backup")

    # 3. The restore: into the new, empty database, and the files into a new folder.
    subprocess.run(
        [
            _tool("pg_restore"),
            "--exit-on-error",
            "--no-owner",
            "--dbname",
            _libpq(restored_url),
            str(dump),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    shutil.copytree(tmp_path / "uploads-backup", restored_uploads)

    # 4. Checked as an operator would: the audit chain, then the files against their rows.
    verified = _flask(restored_url, restored_uploads, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{entries} entries: intact" in verified.stdout
    swept = _flask(restored_url, restored_uploads, "uploads", "sweep", "--dry-run")
    assert swept.returncode == 0 and "0 referenced missing" in swept.stdout, swept.stdout

    restored = _app(restored_url, restored_uploads)
    with restored.app_context():
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == version
        again = db.session.scalar(select(Dossier).where(Dossier.reference == reference))
        assert again is not None and again.status == DossierStatus.SUBMITTED
        assert db.session.scalar(select(User).where(User.email == "backup@example.be"))
        found = {
            d.stored_name: (d.file_name, d.sha256)
            for d in db.session.scalars(select(Document).where(Document.dossier_id == again.id))
        }
        assert found == documents
        for stored_name, (_, sha256) in found.items():
            with storage().open(stored_name) as handle:
                assert hashlib.sha256(handle.read()).hexdigest() == sha256

        # The check has teeth: one changed entry in the restored trail fails it.
        db.session.execute(
            text(
                "UPDATE audit_entry SET detail = 'changed' WHERE id = (SELECT MIN(id) FROM audit_entry)"
            )
        )
        db.session.commit()
    _close(restored)
    tampered = _flask(restored_url, restored_uploads, "audit", "verify")
    assert tampered.returncode == 1 and "broken at entry" in tampered.stdout
