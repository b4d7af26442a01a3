"""The gathering manager: create_app() wires configuration, extensions, blueprints and CLI."""

import importlib
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import configure_mappers

from app import privacy_log
from app.config import DEFAULTS, database_uri, from_environment, secret_key
from app.extensions import db
from app.gc_pause import gc_paused
from app.outbound import public_links
from app.routing import DatabaseIdConverter, LazyBuildRule

ROOT = Path(__file__).resolve().parent.parent

# The modules that attach each feature's pages to its blueprint (`bp`, which each of them
# imports from its package, privacy's excepted: its blueprint is its routes module's own).
# A feature's package imports none of them, so its services can be used without its pages.
FEATURE_PAGES = (
    "public.routes",
    "auth.routes",
    "registration.routes",
    "organiser.routes",
    "organiser.people_routes",
    "invites.routes",
    "outbox.routes",
    "attendance.routes",
    "breakouts.routes",
    "evaluation.routes",
    "report_runs.routes",
    "report_review.routes",
    "messages.routes",
    "community.routes",
    "organisation.routes",
    "staff.routes",
    "lifecycle.routes",
    "meetings.routes",
    "contributors.routes",
    "privacy.routes",
    "invitations.routes",
    "accommodations.routes",
    "value.routes",
    "said_did.routes",
)
WHOLE = "gathering_manager.whole"


def create_app(overrides: dict[str, Any] | None = None, *, whole: bool = True) -> Flask:
    """The app, wired. Start-up allocates a great many long-lived objects (models, forms,
    routes); the garbage collector is paused meanwhile, since scanning them again and
    again costs about as much as the work itself (bench/startup.py).

    `whole=False` is for the command line (wsgi.py): configuration, the database and its
    models, the hooks on its writes, background work and the commands, without what only
    pages need; a command that needs more makes the app whole before it runs
    (app/cli.py), and a command that reads a file into the database never builds every
    feature's pages."""
    with gc_paused():
        app = _create_app(overrides)
        if whole:
            make_whole(app)
    return app


def make_whole(app: Flask) -> bool:
    """Add what `create_app(whole=False)` leaves out: migrations, CSRF protection,
    sign-in, every feature's pages, error pages, rate limits, template globals and the
    security headers. Returns whether anything was added (once per app)."""
    if app.extensions.get(WHOLE):
        return False
    from app import jobs

    with gc_paused():
        _add_pages(app)
    app.extensions[jobs.EVERY_JOB_KNOWN] = True  # the pages import every job's module
    app.extensions[WHOLE] = True
    return True


def _create_app(overrides: dict[str, Any] | None) -> Flask:
    overrides = dict(overrides or {})
    instance_path = str(
        overrides.pop("INSTANCE_PATH", None) or os.environ.get("INSTANCE_PATH") or ROOT / "instance"
    )
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(DEFAULTS)
    app.config.update(from_environment(dict(os.environ)))
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(overrides)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", database_uri(app.config.get("DATABASE_URL"), instance_path)
    )
    if not app.config.get("SECRET_KEY"):
        if app.config.get("REDIS_URL"):
            raise RuntimeError(
                "SECRET_KEY must be set when REDIS_URL is: every web server and worker "
                "must sign sessions and links with the same key."
            )
        app.config["SECRET_KEY"] = secret_key(instance_path)
    public_links.check_configured(app)
    if app.config["PREFERRED_URL_SCHEME"] == "https":
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True

    db.init_app(app)
    app.url_rule_class = LazyBuildRule
    app.url_map.converters["int"] = DatabaseIdConverter
    importlib.import_module("app.models")  # every model known to Alembic and create_all
    configure_mappers()  # now, with the collector paused, rather than at the first query

    from app import cli, jobs, transaction_hooks
    from app.outbound import mail

    transaction_hooks.install()
    cli.init_app(app, make_whole=lambda: make_whole(app))
    mail.init_app(app)
    jobs.init_app(app)
    privacy_log.install()
    return app


def _add_pages(app: Flask) -> None:
    from flask_migrate import Migrate
    from flask_wtf import CSRFProtect

    from app import errors, limits, templating
    from app.auth.access import home_for
    from app.extensions import login_manager

    # Made here, per app, rather than in app.extensions: Alembic and WTForms come with
    # them, and a command that needs only the database does without both.
    Migrate(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    CSRFProtect(app)
    login_manager.init_app(app)
    # Every page attached before any blueprint is registered (organiser's come in two).
    blueprints = {}
    for name in FEATURE_PAGES:
        blueprint = importlib.import_module(f"app.{name}").bp
        blueprints.setdefault(blueprint.name, blueprint)
    for blueprint in blueprints.values():
        app.register_blueprint(blueprint)

    errors.init_app(app)
    limits.init_app(app)
    templating.init_app(app, home_for=home_for)
    app.after_request(_security_headers)


# A pooled connection that has sat unused this long is checked with a round trip before
# it is handed out (a server restart overnight then costs nobody a request). One used
# moments ago is not: checking every one cost a round trip per request and per email sent.
# Should the server go away mid-burst, the first statement on a dead connection fails, the
# request answers 503 with nothing saved, and SQLAlchemy replaces the whole pool.
PING_AFTER_IDLE_SECONDS = 5.0


@event.listens_for(Engine, "checkin")
def _note_idle_since(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


@event.listens_for(Engine, "checkout")
def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    idle_since = record.info.get("idle_since")
    if isinstance(dbapi_connection, sqlite3.Connection) or idle_since is None:
        return  # a file has no server to lose; a new connection was just made
    if time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    autocommit = dbapi_connection.autocommit
    try:
        dbapi_connection.autocommit = True  # the ping must not open a transaction
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.autocommit = autocommit
    except Exception as error:  # any failure: the pool discards it and connects afresh
        raise DisconnectionError(str(error)) from error


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.path.startswith("/r/") or getattr(g, "private_page", False):
        response.headers["Cache-Control"] = "no-store"
    return response
