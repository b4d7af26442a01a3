"""The public accessibility feedback page: linked from every page's footer, bad input
refused with a clear message and nothing saved, good feedback reaches the organisers'
list, who answer and close it; counts by status in the committee report only."""

from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.models import AccessibilityFeedback, AccessLogEntry
from app.reporting import services as reporting
from tests.conftest import login

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
URL = "/accessibility-feedback"


def test_every_page_links_to_it(client, make_gathering):
    gathering = make_gathering()
    for path in ("/", f"/g/{gathering.slug}/", f"/g/{gathering.slug}/register", "/sign-in"):
        page = client.get(path).get_data(as_text=True)
        assert f'href="{URL}"' in page, path


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"barrier": "The captions\x00 stopped"}, "NUL"),
        ({"barrier": "x" * 100_000}, "Keep it under 5,000 characters."),
        ({"barrier": "   "}, "Tell us about the barrier."),
        ({"barrier": "Fine", "contact": "not an address"}, "email"),
        ({"barrier": "Fine", "page": "p" * 600}, "500"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_is_saved(client, data, message):
    response = client.post(URL, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page or "There are" in page
    assert message.lower() in page.lower() or (message == "NUL" and "error-message" in page)
    assert db.session.query(AccessibilityFeedback).count() == 0


def test_without_a_csrf_token_nothing_is_saved(csrf_app):
    client = csrf_app.test_client()
    response = client.post(URL, data={"barrier": "The PDF has no headings"})
    assert response.status_code == 400
    assert db.session.query(AccessibilityFeedback).count() == 0


def test_good_feedback_reaches_the_organisers_who_answer_and_close_it(app, client, make_user):
    response = client.post(
        URL,
        data={
            "barrier": "The registration form's <script>alert(1)</script> error was not read out",
            "page": "Registration form",
            "contact": "Reader@Example.org",
        },
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/thanks")
    row = db.session.query(AccessibilityFeedback).one()
    assert row.status == "new" and row.contact == "reader@example.org"
    for role in ("facilitator", "steering"):
        other = app.test_client()
        login(other, make_user(role))
        assert other.get("/organiser/accessibility-feedback").status_code == 403
    assert client.get("/organiser/accessibility-feedback").status_code in (302, 303)
    organiser = app.test_client()
    login(organiser, make_user("organiser"))
    listing = organiser.get("/organiser/accessibility-feedback").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing and "<script>alert" not in listing
    assert "1 new" in listing
    logged = db.session.query(AccessLogEntry).one()
    assert (logged.what, logged.people) == ("accessibility_feedback", 1)
    empty = organiser.post(
        f"/organiser/accessibility-feedback/{row.id}",
        data={f"f{row.id}-answer": "", f"f{row.id}-action": "answer"},
    )
    assert empty.status_code == 303
    db.session.refresh(row)
    assert row.status == "new"
    organiser.post(
        f"/organiser/accessibility-feedback/{row.id}",
        data={
            f"f{row.id}-answer": "Fixed: errors are announced now.",
            f"f{row.id}-action": "answer",
        },
    )
    db.session.refresh(row)
    assert row.status == "answered" and row.answered_at is not None
    organiser.post(
        f"/organiser/accessibility-feedback/{row.id}",
        data={f"f{row.id}-answer": row.answer, f"f{row.id}-action": "close"},
    )
    db.session.refresh(row)
    assert row.status == "closed" and row.closed_at is not None


def test_committee_report_counts_feedback_by_status(app, make_gathering):
    gathering = make_gathering(title="Feedback gathering")
    for status in ("new", "new", "answered", "closed"):
        db.session.add(AccessibilityFeedback(barrier="A barrier", status=status))
    db.session.commit()
    committee = reporting.build_report(gathering, variant="committee", now=NOW).html
    part = committee[committee.index('id="accessibility-feedback"') :]
    part = " ".join(part[: part.index("</p>")].split())
    assert "4, of which 2 new, 1 answered, 1 closed." in part
    shareable = reporting.build_report(gathering, variant="shareable", now=NOW).html
    assert 'id="accessibility-feedback"' not in shareable
