"""The start page, the dashboard, the health check and the security contact (RFC 9116)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text

from portal import clock, fragments, links
from portal.extensions import db
from portal.i18n import language
from portal.pagecache import cached
from portal.security import authenticated, public, reads_organisation

bp = Blueprint("home", __name__)


@bp.get("/")
@cached()
@public
def index():
    return render_template("home/index.html")


# The dashboard's content, kept per language, role, organisation's state and plug-in links.
DASHBOARD_STORE = "portal.dashboard"
MAX_DASHBOARDS = 256  # a few roles × two organisation states × four languages


@bp.get("/dashboard")
@authenticated
@reads_organisation  # the organisation's name, and whether its claim is proven
def dashboard():
    """The signed-in start page: what the role can do, as links.

    Its content is the same for everyone of a role, language and organisation state (none,
    proven, not yet proven) but for two names: it is rendered once per such combination
    with holes for the person's and the organisation's names, and kept
    (`portal.fragments.kept`). Rendered per request, its dozen translations and URL lookups
    were about a tenth of the page (issue 15)."""
    user = current_user
    # Plug-ins (the orange carpet) add links for roles whose pages they provide.
    registered = current_app.extensions.get("dashboard_links", {}).get(user.role.value, [])
    organisation = user.organisation if user.role.value == "employer" else None
    proven = organisation is not None and bool(organisation.claim_proven)
    key = (
        language(),
        request.script_root,
        user.role,
        organisation is not None,
        proven,
        tuple(endpoint for endpoint, _label in registered),
    )

    def render() -> str:
        stand_in = SimpleNamespace(
            name=fragments.hole("name"),
            role=user.role,
            organisation=organisation
            and SimpleNamespace(name=fragments.hole("organisation"), claim_proven=proven),
        )
        links = [(url_for(endpoint), label) for endpoint, label in registered]
        return render_template("home/_dashboard.html", user=stand_in, plugin_links=links)

    def fill(hole: str) -> str:
        return user.name if hole == "name" else organisation.name

    content = fragments.kept(DASHBOARD_STORE, key, render, fill, MAX_DASHBOARDS)
    return render_template("home/dashboard.html", content=content)


@bp.get("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico on their own; answer with the portal's small icon."""
    icon = Path(current_app.static_folder, "img", "favicon.ico").read_bytes()
    response = Response(icon, mimetype="image/vnd.microsoft.icon")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any database failure means unhealthy
        return jsonify(status="error", database=type(error).__name__), 503
    return jsonify(status="ok", database="ok")


def _field(value: str) -> str:
    """One header-like value: no line breaks can add a field of their own."""
    return " ".join(str(value).split())


def _contact(value: str) -> str:
    value = _field(value)
    return f"mailto:{value}" if "@" in value and ":" not in value else value


@bp.get("/.well-known/security.txt")
@public
def security_txt():
    """How to report a vulnerability (RFC 9116); `Expires` follows the clock.

    Settings: SECURITY_CONTACT (comma-separated addresses or URIs), SECURITY_TXT_DAYS,
    SECURITY_POLICY_URL, SECURITY_ENCRYPTION_URL. See SECURITY.md.
    """
    config = current_app.config
    expires = clock.now() + timedelta(days=int(config.get("SECURITY_TXT_DAYS", 180)))
    contacts = [c for c in str(config.get("SECURITY_CONTACT", "")).split(",") if c.strip()]
    lines = [f"Contact: {_contact(c)}" for c in contacts]
    lines.append(f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    if config.get("SECURITY_ENCRYPTION_URL"):
        lines.append(f"Encryption: {_field(config['SECURITY_ENCRYPTION_URL'])}")
    if config.get("SECURITY_POLICY_URL"):
        lines.append(f"Policy: {_field(config['SECURITY_POLICY_URL'])}")
    lines.append("Preferred-Languages: nl, en, fr, de")
    lines.append(f"Canonical: {_field(links.external('home.security_txt'))}")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
