"""A real server for tests that need one: gunicorn on 127.0.0.1 with its own database.

Browser, load, fault and log tests use it. The database is a fresh SQLite file, or a
scratch PostgreSQL database (created beside TEST_DATABASE_URL's and dropped afterwards)
when TEST_DATABASE_URL is set. The schema comes from `flask --app wsgi db upgrade`, or
from create_all while the migrations lag behind the models (test_migrations reports that).
Data is seeded in this process through the app's own services, against the same database.

Use it from a test module with `pytest_plugins = ["tests.fixtures_server"]`.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
PACIFIC = ZoneInfo("America/Vancouver")
SECRET = "live-server-test-secret"
PASSWORD = "correct horse battery"
_names = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Redis ----------------------------------------------------------------------------


class RedisServer:
    """redis-server on a free port, no persistence: a restart loses every message."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        from redis import Redis
        from redis.exceptions import RedisError

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(RedisError):
                Redis.from_url(self.url).ping()
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def freeze(self) -> None:
        """Stop the process without closing its sockets: connections hang, as when a
        Redis host stalls."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


# --- databases -----------------------------------------------------------------------


def _psycopg_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", url)


@contextlib.contextmanager
def scratch_postgres(base_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of `base_url`; dropped afterwards."""
    import psycopg

    parts = urllib.parse.urlsplit(_psycopg_url(base_url))
    base_name = parts.path.lstrip("/") or "test"
    name = f"{base_name}_live_{os.getpid()}_{next(_names)}"
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlalchemy_url(url: str) -> str:
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def migrations_exist() -> bool:
    versions = ROOT / "migrations" / "versions"
    return (ROOT / "migrations" / "env.py").exists() and any(versions.glob("*.py"))


def run_flask(args: list[str], env: dict[str, str], timeout: float = 120) -> str:
    """`flask --app wsgi <args>` as an operator would type it; fails loudly."""
    result = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"flask {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout + result.stderr


def prepare_schema(env: dict[str, str]) -> str:
    """Build the schema as an operator would, with `flask --app wsgi db upgrade`, while
    the migrations match the models; fall back to create_all when they have drifted, so
    one clear test (test_migrations) reports the drift instead of every live-server test."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine, text

    import app.models  # noqa: F401 - every table into the metadata
    from app.extensions import db

    engine = create_engine(sqlalchemy_url(env["DATABASE_URL"]))
    try:
        if migrations_exist():
            run_flask(["db", "upgrade"], env)
            with engine.connect() as conn:
                drift = compare_metadata(MigrationContext.configure(conn), db.metadata)
            if not drift:
                return "migrations"
            db.metadata.drop_all(engine)
            with engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.metadata.create_all(engine)
        return "create_all"
    finally:
        engine.dispose()


# --- the server ----------------------------------------------------------------------


@dataclass
class LiveServer:
    """gunicorn serving wsgi:app; start/stop/kill it, read its log, reach its database."""

    workdir: Path
    database_url: str
    workers: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None
    schema: str = ""
    _log_handle: object | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def instance_path(self) -> Path:
        return self.workdir / "instance"

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def env(self) -> dict[str, str]:
        if not self.port:
            self.port = free_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "MAIL_SERVER", "MAIL_PORT", "SERVER_NAME"}
        }
        env.update(
            INSTANCE_PATH=str(self.instance_path),
            DATABASE_URL=self.database_url,
            SECRET_KEY=SECRET,
            PUBLIC_URL=self.url,
            MAIL_SERVER="",
            PYTHONDONTWRITEBYTECODE="1",
            # Many test requests come from one address; tests of the limits turn them on.
            RATELIMIT_ENABLED="false",
        )
        env.update(self.extra_env)
        return env

    def prepare(self) -> None:
        self.instance_path.mkdir(parents=True, exist_ok=True)
        self.schema = prepare_schema(self.env())

    def start(self, timeout: float = 60) -> None:
        if not self.port:
            self.port = free_port()
        self._log_handle = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "-",
                "--error-logfile",
                "-",
                "--graceful-timeout",
                "5",
                "--timeout",
                "60",
                "--no-control-socket",  # servers of parallel test runs share no socket
                "--preload",  # import the app once, then fork: starts in half the time
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._close_log()
                raise RuntimeError(f"gunicorn exited early:\n{self.log_text()[-4000:]}")
            try:
                status, _, _ = request(self.url, "GET", "/healthz", timeout=2)
            except OSError:
                time.sleep(0.1)
                continue
            if status == 200:
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer in {timeout}s:\n{self.log_text()[-4000:]}")

    def _signal_group(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: no chance to clean up."""
        self._signal_group(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)
        self.process = None
        self._close_log()

    def stop(self) -> None:
        if self.process is None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait(timeout=10)
        # Workers are in the same session; make sure none outlives the master.
        self._signal_group(signal.SIGKILL)
        self.process = None
        self._close_log()

    def _close_log(self) -> None:
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @contextlib.contextmanager
    def app_context(self) -> Iterator[object]:
        """The app in this process, on the server's database: for seeding and checking."""
        from app import create_app
        from app.extensions import db

        app = create_app(
            {
                "INSTANCE_PATH": str(self.instance_path),
                "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(self.database_url),
                "SECRET_KEY": SECRET,
                "PUBLIC_URL": self.url,
                "MAIL_SERVER": None,
                "JOBS_AUTORUN": False,
            }
        )
        with app.app_context():
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()

    def flask(self, *args: str, timeout: float = 120) -> str:
        return run_flask(list(args), self.env(), timeout=timeout)

    def seed(self, **options) -> Seeded:
        return seed(self, **options)

    def session(self, timeout: float = 30) -> HttpSession:
        return HttpSession(self.url, timeout=timeout)

    def breakout_ids(self, gathering_id: int) -> list[int]:
        return breakout_ids(self, gathering_id)

    def emailed_token(self, address: str) -> str:
        """The private link in the newest email to `address`: a registration's page only
        says to check the email, so this is where a test finds the link, as people do."""
        with self.app_context():
            return emailed_token(address)


def emailed_token(address: str) -> str:
    """The same, in an app context already open on the database."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import OutboundEmail

    email = db.session.scalars(
        select(OutboundEmail)
        .where(OutboundEmail.to_address == address)
        .order_by(OutboundEmail.id.desc())
    ).first()
    assert email is not None, f"no email to {address}"
    if email.render_args:  # recorded, not rendered yet
        return email.render_args["token"]
    return re.search(r"/r/([A-Za-z0-9_-]{43})", email.text_body).group(1)


@contextlib.contextmanager
def live_server_factory(tmp_dir: Path, **options) -> Iterator[LiveServer]:
    """A prepared (schema in place) but not yet started server; always stopped after."""
    with contextlib.ExitStack() as stack:
        if TEST_DATABASE_URL:
            database_url = stack.enter_context(scratch_postgres(TEST_DATABASE_URL))
        else:
            database_url = f"sqlite:///{tmp_dir / 'live.sqlite3'}"
        server = LiveServer(workdir=tmp_dir, database_url=database_url, **options)
        server.prepare()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """One running server per test module."""
    with live_server_factory(tmp_path_factory.mktemp("live")) as server:
        server.start()
        yield server


@pytest.fixture
def make_live_server(tmp_path) -> Iterator:
    """`make_live_server(**options)`: a prepared server of the test's own, not started."""
    with contextlib.ExitStack() as stack:

        def factory(**options) -> LiveServer:
            workdir = tmp_path / f"server{next(_names)}"
            workdir.mkdir()
            return stack.enter_context(live_server_factory(workdir, **options))

        yield factory


# --- seeding -------------------------------------------------------------------------


@dataclass
class Seeded:
    slug: str
    gathering_id: int
    breakout_titles: list[str]
    users: dict[str, str]  # role -> email


def seed(
    server: LiveServer,
    *,
    capacity: int | None = None,
    breakouts: bool = True,
    title: str | None = None,
    **gathering_overrides,
) -> Seeded:
    """An upcoming gathering open for registration, and one account per role."""
    from app.auth.services import create_user, find_user
    from app.choices import AgendaKind, PriorityArea, UserRole
    from app.extensions import db
    from app.models import AgendaItem, Gathering

    n = next(_names)
    with server.app_context():
        now = datetime.now(UTC)
        day = (
            (now + timedelta(days=30))
            .astimezone(PACIFIC)
            .replace(hour=9, minute=0, second=0, microsecond=0)
        )
        start = day.astimezone(UTC)
        values = {
            "slug": f"live-gathering-{n}",
            "title": title or f"Provincial gathering {n}",
            "description": "A half-day on Zoom for the whole province.",
            "starts_at": start,
            "ends_at": start + timedelta(hours=3, minutes=30),
            "meeting_url": "https://zoom.example/j/1234567890",
            "registration_opens_at": now - timedelta(days=1),
            "registration_closes_at": start - timedelta(hours=1),
            "capacity": capacity,
            "waitlist_enabled": True,
            "land_acknowledgement": "We gather on the territories of many First Nations.",
            "contact_name": "Gathering coordinator",
            "contact_title": "Coordinator, Perinatal Community of Practice",
            "contact_email": "coordinator@example.org",
            "contact_phone": "604-555-0100",
            "contact_address": "1665 West Broadway, Vancouver BC",
        }
        values.update(gathering_overrides)
        gathering = Gathering(**values)
        db.session.add(gathering)
        db.session.add(
            AgendaItem(
                gathering=gathering,
                kind=AgendaKind.PLENARY.value,
                title="Welcome",
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
            )
        )
        titles = []
        if breakouts:
            for number, area in enumerate(PriorityArea, start=1):
                titles.append(f"Breakout {number}: {area.label[:60]}")
                db.session.add(
                    AgendaItem(
                        gathering=gathering,
                        kind=AgendaKind.BREAKOUT.value,
                        title=titles[-1],
                        priority_area=area.value,
                        starts_at=start + timedelta(minutes=30),
                        ends_at=start + timedelta(minutes=90),
                        room_url=f"https://zoom.example/j/room{number}",
                        capacity=40,
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
        users = {}
        for role in UserRole:
            email = f"{role.value}@example.org"
            if find_user(email) is None:
                create_user(email, PASSWORD, role=role.value, name=f"{role.label} person")
            users[role.value] = email
        db.session.flush()
        if breakouts:
            from app.breakouts.staffing import add_staff

            first_room = min(gathering.breakouts, key=lambda item: item.id)
            add_staff(first_room, find_user(users["facilitator"]), "facilitator")
        db.session.commit()
        return Seeded(gathering.slug, gathering.id, titles, users)


# --- a small HTTP client (no browser) ---------------------------------------------------


def request(
    base: str,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        merged: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            merged[key] = f"{merged[key]}\n{value}" if key in merged else value
        return response.status, merged, data
    finally:
        conn.close()


CSRF_INPUT = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


class HttpSession:
    """One visitor: keeps the session cookie, finds CSRF tokens, never follows redirects."""

    def __init__(self, base: str, timeout: float = 30):
        self.base = base
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _remember(self, headers: dict[str, str]) -> None:
        for line in headers.get("set-cookie", "").split("\n"):
            if "=" in line:
                name, _, rest = line.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        status, headers, body = request(
            self.base, "GET", path, headers=self._headers(), timeout=self.timeout
        )
        self._remember(headers)
        return status, headers, body

    def post(
        self, path: str, fields: list[tuple[str, str]] | dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        body = urllib.parse.urlencode(fields).encode()
        status, headers, data = request(
            self.base,
            "POST",
            path,
            body=body,
            timeout=self.timeout,
            headers=self._headers({"Content-Type": "application/x-www-form-urlencoded"}),
        )
        self._remember(headers)
        return status, headers, data

    def csrf_from(self, path: str) -> str:
        status, _, body = self.get(path)
        assert status == 200, (path, status)
        found = CSRF_INPUT.search(body)
        assert found, f"no csrf_token on {path}"
        return found.group(1).decode()

    def registration_fields(self, slug: str, **options) -> list[tuple[str, str]]:
        return registration_fields(slug, self, **options)

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        token = self.csrf_from("/sign-in")
        status, _, body = self.post(
            "/sign-in", {"csrf_token": token, "email": email, "password": password}
        )
        assert status == 303, (status, body[:500])


def registration_fields(
    slug: str,
    session: HttpSession,
    *,
    name: str,
    email: str,
    breakout_id: str | None = None,
    **extra: str,
) -> list[tuple[str, str]]:
    """A complete, valid registration form as a person would send it."""
    token = session.csrf_from(f"/g/{slug}/register")
    fields = [
        ("csrf_token", token),
        ("name", name),
        ("email", email),
        ("role", "nurse"),
        ("organisation_name", "Fraser Health"),
        ("organisation_type", "health_authority"),
        ("health_region", "fraser"),
        ("hsda", ""),
        ("first_choice", breakout_id or ""),
        ("second_choice", ""),
        ("accessibility_needs", ""),
        ("territory", ""),
        ("consent_collection", "y"),
    ]
    for key, value in extra.items():
        fields = [(k, v) for k, v in fields if k != key] + [(key, value)]
    return fields


def breakout_ids(server: LiveServer, gathering_id: int) -> list[int]:
    from app.extensions import db
    from app.models import Gathering

    with server.app_context():
        return [item.id for item in db.session.get(Gathering, gathering_id).breakouts]
