"""Who may open each between-gatherings page. The steering committee gains exactly one
write (updating recommendations) and reads nothing else new; participants reach only
their own certificate; the verification page is public."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.auth.access import ANONYMOUS, PARTICIPANT
from app.community import certificate_runs
from app.community.certificates import CertificateSettingsData, save_settings
from app.extensions import db
from app.jobs import run_pending
from app.models import AttendanceRecord, Recommendation
from app.models.attendance import dedupe_key
from tests.conftest import login

ORGANISER_ONLY = {
    "community.overview",
    "community.certificate_settings",
    "community.prepare_certificates",
    "community.certificates_run",
    "community.certificates_run_status",
    "community.certificates_zip",
    "community.targets_page",
    "community.outreach_page",
    "community.outreach_csv",
}
RECOMMENDATIONS = {
    "community.recommendations_home",
    "community.recommendations_page",
    "community.update_recommendation",
}


def community_rules(app) -> dict[str, object]:
    return {
        rule.endpoint: app.view_functions[rule.endpoint].access
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("community.")
    }


def test_each_new_route_carries_the_intended_rule(app):
    rules = community_rules(app)
    assert set(rules) == ORGANISER_ONLY | RECOMMENDATIONS | {
        "community.my_certificate",
        "community.verify_certificate",
    }
    for endpoint in ORGANISER_ONLY:
        assert rules[endpoint] == frozenset({"organiser"}), endpoint
    for endpoint in RECOMMENDATIONS:
        assert rules[endpoint] == frozenset({"organiser", "steering"}), endpoint
    assert rules["community.my_certificate"] == PARTICIPANT
    assert rules["community.verify_certificate"] == ANONYMOUS


def test_the_only_new_write_steering_may_make_is_a_recommendation_update(app):
    writes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("community.")
        and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        and "steering" in app.view_functions[rule.endpoint].access
    }
    assert writes == {"community.update_recommendation"}


def add_note(room, **content):
    """Imported late: tests.fixtures_report is also a pytest plugin of other modules."""
    from tests.fixtures_report import add_note as add

    return add(room, **content)


@pytest.fixture
def world(make_gathering, make_registration, make_user):
    gathering = make_gathering()
    note = add_note(gathering.breakouts[0])
    person = make_registration(gathering)
    db.session.add(
        AttendanceRecord(
            gathering_id=gathering.id,
            registration_id=person.id,
            source="zoom",
            minutes=60,
            dedupe_key=dedupe_key(
                gathering_id=gathering.id,
                agenda_item_id=None,
                source="zoom",
                registration_id=person.id,
            ),
        )
    )
    save_settings(gathering, CertificateSettingsData(True, False, "", None), now=datetime.now(UTC))
    db.session.commit()
    run = certificate_runs.prepare(gathering, user=None, now=datetime.now(UTC))
    db.session.commit()
    run_pending()
    recommendation_id = db.session.scalar(
        select(Recommendation.id).where(Recommendation.source_note_id == note.id).limit(1)
    )
    return {
        "gathering": gathering,
        "person": person,
        "recommendation_id": recommendation_id,
        "run_id": run.id,
        "users": {role: make_user(role) for role in ("organiser", "facilitator", "steering")},
    }


def pages(world) -> dict[str, tuple[str, str]]:
    slug, rec, run = world["gathering"].slug, world["recommendation_id"], world["run_id"]
    runs = f"/community/g/{slug}/certificates/runs"
    # The ZIP first: updating a recommendation raises the gathering's facts version,
    # after which the prepared ZIP is out of date (and refused).
    return {
        "community.prepare_certificates": ("POST", f"/community/g/{slug}/certificates/prepare"),
        "community.certificates_run": ("GET", f"{runs}/{run}"),
        "community.certificates_run_status": ("GET", f"{runs}/{run}/status"),
        "community.certificates_zip": ("GET", f"{runs}/{run}.zip"),
        "community.recommendations_home": ("GET", "/community/recommendations/"),
        "community.recommendations_page": ("GET", f"/community/g/{slug}/recommendations"),
        "community.update_recommendation": (
            "POST",
            f"/community/g/{slug}/recommendations/{rec}",
        ),
        "community.overview": ("GET", f"/community/g/{slug}/"),
        "community.certificate_settings": ("GET", f"/community/g/{slug}/certificates"),
        "community.targets_page": ("GET", f"/community/g/{slug}/targets"),
        "community.outreach_page": ("GET", f"/community/g/{slug}/outreach"),
        "community.outreach_csv": ("GET", f"/community/g/{slug}/outreach.csv"),
    }


@pytest.mark.parametrize("role", ["organiser", "facilitator", "steering", None])
def test_each_role_gets_what_its_rule_says(app, world, role):
    client = app.test_client()
    if role:
        login(client, world["users"][role])
    for endpoint, (method, path) in pages(world).items():
        data = {f"r{world['recommendation_id']}-status": "accepted"}
        response = client.open(path, method=method, data=data if method == "POST" else None)
        if role is None:
            assert response.status_code in (302, 303), path
            assert "/sign-in" in response.headers["Location"], path
        elif role == "organiser" or (role == "steering" and endpoint in RECOMMENDATIONS):
            assert response.status_code in (200, 303), (role, path, response.status_code)
        else:
            assert response.status_code == 403, (role, path, response.status_code)


def test_a_participant_reaches_only_their_own_certificate(app, world, make_registration):
    client = app.test_client()
    assert client.get(f"/r/{world['person'].token}/certificate.pdf").status_code == 200
    assert client.get("/r/" + "A" * 43 + "/certificate.pdf").status_code == 404
    other = make_registration(world["gathering"])
    response = client.get(f"/r/{other.token}/certificate.pdf")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{other.token}")
