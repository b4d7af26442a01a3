"""Absolute links for emails, calendar files and PDFs, built from one setting.

`PUBLIC_URL` is the address participants use (`https://gatherings.example.ca`, or with a
path if the site is mounted under one). Every absolute link is built from it, whether the
message is written in a request, by a background job or on the command line, so a link
never depends on which host name a request happened to arrive on, and a job never falls
back to `localhost`. Without it (development and tests only: a production start refuses
to run, see `check_configured`) a request's own address is used, or `SERVER_NAME`; with
neither (a job or the command line in development), building a link is an error that
says to set `PUBLIC_URL`, rather than a link to a host nobody can reach.
"""

from urllib.parse import urlsplit

from flask import Flask, current_app, url_for
from werkzeug.routing import MapAdapter

MISSING_MESSAGE = (
    "PUBLIC_URL must be set: it is the address participants use (for example "
    "https://gatherings.example.ca), and every link in emails, calendar files and PDFs "
    "is built from it. Without it, links written by background jobs and the command line "
    "would point at the wrong host."
)


def normalised(url: str) -> str:
    """`https://host/path/` as `https://host/path`: scheme and host required."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RuntimeError(
            f"PUBLIC_URL must be an http:// or https:// address with a host name, not {url!r}."
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def check_configured(app: Flask) -> None:
    """At start-up: a production app (Redis configured, or neither debug nor testing)
    without PUBLIC_URL is an error with a plain message, like a missing SECRET_KEY."""
    url = app.config.get("PUBLIC_URL")
    if url:
        app.config["PUBLIC_URL"] = normalised(str(url))
        return
    if app.config.get("REDIS_URL") or not (app.debug or app.testing):
        raise RuntimeError(MISSING_MESSAGE)


def _adapter(base: str) -> MapAdapter:
    cache = current_app.extensions.setdefault("public_links", {})
    adapter = cache.get(base)
    if adapter is None:
        parts = urlsplit(base)
        adapter = current_app.url_map.bind(
            parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
        )
        cache[base] = adapter
    return adapter


def public_url(endpoint: str, **values) -> str:
    """The absolute link to `endpoint` as participants reach it."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return _adapter(str(base)).build(endpoint, values, force_external=True)
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:
        raise RuntimeError(MISSING_MESSAGE) from None
