"""The connection pool checks a PostgreSQL connection that sat unused before handing it out,
and trusts one used moments ago (app.PING_AFTER_IDLE_SECONDS). Both sides are pinned here
against a real server, by ending the connection's backend from another connection."""

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

import app as app_module
from app.extensions import db


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): a SQLite file has no server to lose")
    db.session.remove()
    db.engine.dispose()
    return db.engine


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()


def _end_backend(engine, pid: int) -> None:
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_an_idle_connection_whose_server_side_ended_is_replaced_unnoticed(postgres, monkeypatch):
    first = _backend_pid(postgres)
    _end_backend(postgres, first)
    monkeypatch.setattr(app_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # it counts as idle

    second = _backend_pid(postgres)  # no error: the check found it dead and reconnected

    assert second != first


def test_a_connection_used_moments_ago_is_trusted_and_one_failure_renews_the_pool(postgres):
    first = _backend_pid(postgres)
    _end_backend(postgres, first)

    # Not checked (it was in use a moment ago), so the statement meets the dead backend...
    with pytest.raises(OperationalError), postgres.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    # ...and the pool, told of the disconnect, gives a fresh connection next.
    assert _backend_pid(postgres) != first
