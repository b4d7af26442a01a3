"""Sign-in: roles, a lock after repeated failures, and `next` that stays on this site."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import SignInFailures
from tests.conftest import PASSWORD, login


def test_sign_in_and_out(client, make_user):
    user = make_user("organiser", email="org@example.org")
    response = client.post("/sign-in", data={"email": "ORG@example.org ", "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/organiser/")
    assert client.get("/organiser/").status_code == 200
    assert client.post("/sign-out").status_code == 303
    assert client.get("/organiser/").status_code == 302
    assert user.failed_logins == 0


def test_wrong_password_is_refused_plainly(client, make_user):
    make_user("organiser", email="org@example.org")
    response = client.post("/sign-in", data={"email": "org@example.org", "password": "wrong"})
    assert response.status_code == 401
    assert "do not match an account" in response.get_data(as_text=True)
    unknown = client.post("/sign-in", data={"email": "nobody@example.org", "password": "x"})
    assert unknown.status_code == 401


def test_repeated_failures_lock_the_account(client, app, make_user):
    user = make_user("organiser", email="org@example.org")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert (
            client.post("/sign-in", data={"email": user.email, "password": "wrong"}).status_code
            == 401
        )
    locked = client.post("/sign-in", data={"email": user.email, "password": "wrong"})
    assert locked.status_code == 429
    # Even the right password is refused while the lock lasts.
    right = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert right.status_code == 429
    assert "locked" in right.get_data(as_text=True)
    # The lock is on this address from this network, not on the account
    # (tests/test_enumeration.py: the owner signs in from elsewhere).
    (lock,) = db.session.scalars(select(SignInFailures)).all()
    assert lock.locked_until is not None and user.email not in lock.key


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/organiser/gatherings/new", "/organiser/gatherings/new"),
        ("https://evil.example/", "/organiser/"),
        ("//evil.example/x", "/organiser/"),
        ("/\\evil.example", "/organiser/"),
        ("javascript:alert(1)", "/organiser/"),
    ],
)
def test_next_only_redirects_on_this_site(client, make_user, next_url, expected):
    user = make_user("organiser")
    response = client.post(
        "/sign-in",
        query_string={"next": next_url},
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.endswith(expected)
    assert "evil" not in location


def test_roles_land_on_their_own_pages(client, make_user):
    login(client, make_user("steering"))
    assert client.get("/organiser/").status_code == 403


def test_secret_key_is_generated_once_into_instance(tmp_path):
    from app import create_app

    config = {
        "INSTANCE_PATH": str(tmp_path / "inst"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PUBLIC_URL": "http://gathering.test",
    }
    first = create_app(dict(config))
    second = create_app(dict(config))
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= 64


def test_database_url_selects_postgresql_with_psycopg(tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/gatherings")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://u:p@db.example:5432/gatherings"
    )


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    from sqlalchemy import text

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only apply to SQLite")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["database"] == "ok"
