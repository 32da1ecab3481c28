"""The layout holds: no package cycles, nothing imports upwards, the kernel knows no domain.

The contracts live in `pyproject.toml` (`[tool.importlinter]`); this test runs them, and
checks with grimp that no two packages of the portal import each other, whatever the
contracts say.
"""

from __future__ import annotations

import ast
import itertools
import os
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = [
    "portal.accounts",
    "portal.api",
    "portal.backoffice",
    "portal.dossiers",
    "portal.fallback",
    "portal.stats",
    "onboarding",
]
DOSSIER_PARTS = [
    "portal.dossiers.contents",
    "portal.dossiers.lifecycle",
    "portal.dossiers.letters",
    "portal.dossiers.public",
    "portal.dossiers.tracking",
    "portal.dossiers.wizard",
]


def lint_imports(config_filename: str, no_cache: bool = True) -> int:
    """import-linter's exit code, run in its own process: it reconfigures logging, which
    would leave the log tests of this process without their handlers."""
    code = (
        "import sys; from importlinter.cli import lint_imports; "
        f"sys.exit(lint_imports(config_filename={config_filename!r}, no_cache={no_cache!r}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, cwd=os.getcwd(), env=os.environ
    ).returncode


def test_the_import_contracts_hold(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_no_two_packages_import_each_other():
    graph = grimp.build_graph("portal", "onboarding", exclude_type_checking_imports=True)
    both_ways = [
        (a, b)
        for a, b in itertools.combinations(PACKAGES + DOSSIER_PARTS, 2)
        if not (a.startswith(b) or b.startswith(a))
        and graph.direct_import_exists(importer=a, imported=b, as_packages=True)
        and graph.direct_import_exists(importer=b, imported=a, as_packages=True)
    ]
    assert both_ways == []


def test_the_check_sees_a_cycle(tmp_path, monkeypatch):
    """The contracts are not vacuous: a package that imports upwards is reported."""
    pkg = tmp_path / "toy"
    (pkg / "low").mkdir(parents=True)
    (pkg / "high").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "high" / "__init__.py").write_text("from toy import low\n")
    (pkg / "low" / "__init__.py").write_text("from toy import high\n")
    config = tmp_path / ".importlinter"
    config.write_text(
        "[importlinter]\nroot_package = toy\n\n[importlinter:contract:1]\nname = toy\n"
        "type = layers\nlayers =\n    toy.high\n    toy.low\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # lint_imports runs in its own process
    monkeypatch.chdir(tmp_path)
    assert lint_imports(config_filename=str(config), no_cache=True) == 1


# One clock (DESIGN rule 11): only portal/clock.py reads the system clock.
SYSTEM_CLOCK = (
    "date.today(",
    "datetime.today(",
    "datetime.now(",
    "datetime.utcnow(",
    "time.localtime(",
)


def _sources():
    for folder in ("portal", "onboarding"):
        yield from sorted((ROOT / folder).rglob("*.py"))


def test_only_the_clock_reads_the_system_clock():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        if path != ROOT / "portal" / "clock.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if any(call in line for call in SYSTEM_CLOCK)
    ]
    assert found == []


def test_nothing_calls_the_old_utcnow():
    """`portal.db.utcnow` is gone: the portal (and its tests) ask the clock."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "utcnow" in line
    ]
    assert found == []


def test_one_retry_mechanism():
    """Backoff is defined once, in portal/jobs.py; every delivery loop is a `jobs.Queue`."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        if path != ROOT / "portal" / "jobs.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if line.lstrip().startswith(("MAX_BACKOFF", "FIRST_RETRY", "def backoff"))
    ]
    assert found == []
    for loop in (
        "portal/mail.py",
        "portal/dossiers/lifecycle/exchange.py",
        "onboarding/webhooks.py",
    ):
        source = (ROOT / loop).read_text()
        assert "jobs.Queue(" in source and "jobs.run(" in source, loop


def _view_modules() -> list[Path]:
    """Every module that defines a blueprint: the views of portal and its plug-ins."""
    return sorted(
        path
        for folder in ("portal", "onboarding")
        for path in (ROOT / folder).rglob("*.py")
        if "Blueprint(" in path.read_text(encoding="utf-8")
    )


def _commits(source: str) -> list[int]:
    """Lines that call `.commit(` on anything (a session, a savepoint, a transaction)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]


def test_views_never_commit():
    """The request commits once, as a mechanism (portal/transactions.py): below 400 it
    commits, otherwise it rolls back. A view that must save early says why through
    `transactions.commit_now(why)`."""
    modules = _view_modules()
    assert len(modules) >= 15 and ROOT / "portal" / "api" / "views.py" in modules
    found = {
        str(path.relative_to(ROOT)): lines
        for path in modules
        if (lines := _commits(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_commit_check_sees_a_commit():
    assert _commits("def view():\n    db.session.commit()\n") == [2]
    assert _commits("def view():\n    transactions.commit_now('why')\n") == []
