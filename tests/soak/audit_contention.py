"""How much do audited reads wait for each other? `python -m tests.soak.audit_contention`.

Each thread plays an audited read (the officer's file page): it opens a transaction,
appends an audit entry, does `--work-ms` of other work (rendering) inside the same
transaction, and commits. It prints the wall time and the rate; with one lock for the
whole trail the threads queue behind each other, without it they overlap.
Uses DATABASE_URL (default: a throwaway SQLite file).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time

from flask_migrate import upgrade


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--per-thread", type=int, default=20)
    parser.add_argument("--work-ms", type=float, default=20.0)
    args = parser.parse_args()

    from portal import audit, create_app
    from portal.extensions import db

    url = os.environ.get("DATABASE_URL")
    tmp = tempfile.mkdtemp(prefix="audit-contention-")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{tmp}/audit.sqlite",
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.threads + 2},
            "UPLOAD_DIR": f"{tmp}/uploads",
        }
    )
    with app.app_context():
        if url and url.startswith("postgresql"):
            db.session.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()

    errors: list[BaseException] = []

    def worker(n: int) -> None:
        with app.app_context():
            for i in range(args.per_thread):
                try:
                    db.session.execute(db.text("SELECT 1"))
                    audit.record("view", detail=f"thread {n} read {i}")
                    db.session.flush()
                    time.sleep(args.work_ms / 1000)  # the page renders, the transaction stays open
                    db.session.commit()
                except Exception as error:  # noqa: BLE001 - counted and shown
                    db.session.rollback()
                    errors.append(error)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.threads)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    total = args.threads * args.per_thread
    with app.app_context():
        if hasattr(audit, "seal"):
            audit.seal()
            db.session.commit()
        report = audit.verify()
        db.session.commit()
    print(
        f"{(url or 'sqlite').split(':')[0]}: "
        f"{total} audited reads by {args.threads} threads, {args.work_ms:.0f} ms work each: "
        f"{elapsed:.2f} s, {total / elapsed:.0f}/s, errors {len(errors)}, "
        f"chain {'intact' if report.intact else 'BROKEN'} ({report.entries} entries)"
    )
    if errors:
        print("first error:", repr(errors[0])[:300])


if __name__ == "__main__":
    main()
