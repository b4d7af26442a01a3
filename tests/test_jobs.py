"""Background jobs on both runners: RQ on a real Redis (database 3) and the in-process
runner, with a real SMTP server on loopback. The same job functions run on each."""

import os
import socket
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from app import create_app, jobs
from app.extensions import db
from app.models import Job, JobStatus, MailStatus, OutboundEmail, ReportRun, utcnow
from app.outbound import notifications
from tests.conftest import login, make_test_app

pytest_plugins = ["tests.fixtures_mail", "tests.fixtures_report"]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
RUNS: dict[str, int] = {}


@jobs.job("tests.flaky", max_attempts=2)
def flaky(key: str, failures: int) -> None:
    """Fails its first `failures` runs, then succeeds; counts every run."""
    RUNS[key] = RUNS.get(key, 0) + 1
    if RUNS[key] <= failures:
        raise ConnectionError(f"transient failure {RUNS[key]}")


def redis_or_skip() -> None:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except RedisError as error:
        reason = f"Redis is not reachable at {REDIS_URL}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(params=["in-process", "rq"])
def kind(request) -> str:
    if request.param == "rq":
        redis_or_skip()
    return request.param


@pytest.fixture
def app(tmp_path, smtp_server, kind, mail_app_for):
    options = {
        "MAIL_RETRY_BASE_SECONDS": 1,
        "JOBS_RETRY_BASE_SECONDS": 0,
        "JOBS_SWEEP_GRACE_SECONDS": 0,
        "STEERING_COMMITTEE_EMAILS": "chair@example.org",
    }
    if kind == "rq":
        options |= {"REDIS_URL": REDIS_URL, "JOBS_QUEUE_PREFIX": f"t{uuid.uuid4().hex[:8]}"}
    for app in mail_app_for(tmp_path, smtp_server, **options):
        if kind == "rq":
            jobs._worker_app = app
        try:
            yield app
        finally:
            jobs._worker_app = None
            if kind == "rq":
                current = jobs.runner()
                for key in current.redis.scan_iter(f"*{current.prefix}*"):
                    current.redis.delete(key)


def drain(*, lost: bool = False) -> None:
    """Run every handed-over item, as a worker would; `lost` first sweeps as if every
    message had been lost (a Redis restart, a dead worker)."""
    if lost:
        jobs.sweep(now=utcnow() + timedelta(seconds=1))
    current = jobs.runner()
    if isinstance(current, jobs.InProcessRunner):
        current.run_pending(include_later=True)
        return
    from rq import SimpleWorker
    from rq.scheduler import RQScheduler

    queues = [current.queue(name) for name in jobs.QUEUES]
    scheduler = RQScheduler(queues, connection=current.redis, logging_level="WARNING")
    scheduler.prepare_registries([queue.name for queue in queues])
    while True:
        scheduler.enqueue_scheduled_jobs()  # what the worker's scheduler does each second
        if not any(queue.count for queue in queues):
            db.session.expire_all()  # the worker changed rows this test's session holds
            return
        SimpleWorker(queues, connection=current.redis).work(burst=True, logging_level="WARNING")


def form(gathering, email: str = "amara@example.org") -> dict:
    return {
        "name": "Amara Singh",
        "email": email,
        "role": "midwife",
        "organisation_name": "Fraser Health",
        "organisation_type": "health_authority",
        "health_region": "fraser",
        "hsda": "22",
        "first_choice": str(gathering.breakouts[0].id),
        "second_choice": str(gathering.breakouts[2].id),
        "consent_collection": "y",
    }


def test_registration_writes_rows_only_and_the_job_renders_and_sends(
    app, client, make_gathering, smtp_server
):
    gathering = make_gathering()
    flushes = []
    event.listen(db.session(), "after_flush", lambda *_: flushes.append(1))
    response = client.post(f"/g/{gathering.slug}/register", data=form(gathering))
    assert response.status_code == 303
    assert len(flushes) == 1
    (email,) = db.session.scalars(select(OutboundEmail)).all()
    assert email.text_body == "" and email.render_args["method"] == "REQUEST"
    token = email.render_args["token"]
    assert not smtp_server.inbox.envelopes
    assert db.session.scalar(select(func.count(Job.id))) == 0

    drain()
    (message,) = smtp_server.inbox.messages
    assert message["Subject"] == f"You are registered: {gathering.title}"
    body = message.get_body(("plain",)).get_content()
    assert f"/r/{token}" in body
    db.session.expire_all()
    assert email.status == MailStatus.SENT and email.render_args is None
    assert f"/r/{token}" in email.text_body
    assert client.get(f"/r/{token}").status_code == 200


def test_permanent_refusal_stops_at_once_and_shows_as_failed(
    app, client, make_gathering, smtp_server, organiser
):
    gathering = make_gathering()
    smtp_server.inbox.refuse = "amara@example.org"
    client.post(f"/g/{gathering.slug}/register", data=form(gathering))
    drain()
    drain(lost=True)
    email = db.session.scalars(select(OutboundEmail)).one()
    db.session.refresh(email)
    assert email.status == MailStatus.FAILED and email.gave_up and email.attempts == 1
    assert "550" in email.last_error
    login(client, organiser)
    page = client.get("/organiser/outbox").get_data(as_text=True)
    assert "amara@example.org" in page and "550" in page


class Flaky:
    """aiosmtpd handler answering 451 (try again later) until told to recover."""

    def __init__(self, inbox) -> None:
        self.inbox = inbox
        self.down = True

    async def handle_DATA(self, server, session, envelope):
        if self.down:
            return "451 4.3.0 Mailbox busy, try again later"
        return await self.inbox.handle_DATA(server, session, envelope)


def test_temporary_refusal_then_recovery_delivers_each_message_once(
    app, client, make_gathering, smtp_server
):
    from aiosmtpd.controller import Controller

    smtp_server.stop()
    handler = Flaky(smtp_server.inbox)
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_server.port)
    controller.start()
    try:
        gathering = make_gathering()
        for n in range(3):
            data = form(gathering, f"person{n}@example.org")
            assert client.post(f"/g/{gathering.slug}/register", data=data).status_code == 303
        drain()
        assert not smtp_server.inbox.envelopes
        states = db.session.scalars(select(OutboundEmail.status)).all()
        assert states == [MailStatus.FAILED] * 3
        handler.down = False
        deadline = time.monotonic() + 15  # backoff 1 s, 2 s, 4 s ... from the first failure
        while time.monotonic() < deadline and len(smtp_server.inbox.envelopes) < 3:
            drain(lost=True)
            time.sleep(0.2)
        drain(lost=True)
    finally:
        controller.stop()
    recipients = sorted(e.rcpt_tos[0] for e in smtp_server.inbox.envelopes)
    assert recipients == [f"person{n}@example.org" for n in range(3)]
    db.session.expire_all()
    assert db.session.scalars(select(OutboundEmail.status)).all() == [MailStatus.SENT] * 3


def test_a_failing_job_retries_then_waits_on_the_jobs_page_with_a_retry_button(
    app, client, organiser
):
    key = uuid.uuid4().hex
    jobs.submit("tests.flaky", key=key, failures=2)
    db.session.commit()
    drain()
    row = db.session.scalars(select(Job)).one()
    db.session.refresh(row)
    assert RUNS[key] == 2  # the first run and one retry (max_attempts=2), then it stops
    assert row.status == JobStatus.FAILED and "transient failure 2" in row.last_error
    login(client, organiser)
    page = client.get("/organiser/jobs").get_data(as_text=True)
    assert "tests.flaky" in page and "transient failure 2" in page
    assert client.post(f"/organiser/jobs/{row.id}/retry").status_code == 303
    drain()
    db.session.refresh(row)
    assert row.status == JobStatus.DONE and RUNS[key] == 3
    assert client.post(f"/organiser/jobs/{row.id}/retry").status_code == 303
    drain(lost=True)
    assert RUNS[key] == 3


def test_a_job_whose_worker_died_is_picked_up_again_and_runs_once(app):
    key = uuid.uuid4().hex
    row = jobs.submit("tests.flaky", key=key, failures=0)
    db.session.commit()
    # What a SIGKILLed worker leaves: the row claimed, the claim lapsed, the message gone.
    row.status = JobStatus.RUNNING.value
    row.attempts = 1
    row.claim_token = "dead-worker"
    row.claimed_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    jobs.runner()  # nothing handed over: the first message went with the worker
    drain(lost=True)
    drain(lost=True)
    db.session.refresh(row)
    assert row.status == JobStatus.DONE and RUNS[key] == 1


def test_a_lost_message_loses_no_email(app, client, make_gathering, smtp_server, kind):
    gathering = make_gathering()
    client.post(f"/g/{gathering.slug}/register", data=form(gathering))
    current = jobs.runner()
    if kind == "rq":
        for name in jobs.QUEUES:
            current.queue(name).empty()
    else:
        current.waiting.clear()
    drain()
    assert not smtp_server.inbox.envelopes
    drain(lost=True)
    assert len(smtp_server.inbox.envelopes) == 1
    drain(lost=True)
    assert len(smtp_server.inbox.envelopes) == 1


def test_a_burst_of_registrations_wakes_one_delivery_run_and_sends_each_once(
    app, client, make_gathering, smtp_server, kind
):
    app.config["JOBS_SWEEP_GRACE_SECONDS"] = 60  # the wake-up flag outlives the burst
    gathering = make_gathering()
    addresses = [f"person{n}@example.org" for n in range(120)]
    for address in addresses:
        response = client.post(f"/g/{gathering.slug}/register", data=form(gathering, address))
        assert response.status_code == 303
    if kind == "rq":
        current = jobs.runner()
        assert sum(current.queue(name).count for name in jobs.QUEUES) == 1
    drain()
    assert sorted(e.rcpt_tos[0] for e in smtp_server.inbox.envelopes) == sorted(addresses)
    sent = db.session.scalar(
        select(func.count(OutboundEmail.id)).where(OutboundEmail.status == MailStatus.SENT)
    )
    assert sent == 120


def test_fan_out_resumes_after_a_crash_without_sending_twice(
    app, make_gathering, make_registration, smtp_server, monkeypatch
):
    from app.organiser.services import update_gathering
    from tests.test_organiser import gathering_data

    gathering = make_gathering()
    people = [make_registration(gathering) for _ in range(25)]
    db.session.commit()
    monkeypatch.setattr(notifications, "FAN_OUT_BATCH", 10)
    real_queue = notifications._updated_invite
    calls = []

    def crash_on_the_fifteenth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 15:
            raise ConnectionError("worker lost its database connection")
        return real_queue(*args, **kwargs)

    monkeypatch.setattr(notifications, "_updated_invite", crash_on_the_fifteenth)
    monkeypatch.setitem(app.config, "MAIL_UPDATE_HOLD_SECONDS", 0)  # updates go at once
    update_gathering(
        gathering,
        gathering_data(gathering, title="Renamed gathering"),
        now=datetime.now(UTC),
    )
    notifications.schedule_changed(gathering)  # the organiser chose to tell everyone
    db.session.commit()
    drain()
    drain(lost=True)
    row = db.session.scalars(select(Job)).one()
    db.session.refresh(row)
    assert row.status == JobStatus.DONE and row.attempts == 2
    updates = [envelope.rcpt_tos[0] for envelope in smtp_server.inbox.envelopes]
    assert sorted(updates) == sorted(person.email for person in people)


def test_report_generation_runs_as_a_job_and_serves_from_the_database(
    app, client, make_user, report_gathering
):
    login(client, make_user("steering", email="chair-user@example.org"))
    slug = report_gathering.slug
    client.post(f"/reports/g/{slug}/generate", data={"variant": "shareable"})
    run = db.session.scalars(select(ReportRun)).one()
    assert client.get(f"/reports/g/{slug}/runs/{run.id}/status").json["status"] == "queued"
    drain()
    status = client.get(f"/reports/g/{slug}/runs/{run.id}/status").json
    assert status["status"] == "done" and status["progress"] == 100
    db.session.expire_all()
    assert run.pages > 1
    download = client.get(f"/reports/g/{slug}/runs/{run.id}.pdf")
    assert download.status_code == 200 and download.data == run.content


def test_healthz_reports_database_runner_and_queue_depth(app, client, make_gathering, kind):
    gathering = make_gathering()
    client.post(f"/g/{gathering.slug}/register", data=form(gathering))
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json["database"] == "ok" and health.json["emails_waiting"] == 1
    assert health.json["runner"] == kind
    assert sum(health.json["queues"].values()) == 1


def test_healthz_is_503_when_redis_is_unreachable(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app = make_test_app(tmp_path, REDIS_URL=f"redis://127.0.0.1:{closed_port}/0")
    with app.app_context():
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.json["redis"].startswith("error") and response.json["database"] == "ok"
        db.session.remove()
        db.engine.dispose()


def test_a_missing_secret_key_is_a_start_up_error_with_redis(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "SECRET_KEY": "",
                "REDIS_URL": REDIS_URL,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            }
        )


def test_the_worker_command_needs_redis(tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "x",
            "PUBLIC_URL": "http://gathering.test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        }
    )
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output


def _arriving(runner: jobs.InProcessRunner, count: int, every: float, stop: threading.Event):
    for number in range(2, count + 2):
        if stop.wait(every):
            return
        runner.dispatch([("email", number, "mail")])


def test_without_redis_a_burst_is_gathered_into_one_batch_and_a_lone_email_waits_briefly(app):
    runner = jobs.InProcessRunner(app)  # JOBS_AUTORUN is off: nothing takes the items
    runner.dispatch([("email", 1, "mail")])
    started = time.monotonic()
    runner._gather(quiet=0.1, longest=60)
    assert time.monotonic() - started < 30  # nothing more came: it did not wait it out

    stop = threading.Event()
    burst = threading.Thread(target=_arriving, args=(runner, 50, 0.02, stop))
    burst.start()
    try:
        # A burst of a second or more with gaps of 0.02 s: gathering goes on past the first
        # half-second of quiet it waits for, to the burst's end.
        runner._gather(quiet=0.5, longest=60)
        assert len(runner.waiting) == 51

        burst = threading.Thread(target=_arriving, args=(runner, 10**6, 0.02, stop))
        burst.start()
        started = time.monotonic()
        runner._gather(quiet=2.0, longest=0.5)  # never quiet: the longest wait ends it
        assert time.monotonic() - started < 30
    finally:
        stop.set()
        burst.join()


def test_without_redis_work_arriving_during_a_batch_is_gathered_again(app, monkeypatch):
    """While the jobs thread sends one batch, more keeps arriving: the next batch is gathered
    too (a second's worth at most), not sent on in ones and twos as it came."""
    app.config.update(JOBS_GATHER_SECONDS=0.2, JOBS_GATHER_MAX_SECONDS=0.5)
    batches: list[int] = []

    def sending(items):
        batches.append(len(items))
        time.sleep(0.05)  # a batch takes a while to send

    monkeypatch.setattr(jobs, "perform", sending)
    runner = jobs.InProcessRunner(app)
    runner.autorun = True
    stop = threading.Event()
    runner.dispatch([("email", 1, "mail")])
    arriving = threading.Thread(target=_arriving, args=(runner, 150, 0.01, stop))
    arriving.start()
    try:
        arriving.join()
        deadline = time.monotonic() + 30
        while sum(batches) < 151 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        runner.stop()
    assert sum(batches) == 151
    # Arrivals every 0.01 s for about 1.5 s: a few gathered batches, where taking what came
    # during each 0.05 s send would make about thirty.
    assert len(batches) <= 10, batches
