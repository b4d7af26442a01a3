"""Who may open each view, and where each role starts. Every view carries exactly one of
these rules; a test walks the URL map and fails on any route without one."""

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, g, url_for
from flask_login import current_user

from app.choices import UserRole
from app.extensions import login_manager

ANONYMOUS = "anonymous"
PARTICIPANT = "participant"


def public(view: Callable) -> Callable:
    view.access = ANONYMOUS
    return view


def participant(view: Callable) -> Callable:
    """For /r/<token>/... pages: swaps the raw token for the registration it opens."""

    @wraps(view)
    def wrapped(*args, token: str, **kwargs):
        from app.outbound.manage_tokens import find_registration_by_token

        registration = find_registration_by_token(token)
        if registration is None:
            abort(404)
        g.private_page = True
        return view(*args, registration=registration, token=token, **kwargs)

    wrapped.access = PARTICIPANT
    return wrapped


def roles_required(*roles: str) -> Callable[[Callable], Callable]:
    allowed = frozenset(str(role) for role in roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            g.private_page = True
            return view(*args, **kwargs)

        wrapped.access = allowed
        return wrapped

    return decorator


HOME_ENDPOINTS = {
    UserRole.ORGANISER: "organiser.home",
    UserRole.FACILITATOR: "breakouts.home",
    UserRole.STEERING: "report_runs.home",
}


def home_for(user) -> str:
    """The page a signed-in user starts from."""
    endpoint = HOME_ENDPOINTS.get(user.role, "public.index")
    if endpoint not in current_app.view_functions:
        endpoint = "public.index"
    return url_for(endpoint)
