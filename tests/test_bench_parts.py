"""The ledger of a page's parts (tests/bench/parts.py) counts each part once, puts the
sign-in where it belongs, removes its wrappers, and its command gives a row per page."""

import subprocess
import sys
import time
from pathlib import Path

import flask.templating
import jinja2
import pytest
from flask_login import LoginManager

from portal import transactions
from portal.accounts import sessions
from tests.bench import http_bench, parts
from tests.bench.parts import APART, APP, SIGN_IN, TEMPLATE, VIEW, Ledger, ledger_of

ROOT = Path(__file__).resolve().parents[1]


def _spin(seconds: float) -> None:
    """Spend CPU time (the ledger counts the thread's CPU time, not the clock's)."""
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


def test_a_part_called_inside_itself_counts_once_and_an_error_leaves_it_ready():
    ledger = Ledger()
    inner = ledger.timed(TEMPLATE, lambda: _spin(0.01))

    def outer():
        inner()  # a template rendered inside a template: one part, counted once
        _spin(0.01)

    ledger.timed(TEMPLATE, outer)()
    assert 0.02 <= ledger.seconds[TEMPLATE] < 0.03

    def failing():
        _spin(0.01)
        raise ValueError("the page failed")

    with pytest.raises(ValueError):
        ledger.timed(TEMPLATE, failing)()
    assert 0.03 <= ledger.seconds[TEMPLATE] < 0.045  # the failed call's time is counted
    inner()  # not taken for a call still under way: counted again
    assert ledger.seconds[TEMPLATE] >= 0.04


def test_a_sign_in_inside_the_view_is_the_sign_ins_time_not_the_views():
    """Flask-Login's `login_required` loads the user inside the view function."""
    ledger = Ledger()
    load_user = ledger.timed(SIGN_IN, lambda: _spin(0.02))

    def view():
        load_user()
        _spin(0.01)

    ledger.timed(VIEW, view)()
    assert 0.02 <= ledger.seconds[SIGN_IN] < 0.03
    assert 0.01 <= ledger.seconds[VIEW] < 0.015
    load_user()  # outside the view (the portal's loader runs before it): nothing taken off
    assert 0.01 <= ledger.seconds[VIEW] < 0.015
    assert ledger.seconds[SIGN_IN] >= 0.04


def test_a_sign_in_first_asked_by_the_template_is_taken_off_the_template_and_the_view():
    """A visitor without a session: `current_user` is first read while the page renders."""
    ledger = Ledger()
    load_user = ledger.timed(SIGN_IN, lambda: _spin(0.02))

    def render():
        load_user()
        _spin(0.01)

    template = ledger.timed(TEMPLATE, render)
    ledger.timed(VIEW, lambda: (template(), _spin(0.01)))()
    assert 0.02 <= ledger.seconds[SIGN_IN] < 0.03
    assert 0.01 <= ledger.seconds[TEMPLATE] < 0.015
    assert 0.02 <= ledger.seconds[VIEW] < 0.027  # its template and its own 10 ms


def test_the_ledger_times_the_portals_parts_and_puts_every_function_back(app, client):
    originals = {
        "render": flask.templating._render,
        "jinja": jinja2.Template.__dict__["render"],
        "loader": LoginManager.__dict__["_load_user"],
        "apart": transactions.write_apart,
        "dispatch": {
            cls: cls.__dict__["dispatch_request"]
            for cls in type(app).__mro__
            if "dispatch_request" in cls.__dict__
        },
        "hooks": list(app.before_request_funcs[None]),
    }
    assert "wsgi_app" not in vars(app)
    with ledger_of(app) as ledger:
        assert flask.templating._render is not originals["render"]
        # The portal's loader hook, which also saves a due "last seen", is timed as sign-in.
        assert sessions.load_early not in app.before_request_funcs[None]
        response = client.get("/account/register")  # a form page: a view with a template
        assert response.status_code == 200
        seconds = dict(ledger.seconds)
    assert seconds[APP] > seconds[VIEW] >= seconds[TEMPLATE] > 0
    assert seconds[APART] == 0  # nobody signed in, nothing written
    assert flask.templating._render is originals["render"]
    assert jinja2.Template.__dict__["render"] is originals["jinja"]
    assert LoginManager.__dict__["_load_user"] is originals["loader"]
    assert transactions.write_apart is originals["apart"]
    for cls, dispatch in originals["dispatch"].items():
        assert cls.__dict__["dispatch_request"] is dispatch
    assert app.before_request_funcs[None] == originals["hooks"]
    assert sessions.load_early in app.before_request_funcs[None]
    assert "wsgi_app" not in vars(app)  # the app's own method again, not a copy of it


def test_the_command_gives_each_page_and_floor_its_parts_and_the_rest(tmp_path):
    """A real run, as small as it goes (one file, which is the employer's): a row per floor
    and page asked for, an officer's view of a file written apart, and every row's parts
    adding up to its app time."""
    pages = "dashboard,file (officer)"
    run = subprocess.run(
        [sys.executable, "-m", "tests.bench.parts", "--files", "1", "--requests", "5"]
        + ["--rounds", "1", "--only", pages, "--db", str(tmp_path / "bench.sqlite")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={"BENCH_FLOOR_DB": str(tmp_path / "floor.sqlite"), **_env()},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.strip().splitlines()
    assert lines[0].split()[-6:] == ["app", "sign-in", "view", "template", "apart", "rest"]
    rows = {}
    for line in lines[2:]:
        label, *numbers = line.rsplit(maxsplit=6)
        rows[label] = dict(zip(parts.COLUMNS, map(float, numbers), strict=True))
    floors = ["signed-in floor", "signed-in + duties", "50-row floor", "framed floor"]
    floors += ["framed 50 rows", "framed dashboard", "framed file", "framed timeline"]
    floors += ["framed file+audit", "framed search (1)", "framed search (11)"]
    floors += ["framed search (50)", "form floor", "form + duties", "framed login"]
    assert list(rows) == [*floors, *pages.split(",")]
    for label, row in rows.items():
        assert row[APP] > 0, label
        assert abs(row[APP] - row[SIGN_IN] - row[VIEW] - row["rest"]) <= 2, label  # rounding
        assert row[VIEW] >= row[TEMPLATE], label
    officer = rows["file (officer)"]
    assert officer[APART] > 0 and officer[TEMPLATE] > 0 and officer[SIGN_IN] > 0
    assert officer[VIEW] >= officer[TEMPLATE] + officer[APART] - 2
    floor = rows["signed-in floor"]
    assert floor[SIGN_IN] > floor[VIEW]  # a greeting: the check of the user is most of it
    assert floor[TEMPLATE] == floor[APART] == 0
    assert rows["signed-in + duties"][SIGN_IN] > 0  # signed in, as the signed-in floor
    assert rows["50-row floor"][TEMPLATE] > 0
    for framed in ("framed floor", "framed 50 rows"):  # signed in, a page from a template
        assert rows[framed][SIGN_IN] > 0 and rows[framed][TEMPLATE] > 0, framed
    assert rows["form + duties"][SIGN_IN] == rows["form floor"][SIGN_IN] == 0  # first visits


def test_the_command_refuses_nothing_to_measure(tmp_path, capsys):
    for hostile in (["--requests", "0"], ["--rounds", "-1"], ["--files", "-1"]):
        with pytest.raises(SystemExit):
            parts.main(hostile)
        assert "must be at least 1" in capsys.readouterr().err
    with pytest.raises(ValueError, match="at least one file"):
        http_bench.seed(f"sqlite:///{tmp_path / 'none.sqlite'}", 0, tmp_path)
    not_a_database = tmp_path / "notes.sqlite"
    not_a_database.write_bytes(b"\x00" * 100 + b"ceci n'est pas une base")
    with pytest.raises(SystemExit, match="not a database the benchmark can seed"):
        parts.main(["--db", str(not_a_database), "--only", "dashboard"])
    with pytest.raises(SystemExit, match="officer qeueu"):
        parts.main(["--only", "officer qeueu"])


def _env() -> dict[str, str]:
    import os

    return {key: value for key, value in os.environ.items() if key != "BENCH_FLOOR_DB"}
