"""Configuration: defaults here, then environment variables, then instance/config.py."""

import os
import secrets
from pathlib import Path

DEFAULTS: dict[str, object] = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PREFERRED_URL_SCHEME": "http",
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 512 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
    "DEFAULT_TIMEZONE": "America/Vancouver",
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_MINUTES": 15,
    "REGISTRANTS_PER_PAGE": 100,
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "Gathering manager <no-reply@gathering.invalid>",
    "MAIL_SMTPUTF8": False,
    "SUPPRESSION_THRESHOLD": 5,
    "REPORT_PAGE_SIZE": "Letter",
    "STEERING_COMMITTEE_EMAILS": "",
    # Seconds a request waits for Redis (rate limits, queueing) before going on without it.
    "REDIS_SOCKET_TIMEOUT": 0.25,
    "ZOOM_ACCOUNT_DOMAINS": "",
}

ENV_STRINGS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "PREFERRED_URL_SCHEME",
    "SERVER_NAME",
    "PUBLIC_URL",
    "REPORT_PAGE_SIZE",
    "STEERING_COMMITTEE_EMAILS",
    "DEFAULT_TIMEZONE",
    "REDIS_URL",
    "ZOOM_ACCOUNT_DOMAINS",
)
ENV_INTS = (
    "MAIL_PORT",
    "SUPPRESSION_THRESHOLD",
    "MAX_CONTENT_LENGTH",
    "JOBS_SWEEP_SECONDS",
    "JOBS_SWEEP_GRACE_SECONDS",
    "JOBS_CLAIM_SECONDS",
    "MAIL_RETRY_BASE_SECONDS",
    "MAIL_UPDATE_HOLD_SECONDS",
    "JOBS_WORKER_NICE",
)
ENV_BOOLS = ("MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_SMTPUTF8", "RATELIMIT_ENABLED")


def from_environment(environ: dict[str, str]) -> dict[str, object]:
    settings: dict[str, object] = {}
    for name in ENV_STRINGS:
        if environ.get(name):
            settings[name] = environ[name]
    for name in ENV_INTS:
        if environ.get(name):
            settings[name] = int(environ[name])
    for name in ENV_BOOLS:
        if name in environ:
            settings[name] = environ[name].strip().lower() in {"1", "true", "yes", "on"}
    return settings


def database_uri(url: str | None, instance_path: str) -> str:
    """Use the SQLite file in instance/ unless DATABASE_URL names another database.

    Plain postgres:// and postgresql:// URLs are pointed at psycopg 3 so that a URL
    copied from a hosting dashboard works as it is.
    """
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "gathering.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key(instance_path: str) -> str:
    """Read instance/secret_key, creating it with a fresh random key on first run."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker created it a moment ago
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()
