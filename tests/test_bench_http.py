"""The HTTP benchmark reads wrk's report right (no load is run here)."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.databases import scratch, suite_server
from tests.bench.http_bench import parse_wrk

REPORT = """Running 2s test @ http://127.0.0.1:8790/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.10ms   30.20ms   1.07s    87.50%
    Req/Sec   950.00    120.00     1.20k    75.00%
  Latency Distribution
     50%  850.00us
     75%    3.10ms
     90%   12.00ms
     99%    1.05s
  3800 requests in 2.00s, 600.00KB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:   1899.50
Transfer/sec:    300.00KB
"""


def test_percentiles_come_from_the_distribution_not_the_stdev_column():
    result = parse_wrk(REPORT)
    assert result.rps == 1899.5
    assert result.p50_ms == 0.85
    assert result.p99_ms == 1050.0


def test_failed_requests_are_counted():
    assert parse_wrk(REPORT).errors == 4 + 2 + 3


def test_the_table_sets_each_page_against_the_same_kind_of_page_made_the_plain_way():
    """A page gets its share of its twin (marked =) when it has one: the login page, the
    dashboard and the file pages of theirs, a search of the plain-way search showing as
    many rows. Else a signed-in page's is of the framed floor, or of the framed 50 rows when it showed a full page of 50 rows (marked
    *); a public page of the form floor with the duties; a floor of none but bare Flask,
    the 50-row floor of the signed-in floor."""
    from tests.bench.http_bench import (
        AUDITED_FILE_FLOOR,
        DASHBOARD_FLOOR,
        DUTIES_FLOOR,
        FILE_FLOOR,
        FLOOR,
        FRAMED_FLOOR,
        LOGIN_FLOOR,
        PAGES,
        ROWS_FLOOR,
        ROWS_FRAMED_FLOOR,
        SEARCH_FLOOR,
        SEARCH_PAGE_FLOOR,
        SEARCH_SOME_FLOOR,
        TIMELINE_FLOOR,
        Result,
        table,
    )

    pages = {label: Result(100.0, 1.0, 2.0) for label, _, _ in PAGES}
    pages["officer queue"] = Result(100.0, 1.0, 2.0, rows=50)
    pages["officer search"] = Result(100.0, 1.0, 2.0, rows=50)
    pages["search (few files)"] = Result(100.0, 1.0, 2.0, rows=1)
    pages["search (some files)"] = Result(100.0, 1.0, 2.0, rows=11)
    pages["search (1111 found)"] = Result(100.0, 1.0, 2.0, rows=49)  # no twin shows 49
    floors = {FLOOR: 400.0, FRAMED_FLOOR: 200.0, ROWS_FRAMED_FLOOR: 125.0}
    floors |= {DUTIES_FLOOR: 450.0, ROWS_FLOOR: 200.0}
    floors |= {FILE_FLOOR: 160.0, TIMELINE_FLOOR: 80.0, AUDITED_FILE_FLOOR: 40.0}
    floors |= {DASHBOARD_FLOOR: 125.0, LOGIN_FLOOR: 250.0}
    floors |= {SEARCH_FLOOR: 64.0, SEARCH_SOME_FLOOR: 50.0, SEARCH_PAGE_FLOOR: 32.0}
    runs = {**pages, **{label: Result(rps, 1, 2) for label, rps in floors.items()}}
    report = table({10: Result(1000.0, 1.0, 2.0)}, [10], {10: runs})
    rows = {line.split("|")[0].strip(): line for line in report.splitlines()}
    assert rows[FLOOR].split()[-1] == "0.400×"  # its share of bare Flask, no share of itself
    assert rows[FRAMED_FLOOR].split()[-1] == "0.200×"
    assert rows[ROWS_FRAMED_FLOOR].split()[-1] == "0.125×"
    assert rows[FILE_FLOOR].split()[-1] == "0.160×"
    assert rows[ROWS_FLOOR].split()[-2:] == ["0.200×", "0.500×"]
    assert rows["dashboard"].split()[-2:] == ["0.100×", "0.800×="]
    assert rows["my applications"].split()[-2:] == ["0.100×", "0.500×"]  # no twin
    assert rows["officer queue"].split()[-2:] == ["0.100×", "0.800×*"]
    assert rows["file (employer)"].split()[-2:] == ["0.100×", "0.625×="]
    assert rows["timeline"].split()[-2:] == ["0.100×", "1.250×="]
    assert rows["file (officer)"].split()[-2:] == ["0.100×", "2.500×="]
    assert rows["search (few files)"].split()[-2:] == ["0.100×", "1.562×="]
    assert rows["search (some files)"].split()[-2:] == ["0.100×", "2.000×="]
    assert rows["officer search"].split()[-2:] == ["0.100×", "3.125×="]
    assert rows["search (1111 found)"].split()[-2:] == ["0.100×", "0.500×"]
    assert rows["start page"].split()[-2:] == ["0.100×", "0.222×"]
    assert rows["login page"].split()[-2:] == ["0.100×", "0.400×="]
    assert report.splitlines()[-1].startswith("×floor: ")


def test_a_pages_table_rows_are_those_of_its_first_table_body():
    from tests.bench.http_bench import table_rows

    html = "<table><thead><tr><th>a</th></tr></thead><tbody>\n<tr><td>1</td></tr>"
    html += "<tr class='x'><td>2</td></tr></tbody></table><table><tbody><tr></tr></tbody>"
    assert table_rows(html) == 2
    assert table_rows("<p>no table</p>") == 0


def _report(floors: dict[str, float]) -> tuple[str, dict[str, str]]:
    """The table at one scale, bare Flask at 1,000 req/s, every page at 100 and each floor
    at its given req/s; with its lines by label."""
    from tests.bench.http_bench import PAGES, Result, table

    pages = {label: Result(100.0, 1.0, 2.0) for label, _, _ in PAGES}
    runs = {**pages, **{label: Result(rps, 1, 2) for label, rps in floors.items()}}
    report = table({10: Result(1000.0, 1.0, 2.0)}, [10], {10: runs})
    return report, {line.split("|")[0].strip(): line for line in report.splitlines()}


def test_the_orm_and_core_floors_are_yardstick_rows_of_their_own_beside_the_signed_in_floor():
    from tests.bench.http_bench import CORE_FLOOR, FLOOR, ORM_FLOOR

    report, rows = _report({FLOOR: 400.0, ORM_FLOOR: 500.0, CORE_FLOOR: 800.0})
    labels = [line.split("|")[0].strip() for line in report.splitlines()[3:7]]
    assert labels == ["bare Flask", FLOOR, ORM_FLOOR, CORE_FLOOR]
    assert rows[ORM_FLOOR].split()[-1] == "0.500×"  # a share of bare Flask only
    assert rows[CORE_FLOOR].split()[-1] == "0.800×"
    assert rows["dashboard"].split()[-1] == "0.100×"  # no framed floor run: no floor share


@pytest.mark.parametrize("path", ["/core", "/orm"])
def test_the_core_and_orm_floors_answer_the_signed_in_user_only(floor_database, path):
    """Each floor reads the user the cookie names, as the signed-in floor does: a cookie
    that names nobody, or none, is refused, so the benchmark cannot time a cheap refusal."""
    code = (
        "c = app.test_client()\n"
        f"print(c.get('{path}').status_code)\n"
        "c.get('/login')\n"
        f"r = c.get('{path}')\n"
        "print(r.status_code, r.get_data(as_text=True))\n"
        "with c.session_transaction() as s:\n"
        "    s['_user_id'] = '99'\n"
        f"print(c.get('{path}').status_code)\n"
        "with c.session_transaction() as s:\n"
        "    s['_user_id'] = '1 OR 1=1'\n"
        f"print(c.get('{path}').status_code)\n"
    )
    assert _floor_app_run(floor_database, code) == ["401", "200 Hello, Employer!", "401", "401"]


@pytest.fixture
def floor_database(tmp_path):
    """A new database for the floor app, on the database the suite runs on: a SQLite file,
    or in the PostgreSQL run a database of its own on that server (as `make bench-postgres`
    gives it), dropped afterwards."""
    with scratch(suite_server(), "portal_bench_test_floor", tmp_path) as url:
        yield url


def _floor_app_run(database: str, code: str) -> list[str]:
    """Run `code` against a fresh floor app (its database is chosen at import) in a process
    of its own; its printed lines."""
    root = Path(__file__).resolve().parent.parent
    return subprocess.run(
        [sys.executable, "-c", "from tests.bench.floor_app import app\n" + code],
        cwd=root,
        env={"BENCH_FLOOR_DATABASE_URL": database, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()


def test_a_floor_app_on_made_tables_only_reads_them(floor_database):
    """The first floor app makes the tables and rows; the next ones (gunicorn's two workers
    after `floor_server`) only read, so they cannot deadlock on each other's locks."""
    code = (
        "from sqlalchemy import event\n"
        "from sqlalchemy.engine import Engine\n"
        "from tests.bench import floor_app\n"
        "sent = []\n"
        "event.listen(Engine, 'before_cursor_execute',\n"
        "             lambda c, cur, statement, *a: sent.append(statement.split()[0].upper()))\n"
        "floor_app.create_app()\n"
        "print(sorted(set(sent)))\n"
    )
    assert _floor_app_run(floor_database, code) == ["['SELECT']"]


def test_the_form_floor_gives_each_first_visitor_a_token_of_their_own_that_flask_wtf_accepts(
    floor_database,
):
    """The form floor times what the login page pays for a first visit: a new secret in a new
    session cookie, and a token signed from it. Each visitor's token is valid with their own
    cookie only (checked by Flask-WTF itself), so the floor cannot be a fixed page."""
    code = (
        "import re\n"
        "from flask_wtf.csrf import validate_csrf\n"
        "from wtforms import ValidationError\n"
        "def visit():\n"
        "    r = app.test_client().get('/form')\n"
        "    cookie = r.headers['Set-Cookie'].split(';')[0]\n"
        '    token = re.search(r\'name="csrf_token" value="([^"]+)"\', r.get_data(as_text=True))[1]\n'
        "    return r.status_code, cookie, token\n"
        "def valid(token, cookie):\n"
        "    with app.test_request_context('/', headers={'Cookie': cookie}):\n"
        "        try:\n"
        "            validate_csrf(token)\n"
        "            return 'valid'\n"
        "        except ValidationError:\n"
        "            return 'refused'\n"
        "(s1, c1, t1), (s2, c2, t2) = visit(), visit()\n"
        "print(s1, s2, c1.startswith('session='), c1 != c2, t1 != t2)\n"
        "print(valid(t1, c1), valid(t2, c2), valid(t1, c2), valid(t2, 'session=' + 'x' * 4000))\n"
    )
    assert _floor_app_run(floor_database, code) == [
        "200 200 True True True",
        "valid valid refused refused",
    ]


def test_the_duties_floor_does_each_duty_on_its_own_page_and_leaves_the_other_floors_bare(
    floor_database,
):
    """The form floor with the duties pays for what every answer of the portal carries: a new
    request id per request in the header and in one log line, a count and a latency in the
    metrics, the security headers. Only on its own page: the form floor stays bare."""
    code = (
        "import io, logging, re\n"
        "from prometheus_client import generate_latest\n"
        "from tests.bench import floor_app\n"
        "stream = io.StringIO()\n"
        "floor_app.DUTIES_LOG.handlers[0].setStream(stream)\n"
        "c = app.test_client()\n"
        "r1, r2, bare = c.get('/form-duties'), c.get('/form-duties'), c.get('/form')\n"
        "ids = [r.headers.get('X-Request-ID') for r in (r1, r2)]\n"
        'print(r1.status_code, \'name="csrf_token" value="\' in r1.get_data(as_text=True))\n'
        "print(all(re.fullmatch('[0-9a-f]{32}', i) for i in ids), ids[0] != ids[1])\n"
        "print(r1.headers['X-Frame-Options'], r1.headers['Content-Security-Policy'][:18])\n"
        "lines = stream.getvalue().splitlines()\n"
        "print(len(lines), all(f'[{i}] GET /form-duties 200' in l for i, l in zip(ids, lines)))\n"
        "text = generate_latest(floor_app.DUTIES_METRICS).decode()\n"
        "print(re.search(r'floor_http_requests_total\\{[^}]*\\} (\\S+)', text)[1])\n"
        "print(re.search(r'floor_http_request_duration_seconds_count\\{[^}]*\\} (\\S+)', text)[1])\n"
        "print(bare.status_code, 'X-Request-ID' in bare.headers, 'X-Frame-Options' in bare.headers)\n"
    )
    assert _floor_app_run(floor_database, code) == [
        "200 True",
        "True True",
        "DENY default-src 'self'",
        "2 True",
        "2.0",
        "2.0",
        "200 False False",
    ]


def test_the_signed_in_floor_with_duties_signs_in_and_does_the_duties(floor_database):
    """The signed-in floor with the duties is the signed-in floor's page (refused without
    the login, the user greeted with it) with the request id in the header and the log
    line, the metrics and the security headers around it; the signed-in floor stays bare."""
    code = (
        "import io, re\n"
        "from prometheus_client import generate_latest\n"
        "from tests.bench import floor_app\n"
        "stream = io.StringIO()\n"
        "floor_app.DUTIES_LOG.handlers[0].setStream(stream)\n"
        "c = app.test_client()\n"
        "print(c.get('/signed-in-duties').status_code)\n"
        "c.get('/login')\n"
        "r, bare = c.get('/signed-in-duties'), c.get('/')\n"
        "rid = r.headers.get('X-Request-ID', '')\n"
        "print(r.status_code, r.get_data(as_text=True), bool(re.fullmatch('[0-9a-f]{32}', rid)))\n"
        "print(r.headers['X-Frame-Options'], f'[{rid}] GET /signed-in-duties 200' in stream.getvalue())\n"
        "text = generate_latest(floor_app.DUTIES_METRICS).decode()\n"
        "print(re.findall(r'floor_http_requests_total\\{[^}]*signed_in_with_duties[^}]*\\} \\S+', text))\n"
        "print(bare.get_data(as_text=True), 'X-Request-ID' in bare.headers)\n"
    )
    assert _floor_app_run(floor_database, code) == [
        "401",
        "200 Hello, Employer! True",
        "DENY True",
        '[\'floor_http_requests_total{endpoint="duties.signed_in_with_duties",method="GET",'
        'status="401"} 1.0\', \'floor_http_requests_total{endpoint="duties.signed_in_with_duties",'
        'method="GET",status="200"} 1.0\']',
        "Hello, Employer! False",
    ]


def test_the_50_row_floor_shows_the_first_50_files_by_deadline_escaped_to_its_user_only(
    floor_database,
):
    """The 50-row floor does the queue's kind of work: signed in, 50 of its 60 files in
    deadline order (which runs against the ids), every value escaped."""
    code = (
        "import re\n"
        "c = app.test_client()\n"
        "print(c.get('/rows').status_code)\n"
        "c.get('/login')\n"
        "r = c.get('/rows')\n"
        "html = r.get_data(as_text=True)\n"
        "ids = [int(i) for i in re.findall(r'href=\"/files/(\\d+)\"', html)]\n"
        "print(r.status_code, len(ids), ids[0], ids[-1], html.count('<td data-label='))\n"
        "print('Bouw &lt;&amp;&gt; Co NV' in html, '<&>' in html, 'Hello, Employer!' in html)\n"
    )
    assert _floor_app_run(floor_database, code) == ["401", "200 50 60 11 500", "True False True"]


def test_the_framed_floor_is_a_signed_in_page_with_its_frame_session_row_and_duties(
    floor_database,
):
    """The framed floor signs in as the portal does (the user with a live session row, in
    one query), writes the frame of every page in the language asked (the portal's
    catalogs through Flask-Babel): the four languages' links, the logout form with a token
    Flask-WTF accepts; and does the duties. A logout with a forged token is refused and
    ends nothing; with the page's token it ends the session row, so the cookie kept from
    before signs in no more. An idle row signs in no more, a row seen over a minute ago is
    seen again, and the plain signed-in floor reads no row at all."""
    code = (
        "import re\n"
        "from datetime import timedelta\n"
        "from sqlalchemy import select, update\n"
        "from tests.bench import floor_app\n"
        "from tests.bench.floor_app import SessionRow, db\n"
        "c = app.test_client()\n"
        "print(c.get('/framed').status_code)\n"
        "c.get('/login')\n"
        "r = c.get('/framed?lang=fr')\n"
        "html = r.get_data(as_text=True)\n"
        "print(r.status_code, 'lang=\"fr\"' in html, 'Aller au contenu principal' in html)\n"
        "print(re.findall(r'href=\"/framed\\?lang=(\\w+)\"', html))\n"
        "print(bool(re.fullmatch('[0-9a-f]{32}', r.headers['X-Request-ID'])),"
        " r.headers['X-Frame-Options'])\n"
        "print('Zum Hauptinhalt springen' in c.get('/framed?lang=de').get_data(as_text=True))\n"
        'token = re.search(r\'name="csrf_token" value="([^"]+)"\', html)[1]\n'
        # Apart from the requests' app contexts: one pushed for good would keep the
        # signed-in user in its `g` from one request to the next.
        "def row(**values):\n"
        "    with app.app_context():\n"
        "        if values:\n"
        "            db.session.execute(update(SessionRow).values(**values))\n"
        "            db.session.commit()\n"
        "        return db.session.scalars(select(SessionRow)).one()\n"
        "seen = row().last_seen_at\n"
        "row(last_seen_at=seen - timedelta(seconds=61), created_at=seen - timedelta(seconds=61))\n"
        "print(c.get('/framed').status_code, row().last_seen_at >= seen)\n"
        "row(last_seen_at=seen - timedelta(minutes=31))\n"
        "print(c.get('/framed').status_code, c.get('/').status_code)\n"
        "row(last_seen_at=seen)\n"
        "kept = c.get_cookie('session').value\n"
        "print(c.post('/logout', data={'csrf_token': 'forged'}).status_code, row().ended_at)\n"
        "print(c.post('/logout', data={'csrf_token': token}).status_code,"
        " row().ended_at is not None)\n"
        "c.set_cookie('session', kept)\n"
        "print(c.get('/framed').status_code, c.get('/').status_code)\n"
    )
    assert _floor_app_run(floor_database, code) == [
        "401",
        "200 True True",
        "['nl', 'fr', 'de', 'en']",
        "True DENY",
        "True",
        "200 True",
        "401 200",
        "400 None",
        "200 True",
        "401 200",
    ]


def test_the_framed_50_rows_are_the_50_row_floors_table_in_the_frame_translated(
    floor_database,
):
    """The framed 50 rows: the 50-row floor's files (50 of 60, by deadline, escaped) inside
    the frame, its headings in the language asked, signed in only while the session row is
    live."""
    code = (
        "import re\n"
        "c = app.test_client()\n"
        "print(c.get('/rows-framed').status_code)\n"
        "c.get('/login')\n"
        "r = c.get('/rows-framed?lang=de')\n"
        "html = r.get_data(as_text=True)\n"
        "ids = [int(i) for i in re.findall(r'href=\"/files/(\\d+)\"', html)]\n"
        "print(r.status_code, len(ids), ids[0], ids[-1], html.count('<td data-label='))\n"
        "print('Bouw &lt;&amp;&gt; Co NV' in html, '<&>' in html, 'Zum Hauptinhalt' in html)\n"
        "print(re.findall(r'<th>([^<]+)</th>', html)[:2], 'X-Request-ID' in r.headers)\n"
        "kept = c.get_cookie('session').value\n"
        'token = re.search(r\'name="csrf_token" value="([^"]+)"\', html)[1]\n'
        "c.post('/logout', data={'csrf_token': token})\n"
        "c.set_cookie('session', kept)\n"
        "print(c.get('/rows-framed').status_code, c.get('/rows').status_code)\n"
    )
    assert _floor_app_run(floor_database, code) == [
        "401",
        "200 50 60 11 500",
        "True False True",
        "['Aktenzeichen', 'Arbeitnehmer'] True",
        "401 200",  # its session row ended; the 50-row floor reads none
    ]


def test_the_dashboard_twin_shows_the_signed_in_user_and_organisation_and_the_login_twin_none(
    floor_database,
):
    """The dashboard made the plain way: the user, their role's title and organisation
    (escaped) in the language asked, signed in only while the session row is live. The
    login page made the plain way: a first visitor gets the frame with the log-in link and
    no logout form, and a login form whose token is their own, in a new session cookie."""
    code = (
        "import re\n"
        "visitor = app.test_client(use_cookies=False)\n"
        "pages = [visitor.get('/login-framed?lang=fr') for _ in range(2)]\n"
        "html = pages[0].get_data(as_text=True)\n"
        'tokens = {re.search(r\'name="csrf_token" [^>]*value="([^"]+)"\', p.get_data(as_text=True))[1]'
        " for p in pages}\n"
        "print(pages[0].status_code, len(tokens), all('session=' in p.headers['Set-Cookie']"
        " for p in pages))\n"
        "print('href=\"/login-framed\">Se connecter' in html, 'action=\"/logout\"' in html,"
        " 'autocomplete=\"current-password\"' in html)\n"
        "c = app.test_client()\n"
        "print(c.get('/dashboard-framed').status_code)\n"
        "c.get('/login')\n"
        "html = c.get('/dashboard-framed?lang=de').get_data(as_text=True)\n"
        "print('Employer (Arbeitgeber)' in html, 'Bouw &lt;&amp;&gt; Co NV' in html, '<&>' in html)\n"
        'token = re.search(r\'name="csrf_token" value="([^"]+)"\', html)[1]\n'
        "c.post('/logout', data={'csrf_token': token})\n"
        "print(c.get('/dashboard-framed').status_code)\n"
    )
    assert _floor_app_run(floor_database, code) == [
        "200 2 True",
        "True False True",
        "401",
        "True True False",
        "401",
    ]


def test_the_file_twins_show_the_signed_in_employers_file_only_in_the_language_asked(
    floor_database,
):
    """The employer's file page and timeline made the plain way: the user's own file, its
    employer and worker escaped, the salary and dates formatted in the language asked, the
    five steps with the last one current; another employer's file is not found, and after
    the logout neither page signs in."""
    code = (
        "import re\n"
        "c = app.test_client()\n"
        "print(c.get('/file-framed/1').status_code)\n"
        "c.get('/login')\n"
        "html = c.get('/file-framed/1').get_data(as_text=True)\n"
        "print('<dd>Test Worker &lt;1&gt;</dd>' in html, 'Bouw &lt;&amp;&gt; Co NV' in html,"
        " '<1>' in html)\n"
        "print('€\\xa055.000,00' in html, 'Turkije' in html, 'Softwareontwikkelaars' in html)\n"
        "html = c.get('/file-framed/1?lang=de').get_data(as_text=True)\n"
        "print('55.000,00\\xa0€' in html, 'Türkei' in html, 'href=\"/file-framed/1?lang=fr\"' in html)\n"
        "print(c.get('/file-framed/2').status_code, c.get('/timeline-framed/2').status_code)\n"
        "html = c.get('/timeline-framed/1?lang=fr').get_data(as_text=True)\n"
        "print(re.findall(r'class=\"step step-(\\w+)\"', html))\n"
        "print('Le 24 février 2026' in html, 'Le 9 mars 2026' in html)\n"
        'token = re.search(r\'name="csrf_token" value="([^"]+)"\', html)[1]\n'
        "c.post('/logout', data={'csrf_token': token})\n"
        "print(c.get('/file-framed/1').status_code, c.get('/timeline-framed/1').status_code)\n"
    )
    assert _floor_app_run(floor_database, code) == [
        "401",
        "True True False",
        "True True True",
        "True True True",
        "404 404",
        "['done', 'done', 'done', 'done', 'current']",
        "True True",
        "401 401",
    ]


def test_the_audited_file_twin_writes_each_view_to_the_trail_before_it_shows_it(
    floor_database,
):
    """The officers' file page made the plain way commits a trail entry per view and shows
    the latest 20, the view just made last, with the legal hold's form and its token; a
    file that does not exist is not found and writes nothing."""
    code = (
        "import re\n"
        "from sqlalchemy import func, select\n"
        "from tests.bench.floor_app import AuditRow, db\n"
        "def count():\n"
        "    with app.app_context():\n"
        "        return db.session.scalar(select(func.count()).select_from(AuditRow))\n"
        "c = app.test_client()\n"
        "c.get('/login')\n"
        "before = count()\n"
        "r = c.get('/officer-file-framed/1?lang=en')\n"
        "html = r.get_data(as_text=True)\n"
        "trail = html.split('id=\"audit-trail\"')[1]\n"
        "print(r.status_code, count() - before, trail.count('Employer opened the file.'))\n"
        "print('name=\"hold-csrf_token\"' in html, 'maxlength=\"1000\"' in html)\n"
        "cells = re.findall(r'<tr><td>([^<]+)</td>', trail)\n"
        "print(len(cells), cells[0].startswith('3/16/26'), cells[-1].startswith('3/16/26'))\n"
        "print(c.get('/officer-file-framed/99').status_code, count() - before)\n"
        "c.get('/officer-file-framed/1')\n"
        "print(count() - before)\n"
    )
    assert _floor_app_run(floor_database, code) == [
        "200 1 20",
        "True True",
        "20 True False",  # the seeded views, then the one just made
        "404 1",
        "2",
    ]


def test_the_search_twin_finds_by_reference_worker_employer_or_kbo_taking_wildcards_as_text(
    floor_database,
):
    """The officers' search made the plain way: its filters' form (every option translated)
    and the files whose reference, worker, employer or KBO number holds the words, a page
    of 50 at most; a % is a character, and a search longer than 200 finds nothing."""
    code = (
        "import re\n"
        "c = app.test_client()\n"
        "print(c.get('/search-framed?q=Worker').status_code)\n"
        "c.get('/login')\n"
        "def found(q):\n"
        "    html = c.get('/search-framed', query_string={'q': q}).get_data(as_text=True)\n"
        "    return len(re.findall(r'href=\"/files/(\\d+)\"', html))\n"
        "print([found(q) for q in ['Worker 59', 'worker 5', 'Worker', '0123456749',"
        " 'SP-2026-000007', '<&>', '%', '_', 'Worker' + 'x' * 200]])\n"
        "html = c.get('/search-framed?q=Worker+59&lang=fr').get_data(as_text=True)\n"
        "print(html.count('<option'), 'Chercheur' in html, 'value=\"Worker 59\"' in html)\n"
    )
    assert _floor_app_run(floor_database, code) == [
        "401",
        "[1, 11, 50, 50, 1, 50, 0, 0, 0]",
        "37 True True",
    ]


def test_the_form_floors_are_public_and_each_page_gets_its_share_of_its_yardstick():
    from tests.bench.http_bench import (
        DUTIES_FLOOR,
        FLOOR,
        FLOORS,
        FORM_FLOOR,
        LOGIN_FLOOR,
        ROWS_FLOOR,
    )

    assert not FLOORS[FORM_FLOOR].signed_in and FLOORS[ROWS_FLOOR].signed_in
    assert not FLOORS[DUTIES_FLOOR].signed_in and not FLOORS[LOGIN_FLOOR].signed_in
    _report_text, rows = _report(
        {FLOOR: 400.0, FORM_FLOOR: 500.0, DUTIES_FLOOR: 450.0, ROWS_FLOOR: 200.0}
    )
    assert rows[FORM_FLOOR].split()[-1] == "0.500×"  # public: a share of bare Flask only
    assert rows[DUTIES_FLOOR].split()[-1] == "0.450×"
    # A public page gets its share of the form floor with the duties; the login page of its
    # twin, when that was measured (here it was not).
    assert rows["login page"].split()[-1] == "0.100×"
    assert rows["start page"].split()[-2:] == ["0.100×", "0.222×"]
    assert rows[ROWS_FLOOR].split()[-2:] == ["0.200×", "0.500×"]


def test_a_signed_in_answer_that_sets_a_cookie_is_not_settled():
    """The load repeats one cookie: a page that sets one each time must not be timed."""
    from tests.bench.http_bench import settled

    assert settled([("Content-Type", "text/html"), ("Vary", "Cookie")])
    assert not settled([("Content-Type", "text/html"), ("Set-Cookie", "session=x; Path=/")])
    assert not settled([("set-cookie", "session=x")])


def test_a_share_is_of_the_bare_flask_run_beside_the_page_when_there_is_one():
    from tests.bench.http_bench import Result

    mean = Result(1000.0, 1.0, 2.0)
    assert Result(300.0, 1, 2, flask_rps=600.0).share(mean) == 0.5
    assert Result(300.0, 1, 2).share(mean) == 0.3


def test_the_floor_app_boots_in_several_workers_at_once_on_a_new_database(tmp_path):
    """gunicorn's two workers import the floor app together: both must boot, and each row
    exists once: the two users, the 60 files, the twins' two files and the 20 views of the
    audited file's trail (the check-then-create of before failed one worker now and then)."""
    database = tmp_path / "floor.sqlite"
    code = (
        "from tests.bench.floor_app import app, db, AuditRow, Case, Person, PermitFile;"
        "ctx = app.app_context(); ctx.push();"
        "print(*(db.session.query(model).count() for model in (Person, Case, PermitFile,"
        " AuditRow)))"
    )
    root = Path(__file__).resolve().parent.parent
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=root,
            env={"BENCH_FLOOR_DB": str(database), "PATH": "/usr/bin:/bin"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    results = [worker.communicate(timeout=60) for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * 6, [err for _o, err in results]
    assert [out.strip() for out, _err in results] == ["2 60 2 20"] * 6


def test_only_the_pages_asked_for_are_measured_and_a_typo_stops_the_run():
    from tests.bench.http_bench import FLOOR, Result, chosen, table

    picked = chosen("officer queue, officer search")
    assert [label for label, _, _ in picked] == ["officer queue", "officer search"]
    assert len(chosen("")) > 10
    with pytest.raises(SystemExit, match="officer qeueu"):
        chosen("officer queue,officer qeueu")
    runs = {label: Result(100.0, 1.0, 2.0) for label, _, _ in picked}
    report = table({10: Result(1000.0, 1.0, 2.0)}, [10], {10: {**runs, FLOOR: Result(400, 1, 2)}})
    labels = [line.split("|")[0].strip() for line in report.splitlines()[3:-1]]
    assert labels == ["bare Flask", FLOOR, "officer queue", "officer search"]


def test_the_benchmark_logs_in_as_a_browser_and_its_cookie_is_settled(tmp_path):
    """The cookie `login()` returns is the one a browser holds after its first page: a
    signed-in page asked with it answers 200 and sets no cookie, so the load times the page
    and not a new session cookie on every request. The login's own cookie would not do.
    Seeded and served on the database the suite runs on (PostgreSQL: `make bench-postgres`)."""
    from tests.bench import http_bench, page_profile

    with scratch(suite_server(), "portal_bench_test_seed", tmp_path) as database:
        http_bench.seed(database, 400, tmp_path)
        app = page_profile.make_app(database, tmp_path)  # the bench's settings, in-process
        try:
            _ask_as_a_browser(http_bench, app)
        finally:
            with app.app_context():
                app.extensions["sqlalchemy"].engine.dispose()


def test_a_seeded_database_is_settled_before_it_is_timed(tmp_path):
    """After the bulk load, every table's planner statistics count its rows as seeded,
    and on PostgreSQL the tables have been vacuumed, so that autovacuum does not come for
    them while the pages are timed (`databases.settle`). The side lists (helpdesk tickets,
    referrals) are seeded after the files' own statistics were taken: without the final
    settling their statistics count the demo's few rows, or none."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from tests.bench import http_bench

    with scratch(suite_server(), "portal_bench_test_settle", tmp_path) as database:
        http_bench.seed(database, 50, tmp_path)
        engine = create_engine(database, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                for table in ("dossier", "helpdesk_ticket", "onboarding_referral"):
                    if connection.dialect.name == "postgresql":
                        vacuumed, analysed = connection.execute(
                            text(
                                "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL"
                                " FROM pg_stat_user_tables WHERE relname = :table"
                            ),
                            {"table": table},
                        ).one()
                        assert (vacuumed, analysed) == (True, True), table
                    else:  # each index's statistics begin with the rows counted
                        counted = connection.execute(
                            text("SELECT stat FROM sqlite_stat1 WHERE tbl = :table"),
                            {"table": table},
                        ).scalars()
                        rows = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                        assert {int(stat.split()[0]) for stat in counted} == {rows}, table
        finally:
            engine.dispose()


def _ask_as_a_browser(http_bench, app) -> None:
    import threading

    from werkzeug.serving import make_server

    assert app.config["WTF_CSRF_ENABLED"]  # the login form's token is part of what is timed
    port = http_bench.free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # Every account `flask demo load` makes can sign in on the seeded database: the
        # orange carpet's partner desk and newcomer too, whose pages are swept and timed.
        for email in ("municipality@demo.example", "talent@demo.example"):
            assert http_bench.login(port, email)
        # The lists beside the files are seeded with them (SHARE_SIDE_LISTS: 40 of each at
        # 400 files): the partner desk's inbox, the helpdesk's queue, proofs and mail intake
        # and the officers' mandates to verify are full pages.
        for who, path, link in (
            ("municipality", "/partner/referrals", 'href="/partner/referrals/'),
            ("helpdesk", "/helpdesk/desk", 'href="/helpdesk/desk/tickets/'),
            ("helpdesk", "/helpdesk/desk/proofs", "<td>PRF-B"),
            ("helpdesk", "/helpdesk/desk/intake", 'href="/helpdesk/desk/intake/'),
            ("officer", "/backoffice/mandates", 'href="/backoffice/mandates/'),
        ):
            status, body, _ = http_bench._get(
                port, path, http_bench.login(port, f"{who}@demo.example")
            )
            assert status == 200 and body.count(link) >= 10, (path, body.count(link))
        cookie = http_bench.login(port, "employer@demo.example")
        for path in ("/dashboard", "/applications/"):
            status, body, headers = http_bench._get(port, path, cookie)
            assert status == 200, path
            assert 'action="/account/logout"' in body, path  # signed in, not a public page
            assert http_bench.settled(headers), path
        # Over real HTTP, too, `settled` sees a cookie being set: a first visit to the login
        # page gets the session cookie that carries its form's CSRF secret.
        status, _, headers = http_bench._get(port, "/account/login")
        assert status == 200 and not http_bench.settled(headers)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- The database a run is on ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["", "Portal", "1files", 'x"; DROP DATABASE portal_test; --', "a" * 64, "caf\u00e9", "x\n"],
)
def test_a_scratch_database_has_a_plain_name_or_none(tmp_path, name):
    """The name is written into CREATE and DROP DATABASE: only lower-case letters, digits
    and underscores, a letter first, at most 63 characters (PostgreSQL's limit) pass."""
    with (
        pytest.raises(ValueError, match="not a database name"),
        scratch("", name, tmp_path),
    ):
        pass


def test_without_a_server_a_scratch_database_is_a_sqlite_file_in_the_run_folder(tmp_path):
    with scratch("", "portal_bench_100", tmp_path) as url:
        assert url == f"sqlite:///{tmp_path / 'portal_bench_100.sqlite'}"


@pytest.mark.parametrize(
    "given",
    [
        "sqlite:////tmp/x.sqlite",
        "mysql://root@127.0.0.1/portal",
        "postgresql+psycopg://postgres@127.0.0.1:5432",
        "not a url at all \x00",
        "' OR 1=1 --",
    ],
)
def test_the_database_option_takes_a_postgresql_servers_url_only(given):
    from tests.bench.http_bench import database_label

    with pytest.raises(SystemExit, match="--database"):
        database_label(given)
    assert database_label("") == "SQLite"
    url = "postgresql+psycopg://postgres:secret@127.0.0.1:55432/postgres"
    assert database_label(url) == "PostgreSQL on 127.0.0.1:55432"  # never the password


def test_the_benchmark_refuses_a_wrong_database_before_it_seeds_or_starts_anything(tmp_path):
    from tests.bench import http_bench

    with pytest.raises(SystemExit, match="--database"):
        http_bench.main(["--scales", "1", "--database", "sqlite:///x.sqlite"])


@pytest.mark.skipif(not suite_server(), reason="the suite's PostgreSQL run only")
def test_on_postgresql_a_scratch_database_is_made_anew_and_always_dropped(tmp_path):
    """A database left by an interrupted run is replaced by an empty one; the block's end,
    normal or by an error, drops it, even while a connection is still open on it."""
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.pool import NullPool

    server = suite_server()
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def names() -> set[str]:
        with admin.connect() as connection:
            return set(connection.scalars(text("SELECT datname FROM pg_database")))

    name = "portal_bench_test_scratch"
    with scratch(server, name, tmp_path) as url:
        assert name in names()
    assert name not in names()
    # A run interrupted before its end left one behind, with its tables.
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    left = create_engine(make_url(server).set(database=name), poolclass=NullPool)
    with left.begin() as connection:
        connection.execute(text("CREATE TABLE left_behind (id integer)"))
    left.dispose()
    with (
        pytest.raises(RuntimeError, match="stopped"),
        scratch(server, name, tmp_path) as url,
    ):
        engine = create_engine(url, poolclass=NullPool)
        held = engine.connect()  # still open when the block ends
        assert (
            held.scalar(text("SELECT count(*) FROM pg_tables WHERE tablename = 'left_behind'")) == 0
        )
        assert held.scalar(text("SELECT current_database()")) == name
        raise RuntimeError("the run stopped")
    with pytest.raises(OperationalError, match="terminating connection"):
        held.scalar(text("SELECT 1"))
    held.close()
    engine.dispose()
    assert name not in names()
    admin.dispose()


def test_the_floor_server_boots_both_workers_on_a_new_database(floor_database, tmp_path):
    """`floor_server` makes the floors' tables in one process first, then gunicorn's two
    workers import the app at once: on PostgreSQL two CREATE TABLE IF NOT EXISTS at the same
    moment can fail one worker. Every floor answers, signed in, on the suite's database."""
    from tests.bench import http_bench

    server = http_bench.floor_server(floor_database, tmp_path / "floor.log")
    try:
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
        assert len(children.read_text().split()) == 2  # both workers up, none restarted
        # Every floor answers with what it shows; after the completed login no signed-in
        # floor re-signs the cookie for the load.
        assert http_bench.floor_problem(server.port, http_bench.floor_login(server.port)) is None
        # Without the login's cookie the first signed-in floor is refused, and said so.
        assert "signed-in floor (/) answered 401" in http_bench.floor_problem(server.port, "")
    finally:
        server.stop()
    log = (tmp_path / "floor.log").read_text()
    assert "Traceback" not in log and "exited with code" not in log, log


@pytest.mark.parametrize("files", [10_000, 100_000, 1_000_000])
def test_the_alike_search_finds_as_many_files_at_every_scale(files):
    """The benchmark's "search (1111 found)" finds the same number of the seeded workers
    ("Worker 0" to "Worker {files - 1}") at each scale it is run at, by the search key's
    prefix as the officers' search matches it."""
    from portal import textsearch
    from tests.bench.http_bench import alike_name, page_path

    term = alike_name(files).replace("+", " ")
    prefix = textsearch.key(term)
    assert prefix.startswith("worker 1")
    # Every seeded name's key is its text in lower case (checked on a sample), so the
    # count may compare the numbers' digits.
    assert all(textsearch.key(f"Worker {n}") == f"worker {n}" for n in range(0, files, 997))
    digits = prefix.removeprefix("worker ")
    assert sum(str(number).startswith(digits) for number in range(files)) == 1111
    assert page_path("/backoffice/dossiers?q={alike}", 7, files).endswith("q=" + alike_name(files))
