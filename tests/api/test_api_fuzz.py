"""A small Schemathesis sample against the exchange API (the full run is `make fuzz-api`)."""

from __future__ import annotations

from tests import fuzz_api


def test_schemathesis_finds_no_5xx_and_only_json_errors(tmp_path):
    # Its own app on its own SQLite file: never the suite's database, whatever DATABASE_URL says.
    app, key = fuzz_api.build_app(tmp_path, f"sqlite:///{tmp_path / 'fuzz.sqlite'}")
    summary = fuzz_api.run(app, key, max_examples=3, seed_value=20261202)
    print(summary.table())
    assert summary.operations == {
        "GET /dossiers/{reference}",
        "GET /forwarded",
        "POST /dossiers/{reference}/residence-decision",
    }
    assert all(summary.cases[operation] >= 10 for operation in summary.operations)
    assert summary.statuses[200] > 0  # the key and the seeded files were reached
    assert summary.server_errors == 0
    assert not summary.failures, summary.table()
    assert not summary.errors, summary.table()
