"""Settings read from the environment, with safe defaults for development."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
DEV_SECRET = "dev-only-not-secret"  # noqa: S105 - refused in production below


class ConfigError(RuntimeError):
    """Raised when the app would start with an unsafe configuration."""


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def from_environment() -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ.get("PORTAL_ENV", "development")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'portal.sqlite'}"
    production = env == "production"
    return {
        "ENV_NAME": env,
        "PLUGINS": tuple(filter(None, os.environ.get("PORTAL_PLUGINS", "onboarding").split(","))),
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(INSTANCE / "uploads")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Single Permit Portal <noreply@portal.example>"),
        "MAIL_DIR": os.environ.get("MAIL_DIR", str(INSTANCE / "mail")),
        "INTAKE_ADDRESS": os.environ.get("INTAKE_ADDRESS", "intake@portal.example"),
        "INTAKE_MAILDIR": os.environ.get("INTAKE_MAILDIR"),
        "INTAKE_IMAP_HOST": os.environ.get("INTAKE_IMAP_HOST"),
        "INTAKE_IMAP_PORT": _int("INTAKE_IMAP_PORT", 993),
        "INTAKE_IMAP_USER": os.environ.get("INTAKE_IMAP_USER", ""),
        "INTAKE_IMAP_PASSWORD": os.environ.get("INTAKE_IMAP_PASSWORD", ""),
        "INTAKE_IMAP_FOLDER": os.environ.get("INTAKE_IMAP_FOLDER", "INBOX"),
        "INTAKE_IMAP_SSL": os.environ.get("INTAKE_IMAP_SSL", "1"),
        "INTAKE_ANSWERS_PER_DAY": _int("INTAKE_ANSWERS_PER_DAY", 20),
        "FALLBACK_PROOF_DAYS": _int("FALLBACK_PROOF_DAYS", 5),
        "HELPDESK_SCREENSHOT_MAX_BYTES": _int("HELPDESK_SCREENSHOT_MAX_BYTES", 5 * 1024 * 1024),
        "HELPDESK_REPORT_RATE_LIMIT": os.environ.get("HELPDESK_REPORT_RATE_LIMIT", "10 per hour"),
        "DVZ_URL": os.environ.get("DVZ_URL", ""),
        "DVZ_TOKEN": os.environ.get("DVZ_TOKEN", ""),
        "DVZ_DROP_DIR": os.environ.get("DVZ_DROP_DIR", str(INSTANCE / "dvz")),
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
        # Deliver a request's queued e-mails right after it commits; the worker
        # (`flask outbox run`) retries whatever failed. Production may turn it off.
        "OUTBOX_SEND_AFTER_REQUEST": os.environ.get("OUTBOX_SEND_AFTER_REQUEST", "1") == "1",
        "MANDATE_MAX_BYTES": _int("MANDATE_MAX_BYTES", 10 * 1024 * 1024),
        "DOCUMENT_MAX_BYTES": _int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024),
        "DOSSIER_MAX_BYTES": _int("DOSSIER_MAX_BYTES", 50 * 1024 * 1024),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 60 * 1024 * 1024),
        "VERIFY_LINK_MAX_AGE": _int("VERIFY_LINK_MAX_AGE", 48 * 3600),
        "RESET_LINK_MAX_AGE": _int("RESET_LINK_MAX_AGE", 3600),
        "INVITE_LINK_MAX_AGE": _int("INVITE_LINK_MAX_AGE", 7 * 24 * 3600),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "120 per minute"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per minute; 30 per hour"),
        # How many reverse proxies in front of the portal set X-Forwarded-For/-Proto/-Host;
        # 0 trusts none of these headers (a client could forge them).
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") == "1",
        "WTF_CSRF_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": _int("SESSION_LIFETIME", 8 * 3600),
        # Server-side sessions (portal/accounts/sessions.py): idle and absolute timeouts,
        # and how often "last seen" is written.
        "SESSION_IDLE_TIMEOUT": _int("SESSION_IDLE_TIMEOUT", 30 * 60),
        "SESSION_ABSOLUTE_TIMEOUT": _int("SESSION_LIFETIME", 8 * 3600),
        "SESSION_TOUCH_INTERVAL": _int("SESSION_TOUCH_INTERVAL", 60),
        # Routes that send e-mail or create accounts: per client (IP) and per address.
        "MAIL_RATE_LIMIT": os.environ.get("MAIL_RATE_LIMIT", "10 per minute; 50 per hour"),
        "MAIL_RATE_LIMIT_PER_ADDRESS": os.environ.get(
            "MAIL_RATE_LIMIT_PER_ADDRESS", "3 per 10 minutes; 10 per day"
        ),
    }


def check(config: dict) -> None:
    """Refuse a production start with the development secret or a short key."""
    if config.get("ENV_NAME") != "production":
        return
    secret = config.get("SECRET_KEY") or ""
    if secret == DEV_SECRET or len(secret) < 32:
        raise ConfigError("SECRET_KEY must be set to a random value of at least 32 characters")
