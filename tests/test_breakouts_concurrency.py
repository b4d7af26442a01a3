"""Two people saving the same notes at the same moment: a real threaded HTTP server on
127.0.0.1 and the real test database (a SQLite file, or PostgreSQL when configured).
Exactly one save wins each time; the other is refused with a conflict that shows the
winner's text, and no saved update is ever lost."""

import http.cookiejar
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from app.auth.services import create_user
from app.breakouts import staffing
from app.choices import AgendaKind
from app.extensions import db
from app.models import AgendaItem, Gathering
from tests.conftest import PASSWORD, make_test_app

pytest_plugins = ["tests.fixtures_breakouts"]

ROUNDS = 12


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
    )


def post(client, url: str, data: dict) -> tuple[int, str]:
    body = urllib.parse.urlencode(data, doseq=True).encode()
    try:
        with client.open(url, data=body, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def server(tmp_path):
    app = make_test_app(tmp_path, SERVER_NAME=None)
    with app.app_context():
        start = datetime.now(UTC) + timedelta(days=3)
        gathering = Gathering(
            slug="race", title="Race", starts_at=start, ends_at=start + timedelta(hours=3)
        )
        room = AgendaItem(
            gathering=gathering,
            kind=AgendaKind.BREAKOUT.value,
            title="Room",
            priority_area="education",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
        db.session.add_all([gathering, room])
        for email in ("one@example.org", "two@example.org"):
            user = create_user(email, PASSWORD, role="facilitator")
            user.name = email.split("@")[0].title()
            staffing.add_staff(room, user, "facilitator")
        db.session.commit()
        room_id = room.id
        db.session.remove()
        database = app.config["SQLALCHEMY_DATABASE_URI"]
    http_server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http_server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{http_server.server_port}"
    try:
        yield base, room_id, database
    finally:
        http_server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def test_two_simultaneous_saves_never_lose_an_update(server, notes_post):
    base, room_id, database = server
    clients = {}
    for name in ("one", "two"):
        clients[name] = opener()
        status, _ = post(
            clients[name], f"{base}/sign-in", {"email": f"{name}@example.org", "password": PASSWORD}
        )
        assert status == 303
    url = f"{base}/breakouts/{room_id}/notes"
    engine = create_engine(database)

    winners: list[tuple[int, str]] = []
    for round_number in range(ROUNDS):
        with engine.connect() as conn:
            version = (
                conn.scalar(
                    text("SELECT version FROM breakout_notes WHERE agenda_item_id = :id"),
                    {"id": room_id},
                )
                or 0
            )
        barrier = threading.Barrier(2)
        results: dict[str, tuple[int, str]] = {}

        def save(
            name: str, version=version, round_number=round_number, barrier=barrier, results=results
        ):
            data = notes_post(version, summary=f"Round {round_number} summary by {name}")
            barrier.wait()
            results[name] = post(clients[name], url, data)

        threads = [threading.Thread(target=save, args=(name,)) for name in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)

        statuses = sorted(status for status, _ in results.values())
        assert statuses == [303, 409], (round_number, statuses)
        winner = next(name for name, (status, _) in results.items() if status == 303)
        loser = next(name for name, (status, _) in results.items() if status == 409)
        refused_page = results[loser][1]
        assert "Someone else saved these notes" in refused_page
        assert f"Round {round_number} summary by {loser}" in refused_page  # theirs kept
        assert f"Round {round_number} summary by {winner}" in refused_page  # winner shown
        winners.append((version + 1, f"Round {round_number} summary by {winner}"))

    with engine.connect() as conn:
        note = conn.execute(
            text("SELECT id, version, summary FROM breakout_notes WHERE agenda_item_id = :id"),
            {"id": room_id},
        ).one()
        rows = conn.execute(
            text(
                "SELECT version, content FROM breakout_note_versions WHERE note_id = :id "
                "ORDER BY version"
            ),
            {"id": note.id},
        ).all()
    engine.dispose()
    assert note.version == ROUNDS
    assert note.summary == winners[-1][1]
    # Every winning save is in the history, in order, with the text that won.
    assert [row.version for row in rows] == list(range(1, ROUNDS + 1))
    for (version, summary), row in zip(winners, rows, strict=True):
        assert row.version == version
        content = row.content if isinstance(row.content, dict) else json.loads(row.content)
        assert content["summary"] == summary
