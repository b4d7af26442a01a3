"""Two web servers and two workers on one PostgreSQL and one Redis, as in production.

Each gunicorn server has its own INSTANCE_PATH (nothing shared on disk); two
`flask --app wsgi worker` processes deliver every email to a real SMTP server on
loopback. The Redis is a redis-server of this test's own on a free port, so that it can
be restarted in the middle of a burst without touching the shared one. Runs on
PostgreSQL only (TEST_DATABASE_URL), like production."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.fixtures_server import (
    ROOT,
    TEST_DATABASE_URL,
    VENV_BIN,
    LiveServer,
    RedisServer,
    free_port,
    scratch_postgres,
)

pytestmark = pytest.mark.load
CAPACITY = 30


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


class Inbox:
    def __init__(self) -> None:
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


class Worker:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(VENV_BIN / "flask"), "--app", "wsgi", "worker"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def stop(self) -> None:
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(15)
        self.signal(signal.SIGKILL)
        self.process.wait(10)
        self.log.close()


@pytest.fixture
def cluster(tmp_path):
    if not (TEST_DATABASE_URL and TEST_DATABASE_URL.startswith(("postgres", "postgresql"))):
        # The SQLite pass leaves it to the PostgreSQL pass, which CI always runs.
        pytest.skip("the cluster test runs in the PostgreSQL pass (TEST_DATABASE_URL)")
    if not shutil.which("redis-server"):
        _unavailable("redis-server is not installed")
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    redis = RedisServer(tmp_path)
    redis.start()
    with contextlib.ExitStack() as stack:
        stack.callback(smtp.stop)
        stack.callback(redis.stop)
        database_url = stack.enter_context(scratch_postgres(TEST_DATABASE_URL))
        shared = {
            "REDIS_URL": redis.url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp.port),
            "MAIL_RETRY_BASE_SECONDS": "1",
            "JOBS_SWEEP_SECONDS": "2",
            "JOBS_SWEEP_GRACE_SECONDS": "2",
            "JOBS_CLAIM_SECONDS": "15",
        }
        servers = []
        for n in (1, 2):
            workdir = tmp_path / f"web{n}"
            workdir.mkdir()
            server = LiveServer(workdir=workdir, database_url=database_url, extra_env=shared)
            if n == 1:
                server.prepare()
            server.instance_path.mkdir(parents=True, exist_ok=True)
            server.start()
            stack.callback(server.stop)
            servers.append(server)
        workers = []
        for n in (1, 2):
            env = servers[0].env() | {"INSTANCE_PATH": str(tmp_path / f"worker{n}")}
            workers.append(Worker(env, tmp_path / f"worker{n}.log"))
        for worker in workers:
            stack.callback(worker.stop)
        yield servers, workers, inbox, redis


def _register(server: LiveServer, slug: str, n: int, room: str) -> int:
    session = server.session(timeout=60)
    fields = session.registration_fields(
        slug, name=f"Person {n}", email=f"p{n}@example.org", breakout_id=room
    )
    status, _, _ = session.post(f"/g/{slug}/register", fields)
    return status


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _counts(server: LiveServer, gathering_id: int) -> dict:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import MailStatus, OutboundEmail, Registration

    with server.app_context():
        statuses = dict(
            db.session.execute(
                select(Registration.status, func.count())
                .where(Registration.gathering_id == gathering_id)
                .group_by(Registration.status)
            ).all()
        )
        unsent = db.session.scalar(
            select(func.count(OutboundEmail.id)).where(OutboundEmail.status != MailStatus.SENT)
        )
        return {"registrations": statuses, "unsent": unsent}


def test_two_servers_two_workers_one_database_one_redis(cluster, tmp_path):
    servers, workers, inbox, redis = cluster
    seeded = servers[0].seed(capacity=CAPACITY)
    slug = seeded.slug
    room = str(servers[0].breakout_ids(seeded.gathering_id)[0])

    # Registrations to both servers at once hold capacity exactly.
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda n: _register(servers[n % 2], slug, n, room), range(50)))
    assert statuses == [303] * 50
    counts = _counts(servers[0], seeded.gathering_id)
    assert counts["registrations"] == {"confirmed": CAPACITY, "waitlisted": 50 - CAPACITY}

    # Every message is emailed exactly once, by the workers, with no send-mail.
    _wait_for(lambda: len(inbox.recipients) >= 50, 60, "50 emails")
    time.sleep(3)  # a sweep or two more: nothing may be sent twice
    assert Counter(inbox.recipients) == Counter(f"p{n}@example.org" for n in range(50))

    # Redis restarted during a burst: no email lost (the sweep re-queues from the database).
    with ThreadPoolExecutor(max_workers=8) as pool:
        burst = [pool.submit(_register, servers[n % 2], slug, n, room) for n in range(50, 90)]
        time.sleep(0.5)
        redis.stop()
        time.sleep(1)
        redis.start()
        assert {future.result() for future in burst} == {303}
    _wait_for(lambda: len(inbox.recipients) >= 90, 90, "90 emails after the Redis restart")
    time.sleep(3)
    assert Counter(inbox.recipients) == Counter(f"p{n}@example.org" for n in range(90))
    assert _counts(servers[0], seeded.gathering_id)["unsent"] == 0

    # A report generated through one server, with its worker SIGKILLed mid-run, is
    # finished by the other worker and downloads from the other server.
    steering = servers[0].session(timeout=60)
    steering.sign_in(seeded.users["steering"])
    workers[1].signal(signal.SIGSTOP)  # so that worker 1 is the one that takes the job
    token = steering.csrf_from(f"/reports/g/{slug}/")
    status, headers, _ = steering.post(
        f"/reports/g/{slug}/generate", {"csrf_token": token, "variant": "shareable"}
    )
    assert status == 303
    run_id = int(headers["location"].rsplit("run=", 1)[1])
    status_url = f"/reports/g/{slug}/runs/{run_id}/status"

    def running() -> bool:
        import json

        return json.loads(steering.get(status_url)[2])["status"] == "running"

    _wait_for(running, 60, "the report to start")
    workers[0].signal(signal.SIGKILL)
    workers[1].signal(signal.SIGCONT)

    import json

    def done() -> bool:
        return json.loads(steering.get(status_url)[2])["status"] in ("done", "failed")

    _wait_for(done, 120, "the other worker to finish the report")
    assert json.loads(steering.get(status_url)[2])["status"] == "done"
    other = servers[1].session(timeout=60)
    other.sign_in(seeded.users["steering"])
    status, headers, pdf = other.get(f"/reports/g/{slug}/runs/{run_id}.pdf")
    assert status == 200 and pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == headers["x-content-sha256"]

    from sqlalchemy import select

    from app.extensions import db
    from app.models import Job, ReportRun

    with servers[0].app_context():
        (job,) = db.session.scalars(select(Job).where(Job.name == "report_runs.generate")).all()
        assert job.status == "done" and job.attempts == 2
        assert db.session.scalar(select(ReportRun.status).where(ReportRun.id == run_id)) == "done"
