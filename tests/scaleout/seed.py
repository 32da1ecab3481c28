"""Load the demo data (`flask demo load`), then seed N drafts that are ready to submit:
one filled through the real pages, the rest copies of it (the same stored files), all
owned by the demo employer. One process for both: each start of the app costs seconds.

    python -m tests.scaleout.seed N     (prints the ids of the drafts, one per line)
"""

from __future__ import annotations

import sys

from sqlalchemy import select

from portal import create_app
from portal.dossiers.models import Document, Dossier
from portal.extensions import db
from tests.applications_support import fill, start

SKIP = {"id", "reference", "submission_token", "created_at", "updated_at"}


def main() -> None:
    count = int(sys.argv[1])
    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    loaded = app.test_cli_runner().invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    with app.app_context():
        client = app.test_client()
        login = client.post(
            "/account/login",
            data={"email": "employer@demo.example", "password": "demo-portal-2026"},
        )
        assert login.status_code == 302, login.status_code
        model = start(client)
        fill(client, model, annual_salary="60000")
        model = db.session.get(Dossier, model.id)
        documents = db.session.scalars(select(Document).where(Document.dossier_id == model.id))
        documents = list(documents)
        columns = [c.key for c in Dossier.__table__.columns if c.key not in SKIP]
        doc_columns = [
            c.key for c in Document.__table__.columns if c.key not in SKIP | {"dossier_id"}
        ]
        ids = [model.id]
        for _ in range(count - 1):
            copy = Dossier(**{key: getattr(model, key) for key in columns})
            db.session.add(copy)
            db.session.flush()
            for document in documents:
                values = {key: getattr(document, key) for key in doc_columns}
                db.session.add(Document(dossier_id=copy.id, **values))
            ids.append(copy.id)
        db.session.commit()
        for dossier_id in ids:
            print(dossier_id)
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
