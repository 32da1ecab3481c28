"""The benchmark's split of a request's CPU time between the app and serving it."""

import importlib.util
import json
import os
import time
from pathlib import Path

import pytest

from tests.bench import app_time
from tests.bench.app_time import Timed

ROOT = Path(__file__).resolve().parent.parent


def _call(app, path: str = "/", query: str = "") -> tuple[bytes, list]:
    started = []
    body = app({"PATH_INFO": path, "QUERY_STRING": query}, lambda s, h: started.append((s, h)))
    return b"".join(body), started


def _burn(seconds: float) -> None:
    """Spend `seconds` of this thread's CPU time."""
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


class Body:
    """A WSGI body that records being closed (as werkzeug's ClosingIterator does)."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.closed = False

    def __iter__(self):
        _burn(0.02)  # work done while the body is read is the app's too
        return iter(self.chunks)

    def close(self) -> None:
        self.closed = True


def test_the_apps_cpu_is_summed_per_address_and_its_answer_passes_unchanged(tmp_path):
    bodies = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        if environ["QUERY_STRING"] == "slow=1":
            _burn(0.03)
        else:
            time.sleep(0.05)  # waiting is no CPU time
        bodies.append(Body([b"caf\xc3\xa9 ", b"<&>"]))
        return bodies[-1]

    timed = Timed(app, tmp_path, every=1000)
    assert _call(timed, "/page", "slow=1") == (
        "café <&>".encode(),
        [("200 OK", [("Content-Type", "text/plain")])],
    )
    _call(timed, "/page", "slow=1")
    _call(timed, "/page")
    assert all(body.closed for body in bodies)
    slow_seconds, slow_requests = timed.sums["/page?slow=1"]
    assert slow_requests == 2 and slow_seconds >= 2 * (0.03 + 0.02)
    idle_seconds, idle_requests = timed.sums["/page?"]
    # The sleep's 50 ms are not counted; the body's 20 ms of work are.
    assert idle_requests == 1 and 0.02 <= idle_seconds < 0.045


def test_a_request_that_raises_is_counted_and_the_error_goes_on_to_the_server(tmp_path):
    def app(environ, start_response):
        raise RuntimeError("the page failed")

    timed = Timed(app, tmp_path, every=1)
    with pytest.raises(RuntimeError, match="the page failed"):
        _call(timed, "/broken")
    assert timed.sums["/broken?"][1] == 1
    assert json.loads((tmp_path / f"{os.getpid()}.json").read_text())["/broken?"][1] == 1


def test_each_worker_writes_its_whole_sums_every_n_requests_and_a_reading_adds_workers(
    tmp_path,
):
    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"ok"]

    timed = Timed(app, tmp_path, every=3)
    for _ in range(2):
        _call(timed, "/a")
    assert app_time.read(tmp_path) == {}  # not yet written: every third request
    _call(timed, "/a")
    assert app_time.read(tmp_path)["/a?"][1] == 3
    assert not list(tmp_path.glob("*.part"))  # replaced at once, never left half-written
    # Another worker's file: the reading adds both.
    (tmp_path / "99999.json").write_text(json.dumps({"/a?": [0.5, 7], "/b?": [0.25, 5]}))
    total = app_time.read(tmp_path)
    assert total["/a?"][1] == 10 and total["/b?"] == (0.25, 5)
    assert total["/a?"][0] == pytest.approx(timed.sums["/a?"][0] + 0.5)


def test_a_page_gets_the_mean_of_its_own_requests_between_two_readings():
    before = {"/q?": (1.0, 100), "/other?": (5.0, 10)}
    after = {"/q?": (1.5, 600), "/other?": (9.0, 20)}
    assert app_time.per_request_us(before, after, "/q?") == pytest.approx(1000.0)
    assert app_time.per_request_us({}, after, "/q?") == pytest.approx(2500.0)
    assert app_time.per_request_us(before, before, "/q?") is None  # nothing in between
    assert app_time.per_request_us(before, after, "/never?") is None


def test_the_machines_busy_time_grows_with_work_and_not_with_sleep():
    if app_time.busy_seconds() is None:
        pytest.skip("no /proc/stat on this system")
    start = app_time.busy_seconds()
    _burn(0.3)
    assert app_time.busy_seconds() - start >= 0.25  # at least this thread's work


def _bench_conf():
    spec = importlib.util.spec_from_file_location(
        "bench_conf", ROOT / "tests/bench/gunicorn.conf.py"
    )
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


def test_the_benchmarks_gunicorn_times_each_workers_app_only_when_asked(tmp_path, monkeypatch):
    class Worker:  # what gunicorn hands the hook: the worker, its app loaded
        def wsgi(self, environ, start_response):
            return [b""]

    worker = Worker()
    app = worker.wsgi
    monkeypatch.delenv("BENCH_APP_TIMES", raising=False)
    _bench_conf().post_worker_init(worker)
    assert worker.wsgi == app
    monkeypatch.setenv("BENCH_APP_TIMES", str(tmp_path))
    _bench_conf().post_worker_init(worker)
    assert isinstance(worker.wsgi, Timed) and worker.wsgi.app == app
    assert worker.wsgi.file.parent == tmp_path


def test_the_split_table_gives_whole_app_and_serving_per_row_and_a_dash_when_unknown():
    from tests.bench.http_bench import FLOOR, PAGES, Result, split_table

    pages = {label: Result(100.0, 1, 2, app_us=1500.0, cpu_us=2000.0) for label, _, _ in PAGES}
    pages["officer queue"] = Result(100.0, 1, 2)  # no workers' file, not on Linux
    runs = {10: {**pages, FLOOR: Result(400.0, 1, 2, app_us=480.4, cpu_us=905.6)}}
    bare = {10: Result(7000.0, 1, 2, app_us=80.0, cpu_us=300.0)}
    rows = {line.split("|")[0].strip(): line for line in split_table(bare, [10], runs).splitlines()}
    assert rows["bare Flask"].split("|")[1].split() == ["300", "80", "220"]
    assert rows[FLOOR].split("|")[1].split() == ["906", "480", "425"]
    assert rows["dashboard"].split("|")[1].split() == ["2000", "1500", "500"]
    assert rows["officer queue"].split("|")[1].split() == ["–", "–", "–"]


def test_a_real_load_on_gunicorn_gives_the_apps_share_of_the_machines_time(tmp_path):
    """Bare Flask behind the benchmark's gunicorn, loaded for two seconds: the workers
    wrote their app time, and the whole machine's time per request holds it."""
    from tests.bench import http_bench

    split = http_bench.Server(
        "tests.bench.hello_app:app", dict(os.environ), tmp_path / "h.log", split=True
    )
    try:
        result = http_bench.measure(split, "/", "", 2, 4)
    finally:
        split.stop()
    assert result.rps > 0 and result.errors == 0
    assert result.app_us is not None and result.app_us > 0
    if result.cpu_us is not None:  # Linux
        assert result.cpu_us > result.app_us
    # Without `split` (the main table's run) no worker is timed: nothing is written.
    plain = http_bench.Server("tests.bench.hello_app:app", dict(os.environ), tmp_path / "p.log")
    try:
        result = http_bench.measure(plain, "/", "", 1, 4)
    finally:
        plain.stop()
    assert result.rps > 0 and result.app_us is None
    assert not (tmp_path / "p.times").exists()
