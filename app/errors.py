"""Friendly error pages: a plain sentence and a way back, never a stack trace."""

from flask import Flask, g, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from app.extensions import db, login_manager

MESSAGES = {
    400: (
        "Something was wrong with that request",
        "Please go back, reload the page and try again.",
    ),
    403: ("You do not have access to this page", "Your account cannot open this page."),
    404: ("Page not found", "The address may be mistyped, or the link may have expired."),
    405: ("That action is not allowed here", "Please go back and use the buttons on the page."),
    413: ("That was too large", "The form or file you sent is larger than we accept."),
    429: ("Too many attempts", "Please wait a few minutes before trying again."),
    500: ("Something went wrong on our side", "Nothing you did caused this. Please try again."),
    503: (
        "We cannot save or show this right now",
        "Our database is briefly unavailable. Nothing from this request was saved. Please "
        "try again in a minute.",
    ),
}
RETRY_AFTER_SECONDS = 30



def _page(code: int, detail: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _page(
            400,
            "This form had expired or was not sent from our site. Please reload the page "
            "and submit it again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code >= 500:
            db.session.rollback()
        return _page(error.code)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error: DBAPIError):
        return _unavailable(app, error)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        if error.connection_invalidated:
            return _unavailable(app, error)
        return unexpected(error)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return _page(500)


def _unavailable(app: Flask, error: DBAPIError):
    """A lost or refused database connection (a restart, a failover, SQLite locked for too
    long): roll back whatever the request had begun, and answer 503 without touching the
    database again while rendering (neither the signed-in user nor the organisation's
settings are loaded for the page)."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.remove()
    app.logger.warning("Database unavailable: %s", error.orig or error)
    from app.branding import Organisation

    g._login_user = login_manager.anonymous_user()
    g.setdefault("organisation", Organisation())
    page, code = _page(503)
    return page, code, {"Retry-After": str(RETRY_AFTER_SECONDS)}
