"""Rate limits (Flask-Limiter) on the forms that send email or test a password: sign-in,
forgotten password, resend-link and registration, each per network address and per email
address typed. Storage is Redis when REDIS_URL is set (shared by every worker), memory
otherwise. RATELIMIT_ENABLED=false turns them off (the test suite does; its own limiter
tests turn them on).

Losing Redis must not cost a sign-in or a registration: the store is asked with a short
timeout (REDIS_SOCKET_TIMEOUT) and no retries, and once it fails each process counts in
its own memory, with the same limits, until Redis answers again (Flask-Limiter checks it
again after 1, 2, 4... seconds).

The limits are one table here rather than decorators spread over the features' routes,
so the whole policy reads in one place; each app gets its own Limiter, so apps built in
one process (tests) never share counters."""

import hashlib
from dataclasses import dataclass

from flask import Flask, current_app, render_template, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

from app.addresses import normalise_email

LIMIT_DEFAULTS: dict[str, object] = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_KEY_PREFIX": "gathering-limits",
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_SIGN_IN_PER_NETWORK": "20 per minute;100 per hour",
    "RATELIMIT_SIGN_IN_PER_EMAIL": "10 per 15 minutes",
    "RATELIMIT_PASSWORD_RESET_PER_NETWORK": "10 per minute;30 per hour",
    "RATELIMIT_PASSWORD_RESET_PER_EMAIL": "3 per hour",
    "RATELIMIT_RESEND_LINK_PER_NETWORK": "10 per minute;30 per hour",
    "RATELIMIT_RESEND_LINK_PER_EMAIL": "3 per hour",
    # A health authority's staff may all register from one office address.
    "RATELIMIT_REGISTRATION_PER_NETWORK": "60 per minute",
    "RATELIMIT_REGISTRATION_PER_EMAIL": "10 per hour",
    # Each certificate is a WeasyPrint render; verification codes are not to be guessed.
    "RATELIMIT_CERTIFICATE_DOWNLOAD_PER_NETWORK": "20 per hour",
    "RATELIMIT_CERTIFICATES_ZIP_PER_NETWORK": "5 per hour",
    "RATELIMIT_CERTIFICATE_VERIFY_PER_NETWORK": "30 per minute",
}


def email_key() -> str:
    """The address typed in the form, normalised as it is stored (capitals, full-width
    letters and a trailing dot are the same address) and hashed so that no address is
    kept in the store; the network address when the form has none."""
    typed = normalise_email(request.form.get("email") or "")
    if not typed:
        return "network:" + get_remote_address()
    return "email:" + hashlib.sha256(typed.encode()).hexdigest()[:32]


def network_key() -> str:
    return "network:" + get_remote_address()


@dataclass(frozen=True)
class LimitedForm:
    endpoint: str
    setting: str


LIMITED_FORMS = (
    LimitedForm("auth.login", "SIGN_IN"),
    LimitedForm("auth.forgotten_password", "PASSWORD_RESET"),
    LimitedForm("registration.resend_link", "RESEND_LINK"),
    LimitedForm("registration.register", "REGISTRATION"),
)


# Pages whose every reading costs (a PDF rendered) or could be used to guess (a code):
# each reading counts, per network address.
LIMITED_DOWNLOADS = (
    LimitedForm("community.my_certificate", "CERTIFICATE_DOWNLOAD"),
    LimitedForm("community.certificates_zip", "CERTIFICATES_ZIP"),
    LimitedForm("community.verify_certificate", "CERTIFICATE_VERIFY"),
)


def _limit_value(setting: str):
    return lambda: current_app.config[f"RATELIMIT_{setting}"]


def _storage_uri(app: Flask) -> str:
    return str(
        app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    )


def init_app(app: Flask) -> Limiter:
    for name, value in LIMIT_DEFAULTS.items():
        app.config.setdefault(name, value)
    app.config["RATELIMIT_STORAGE_URI"] = _storage_uri(app)
    timeout = float(app.config["REDIS_SOCKET_TIMEOUT"])
    storage_options: dict = {}
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss")):
        # Only with Redis configured: the client takes a fifth of a second to import.
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        storage_options = {
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "retry": Retry(NoBackoff(), 0),
        }
    limiter = Limiter(
        network_key,
        app=app,
        storage_options=storage_options,
        in_memory_fallback_enabled=True,
    )
    app.extensions["gathering_limiter"] = limiter
    for rule in LIMITED_FORMS:
        view = app.view_functions.get(rule.endpoint)
        if view is None:
            continue
        # Only POSTs count: reading the form page again is never throttled.
        for suffix, key in (("PER_NETWORK", network_key), ("PER_EMAIL", email_key)):
            view = limiter.limit(
                _limit_value(f"{rule.setting}_{suffix}"),
                key_func=key,
                methods=["POST"],
                scope=f"{rule.endpoint}:{suffix.lower()}",
            )(view)
        app.view_functions[rule.endpoint] = view

    for rule in LIMITED_DOWNLOADS:
        view = app.view_functions.get(rule.endpoint)
        if view is not None:
            app.view_functions[rule.endpoint] = limiter.limit(
                _limit_value(f"{rule.setting}_PER_NETWORK"),
                key_func=network_key,
                methods=["GET"],
                scope=f"{rule.endpoint}:per_network",
            )(view)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded):
        return render_template("errors/too_many.html", endpoint=request.endpoint), 429

    return limiter
