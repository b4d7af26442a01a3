"""Shared fixtures: a real database per test (a SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set), the Flask test client and CLI runner, and factories."""

import itertools
import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import g
from sqlalchemy import text

from app import create_app
from app.auth.services import create_user
from app.choices import AgendaKind, PriorityArea, RegistrationStatus
from app.extensions import db
from app.models import AgendaItem, Gathering, Registration
from app.outbound.manage_tokens import issue_manage_token

PACIFIC = ZoneInfo("America/Vancouver")
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "correct horse battery"


def base_config(tmp_path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "WTF_CSRF_ENABLED": False,
        "JOBS_AUTORUN": False,
        "MAIL_SERVER": None,
        "SERVER_NAME": "gathering.test",
        "PUBLIC_URL": "http://gathering.test",
        "RATELIMIT_ENABLED": False,
    }
    if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql://"):
        config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + TEST_DATABASE_URL[13:]
    config.update(overrides)
    return config


_postgres_schema_ready = False


def reset_database() -> None:
    """Empty every table: a new schema on a new SQLite file; on PostgreSQL the schema is
    created once per run (dropping what an earlier run left) and truncated before each test."""
    global _postgres_schema_ready
    if db.engine.dialect.name == "postgresql":
        if not _postgres_schema_ready:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            db.create_all()
            _postgres_schema_ready = True
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.session.commit()
    else:
        db.create_all()


def make_test_app(tmp_path, **overrides):
    app = create_app(base_config(tmp_path, **overrides))

    @app.teardown_request
    def forget_request_state(_error) -> None:
        # Tests keep one app context open, which requests then share: clear `g` so that
        # one request's signed-in user or page flags never reach the next request.
        g.__dict__.clear()

    with app.app_context():
        reset_database()
    return app


@pytest.fixture
def app(tmp_path):
    app = make_test_app(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def csrf_app(tmp_path):
    """The app with CSRF protection on, as in production."""
    app = make_test_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture
def make_user(app):
    def factory(role: str = "organiser", email: str | None = None, password: str = PASSWORD):
        user = create_user(email or f"user{next(_counter)}@example.org", password, role=role)
        db.session.commit()
        return user

    return factory


def pacific(year, month, day, hour=9, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PACIFIC).astimezone(UTC)


@pytest.fixture
def make_gathering(app):
    def factory(**overrides) -> Gathering:
        n = next(_counter)
        now = datetime.now(UTC)
        day = (
            (now + timedelta(days=30))
            .astimezone(PACIFIC)
            .replace(hour=9, minute=0, second=0, microsecond=0)
        )
        values = {
            "slug": f"test-gathering-{n}",
            "title": f"Test gathering {n}",
            "description": "A gathering for tests.",
            "starts_at": day.astimezone(UTC),
            "ends_at": (day + timedelta(hours=3, minutes=30)).astimezone(UTC),
            "meeting_url": "https://zoom.example/j/1234567890",
            "registration_opens_at": now - timedelta(days=1),
            "registration_closes_at": day.astimezone(UTC) - timedelta(hours=1),
            "capacity": None,
            "waitlist_enabled": True,
            "land_acknowledgement": "We gather on the territories of many First Nations.",
            "contact_name": "Coordinator",
            "contact_email": "coordinator@example.org",
            "contact_phone": "604-555-0100",
        }
        breakouts = overrides.pop("breakouts", True)
        values.update(overrides)
        gathering = Gathering(**values)
        db.session.add(gathering)
        start = gathering.starts_at
        db.session.add(
            AgendaItem(
                gathering=gathering,
                kind=AgendaKind.PLENARY.value,
                title="Welcome",
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
            )
        )
        if breakouts:
            for number, area in enumerate(PriorityArea, start=1):
                db.session.add(
                    AgendaItem(
                        gathering=gathering,
                        kind=AgendaKind.BREAKOUT.value,
                        title=f"Breakout {number}",
                        priority_area=area.value,
                        starts_at=start + timedelta(minutes=30),
                        ends_at=start + timedelta(minutes=90),
                        room_url=f"https://zoom.example/j/room{number}",
                        capacity=20,
                    )
                )
        db.session.add(
            AgendaItem(
                gathering=gathering,
                kind=AgendaKind.PLENARY.value,
                title="Next steps",
                starts_at=start + timedelta(minutes=90),
                ends_at=start + timedelta(minutes=120),
            )
        )
        db.session.commit()
        return gathering

    return factory


@pytest.fixture
def make_registration(app):
    def factory(gathering: Gathering, **overrides) -> Registration:
        n = next(_counter)
        breakouts = gathering.breakouts
        values = {
            "name": f"Person {n}",
            "email": f"person{n}@example.org",
            "role": "nurse",
            "organisation_name": "Fraser Health",
            "organisation_type": "health_authority",
            "health_region": "fraser",
            "first_choice_id": breakouts[0].id if breakouts else None,
            "second_choice_id": breakouts[1].id if len(breakouts) > 1 else None,
            "consent_collection_at": datetime.now(UTC),
            "status": RegistrationStatus.CONFIRMED.value,
        }
        values.update(overrides)
        if values["status"] == RegistrationStatus.WAITLISTED and "waitlisted_at" not in values:
            values["waitlisted_at"] = datetime.now(UTC)
        registration = Registration(gathering=gathering, **values)
        db.session.add(registration)
        db.session.flush()
        registration.token = issue_manage_token(registration)
        db.session.commit()
        return registration

    return factory


def login(client, user, password: str = PASSWORD):
    response = client.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


@pytest.fixture
def organiser(make_user):
    return make_user("organiser")


@pytest.fixture
def organiser_client(client, organiser):
    login(client, organiser)
    return client
