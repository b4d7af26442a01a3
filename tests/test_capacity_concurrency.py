"""Many people registering at the same moment never overbook: a real gunicorn server with two
worker processes, a real SQLite file migrated with Alembic, CSRF on, 40 simultaneous clients."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
FLASK = Path(sys.executable).parent / "flask"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def server(tmp_path):
    database = tmp_path / "race.sqlite3"
    env = {
        **os.environ,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "race-test",
        "MAIL_SERVER": "",
    }
    env.pop("TEST_DATABASE_URL", None)
    subprocess.run(
        [FLASK, "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    engine = create_engine(f"sqlite:///{database}")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO gatherings (slug, title, description, timezone, starts_at, ends_at, "
                "meeting_url, registration_opens_at, capacity, waitlist_enabled, "
                "land_acknowledgement, contact_name, contact_title, contact_email, contact_phone, "
                "contact_address, attendance_threshold_minutes, calendar_sequence, created_at, "
                "updated_at) VALUES ('race', 'Race', '', 'America/Vancouver', :start, :end, '', "
                ":opens, 10, 1, '', '', '', '', '', '', 10, 0, :now, :now)"
            ),
            {
                "start": (now + timedelta(days=9)).replace(tzinfo=None),
                "end": (now + timedelta(days=9, hours=3)).replace(tzinfo=None),
                "opens": (now - timedelta(days=1)).replace(tzinfo=None),
                "now": now.replace(tzinfo=None),
            },
        )
    port = free_port()
    process = subprocess.Popen(
        [GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=5)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start")
    yield base, engine
    process.terminate()
    process.wait(timeout=20)
    engine.dispose()


def register(base: str, n: int) -> int:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(f"{base}/g/race/register", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {
            "csrf_token": token,
            "name": f"Racer {n}",
            "email": f"racer{n}@example.org",
            "role": "nurse",
            "organisation_name": "Island Health",
            "organisation_type": "health_authority",
            "health_region": "island",
            "consent_collection": "y",
        }
    ).encode()
    try:
        return opener.open(f"{base}/g/race/register", data=form, timeout=60).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_simultaneous_registrations_never_overbook(server):
    base, engine = server
    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(lambda n: register(base, n), range(40)))
    assert statuses == [303] * 40  # every person got a confirmation page, no 5xx
    with engine.connect() as conn:
        counts = dict(
            conn.execute(text("SELECT status, count(*) FROM registrations GROUP BY status")).all()
        )
        emails = conn.execute(text("SELECT count(DISTINCT email) FROM registrations")).scalar()
    assert counts == {"confirmed": 10, "waitlisted": 30}
    assert emails == 40
