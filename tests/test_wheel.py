"""A plain wheel works outside the checkout: pages, styles, translations, rules, migrations.

The wheel is built from a copy of the checkout (without build isolation, so no download),
installed without dependencies into a fresh virtual environment that borrows the test
environment's packages, and used from another folder: `flask db upgrade`, `demo load`, and
pages served by the installed package (French, with its stylesheet and a plug-in page).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The copy the wheel is built from: the checkout without caches, builds, databases or tests.
IGNORE = shutil.ignore_patterns(
    ".*", "*.egg-info", "__pycache__", "*.py[co]", "*.mo", "*.sqlite*",
    "build", "dist", "instance", "node_modules", "tests",
)  # fmt: skip
MUST_SHIP = [
    "portal/templates/base.html",
    "portal/static/css/portal.css",
    "portal/static/img/favicon.ico",
    "portal/translations/fr/LC_MESSAGES/messages.po",
    "portal/translations/fr/LC_MESSAGES/messages.mo",
    "portal/translations/nl/LC_MESSAGES/messages.mo",
    "portal/data/rules.toml",
    "portal/data/isco08.csv",
    "portal/data/PRIVACY.md",  # copied from the checkout's root by setup.py
    "portal/migrations/alembic.ini",
    "portal/migrations/env.py",
    "portal/migrations/script.py.mako",
    "onboarding/templates/onboarding/checklist.html",
    "onboarding/templates/emails/onboarding_invitation.txt",
]
PIP = [sys.executable, "-m", "pip"]
OFFLINE = ["--quiet", "--no-index"]  # nothing is downloaded
SERVE = """
import json, portal
from portal import create_app
app = create_app({"WTF_CSRF_ENABLED": False})
client = app.test_client()
home = client.get("/?lang=fr").get_data(as_text=True)
css = client.get("/static/css/portal.css")
fee = client.get("/guide/fee?lang=fr")
login = client.post("/account/login", data={"email": "talent@demo.example",
                                            "password": "demo-portal-2026"})
welcome = client.get("/welcome?lang=fr")
record = client.get("/privacy/record")
print(json.dumps({
    "package": portal.__file__,
    "templates": app.template_folder,
    "instance": app.instance_path,
    "home": home,
    "css": [css.status_code, css.mimetype, len(css.get_data())],
    "fee": fee.status_code,
    "login": login.status_code,
    "welcome": [welcome.status_code, welcome.get_data(as_text=True)],
    "record": [record.status_code, record.get_data(as_text=True)],
}))
"""


def _run(args, cwd, env) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _french(msgid: str) -> str:
    from babel.messages.pofile import read_po

    with (ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)[msgid].string


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source") / "portal-src"
    shutil.copytree(ROOT, source, ignore=IGNORE)
    dist = tmp_path_factory.mktemp("dist")
    _run(
        [*PIP, "wheel", *OFFLINE, ".", "--no-deps", "--no-build-isolation", "-w", str(dist)],
        cwd=source,
        env=os.environ,
    )
    (built,) = dist.glob("*.whl")
    return built


def test_no_compiled_catalog_is_committed():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        ["git", "ls-files", "*.mo"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert tracked.stdout == ""


def test_the_wheel_ships_templates_styles_catalogs_rules_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in MUST_SHIP if name not in names]
    assert not missing
    for package in ("portal", "onboarding"):
        versions = [n for n in names if n.startswith(f"{package}/migrations/versions/")]
        assert versions and all(n.endswith(".py") for n in versions), package
    ours = {p.name for p in (ROOT / "portal" / "migrations" / "versions").glob("*.py")}
    assert ours == {Path(n).name for n in names if n.startswith("portal/migrations/versions/")}
    assert not [n for n in names if n.startswith(("tests/", "portal/templates/onboarding/"))]


def test_the_installed_wheel_migrates_loads_demo_data_and_serves_pages(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        cwd=tmp_path,
        env=os.environ,
    ).strip()
    # The dependencies come from the environment running the tests (no download); its
    # editable install of the portal is not seen: a plain path entry skips its .pth files.
    Path(purelib, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(
        [*PIP, "--python", str(python), "install", *OFFLINE, "--no-deps", str(wheel)],
        cwd=tmp_path,
        env=os.environ,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DATABASE_"))}
    env.pop("PYTHONPATH", None)
    flask = [str(python), "-m", "flask", "--app", "portal:create_app()"]
    upgraded = _run([*flask, "db", "upgrade"], cwd=elsewhere, env=env)
    demo = _run([*flask, "demo", "load"], cwd=elsewhere, env=env)
    assert "talent@demo.example" in demo and "officer@demo.example" in demo, upgraded
    heads = _run([*flask, "db", "current"], cwd=elsewhere, env=env)
    assert "onboarding00" in heads and "(head)" in heads, heads  # both branches at head

    page = json.loads(_run([str(python), "-c", SERVE], cwd=elsewhere, env=env))
    assert page["package"].startswith(purelib), page["package"]
    assert page["templates"].startswith(purelib)
    assert page["instance"] == str(elsewhere / "instance")
    assert '<html lang="fr"' in page["home"]
    assert _french("Skip to main content") in page["home"]
    assert page["css"][:2] == [200, "text/css"] and page["css"][2] > 1000
    assert page["fee"] == 200  # the fee page reads rules.toml
    assert page["login"] == 302
    assert page["welcome"][0] == 200  # a plug-in template, from the installed package
    assert '<html lang="fr"' in page["welcome"][1]
    # The record of processing, from the wheel's copy of PRIVACY.md.
    assert page["record"][0] == 200 and "GDPR article 30" in page["record"][1]
