"""The federal side behind an interface: forwarding files to the Immigration Office (DVZ).

A positive Flemish decision queues an `ExchangeMessage` in the same transaction; the
worker (`flask --app wsgi outbox run`) claims it and hands it to the configured adapter
through `portal.jobs` (retries with backoff, parked after too many failures). The message is a documented JSON document (`forwarding_document`). Two adapters:
`FileDropAdapter` (development: one JSON file per message in `DVZ_DROP_DIR`) and
`HttpAdapter` (POST to `DVZ_URL` with a bearer token), both replaceable by a real one.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Protocol

from flask import current_app

from portal import jobs
from portal.dossiers.lifecycle.models import ExchangeMessage
from portal.dossiers.models import Dossier, Permit
from portal.extensions import db
from portal.i18n import _l

SCHEMA = "https://portal.example/schemas/dvz-forwarding/v1"


def forwarding_document(dossier: Dossier) -> dict:
    """The JSON sent to DVZ: identifiers and the Flemish decision, not the documents."""
    return {
        "$schema": SCHEMA,
        "reference": dossier.reference,
        "region": "VLG",
        "flemish_decision": {
            "outcome": dossier.flemish_decision,
            "decided_on": dossier.flemish_decision_on.isoformat()
            if dossier.flemish_decision_on
            else None,
        },
        "category": dossier.category,
        "worker": {
            "last_name": dossier.worker_last_name,
            "first_names": dossier.worker_first_name,
            "birth_date": dossier.worker_birth_date.isoformat()
            if dossier.worker_birth_date
            else None,
            "nationality": dossier.worker_nationality,
            "passport": dossier.worker_passport,
            "national_number": dossier.worker_national_number,
            "diplomatic_post": dossier.worker_diplomatic_post,
        },
        "job": {
            "isco08": dossier.isco_code,
            "nace_bel": dossier.nace_code,
            "start_date": dossier.start_date.isoformat() if dossier.start_date else None,
            "duration_months": dossier.duration_months,
            "workplace_refnis": dossier.workplace_refnis,
        },
        "employer": {
            "kbo": dossier.organisation.kbo_on_record
            if dossier.organisation
            else dossier.employer_kbo,
            "foreign_employer": dossier.foreign_employer.name if dossier.foreign_employer else None,
            "mandatary_kbo": dossier.mandatary.kbo_number if dossier.mandatary else None,
        },
        "posting": dossier.is_posting,
    }


class NotForDvz(ValueError):
    """A professional card is decided by Flanders alone: it never goes to DVZ."""


def _refuse_a_card(dossier: Dossier | None) -> None:
    if dossier is not None and dossier.permit == Permit.PROFESSIONAL_CARD:
        raise NotForDvz(f"{dossier.reference}: a professional card never goes to DVZ")


def queue_forwarding(dossier: Dossier) -> ExchangeMessage:
    _refuse_a_card(dossier)
    message = ExchangeMessage(
        dossier_id=dossier.id,
        kind="forward",
        payload=json.dumps(forwarding_document(dossier), sort_keys=True),
    )
    db.session.add(message)
    return message


class Adapter(Protocol):
    def send(self, message: ExchangeMessage) -> None: ...


class FileDropAdapter:
    """Writes each message as a JSON file, as a stand-in for DVZ during development."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def send(self, message: ExchangeMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{message.kind}-{message.id:08d}.json"
        temporary = target.with_suffix(".tmp")
        temporary.write_text(message.payload, encoding="utf-8")
        temporary.replace(target)  # a reader never sees half a file


class HttpAdapter:
    """POSTs the JSON to DVZ's endpoint; any non-2xx answer is a failure to retry."""

    def __init__(self, url: str, token: str, timeout: float = 10) -> None:
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, message: ExchangeMessage) -> None:
        request = urllib.request.Request(
            self.url,
            data=message.payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": f"portal-exchange-{message.id}",
            },
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise OSError(f"DVZ answered {response.status}")


def adapter() -> Adapter:
    config = current_app.config
    if config.get("DVZ_URL"):
        return HttpAdapter(config["DVZ_URL"], config.get("DVZ_TOKEN", ""))
    return FileDropAdapter(config["DVZ_DROP_DIR"])


def _deliver(message: ExchangeMessage) -> None:
    _refuse_a_card(message.dossier)  # a stray message is parked, never sent
    adapter().send(message)


QUEUE = jobs.Queue(
    name="exchange",
    model=ExchangeMessage,
    process=_deliver,
    title=_l("Messages to the Immigration Office (DVZ)"),
    describe=lambda m: f"{m.kind} · {m.dossier.reference if m.dossier else m.dossier_id}",
)


def deliver_due(limit: int = 100) -> tuple[int, int]:
    """Send due exchange messages; (sent, failed). Commits after each message."""
    report = jobs.run(QUEUE, limit=limit)
    return report.sent, report.failed
