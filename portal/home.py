"""The start page, the dashboard and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from portal.extensions import db
from portal.security import authenticated, public

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def index():
    return render_template("home/index.html")


@bp.get("/dashboard")
@authenticated
def dashboard():
    # Plug-ins (the orange carpet) add links for roles whose pages they provide.
    registered = current_app.extensions.get("dashboard_links", {}).get(current_user.role.value, [])
    links = [(url_for(endpoint), label) for endpoint, label in registered]
    return render_template("home/dashboard.html", user=current_user, plugin_links=links)


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any database failure means unhealthy
        return jsonify(status="error", database=type(error).__name__), 503
    return jsonify(status="ok", database="ok")
