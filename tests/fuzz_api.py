"""Schemathesis against the exchange API, in-process: zero 5xx, every error in the JSON shape.

`python -m tests.fuzz_api [--examples N] [--seed S]` (or `make fuzz-api`) builds the portal on
a throwaway SQLite database (or `DATABASE_URL`), migrates it, puts in a few files in the
statuses the API deals with (forwarded, submitted, decided) and an API key with every scope,
then lets Schemathesis run every phase (examples, coverage, fuzzing, stateful) against
``/api/v1/openapi.json`` with that key. Besides Schemathesis' own checks (no 5xx, statuses,
headers, content types and bodies as documented, invalid data refused), a check of our
own requires every error body to be the API's error document. It prints, per operation,
the cases sent and the failures, and exits non-zero on any failure. `tests/api/test_api_fuzz.py`
runs a small sample of the same in `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import schemathesis
from flask import Flask
from flask_migrate import upgrade
from schemathesis import engine
from schemathesis.engine import events
from schemathesis.transport.wsgi import WSGITransport

from portal import create_app
from portal.accounts.models import Role, User
from portal.api import keys
from portal.api.openapi import EXAMPLE_REFERENCE
from portal.dossiers.models import Dossier, DossierStatus
from portal.extensions import db
from tests.support import own_settings

OPENAPI = "/api/v1/openapi.json"
#: Schemathesis' checks that hold for this API as documented. `positive_data_acceptance`
#: is left out: a schema-valid decision can still be refused with 422 for a rule JSON
#: Schema cannot state (a date in the future, or before the forwarding of the file).
EXCLUDED_CHECKS = ["positive_data_acceptance"]


_wsgi_send = WSGITransport.send


def _send_in_process(self, case, *, session=None, **kwargs):
    # Schemathesis 4.32's `ignored_auth` probe passes socket options (`max_redirects`, …)
    # that the in-process WSGI client does not take; they mean nothing in-process.
    for name in ("max_redirects", "verify", "cert", "proxies"):
        kwargs.pop(name, None)
    return _wsgi_send(self, case, session=session, **kwargs)


WSGITransport.send = _send_in_process


@schemathesis.check
def error_in_json_shape(ctx, response, case):
    """Every 4xx/5xx is ``{"error": {"code", "message", ...}}`` in JSON, never HTML."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered with {content_type!r}"
    )
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{response.status_code} with a body that is not JSON") from None
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict), f"no 'error' object in {body!r}"
    assert isinstance(error.get("code"), str) and error["code"], "no error code"
    assert isinstance(error.get("message"), str) and error["message"], "no error message"
    return True


@dataclass
class Summary:
    operations: set[str] = field(default_factory=set)
    cases: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    failure_details: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors and self.server_errors == 0

    def table(self) -> str:
        lines = [f"{'operation':<52} {'cases':>7} {'failures':>9}"]
        for operation in sorted(self.operations):
            lines.append(
                f"{operation:<52} {self.cases[operation]:>7} {self.failures[operation]:>9}"
            )
        total = sum(self.cases.values())
        lines.append(f"{'total':<52} {total:>7} {sum(self.failures.values()):>9}")
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        lines.append(f"responses by status: {statuses}")
        lines.append(f"5xx responses: {self.server_errors}")
        lines.extend(self.failure_details[:20])
        lines.extend(f"error: {e}" for e in self.errors[:20])
        return "\n".join(lines)


def seed(app: Flask) -> str:
    """Files in the statuses the API answers about, and a key with every scope; the key."""
    today = date.today()
    with app.app_context():
        user = User(
            email="hr@fuzz.example",
            name="HR",
            role=Role.EMPLOYER,
            password_hash="x",
        )
        db.session.add(user)
        db.session.flush()
        rows = [
            (EXAMPLE_REFERENCE, DossierStatus.FORWARDED, today - timedelta(days=30)),
            ("SP-2026-FWD222-2", DossierStatus.FORWARDED, today - timedelta(days=3)),
            ("SP-2026-SUB333-3", DossierStatus.SUBMITTED, None),
            ("SP-2026-GRT444-4", DossierStatus.RESIDENCE_GRANTED, today - timedelta(days=60)),
        ]
        for reference, status, forwarded_on in rows:
            db.session.add(
                Dossier(
                    reference=reference,
                    created_by_id=user.id,
                    status=status,
                    forwarded_on=forwarded_on,
                    category="highly_qualified",
                )
            )
        _client, key = keys.create_client(None, "Fuzzer", sorted(keys.SCOPES))
        db.session.commit()
    return key


def build_app(workdir: Path, database_url: str | None = None) -> tuple[Flask, str]:
    """The portal on a fresh database (SQLite in `workdir` unless given one), seeded; its key."""
    database_url = database_url or f"sqlite:///{workdir / 'fuzz.sqlite'}"
    app = create_app(
        own_settings(
            workdir,
            database_url,
            TESTING=False,
            # The fuzzer sends thousands of calls with one key; the limit itself is tested apart.
            API_RATE_LIMIT="1000000 per minute",
        )
    )
    with app.app_context():
        if database_url.startswith("postgresql"):
            db.session.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
    return app, seed(app)


def run(app: Flask, key: str, *, max_examples: int, seed_value: int | None = None) -> Summary:
    """Every phase of Schemathesis against the app's API; the counts."""
    config = schemathesis.Config()
    config.update(seed=seed_value, max_failures=None)
    project = config.projects.override
    project.update(headers={"Authorization": f"Bearer {key}"}, workers=1)
    project.checks.update(excluded_check_names=EXCLUDED_CHECKS)
    project.generation.update(max_examples=max_examples, database="none")
    schema = schemathesis.openapi.from_wsgi(OPENAPI, app, config=config)
    summary = Summary()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            _count(summary, event.recorder)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            summary.errors.append(
                f"{getattr(event, 'phase', '')} {getattr(event, 'label', '')}: "
                f"{str(getattr(event, 'value', event))[:500]}"
            )
            if os.environ.get("FUZZ_API_TRACEBACKS"):
                import traceback

                traceback.print_exception(event.value)
    return summary


def _count(summary: Summary, recorder) -> None:
    for case_id, node in recorder.cases.items():
        operation = node.value.operation.label
        summary.operations.add(operation)
        interaction = recorder.interactions.get(case_id)
        if interaction is None or interaction.response is None:
            continue
        summary.cases[operation] += 1
        summary.statuses[interaction.response.status_code] += 1
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            node = recorder.cases.get(case_id)
            operation = node.value.operation.label if node else recorder.label
            summary.failures[operation] += 1
            failure = check.failure_info.failure
            summary.failure_details.append(
                f"FAIL {operation} [{check.name}]: {getattr(failure, 'title', '')} "
                f"{str(getattr(failure, 'message', failure))[:300]}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="per operation and phase")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    seed_value = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"Schemathesis {schemathesis.__version__}, {args.examples} examples, seed {seed_value}")
    with tempfile.TemporaryDirectory(prefix="fuzz-api-") as tmp:
        # DATABASE_URL (a throwaway PostgreSQL, say) is emptied first: never a real one.
        app, key = build_app(Path(tmp), os.environ.get("DATABASE_URL"))
        summary = run(app, key, max_examples=args.examples, seed_value=seed_value)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    print(summary.table())
    print("OK: no failures, no 5xx" if summary.ok else "FAILED")
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
