"""The production start: the Procfile's two processes and the repo's gunicorn settings."""

from __future__ import annotations

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_procfile_runs_gunicorn_with_its_config_and_the_worker(app):
    lines = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert lines["web"].strip() == "gunicorn --config gunicorn.conf.py wsgi:app"
    assert lines["worker"].strip() == "flask --app wsgi worker"
    assert "worker" in app.cli.commands
    assert app.test_cli_runner().invoke(args=["worker", "--help"]).exit_code == 0


def test_gunicorn_settings_listen_on_port_and_keep_foreign_files(tmp_path, monkeypatch):
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"old")
    (folder / "keep.txt").write_text("not prometheus'")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    monkeypatch.setenv("PORT", "18123")
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["bind"] == "127.0.0.1:18123"
    assert settings["control_socket_disable"] is True
    settings["on_starting"](None)
    assert not (folder / "counter_123.db").exists()  # an earlier run's counts are gone
    assert (folder / "keep.txt").exists()  # a wrongly set folder loses nothing else
