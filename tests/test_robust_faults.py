"""The database going away (issue 11, item 4): a clean 503 page, nothing half-saved, and
every confirmation a person was shown is in the database afterwards.

The restart test runs its own throwaway PostgreSQL cluster (initdb + pg_ctl on a free port
in a temporary folder), because the shared server cannot be restarted under other tests.
Figures are printed with -s and recorded in the JUnit XML."""

import contextlib
import glob
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from tests.conftest import TEST_DATABASE_URL, base_config
from tests.fixtures_mail import free_port

pytest_plugins = ["tests.fixtures_server"]

REGISTRANTS = 40
CONCURRENCY = 8
# Every registration taken ends on the same page (tests/test_enumeration.py).
TAKEN = re.compile(r"/g/[a-z0-9-]+/check-your-email$")


def figures(record_testsuite_property, text: str) -> None:
    print("\n" + text)
    record_testsuite_property(f"figures: {text.split(':', 1)[0]}", text)


# --- in process, on the configured database ---------------------------------------------


def _unreachable_database(tmp_path) -> str:
    if TEST_DATABASE_URL:
        return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone"
    return f"sqlite:///{tmp_path / 'no-such-folder' / 'gone.sqlite3'}"


def test_unreachable_database_is_a_503_page_not_a_500(tmp_path):
    app = create_app(base_config(tmp_path, SQLALCHEMY_DATABASE_URI=_unreachable_database(tmp_path)))
    client = app.test_client()
    for method, path in (
        ("GET", "/g/any/register"),
        ("POST", "/g/any/register"),
        ("POST", "/sign-in"),
    ):
        response = client.open(
            path, method=method, data={"name": "Amara", "email": "a@example.org", "password": "x"}
        )
        body = response.get_data(as_text=True)
        assert response.status_code == 503, (path, body[:300])
        assert response.headers["Retry-After"] == "30"
        assert "Nothing from this request was saved" in body
        assert "Traceback" not in body


# --- a PostgreSQL restart during a registration burst -----------------------------------


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class Cluster:
    """A PostgreSQL cluster of this test's own, run as the postgres user when we are root."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin = bin_dir
        self.data = root / "data"
        self.socket_dir = root
        self.log = root / "postgres.log"
        self.port = free_port()
        self.root = root

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=40"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def own_postgres():
    bin_dir = _postgres_bin()
    if bin_dir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are missing")
        pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
    # Not under pytest's tmp folders: those are private to root, and the server runs as
    # the postgres user.
    root = Path(tempfile.mkdtemp(prefix="gm-robust-pg-"))
    cluster = Cluster(bin_dir, root)
    cluster.init()
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def _register(server, slug: str, n: int, breakout: str) -> dict:
    session = server.session(timeout=60)
    for _ in range(40):  # the form itself may meet the outage: wait for it as a person would
        try:
            fields = session.registration_fields(
                slug, name=f"Person {n}", email=f"person{n}@example.org", breakout_id=breakout
            )
            break
        except AssertionError:
            time.sleep(0.25)
    else:
        raise AssertionError(f"the registration form never came back for person {n}")
    status, headers, body = session.post(f"/g/{slug}/register", fields)
    taken = status == 303 and TAKEN.search(headers.get("location", "")) is not None
    return {
        "n": n,
        "status": status,
        "taken": taken,
        "clean_503": status == 503 and b"Nothing from this request was saved" in body,
    }


@pytest.mark.load
def test_postgres_restart_mid_burst(own_postgres, tmp_path, record_testsuite_property):
    from tests.fixtures_server import LiveServer

    server = LiveServer(workdir=tmp_path, database_url=own_postgres.url, workers=3)
    server.prepare()
    try:
        seeded = server.seed()
        breakout = str(server.breakout_ids(seeded.gathering_id)[0])
        server.start()
        done = threading.Semaphore(0)
        down = {}

        def person(n: int) -> dict:
            outcome = _register(server, seeded.slug, n, breakout)
            done.release()
            return outcome

        def restart() -> None:
            for _ in range(REGISTRANTS // 4):
                done.acquire()
            down["at"] = time.monotonic()
            own_postgres.stop("fast")
            time.sleep(1.5)
            own_postgres.start()
            down["for"] = time.monotonic() - down["at"]

        with ThreadPoolExecutor(max_workers=CONCURRENCY + 1) as pool:
            restarting = pool.submit(restart)
            outcomes = list(pool.map(person, range(REGISTRANTS)))
            restarting.result()
    finally:
        server.stop()
        log = server.log_text()

    statuses = sorted({o["status"] for o in outcomes})
    refused = [o for o in outcomes if o["status"] == 503]
    figures(
        record_testsuite_property,
        f"postgres restart: {REGISTRANTS} registrations, concurrency {CONCURRENCY}, database "
        f"down {down['for']:.1f}s; {sum(o['taken'] for o in outcomes)} confirmed, "
        f"{len(refused)} clean 503s, statuses {statuses}",
    )
    assert set(statuses) <= {303, 503}, (outcomes, log[-3000:])
    assert all(o["clean_503"] for o in refused)
    assert "Unhandled error" not in log and "WORKER TIMEOUT" not in log

    from app.extensions import db
    from app.models import ManageToken, OutboundEmail, Registration

    confirmed = {f"person{o['n']}@example.org" for o in outcomes if o["taken"]}
    with server.app_context():
        stored = set(db.session.scalars(select(Registration.email)))
        without_token = db.session.scalar(
            select(func.count(Registration.id)).where(
                ~Registration.id.in_(select(ManageToken.registration_id))
            )
        )
        without_email = db.session.scalar(
            select(func.count(Registration.id)).where(
                ~Registration.id.in_(
                    select(OutboundEmail.registration_id).where(
                        OutboundEmail.registration_id.is_not(None)
                    )
                )
            )
        )
    assert confirmed <= stored
    assert stored <= confirmed | {f"person{o['n']}@example.org" for o in refused}
    assert without_token == 0 and without_email == 0
