"""The application factory."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale
from itsdangerous import URLSafeTimedSerializer
from werkzeug.routing import IntegerConverter, ValidationError

from portal import chrome, csrftoken, errors, links, plugins, security, transactions, validation
from portal import config as settings
from portal.extensions import babel, csrf, db, limiter, login_manager
from portal.i18n import COOKIE, LANGUAGES, _l, install_template_gettext, language, select_locale
from portal.i18n import format_date as i18n_format_date
from portal.i18n import format_datetime as i18n_format_datetime
from portal.i18n import format_number as i18n_format_number

PACKAGE = Path(__file__).resolve().parent
_ASYNC_FLAGS = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR | inspect.CO_ITERABLE_COROUTINE
ROOT = PACKAGE.parent


def shared_folder(name: str) -> Path:
    """templates/, static/ or translations/: at the top of a checkout, as the design card
    keeps them; inside the package when installed from the wheel (see setup.py)."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else ROOT / name


class CachedSerializerSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per key set.

    Flask builds it anew twice a request (open and save); the keys and settings only change
    when the configuration does, which is then part of the cache's key.
    """

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = app.extensions.get("portal_session_serializer")
        if cached is None or cached[0] != keys:
            cached = (keys, super().get_signing_serializer(app))
            app.extensions["portal_session_serializer"] = cached
        return cached[1]


class RecordIdConverter(IntegerConverter):
    """`<int:…>` in every route: a row's id (`validation.record_id`). Werkzeug's own took any
    number of digits, and an id past the database's integers failed in the query (500 for
    /backoffice/dossiers/99999999999 on PostgreSQL); such a URL now names no page (404)."""

    def to_python(self, value: str) -> int:
        found = validation.record_id(value)
        if found is None:
            raise ValidationError()
        return found


class PortalFlask(Flask):
    """Flask, with the request as the unit of work (one commit, or a rollback, and one retry
    of a request that lost a database race), and request ids in logs."""

    session_interface = CachedSerializerSessions()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Before any route is added: each rule takes its converter when it is added.
        self.url_map.converters["int"] = RecordIdConverter

    def ensure_sync(self, func):
        # Flask asks this of every hook and view on every request (about twenty times), and
        # inspect.iscoroutinefunction is most of that cost. A plain function or method
        # whose code is no coroutine is returned as it is; anything else (a partial, an
        # async view) goes Flask's way.
        code = getattr(func, "__code__", None)
        if code is not None and not code.co_flags & _ASYNC_FLAGS:
            return func
        return super().ensure_sync(func)

    def full_dispatch_request(self):
        # The transaction mode is per request and set before any query (the session loader
        # runs in before_request): GET/HEAD read deferred on SQLite unless the view declared
        # writes (`transactions.writes`). Restored afterwards, so a test or a command that
        # goes on in this thread begins immediate again.
        rule = request.url_rule
        view = self.view_functions.get(rule.endpoint) if rule is not None else None
        token = transactions.enter_request(request.method, view)
        try:
            return super().full_dispatch_request()
        finally:
            transactions.leave_request(token)

    def preprocess_request(self):
        transactions.start()
        return super().preprocess_request()

    def dispatch_request(self):
        # dict.get: reading the session through its own get() would mark it accessed
        # and add `Vary: Cookie` to every response, static files included.
        flashes = list(dict.get(session._get_current_object(), "_flashes", ()))

        def rewind() -> None:
            # The retried view reads its uploads from the start and flashes each message once.
            for storage in request.files.values():
                storage.stream.seek(0)
            if flashes:
                session["_flashes"] = flashes
            else:
                session.pop("_flashes", None)

        def unit():
            # The view and its commit are one unit: a commit that lost a race runs again.
            response = self.make_response(super(PortalFlask, self).dispatch_request())
            transactions.settle(response.status_code)
            return response

        return transactions.once_more(unit, before_retry=rewind)

    def log_exception(self, exc_info) -> None:
        self.logger.error(
            "Exception on %s [%s] [request %s]",
            request.path,
            request.method,
            errors.request_id(),
            exc_info=exc_info,
        )


def create_app(config: dict | None = None) -> Flask:
    """Build the portal. `config` overrides the settings read from the environment."""
    app = PortalFlask(
        __name__,
        template_folder=str(shared_folder("templates")),
        static_folder=str(shared_folder("static")),
        instance_path=str(settings.INSTANCE),
    )
    app.config.update(settings.from_environment())
    if config:
        app.config.update(config)
    settings.check(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    plugins.init_app(app)  # the migrations, with each plug-in's branch
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(shared_folder("translations")),
        default_locale="nl",
        default_timezone="Europe/Brussels",
    )
    install_template_gettext(app.jinja_env)  # the catalog found once per request
    csrf.init_app(app)
    csrftoken.install(app)  # a visitor's token signed once a minute, not on every page
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.session_protection = "strong"

    _register_blueprints(app)
    # Plug-ins such as the orange carpet (`onboarding`) depend on portal, never the
    # reverse: they are named in the settings and plug themselves in.
    for name in app.config["PLUGINS"]:
        importlib.import_module(name).init_app(app)
    _register_hooks(app)
    from portal import hardening  # HSTS, no-store on private responses, trusted proxies

    hardening.register(app)
    errors.register(app)
    from portal import logs  # JSON lines with the request id (LOG_FORMAT)

    logs.register(app)
    from portal import pagecache  # last: its lookup runs after every other before_request

    pagecache.register(app)
    _register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    # Every model module, so that metadata (and Alembic) sees all tables.
    import portal.dossiers.letters.stored  # noqa: F401
    import portal.dossiers.lifecycle.models  # noqa: F401
    from portal.accounts.claim_views import bp as claims_bp
    from portal.accounts.mandate_views import bp as mandates_bp
    from portal.accounts.views import bp as accounts_bp
    from portal.api.admin_views import api_admin
    from portal.api.views import bp as api_bp
    from portal.backoffice.views import bp as backoffice_bp
    from portal.dossiers.public.card_views import bp as card_public_bp
    from portal.dossiers.public.views import bp as public_bp
    from portal.dossiers.tracking.views import bp as tracking_bp
    from portal.dossiers.wizard.views import bp as applications_bp
    from portal.fallback.blueprints import ALL as fallback_blueprints
    from portal.home import bp as home_bp
    from portal.privacy.page import bp as privacy_page_bp
    from portal.privacy.views import bp as privacy_bp
    from portal.stats.views import bp as stats_bp

    for bp in (
        home_bp,
        accounts_bp,
        mandates_bp,
        claims_bp,
        backoffice_bp,
        applications_bp,
        public_bp,
        card_public_bp,
        tracking_bp,
        api_bp,
        api_admin,
        stats_bp,
        privacy_page_bp,
        *fallback_blueprints,
        privacy_bp,
    ):
        app.register_blueprint(bp)
    _register_queues(app)
    _register_operations(app)


def _register_queues(app: Flask) -> None:
    """The outboxes the worker delivers and /admin/parked shows (plug-ins add theirs)."""
    from portal import jobs, mail
    from portal.dossiers.lifecycle import exchange
    from portal.jobs_views import bp as jobs_bp

    jobs.register(app, mail.QUEUE)
    jobs.register(app, exchange.QUEUE)
    app.register_blueprint(jobs_bp)
    links = app.extensions.setdefault("dashboard_links", {})
    links.setdefault("admin", []).append(("parked.index", _l("Parked messages")))


def _register_operations(app: Flask) -> None:
    """The periodic jobs of `flask worker` (plug-ins register theirs in init_app), and
    /readyz and /metrics (the intake adds its outcomes to the metrics)."""
    from portal import health, worker
    from portal.accounts.cli import register_periodic as register_claims_expiry
    from portal.dossiers.wizard.card_renewal import register as register_card_renewal
    from portal.fallback.cli import intake_metrics
    from portal.fallback.cli import register_periodic as register_intake_poll
    from portal.privacy.run import register_periodic as register_retention

    worker.register_periodic(app)
    register_intake_poll(app)
    register_claims_expiry(app)
    register_retention(app)
    register_card_renewal(app)
    health.register(app)
    health.add_source(app, intake_metrics)


def _register_hooks(app: Flask) -> None:
    from portal import mail
    from portal.accounts.sessions import load_user

    login_manager.user_loader(load_user)
    app.before_request(security.refuse_undeclared)
    app.teardown_request(transactions.end_request)

    @app.after_request
    def remember_language(response):
        chosen = g.get("lang_switched_to")
        if chosen:
            response.set_cookie(
                COOKIE,
                chosen,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                httponly=True,
                secure=app.config["SESSION_COOKIE_SECURE"],
            )
            # The session only: a GET (perhaps from another site's link) changes no stored
            # state; the account's language is set on the account page.
            session["lang"] = chosen
        return response

    @app.after_request
    def security_headers(response):
        # What a view set itself stays; the rest is added. One pass over the few headers
        # present: werkzeug's setdefault raises and catches a KeyError per missing name.
        headers = response.headers
        present = {name.lower() for name, _value in headers}
        for name, value in errors.SECURITY_HEADERS.items():
            if name.lower() not in present:
                headers.add(name, value)
        return response

    app.after_request(mail.deliver_after_request)
    app.after_request(mail.deliver_after_response)

    @app.context_processor
    def template_globals():
        return {
            "get_locale": get_locale,
            "LANGUAGES": LANGUAGES,
            "current_lang": language(),
            "lang_url": _lang_url,
        }

    app.jinja_env.filters["date"] = lambda d, fmt="long": i18n_format_date(d, fmt)
    app.jinja_env.filters["datetime"] = lambda d, fmt="medium": i18n_format_datetime(d, fmt)
    app.jinja_env.filters["number"] = i18n_format_number
    app.jinja_env.filters["as_link"] = mail.as_link
    app.jinja_env.globals["external_url"] = links.external  # e-mails: links from route names
    app.jinja_env.globals["chrome"] = _chrome


def _chrome(name: str):
    """A part of the page frame (portal/chrome.py); its footer shows the helpdesk's contact."""
    from portal.fallback.contact import helpdesk_contact

    # The three parts of one page share the contact: worked out once per request and
    # language (an e-mail rendered in another language during the request gets its own).
    current = request._get_current_object()
    lang = language()
    kept = getattr(current, "portal_chrome_contact", None)
    if kept is None or kept[0] != lang:
        kept = current.portal_chrome_contact = (lang, helpdesk_contact())
    return chrome.part(name, _lang_url, kept[1])


def _lang_url(code: str) -> str:
    """The page's own address in language `code` (worked out once per request: the
    header links to all four languages)."""
    current = request._get_current_object()
    base = getattr(current, "portal_lang_url_base", False)
    if base is False:
        base = current.portal_lang_url_base = _lang_url_base()
    if base is None:  # not a page a GET can ask again: the start page
        from flask import url_for

        return url_for("home.index", lang=code)
    return base + urlencode([("lang", code)])


def _lang_url_base() -> str | None:
    """This page's address and query string, `lang` left out, ready for `lang=…` (the
    four languages' links differ only there: encoded once, not four times)."""
    # The page's own address in another language. The query string never reaches
    # url_for: keys like `endpoint`, `values`, `_external` or a view argument's name would
    # be read as its parameters (and answer 500). Only the route's own view arguments go
    # to url_for; the query string is re-encoded beside it, `lang` replaced.
    from flask import url_for
    from werkzeug.routing import BuildError

    if not (request.endpoint and request.method == "GET"):
        return None
    try:
        path = url_for(request.endpoint, **(request.view_args or {}))
    except BuildError:
        return None
    pairs = [
        (key, value)
        for key, value in request.args.items(multi=True)
        if key != "lang" and not key.startswith("_")
    ]
    return f"{path}?{urlencode(pairs)}&" if pairs else f"{path}?"


def _register_cli(app: Flask) -> None:
    from portal.cli import register
    from portal.privacy.cli import register as register_retention_cli

    register(app)
    register_retention_cli(app)
