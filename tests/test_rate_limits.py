"""Rate limits on every route that sends e-mail or creates accounts: per client, per address.

The last tests run two separate processes (two "workers") against one real redis-server
and show that they share one count.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from tests.accounts.test_accounts import EMPLOYER
from tests.support import free_port, login, make_user, new_kbo

ROOT = Path(__file__).resolve().parent.parent


def from_ip(number: int) -> dict:
    return {"REMOTE_ADDR": f"10.0.0.{number}"}


def forgot(client, address: str, ip: int = 1):
    return client.post(
        "/account/password/forgot", data={"email": address}, environ_base=from_ip(ip)
    ).status_code


def test_one_address_is_limited_whatever_the_client(client):
    # Four clients, one target (written four ways): the fourth request is refused.
    addresses = [
        "victim@example.be",
        "VICTIM@example.be",
        "victim@EXAMPLE.be",
        "Victim@Example.be",
    ]
    codes = [forgot(client, address, ip) for ip, address in enumerate(addresses, start=1)]
    assert codes == [302, 302, 302, 429]
    assert forgot(client, "someone.else@example.be", 9) == 302


def test_the_address_count_is_shared_by_every_mail_route(client):
    make_user("victim@example.be", verified=False)
    assert forgot(client, "victim@example.be", 1) == 302
    resend = client.post(
        "/account/verify/resend", data={"email": "victim@example.be"}, environ_base=from_ip(2)
    )
    assert resend.status_code == 302
    registration = client.post(
        "/account/register/employer",
        data=dict(EMPLOYER, email="victim@example.be", kbo_number=new_kbo()),
        environ_base=from_ip(3),
    )
    assert registration.status_code == 302
    assert forgot(client, "victim@example.be", 4) == 429


def test_one_client_is_limited_whatever_the_addresses(client):
    codes = [forgot(client, f"person{n}@example.be") for n in range(11)]
    assert codes == [302] * 10 + [429]
    assert forgot(client, "person99@example.be", ip=2) == 302  # another client is not


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/account/register/employer", lambda n: dict(EMPLOYER, email=f"p{n}@example.be")),
        ("/account/register/mandatary", lambda n: {"email": f"p{n}@example.be"}),
        ("/account/verify/resend", lambda n: {"email": f"p{n}@example.be"}),
        ("/account/password/forgot", lambda n: {"email": f"p{n}@example.be"}),
        ("/helpdesk/new", lambda n: {"email": f"p{n}@example.be"}),
    ],
)
def test_every_public_mail_route_is_limited_per_client(client, url, data):
    codes = [client.post(url, data=data(n), environ_base=from_ip(7)).status_code for n in range(11)]
    assert codes[-1] == 429 and 429 not in codes[:10]


def test_inviting_a_colleague_is_limited_per_address(client):
    make_user("admin@org.example")
    login(client, "admin@org.example")
    codes = [
        client.post(
            "/account/organisation", data={"name": "Bert", "email": "bert@org.example"}
        ).status_code
        for _ in range(4)
    ]
    assert codes == [302, 302, 302, 429]


def test_inviting_a_worker_is_limited_per_address(client, employer_with_dossier):
    dossier_id = employer_with_dossier
    codes = [
        client.post(
            f"/applications/{dossier_id}/invite-worker",
            data={"email": "priya@example.in", "locale": "en"},
        ).status_code
        for _ in range(4)
    ]
    assert codes == [302, 302, 302, 429]


@pytest.fixture
def employer_with_dossier(client):
    from tests.applications_support import fill, start, submit

    make_user("hr@acme.example")
    login(client, "hr@acme.example")
    dossier = start(client)
    fill(client, dossier)
    submit(client, dossier.id)
    return dossier.id


# --- Shared storage: two processes, one real redis-server -----------------------------

WORKER = """
import sys
from flask_migrate import upgrade
from portal import create_app

database, storage, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = create_app({
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-of-sufficient-length-000",
    "SQLALCHEMY_DATABASE_URI": database,
    "RATELIMIT_STORAGE_URI": storage,
    "WTF_CSRF_ENABLED": False,
    "OUTBOX_SEND_AFTER_REQUEST": False,
    "MAIL_RATE_LIMIT_PER_ADDRESS": "3 per hour",
})
with app.app_context():
    upgrade()
client = app.test_client()
codes = [
    client.post(
        "/account/password/forgot",
        data={"email": "victim@example.be"},
        environ_base={"REMOTE_ADDR": f"10.1.{sys.argv[4]}.{n}"},
    ).status_code
    for n in range(count)
]
print(" ".join(map(str, codes)))
"""


@pytest.fixture(scope="module")
def redis_url():
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    connection = redis.Redis.from_url(url)
    for _ in range(100):  # wait for it to accept connections (at most ~5 s)
        try:
            connection.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("redis-server did not start")
    yield url
    process.terminate()
    process.wait(timeout=10)


def run_worker(database: str, storage: str, count: int, name: int) -> list[int]:
    result = subprocess.run(
        [sys.executable, "-c", WORKER, database, storage, str(count), str(name)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [int(code) for code in result.stdout.split()]


def test_two_workers_share_one_count_in_redis(tmp_path, redis_url):
    redis.Redis.from_url(redis_url).flushdb()
    database = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    assert run_worker(database, redis_url, 2, 1) == [302, 302]
    assert run_worker(database, redis_url, 2, 2) == [302, 429]  # the other worker's 2 count


def test_memory_storage_counts_per_worker(tmp_path):
    """The control: without shared storage each worker counts alone (why Redis is needed)."""
    database = f"sqlite:///{tmp_path / 'alone.sqlite'}"
    assert run_worker(database, "memory://", 2, 1) == [302, 302]
    assert run_worker(database, "memory://", 2, 2) == [302, 302]


def test_the_limit_settings_read_the_environment(monkeypatch):
    from portal import config

    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("MAIL_RATE_LIMIT", "5 per minute")
    monkeypatch.setenv("MAIL_RATE_LIMIT_PER_ADDRESS", "2 per hour")
    settings = config.from_environment()
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert settings["MAIL_RATE_LIMIT"] == "5 per minute"
    assert settings["MAIL_RATE_LIMIT_PER_ADDRESS"] == "2 per hour"


@pytest.mark.parametrize(("trusted", "seen"), [(0, "10.9.9.9"), (1, "203.0.113.7")])
def test_the_client_address_comes_through_trusted_proxies_only(app, trusted, seen):
    from flask import request

    from portal import create_app
    from portal.security import public

    proxied = create_app(dict(app.config, TRUSTED_PROXIES=trusted))
    proxied.add_url_rule("/_whoami", "whoami", public(lambda: request.remote_addr))
    answer = proxied.test_client().get(
        "/_whoami",
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert answer.get_data(as_text=True) == seen
