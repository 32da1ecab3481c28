"""The cold-parts benchmark (tests/bench/cold_parts.py) times the signed-in cookie's decoding
warm, after a real request and after the caches are spilled (no load is judged here: the
figures are the benchmark's to report)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench import cold_parts

ROOT = Path(__file__).resolve().parents[1]


def test_the_command_times_the_cookie_three_ways(tmp_path):
    """A real run, as small as it goes: the employer signs in, a real page answers 200
    between calls, and each way gets a time."""
    run = subprocess.run(
        [sys.executable, "-m", "tests.bench.cold_parts", "--files", "1", "--calls", "5"]
        + ["--db", str(tmp_path / "bench.sqlite")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ),
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.strip().splitlines()
    assert lines[0].startswith("the session cookie's decoding") and "5 calls each" in lines[0]
    rows = {line[:16].strip(): float(line[16:]) for line in lines[1:]}
    assert list(rows) == ["warm", "after a request", "after 8 MB"]
    assert all(value > 0 for value in rows.values()), rows


@pytest.mark.parametrize("hostile", [["--calls", "0"], ["--files", "-1"], ["--calls", "x"]])
def test_the_command_refuses_nothing_to_measure(hostile, capsys):
    with pytest.raises(SystemExit):
        cold_parts.main(hostile)
    assert "error" in capsys.readouterr().err
