"""Mail-intake benchmark: messages per second over a Maildir of 1,000 messages.

The mix is what a busy intake sees: 60 % accepted (the five realistic client shapes, each
with its own proof, so each makes a dossier with stored attachments), 30 % refused (no
proof; answered through the outbox) and 10 % second deliveries (duplicates). Every
message is stored raw, parsed, decided, committed and moved new → cur, as in production;
the outbox is filled but not sent. Fresh SQLite database, one process.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from flask import g
from flask_migrate import upgrade

from portal.accounts.models import Role
from portal.extensions import db
from portal.fallback import runner
from portal.fallback.models import Outcome
from portal.fallback.sources import MaildirSource
from tests.bench.common import bench_app
from tests.fallback.mail import SENDERS, deliver, load, make_proof
from tests.support import make_organisation, make_user

MESSAGES = 1_000
ACCEPTED = 600
REFUSED = 300
MESSAGE_ID = re.compile(rb"^Message-I[Dd]: .*$", re.MULTILINE)


def _unique(data: bytes, number: int) -> bytes:
    return MESSAGE_ID.sub(f"Message-ID: <bench-{number}@bench.example>".encode(), data, count=1)


def _fill(maildir: Path) -> None:
    agent = make_user("bench-agent@helpdesk.example", Role.HELPDESK)
    organisation = make_organisation(name="Bench NV")
    shapes = list(SENDERS.items())
    number = 0
    for index in range(ACCEPTED):
        name, (sender, _lang) = shapes[index % len(shapes)]
        proof = make_proof(agent, sender, organisation=organisation)
        number += 1
        deliver(maildir, _unique(load(name, CODE=proof.code), number), f"{number:07d}.bench")
    refused = load("h_no_proof")
    for _ in range(REFUSED):
        number += 1
        deliver(maildir, _unique(refused, number), f"{number:07d}.bench")
    for copy in range(MESSAGES - ACCEPTED - REFUSED):
        original = (maildir / "new" / f"{ACCEPTED + 1 + copy:07d}.bench").read_bytes()
        number += 1
        deliver(maildir, b"Received: from mx2.bench.example\n" + original, f"{number:07d}.bench")
    db.session.commit()
    g.pop("outbox_queued", None)


def run() -> list[tuple[str, float]]:
    app = bench_app("intake", OUTBOX_SEND_AFTER_REQUEST=False, INTAKE_ANSWERS_PER_DAY=MESSAGES)
    maildir = Path(app.config["UPLOAD_DIR"]).parent / "Maildir"
    with app.app_context():
        upgrade()
        _fill(maildir)
        start = time.perf_counter()
        report = runner.poll(MaildirSource(maildir), deliver=False)
        elapsed = time.perf_counter() - start
    assert report.read == MESSAGES, report.summary()
    assert report.outcomes[Outcome.ACCEPTED] == ACCEPTED, report.summary()
    assert report.outcomes[Outcome.DUPLICATE] == MESSAGES - ACCEPTED - REFUSED, report.summary()
    return [
        (f"intake msg/s ({MESSAGES:,} messages)", MESSAGES / elapsed),
        (f"intake ms per message ({MESSAGES:,})", 1000 * elapsed / MESSAGES),
    ]


if __name__ == "__main__":
    for label, value in run():
        print(f"{label:<36} {value:>8.1f}")
