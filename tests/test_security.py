"""The security sweep.

- Every route carries an access rule and behaves by it: anonymous visitors are sent to
  sign in, the wrong role gets 403, participant pages 404 without a valid token. A new
  route without a rule, or a new public route nobody listed here, fails the suite.
- CSRF protects every state-changing route.
- Manage and survey tokens never reach a real server's access log.
- Security headers on every response; session cookies HttpOnly, SameSite, Secure on https.
- Markup typed into free-text fields comes out inert in pages, emails, CSV/XLSX, .ics and
  the PDF.
- Repeated wrong passwords lock the account.
"""

import csv
import io
import logging
import re
import secrets
import threading
from datetime import UTC, datetime
from html.parser import HTMLParser

import icalendar
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.routing import Rule
from werkzeug.serving import make_server

from app.auth.access import ANONYMOUS, PARTICIPANT
from app.choices import UserRole
from app.extensions import db
from app.models import OutboundEmail, Registration
from tests.conftest import PASSWORD, login, make_test_app
from tests.test_registration import form_data

pytest_plugins = ["tests.fixtures_server"]

# Reviewed by hand: adding a page anyone can open means adding it here.
PUBLIC_ENDPOINTS = {
    "public.index",
    "public.gathering",
    "public.healthz",
    "invites.gathering_calendar",
    "registration.register",
    "registration.check_email",
    "registration.resend_link",
    "report_runs.stylesheet",
    "evaluation.survey",
    "evaluation.edit",
    "auth.login",
    "auth.logout",
    "community.verify_certificate",
    "auth.forgotten_password",
    "auth.choose_password",
    "organisation.theme",
    "organisation.logo",
    "lifecycle.public_report",
    "contributors.own_plan",
    "privacy.erased",
    "invitations.opt_out",
    "evaluation.accommodation_outcome",
    "accommodations.give_feedback",
    "accommodations.feedback_thanks",
    "value.answer",
    "said_did.page",
    "said_did.feed",
}
# Public pages whose address carries a secret; treated like participant pages.
TOKEN_PAGES = re.compile(r"^/(r|s|c|v)/")
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
ROLES = [role.value for role in UserRole]
FAKE_TOKEN = "A" * 43


def routes(app) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def fill(rule: Rule, values: dict[str, str]) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>|<[^<>]*:{name}>", values.get(name, "1"), path)
    path = re.sub(r"<any\([^)]*\):fmt>", values.get("fmt", "csv"), path)
    assert "<" not in path, path
    return path


def method_for(rule: Rule) -> str:
    return "GET" if "GET" in rule.methods else sorted(rule.methods & STATE_CHANGING)[0]


def fresh_request_globals() -> None:
    """The app fixture keeps one app context (so one `g`) across requests; drop what
    Flask-Login and the access decorators cached there, as a new request would."""
    from flask import g

    for name in ("_login_user", "private_page"):
        g.pop(name, None)


def send(client, method: str, path: str):
    fresh_request_globals()
    response = client.open(path, method=method)
    response.get_data()  # buffer the body, then release streamed files at once
    response.close()
    return response


def signed_in_clients(app, users) -> dict:
    clients = {}
    for role, user in users.items():
        fresh_request_globals()
        clients[role] = app.test_client()
        login(clients[role], user)
    return clients


@pytest.fixture
def world(make_gathering, make_registration, make_user):
    gathering = make_gathering()
    registration = make_registration(gathering)
    users = {role: make_user(role) for role in ROLES}
    return {
        "values": {
            "slug": gathering.slug,
            "token": registration.token,
            "key": FAKE_TOKEN,
            "item_id": str(gathering.breakouts[0].id),
            "fmt": "csv",
            "filename": "css/site.css",
        },
        "gathering": gathering,
        "registration": registration,
        "users": users,
    }


def test_every_route_has_exactly_one_known_access_rule(app):
    problems = []
    for rule in routes(app):
        access = getattr(app.view_functions[rule.endpoint], "access", None)
        if access in (ANONYMOUS, PARTICIPANT):
            continue
        if isinstance(access, frozenset) and access and access <= set(ROLES):
            continue
        problems.append(f"{rule.endpoint} ({rule.rule}): access={access!r}")
    assert problems == [], "routes without an access decorator:\n" + "\n".join(problems)


def test_public_routes_are_the_reviewed_list(app):
    public = {
        rule.endpoint
        for rule in routes(app)
        if getattr(app.view_functions[rule.endpoint], "access", None) == ANONYMOUS
    }
    assert public - PUBLIC_ENDPOINTS == set(), "new public routes: review, then list them"
    assert PUBLIC_ENDPOINTS - public == set(), "listed public routes that no longer exist"


def test_anonymous_visitors_are_sent_to_sign_in_from_every_role_page(app, client, world):
    checked = 0
    for rule in routes(app):
        if not isinstance(app.view_functions[rule.endpoint].access, frozenset):
            continue
        path = fill(rule, world["values"])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = send(client, method, path)
            assert response.status_code in (302, 303), (method, path, response.status_code)
            assert "/sign-in" in response.headers["Location"], (method, path)
            checked += 1
    assert checked > 20


def test_wrong_roles_get_403_on_every_role_page(app, world):
    clients = signed_in_clients(app, world["users"])
    checked = 0
    for rule in routes(app):
        allowed = app.view_functions[rule.endpoint].access
        if not isinstance(allowed, frozenset):
            continue
        path = fill(rule, world["values"])
        for role in set(ROLES) - allowed:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = send(clients[role], method, path)
                assert response.status_code == 403, (role, method, path, response.status_code)
                checked += 1
    assert checked > 20


def test_right_roles_never_get_a_server_error_on_pages(app, world):
    """Every GET page opens for the roles it names (404 for ids that do not exist)."""
    clients = signed_in_clients(app, world["users"])
    checked = 0
    for rule in routes(app):
        allowed = app.view_functions[rule.endpoint].access
        if not isinstance(allowed, frozenset) or "GET" not in rule.methods:
            continue
        path = fill(rule, world["values"])
        for role in sorted(allowed):
            response = send(clients[role], "GET", path)
            assert response.status_code < 500, (role, path, response.status_code)
            if role != UserRole.FACILITATOR:  # facilitators open only the rooms they staff
                assert response.status_code != 403, (role, path)
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("token", [FAKE_TOKEN, "short", "A" * 42 + "!", "../../etc/passwd"])
def test_participant_pages_are_404_without_a_valid_token(app, client, world, token):
    checked = 0
    for rule in routes(app):
        if app.view_functions[rule.endpoint].access != PARTICIPANT:
            continue
        path = fill(rule, {**world["values"], "token": token})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = send(client, method, path)
            assert response.status_code == 404, (method, path, response.status_code)
            checked += 1
    assert checked > 5


def test_participant_pages_open_with_the_token(app, client, world):
    checked = 0
    for rule in routes(app):
        if app.view_functions[rule.endpoint].access != PARTICIPANT or "GET" not in rule.methods:
            continue
        response = client.get(fill(rule, world["values"]))
        assert response.status_code in (200, 302, 303), (rule.rule, response.status_code)
        checked += 1
    assert checked > 3


def test_csrf_token_required_on_every_state_changing_route(csrf_app):
    client = csrf_app.test_client()
    values = {"slug": "any", "token": FAKE_TOKEN, "key": FAKE_TOKEN, "fmt": "csv"}
    checked = []
    for rule in routes(csrf_app):
        for method in sorted(rule.methods & STATE_CHANGING):
            path = fill(rule, values)
            response = send(client, method, path)
            assert response.status_code == 400, (method, path, response.status_code)
            assert b"expired or was not sent from our site" in response.data
            checked.append(path)
    assert "/sign-in" in checked and len(checked) > 20


def test_security_headers_on_every_response(app, client, world):
    organiser = signed_in_clients(app, {"organiser": world["users"]["organiser"]})["organiser"]
    paths = ["/static/css/site.css", "/no-such-page", "/healthz"]
    for rule in routes(app):
        if "GET" in rule.methods:
            paths.append(fill(rule, world["values"]))
    for path in paths:
        for visitor in (client, organiser):
            response = send(visitor, "GET", path)
            headers = response.headers
            policy = headers.get("Content-Security-Policy", "")
            directives = dict(
                (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part
            )
            script = directives.get("script-src", directives.get("default-src", ""))
            assert script and "'unsafe-inline'" not in script, (path, policy)
            assert "'unsafe-eval'" not in script, (path, policy)
            assert directives.get("frame-ancestors") == "'none'", (path, policy)
            assert directives.get("object-src") == "'none'", (path, policy)
            assert headers.get("X-Content-Type-Options") == "nosniff", path
            if TOKEN_PAGES.match(path):
                assert headers.get("Referrer-Policy") == "no-referrer", path
                assert "no-store" in headers.get("Cache-Control", ""), path


def _set_cookie(response, name: str) -> str:
    found = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert found, f"no {name} cookie set"
    return found[-1]


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user("organiser")
    response = login(client, user)
    cookie = _set_cookie(response, "session")
    assert "HttpOnly" in cookie
    assert re.search(r"SameSite=(Lax|Strict)", cookie)
    assert "Secure" not in cookie  # plain http in development; see the https test


def test_session_cookie_is_secure_when_served_over_https(tmp_path):
    from app.auth.services import create_user

    app = make_test_app(tmp_path, PREFERRED_URL_SCHEME="https")
    with app.app_context():
        create_user("https@example.org", PASSWORD, role="organiser")
        db.session.commit()
        client = app.test_client()
        response = client.post(
            "/sign-in",
            data={"email": "https@example.org", "password": PASSWORD},
            base_url="https://gathering.test",
        )
        assert response.status_code == 303
        cookie = _set_cookie(response, "session")
        assert "Secure" in cookie and "HttpOnly" in cookie
        db.session.remove()
        db.engine.dispose()


def test_a_visitors_session_is_not_rewritten_by_each_form_they_send(csrf_app, make_gathering):
    gathering = make_gathering()
    client = csrf_app.test_client()
    page = client.get(f"/g/{gathering.slug}/register")
    assert _set_cookie(page, "session")  # the form's CSRF token, given once
    html = page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    response = client.post(
        f"/g/{gathering.slug}/register",
        data={**form_data(gathering), "csrf_token": token.group(1)},
    )
    assert response.status_code == 303
    assert response.headers.getlist("Set-Cookie") == []


def test_a_form_signs_its_csrf_token_only_when_the_page_shows_it(csrf_app):
    from flask import g
    from wtforms import StringField

    from app.forms_common import BaseForm

    class NameForm(BaseForm):
        name = StringField()

    with csrf_app.test_request_context("/", method="POST", data={"name": "Ada"}):
        form = NameForm()
        assert "csrf_token" not in g  # built for a POST, not shown: nothing signed
        shown = form.csrf_token()
        assert f'value="{g.csrf_token}"' in shown


def test_a_form_shown_again_with_its_errors_carries_a_token_that_works(csrf_app, make_gathering):
    gathering = make_gathering()
    client = csrf_app.test_client()
    html = client.get(f"/g/{gathering.slug}/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    refused = client.post(
        f"/g/{gathering.slug}/register",
        data={**form_data(gathering), "name": "", "csrf_token": token},
    )
    assert refused.status_code == 422
    again = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', refused.get_data(as_text=True)
    ).group(1)
    taken = client.post(
        f"/g/{gathering.slug}/register", data={**form_data(gathering), "csrf_token": again}
    )
    assert taken.status_code == 303


def test_a_signed_in_session_taken_to_another_browser_is_signed_out(client, make_user):
    login(client, make_user("organiser"))
    assert client.get("/organiser/").status_code == 200
    moved = client.get("/organiser/", headers={"User-Agent": "Another browser/1.0"})
    assert moved.status_code in (302, 303)
    assert "/sign-in" in moved.headers["Location"]
    assert client.get("/organiser/").status_code in (302, 303)  # the sign-in was dropped


def test_repeated_wrong_passwords_lock_the_account(app, client, make_user):
    user = make_user("organiser")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        response = client.post("/sign-in", data={"email": user.email, "password": "wrong" * 3})
        assert response.status_code == 401
    response = client.post("/sign-in", data={"email": user.email, "password": "wrong" * 3})
    assert response.status_code == 429
    # Now even the right password is refused until the lock lapses.
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/organiser/").status_code == 302


# --- tokens in logs --------------------------------------------------------------------


def test_real_server_access_log_never_shows_tokens(live_server):
    """gunicorn's access log (the production server) with the app's redaction filter."""
    seeded = live_server.seed()
    visitor = live_server.session()
    fields = visitor.registration_fields(
        seeded.slug, name="Log Reader", email="log.reader@example.org"
    )
    fields = [(k, v) for k, v in fields if k != "first_choice"]
    first = str(live_server.breakout_ids(seeded.gathering_id)[0])
    status, headers, _ = visitor.post(
        f"/g/{seeded.slug}/register", [*fields, ("first_choice", first)]
    )
    assert status == 303
    token = live_server.emailed_token("log.reader@example.org")
    survey_token = secrets.token_urlsafe(32)
    for path in (
        f"/r/{token}/certificate.pdf",
        f"/r/{token}",
        f"/r/{token}/invite.ics",
        f"/r/{token}?from=email",
        f"/s/{survey_token}",
        f"/s/edit/{survey_token}",
    ):
        visitor.get(path)
    live_server.stop()  # flush and close the log
    log = live_server.log_text()
    live_server.start()
    assert token not in log
    assert survey_token not in log
    assert "Logging error" not in log, "the redaction filter broke gunicorn's access log"
    assert log.count("/r/[redacted]") >= 4
    assert "/s/[redacted]" in log


def test_development_server_log_never_shows_tokens(app, make_gathering, make_registration, caplog):
    """werkzeug's request log (`flask run`), through a real socket."""
    registration = make_registration(make_gathering())
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        import http.client

        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for path in (f"/r/{registration.token}", f"/r/{registration.token}/invite.ics"):
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
                conn.request("GET", path, headers={"Host": "gathering.test"})
                conn.getresponse().read()
                conn.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    messages = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert len(messages) >= 2
    assert all(registration.token not in message for message in messages)
    assert sum("/r/[redacted]" in message for message in messages) >= 2


# --- escaping everywhere ---------------------------------------------------------------

SCRIPT = '<script>alert("pwned")</script>'
IMAGE = '"><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example","click")'


class _Elements(HTMLParser):
    """Every element and attribute a browser would build from the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []
        self.script_text: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text.append(data)
        else:
            self.text.append(data)


def _inert(html: str) -> bool:
    """No element, attribute or script that came from typed text. True when the typed
    markup is on the page as visible text."""
    parser = _Elements()
    parser.feed(html)
    for _tag, attrs in parser.found:
        for value in attrs.values():
            if SCRIPT in value:
                parser.text.append(value)  # a form field showing what was typed
    for tag, attrs in parser.found:
        assert not (tag == "img" and attrs.get("src") == "x"), "an injected <img> element"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"an event handler attribute on <{tag}>"
            if name in ("href", "src", "action"):
                assert not value.strip().lower().startswith("javascript:"), (tag, value)
    assert not any("pwned" in text for text in parser.script_text), "an injected <script>"
    scripts = [attrs.get("src", "") for tag, attrs in parser.found if tag == "script"]
    assert all(src.startswith("/static/") for src in scripts), scripts
    return any(SCRIPT in text for text in parser.text)


def _register_payload(client, gathering) -> tuple[str, Registration]:
    data = {
        "name": f"{FORMULA} {SCRIPT}"[:200],
        "email": "payload@example.org",
        "role": "nurse",
        "organisation_name": f"@SUM(1+1) {IMAGE}",
        "organisation_type": "health_authority",
        "health_region": "fraser",
        "first_choice": str(gathering.breakouts[0].id),
        "accessibility_needs": f"-2+3 {SCRIPT}\r\nBEGIN:VEVENT",
        "territory": f"+1 {IMAGE}",
        "consent_collection": "y",
    }
    response = client.post(f"/g/{gathering.slug}/register", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    from tests.fixtures_server import emailed_token  # a plugin here: imported once loaded

    token = emailed_token("payload@example.org")
    registration = db.session.scalar(
        select(Registration).where(Registration.email == "payload@example.org")
    )
    return token, registration


def _payload(label: str) -> str:
    return f"{label} {SCRIPT} {IMAGE}"


@pytest.fixture
def payload_world(app, client, make_gathering, make_registration, make_user):
    """Markup in every free-text field people can type, across every feature."""
    from app.attendance.checkin import add_walk_in
    from app.breakouts.note_taking import NoteContent, save_note
    from app.breakouts.staffing import add_staff
    from app.evaluation.answers import submit_response
    from app.evaluation.links import ensure_invitation
    from app.evaluation.mailing import Audience, send_invitations
    from app.evaluation.setup import create_survey, open_survey
    from app.models import SurveyQuestion

    now = datetime.now(UTC)
    gathering = make_gathering(
        title=_payload("Gathering")[:200],
        description=_payload("Description"),
        land_acknowledgement=_payload("Land"),
        contact_name=_payload("Contact")[:200],
        contact_title=_payload("Title")[:200],
        contact_address=_payload("Address")[:300],
    )
    room = gathering.breakouts[0]
    room.title = _payload("Room")[:200]
    room.description = _payload("Room description")
    room.presenter = _payload("Presenter")[:200]
    users = {role: make_user(role) for role in ROLES}
    for user in users.values():
        user.name = _payload("User")[:200]
    add_staff(room, users["facilitator"], "facilitator")
    db.session.commit()

    token, registration = _register_payload(client, gathering)
    other = make_registration(
        gathering,
        name=_payload("Other")[:200],
        organisation_name=_payload("Org")[:200],
        accessibility_needs=_payload("Needs"),
        territory=_payload("Territory")[:200],
    )
    save_note(
        room,
        NoteContent(
            questions=[_payload("Question")],
            summary=(
                f"{_payload('Summary')} [link](javascript:alert(3)) <a href='javascript:x'>a</a>"
            ),
            themes=[_payload("Theme")],
            actions=[
                {"text": _payload("Action"), "owner": _payload("Owner"), "for_steering": True}
            ],
            quotes=[{"text": _payload("Quote"), "consent": True}],
            head_count=9,
        ),
        based_on=0,
        user=users["facilitator"],
        now=now,
        submit=True,
    )
    add_walk_in(
        gathering,
        room,
        name=_payload("Walk-in")[:200],
        email="",
        user=users["facilitator"],
        now=now,
    )
    survey = create_survey(gathering, now=now)
    open_survey(survey, now=gathering.starts_at)  # a survey opens once the gathering starts;
    survey.opens_at = now  # this one is answered at once, to put markup in its answers
    invitation = ensure_invitation(survey, other)
    db.session.flush()
    answers = {
        q.id: _payload("Answer")
        for q in db.session.scalars(
            select(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id)
        )
        if q.kind == "text"
    }
    assert answers, "the default survey has open questions"
    submit_response(invitation, answers, now=now)
    invited = send_invitations(survey, audience=Audience.CONFIRMED, consented_only=False, now=now)
    assert invited.sent >= 1
    db.session.commit()
    fresh_request_globals()
    return {
        "gathering": gathering,
        "users": users,
        "values": {
            "slug": gathering.slug,
            "token": token,
            "key": FAKE_TOKEN,
            "item_id": str(room.id),
            "fmt": "csv",
            "filename": "css/site.css",
        },
        "other_token": other.token,
    }


def _check_body(path: str, response) -> str:
    kind = response.mimetype or ""
    body = response.get_data(as_text=kind.startswith("text/"))
    if kind == "text/html":
        if _inert(body):
            kind = "text/html+payload"
    elif kind == "text/csv":
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
        risky = [c for row in rows for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert risky == [], (path, risky[:3])
    elif kind == "text/calendar":
        calendar = icalendar.Calendar.from_ical(response.data)
        assert calendar.walk("VEVENT") is not None
        lines = body.replace("\r\n ", "").split("\r\n")
        assert not any("<script" in line.lower() and ":" not in line for line in lines)
    return kind


def test_markup_in_every_free_text_field_is_inert_on_every_page(app, payload_world):
    """Every GET page, as every role that may open it, plus the participant's pages."""
    clients = signed_in_clients(app, payload_world["users"])
    anonymous = app.test_client()
    seen: dict[str, set] = {}
    for rule in routes(app):
        if "GET" not in rule.methods:
            continue
        access = app.view_functions[rule.endpoint].access
        path = fill(rule, payload_world["values"])
        visitors = (
            [clients[r] for r in sorted(access)] if isinstance(access, frozenset) else [anonymous]
        )
        for visitor in visitors:
            response = send(visitor, "GET", path)
            assert response.status_code < 500, (path, response.status_code)
            kind = _check_body(path, response)
            seen.setdefault(kind, set()).add(rule.endpoint)
            if kind == "text/html+payload":
                seen.setdefault("text/html", set()).add(rule.endpoint)
    # The sweep really looked at the pages that show typed text.
    for endpoint in (
        "public.gathering",
        "registration.manage",
        "organiser.registrants",
        "breakouts.notes",
        "evaluation.results",
        "report_runs.view",
        "attendance.checkin",
    ):
        assert endpoint in seen.get("text/html+payload", set()), endpoint
    assert {"organiser.export_registrants", "evaluation.export"} <= seen.get("text/csv", set())
    assert "invites.personal_invite" in seen.get("text/calendar", set())
    # And every email the same data caused (confirmations, survey invitations).
    emails = db.session.scalars(select(OutboundEmail)).all()
    assert "survey_invitation" in {email.kind for email in emails}
    for email in emails:
        _inert(email.html_body)
        assert "\n" not in email.subject and "\r" not in email.subject


def test_markup_is_inert_in_emails(app, client, make_gathering):
    gathering = make_gathering(title=f"Gathering {SCRIPT}")
    _, registration = _register_payload(client, gathering)
    emails = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.registration_id == registration.id)
    ).all()
    assert emails
    for email in emails:
        _inert(email.html_body)
        assert "\n" not in email.subject and "\r" not in email.subject
        assert "&lt;script&gt;" in email.html_body or SCRIPT not in email.text_body


def test_formulas_are_neutralised_in_csv_and_xlsx(client, make_gathering, make_user):
    gathering = make_gathering()
    _register_payload(client, gathering)
    login(client, make_user("organiser"))
    response = client.get(f"/organiser/g/{gathering.slug}/registrants.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert any(FORMULA in cell for cell in cells)
    dangerous = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == []

    response = client.get(f"/organiser/g/{gathering.slug}/registrants.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [cell for row in sheet.iter_rows() for cell in row]
    assert any(isinstance(c.value, str) and FORMULA in c.value for c in values)
    assert [c.coordinate for c in values if c.data_type == "f"] == []
    assert [c.value for c in values if isinstance(c.value, str) and c.value[:1] in "=+-@"] == []


def test_no_injection_into_calendar_files(app, client, make_gathering):
    gathering = make_gathering(title="Gathering\r\nATTACH:http://evil.example/x")
    gathering.breakouts[0].title = "Room\nORGANIZER:mailto:evil@example.org"
    gathering.breakouts[0].presenter = 'Dr "Eve";ROLE=CHAIR:x'
    db.session.commit()
    token, _ = _register_payload(client, gathering)
    for path in (f"/r/{token}/invite.ics", f"/g/{gathering.slug}/calendar.ics"):
        response = client.get(path)
        assert response.status_code == 200, path
        raw = response.data.decode()
        lines = raw.replace("\r\n ", "").split("\r\n")
        assert not any(line.startswith(("ATTACH", "BEGIN:VEVENT\\")) for line in lines)
        assert not any(line.startswith("ORGANIZER:mailto:evil") for line in lines)
        calendar = icalendar.Calendar.from_ical(response.data)
        for event in calendar.walk("VEVENT"):
            assert "ATTACH" not in event
            organizer = str(event.get("ORGANIZER", ""))
            assert "evil" not in organizer
    # The manage-page text that went into the invite keeps its line break as data.
    invite = icalendar.Calendar.from_ical(client.get(f"/r/{token}/invite.ics").data)
    events = list(invite.walk("VEVENT"))
    assert events and all(e.get("SUMMARY") for e in events)


def test_markup_is_shown_as_text_in_the_pdf(app, make_gathering, make_registration):
    from pypdf import PdfReader

    from app.breakouts.note_taking import NoteContent, save_note
    from app.reporting.services import build_report

    gathering = make_gathering(
        title="Gathering <b>bold</b>",
        land_acknowledgement=f"Territories {SCRIPT}",
    )
    for _ in range(6):
        make_registration(gathering)
    room = gathering.breakouts[0]
    now = datetime.now(UTC)
    save_note(
        room,
        NoteContent(
            summary=f"Summary with <i>tags</i> {SCRIPT} and <a href='javascript:x'>link</a>",
            themes=["Theme <u>underlined</u>"],
            quotes=[{"text": 'Quote <img src="x">', "consent": True}],
            head_count=6,
        ),
        based_on=0,
        user=None,
        now=now,
        submit=True,
    )
    db.session.commit()
    built = build_report(gathering, variant="committee", now=now)
    _inert(built.html)
    assert "<b>bold</b>" not in built.html and "<u>underlined</u>" not in built.html
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(built.pdf)).pages)
    flat = re.sub(r"\s+", " ", text)
    assert "<b>bold</b>" in flat  # shown as typed, not turned into bold
    assert "Theme <u>underlined</u>" in flat


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
    ],
)
def test_sign_in_never_redirects_off_site(client, make_user, target):
    user = make_user("organiser")
    response = client.post(
        "/sign-in",
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "evil" not in location and not location.startswith("javascript")


def test_sign_in_returns_to_the_page_asked_for(client, make_user):
    user = make_user("organiser")
    response = client.post(
        "/sign-in",
        query_string={"next": "/organiser/outbox"},
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"].endswith("/organiser/outbox")


def _multipart(name: str, content: bytes, filename: str | None = None) -> tuple[bytes, str]:
    """A multipart body built by hand: the test client spools big ones to a temporary
    file that it never closes."""
    boundary = "qa-boundary-7f3c"
    disposition = f'form-data; name="{name}"'
    if filename:
        disposition += f'; filename="{filename}"\r\nContent-Type: text/csv'
    head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


def test_oversized_form_gets_a_plain_4xx(app, client, make_gathering):
    gathering = make_gathering()
    huge = b"x" * (app.config["MAX_FORM_MEMORY_SIZE"] + 1)
    body, content_type = _multipart("name", huge)
    as_multipart = client.post(
        f"/g/{gathering.slug}/register", data=body, content_type=content_type
    )
    assert as_multipart.status_code == 413
    assert b"larger than we accept" in as_multipart.data
    as_urlencoded = client.post(
        f"/g/{gathering.slug}/register", data={"name": huge.decode(), "email": "a@b.org"}
    )
    assert 400 <= as_urlencoded.status_code < 500


def test_oversized_upload_is_refused_plainly(app, client, make_gathering, make_user):
    gathering = make_gathering()
    login(client, make_user("organiser"))
    body, content_type = _multipart(
        "file", b"a," * (app.config["MAX_CONTENT_LENGTH"] // 2 + 10), filename="zoom.csv"
    )
    response = client.post(
        f"/organiser/g/{gathering.slug}/attendance/import", data=body, content_type=content_type
    )
    assert response.status_code == 413
    assert b"larger than we accept" in response.data


@pytest.mark.parametrize("path", [f"/s/{FAKE_TOKEN}", f"/s/edit/{FAKE_TOKEN}", "/s/short"])
def test_survey_links_are_404_without_a_valid_token(client, path):
    """Survey links are secrets too: an unknown one reveals nothing and is not cached."""
    response = send(client, "GET", path)
    assert response.status_code == 404
    assert "no-store" in response.headers.get("Cache-Control", "")
    assert response.headers.get("Referrer-Policy") == "no-referrer"
