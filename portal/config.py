"""Settings read from the environment, with safe defaults for development."""

from __future__ import annotations

import math
import os
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A checkout keeps its instance/ folder beside the package; an installed portal (a wheel in
# site-packages) uses PORTAL_INSTANCE or ./instance of the folder it is started from.
INSTANCE = Path(
    os.environ.get("PORTAL_INSTANCE")
    or (ROOT / "instance" if (ROOT / "pyproject.toml").is_file() else Path.cwd() / "instance")
).resolve()
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
        # The helpdesk's contact details, shown wherever the helpdesk is named.
        "HELPDESK_PHONE": os.environ.get("HELPDESK_PHONE", "+32 2 555 01 00"),
        "HELPDESK_HOURS": os.environ.get("HELPDESK_HOURS", "mon-fri 09:00-17:00"),
        "HELPDESK_EMAIL": os.environ.get("HELPDESK_EMAIL", "helpdesk@portal.example"),
        "DVZ_URL": os.environ.get("DVZ_URL", ""),
        "DVZ_TOKEN": os.environ.get("DVZ_TOKEN", ""),
        "DVZ_DROP_DIR": os.environ.get("DVZ_DROP_DIR", str(INSTANCE / "dvz")),
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
        # Deliver a request's queued e-mails right after it commits; the worker
        # (`flask outbox run`) retries whatever failed. Production may turn it off.
        "OUTBOX_SEND_AFTER_REQUEST": os.environ.get("OUTBOX_SEND_AFTER_REQUEST", "1") == "1",
        # Outbox items (portal/jobs.py): parked after this many failures; a claim's lease.
        "JOBS_MAX_ATTEMPTS": _int("JOBS_MAX_ATTEMPTS", 20),
        "JOBS_LEASE_SECONDS": _int("JOBS_LEASE_SECONDS", 300),
        # `flask worker` (portal/worker.py, portal/scheduler.py): the wait when idle, the
        # heartbeat (and how old it may be for /readyz), the hours (Brussels) of daily jobs.
        "WORKER_IDLE_SECONDS": float(os.environ.get("WORKER_IDLE_SECONDS", "1")),
        "WORKER_HEARTBEAT_SECONDS": _int("WORKER_HEARTBEAT_SECONDS", 15),
        "WORKER_HEARTBEAT_MAX_AGE": _int("WORKER_HEARTBEAT_MAX_AGE", 60),
        "INTAKE_POLL_SECONDS": _int("INTAKE_POLL_SECONDS", 60),
        "UPLOADS_SWEEP_HOUR": _int("UPLOADS_SWEEP_HOUR", 3),
        "CLAIMS_EXPIRE_HOUR": _int("CLAIMS_EXPIRE_HOUR", 2),
        # Retention (portal/privacy): the daily purge's hour (Brussels), whether the worker
        # runs it, and an operator's own schedule file instead of portal/data/retention.toml.
        "RETENTION_HOUR": _int("RETENTION_HOUR", 4),
        "RETENTION_DAILY": os.environ.get("RETENTION_DAILY", "1") == "1",
        "RETENTION_SCHEDULE": os.environ.get("RETENTION_SCHEDULE", ""),
        "CARD_REMINDER_HOUR": _int("CARD_REMINDER_HOUR", 7),
        # /metrics: a bearer token; without one, only loopback clients may read it.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
        "MANDATE_MAX_BYTES": _int("MANDATE_MAX_BYTES", 10 * 1024 * 1024),
        "DOCUMENT_MAX_BYTES": _int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024),
        "DOSSIER_MAX_BYTES": _int("DOSSIER_MAX_BYTES", 50 * 1024 * 1024),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 60 * 1024 * 1024),
        "VERIFY_LINK_MAX_AGE": _int("VERIFY_LINK_MAX_AGE", 48 * 3600),
        "RESET_LINK_MAX_AGE": _int("RESET_LINK_MAX_AGE", 3600),
        "INVITE_LINK_MAX_AGE": _int("INVITE_LINK_MAX_AGE", 7 * 24 * 3600),
        # An organisation's claim to its KBO number lapses unproven after this (seconds).
        "CLAIM_MAX_AGE": _int("CLAIM_MAX_AGE", 72 * 3600),
        "CLAIM_PROOF_MAX_BYTES": _int("CLAIM_PROOF_MAX_BYTES", 10 * 1024 * 1024),
        "CONTEST_RATE_LIMIT": os.environ.get("CONTEST_RATE_LIMIT", "5 per hour; 20 per day"),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "120 per minute"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per minute; 30 per hour"),
        # How many reverse proxies in front of the portal set X-Forwarded-For/-Proto/-Host;
        # 0 trusts none of these headers (a client could forge them).
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") == "1",
        # Rendered public pages kept per worker for anonymous visitors (portal/pagecache.py).
        "PUBLIC_PAGE_CACHE": os.environ.get("PUBLIC_PAGE_CACHE", "1") == "1",
        "PUBLIC_PAGE_CACHE_SIZE": _int("PUBLIC_PAGE_CACHE_SIZE", 512),
        "PUBLIC_PAGE_CACHE_MAX_AGE": _int("PUBLIC_PAGE_CACHE_MAX_AGE", 60),
        # Where vulnerabilities are reported: /.well-known/security.txt (RFC 9116), SECURITY.md.
        "SECURITY_CONTACT": os.environ.get("SECURITY_CONTACT", "mailto:security@portal.example"),
        "SECURITY_TXT_DAYS": _int("SECURITY_TXT_DAYS", 180),
        "SECURITY_POLICY_URL": os.environ.get("SECURITY_POLICY_URL", ""),
        "SECURITY_ENCRYPTION_URL": os.environ.get("SECURITY_ENCRYPTION_URL", ""),
        # Logs (portal/logs.py): one JSON object per line in production, plain text in
        # development; LOG_LEVEL for the portal's own loggers.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT") or ("json" if production else "text"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        # Where uploads are kept (portal/storage.py): "file" = UPLOAD_DIR, a shared volume
        # when several instances run; "s3" = a bucket of an S3-compatible store.
        "UPLOAD_STORAGE": os.environ.get("UPLOAD_STORAGE", "file"),
        # UPLOAD_STORAGE=s3: the bucket, a key prefix, and the endpoint of a store that is
        # not AWS (MinIO, Ceph); credentials come from the AWS_* variables as boto3 reads them.
        "UPLOAD_S3_BUCKET": os.environ.get("UPLOAD_S3_BUCKET", ""),
        "UPLOAD_S3_PREFIX": os.environ.get("UPLOAD_S3_PREFIX", "uploads/"),
        "UPLOAD_S3_ENDPOINT": os.environ.get("UPLOAD_S3_ENDPOINT", ""),
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
        # Downloads made afresh per request, per signed-in person (portal/limits.py): a
        # person's own data (JSON and PDF together; 0.5 and 1.8 s of CPU for an employer
        # with 10,000 files) and a draft's application form (about 50 ms, some 30 pages').
        "OWN_DATA_RATE_LIMIT": os.environ.get("OWN_DATA_RATE_LIMIT", "6 per minute; 40 per day"),
        "FORM_PDF_RATE_LIMIT": os.environ.get("FORM_PDF_RATE_LIMIT", "20 per minute; 200 per day"),
    }


MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT = 8  # secrets.token_hex(16) has at least 9 in 100,000 draws
MIN_SECRET_BITS = 80  # ... and at least 94 bits by the estimate below
MIN_SECRET_TRIGRAMS = 0.75  # share of its 3-character pieces that differ (hex: >= 0.83)


def secret_problem(secret: str) -> str | None:
    """Why `secret` is too weak to sign sessions and links, or None.

    The estimate is the Shannon entropy of the key's own characters times its length: it
    cannot prove a key random, but it refuses the keys people type (`x` * 40, a word
    repeated, with or without a tail) and accepts `secrets.token_hex(16)` and longer.
    """
    if secret == DEV_SECRET:
        return "is the development secret"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    counts = Counter(secret)
    if len(counts) < MIN_SECRET_DISTINCT:
        return f"has fewer than {MIN_SECRET_DISTINCT} different characters"
    trigrams = [secret[i : i + 3] for i in range(len(secret) - 2)]
    if len(set(trigrams)) < MIN_SECRET_TRIGRAMS * len(trigrams):
        return "repeats itself"
    n = len(secret)
    bits = -sum(c / n * math.log2(c / n) for c in counts.values()) * n
    if bits < MIN_SECRET_BITS:
        return f"has an estimated entropy of {bits:.0f} bits, below {MIN_SECRET_BITS}"
    return None


def check(config: dict) -> None:
    """Refuse a production start with a weak SECRET_KEY or development-only switches."""
    if config.get("ENV_NAME") != "production":
        return
    problem = secret_problem(config.get("SECRET_KEY") or "")
    if problem:
        raise ConfigError(
            f"SECRET_KEY {problem}: set a random value of at least {MIN_SECRET_LENGTH} "
            "characters, e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )
