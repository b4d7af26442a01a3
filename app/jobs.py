"""Background work: RQ on Redis when REDIS_URL is set, a small in-process runner otherwise.

Every piece of work is a row first, written in the transaction of the change that needs
it: an outbox row (app.outbound.mail) for each email, a `jobs` row for anything else (report
generation, fan-out of updated invites, an import). Once the session commits, the new
rows' ids are handed to the runner; a sweep every JOBS_SWEEP_SECONDS hands over whatever
is due but was not picked up (a Redis restart, a dead worker whose claim lapsed, a retry
whose backoff has passed). Job functions are plain functions taking ids; they are run by
`run_job`, which claims the row first, so a message delivered twice runs the work once.

Other packages add work with::

    @job("area.name")
    def do_it(thing_id: int) -> None: ...

    submit("area.name", thing_id=thing.id)   # in the request's transaction

and may call `extend_claim()` during long work and `checkpoint(**args)` to record how
far a resumable job got, in the same transaction as the work done so far. Work due at a
time (scheduled reminders) registers with `@every_sweep` and runs once a minute.
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models.core import utcnow
from app.models.jobs import Job, JobStatus
from app.models.mail import MailStatus, OutboundEmail

log = logging.getLogger(__name__)

QUEUES = ("mail", "default")
EMAIL_BATCH = 50

JOB_DEFAULTS: dict[str, object] = {
    "REDIS_URL": None,
    "JOBS_AUTORUN": True,
    "JOBS_SWEEP_SECONDS": 60,
    # Without Redis: the jobs thread, woken by new work, waits until nothing more has come
    # for JOBS_GATHER_SECONDS (at most JOBS_GATHER_MAX_SECONDS in all), so a burst of
    # registrations is sent in batches (one claim, one load, one SMTP connection each)
    # rather than one by one. A lone registration's email waits the short gap only.
    "JOBS_GATHER_SECONDS": 0.2,
    "JOBS_GATHER_MAX_SECONDS": 1.0,
    "JOBS_SWEEP_GRACE_SECONDS": 30,
    "JOBS_CLAIM_SECONDS": 300,
    "JOBS_RETRY_BASE_SECONDS": 30,
    "JOBS_RETRY_MAX_SECONDS": 3600,
    "JOBS_QUEUE_PREFIX": "gm",
    "JOBS_WORKER_NICE": 10,
}

Item = tuple[str, int, str]  # ("email" | "job", row id, queue)


class PermanentJobError(Exception):
    """The job cannot succeed by being run again (its row is gone, its input is bad)."""


@dataclass(frozen=True)
class JobSpec:
    func: Callable[..., None]
    queue: str
    max_attempts: int


REGISTRY: dict[str, JobSpec] = {}
PERIODIC: list[Callable[..., object]] = []
# Set on an app once every module that registers work has been imported (create_app does
# it with the pages, which import them all). Only then does its in-process runner sweep and
# run what is due: a job it did not know would be failed for good. Work queued by an app
# without them (a command that needs only the database) waits for another process's sweep.
EVERY_JOB_KNOWN = "jobs_every_job_known"


def job(name: str, *, queue: str = "default", max_attempts: int = 5):
    """Register a job function under a stable name (rows store the name, not code)."""

    def register(func: Callable[..., None]) -> Callable[..., None]:
        REGISTRY[name] = JobSpec(func, queue, max_attempts)
        return func

    return register


def every_sweep(func: Callable[..., object]) -> Callable[..., object]:
    """Run `func(now=...)` at every sweep (once a minute): for work due at a time, such
    as scheduled reminders. It must be idempotent and commit its own work. Registered
    once: a second registration would run the work twice a minute."""
    if func in PERIODIC:
        raise ValueError(f"{func.__qualname__} is already run at every sweep")
    PERIODIC.append(func)
    return func


def submit(name: str, /, **args: Any) -> Job:
    """Add a job row to the current session; it runs after the session commits."""
    spec = REGISTRY[name]
    now = utcnow()
    row = Job(
        name=name,
        args=args,
        queue=spec.queue,
        status=JobStatus.QUEUED.value,
        attempts=0,
        max_attempts=spec.max_attempts,
        next_attempt_at=now,
        last_error="",
        created_at=now,
    )
    db.session.add(row)
    return row


# --- handing rows to the runner once they are committed -------------------------------

_PENDING = "jobs_pending"


def dispatch_after_commit(kind: str, row_id: int, queue: str = "default") -> None:
    """For rows made due again (a retry button): hand them over once this commits."""
    db.session().info.setdefault(_PENDING, []).append((kind, row_id, queue))


def collect_new_rows(session: Session) -> None:
    """After a flush: the new outbox and job rows, to hand over once committed."""
    pending = None
    for obj in session.new:
        if isinstance(obj, OutboundEmail):
            item: Item = ("email", obj.id, "mail")
        elif isinstance(obj, Job):
            item = ("job", obj.id, obj.queue)
        else:
            continue
        if pending is None:
            pending = session.info.setdefault(_PENDING, [])
        pending.append(item)


def hand_over_committed(session: Session) -> None:
    """After a commit: the collected rows go to the runner."""
    pending = session.info.pop(_PENDING, None)
    if pending and has_app_context():
        try:
            runner().dispatch(pending)
        except RunnerResting:
            log.warning("queue unreachable; the sweep will hand over %d job(s)", len(pending))
        except Exception:  # the rows are saved; the sweep hands them over later
            log.exception("could not queue %d job(s); the sweep will pick them up", len(pending))


def forget_pending(session: Session) -> None:
    """After a rollback: nothing collected was saved."""
    session.info.pop(_PENDING, None)


# --- running one piece of work (both runners call these) -----------------------------

_current: contextvars.ContextVar[tuple[int, str] | None] = contextvars.ContextVar(
    "current_job", default=None
)


def _lease(now: datetime) -> datetime:
    return max(now, utcnow()) + timedelta(seconds=int(current_app.config["JOBS_CLAIM_SECONDS"]))


def _backoff(attempts: int) -> timedelta:
    config = current_app.config
    base = int(config["JOBS_RETRY_BASE_SECONDS"])
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), int(config["JOBS_RETRY_MAX_SECONDS"]))
    )


def _job_due(now: datetime):
    return or_(
        and_(Job.status == JobStatus.QUEUED, Job.next_attempt_at <= now),
        and_(Job.status == JobStatus.RUNNING, Job.claimed_until < now),
    )


def run_job(job_id: int) -> str:
    """Claim the job row and run its function once; returns what happened."""
    now = utcnow()
    token = secrets.token_hex(16)
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, _job_due(now))
        .values(
            status=JobStatus.RUNNING.value,
            claim_token=token,
            claimed_until=_lease(now),
            attempts=Job.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return "skipped"
    row = db.session.get(Job, job_id)
    name, args, attempts, max_attempts = row.name, dict(row.args), row.attempts, row.max_attempts
    spec = REGISTRY.get(name)
    marker = _current.set((job_id, token))
    try:
        if spec is None:
            raise PermanentJobError(f"no job function named {name!r}")
        spec.func(**args)
    except Exception as error:  # noqa: BLE001 - recorded on the row, retried or shown
        db.session.rollback()
        permanent = isinstance(error, PermanentJobError)
        give_up = permanent or attempts >= max_attempts
        next_at = None if give_up else utcnow() + _backoff(attempts)
        _finish_job(
            job_id,
            token,
            status=JobStatus.FAILED.value if give_up else JobStatus.QUEUED.value,
            next_attempt_at=next_at,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        log.warning("job %s (%s) failed, attempt %s: %s", job_id, name, attempts, error)
        if next_at is not None:
            runner().dispatch_at([("job", job_id, spec.queue if spec else "default")], next_at)
        return "failed" if give_up else "retry"
    finally:
        _current.reset(marker)
    _finish_job(job_id, token, status=JobStatus.DONE.value, finished_at=utcnow(), last_error="")
    return "done"


def _finish_job(job_id: int, token: str, **values) -> None:
    db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.claim_token == token)
        .values(claim_token=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


class ClaimLost(Exception):
    """Another worker took this job over (our claim lapsed): stop without saving."""


def extend_claim() -> None:
    """Long work calls this before each commit so its claim does not lapse."""
    current = _current.get()
    if current is not None:
        job_id, token = current
        db.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.claim_token == token)
            .values(claimed_until=_lease(utcnow()))
            .execution_options(synchronize_session=False)
        )


def checkpoint(**args: Any) -> None:
    """Record the job's progress in its own args, in the current transaction, so that a
    run picked up after a crash continues where the last commit left off."""
    current = _current.get()
    if current is None:
        return
    job_id, token = current
    row = db.session.get(Job, job_id)
    if row is None or row.claim_token != token:
        raise ClaimLost(job_id)
    row.args = {**row.args, **args}
    row.claimed_until = _lease(utcnow())


class DeliveryOutcome(Protocol):
    retry_at: dict[int, datetime]  # email id -> when to try it again


@dataclass(frozen=True)
class MailDelivery:
    """How the outbox is delivered. The outbound package registers it when the app is
    created (`use_mail_delivery`), so the runner carries emails without importing mail."""

    deliver: Callable[..., DeliveryOutcome]  # (email_ids, *, now)
    deliver_due: Callable[..., DeliveryOutcome]  # (*, now, limit, when_full)


_mail_delivery: MailDelivery | None = None


def use_mail_delivery(delivery: MailDelivery) -> None:
    global _mail_delivery
    _mail_delivery = delivery


def mail_delivery() -> MailDelivery:
    if _mail_delivery is None:
        raise RuntimeError("no mail delivery registered: create_app() registers app.outbound.mail")
    return _mail_delivery


def deliver_emails(email_ids: list[int]) -> None:
    _retry_later(mail_delivery().deliver(email_ids, now=utcnow()))


def _retry_later(report: DeliveryOutcome) -> None:
    if report.retry_at:
        moment = min(report.retry_at.values())
        runner().dispatch_at([("email", i, "mail") for i in report.retry_at], moment)


def perform(items: Iterable[Item]) -> None:
    """Run handed-over items in the current app context."""
    emails = [row_id for kind, row_id, _queue in items if kind == "email"]
    for start in range(0, len(emails), EMAIL_BATCH):
        deliver_emails(emails[start : start + EMAIL_BATCH])
    for kind, row_id, _queue in items:
        if kind == "job":
            run_job(row_id)


def sweep(*, now: datetime, limit: int = 20_000) -> int:
    """Hand over everything due that nobody is working on; returns how many."""
    grace = now - timedelta(seconds=int(current_app.config["JOBS_SWEEP_GRACE_SECONDS"]))
    emails = db.session.scalars(
        select(OutboundEmail.id)
        .where(
            or_(
                and_(
                    OutboundEmail.status.in_([MailStatus.QUEUED, MailStatus.FAILED]),
                    OutboundEmail.next_attempt_at <= grace,
                ),
                and_(
                    OutboundEmail.status == MailStatus.SENDING,
                    OutboundEmail.claimed_until < now,
                ),
            )
        )
        .order_by(OutboundEmail.id)
        .limit(limit)
    ).all()
    rows = db.session.execute(
        select(Job.id, Job.queue)
        .where(
            or_(
                and_(Job.status == JobStatus.QUEUED, Job.next_attempt_at <= grace),
                and_(Job.status == JobStatus.RUNNING, Job.claimed_until < now),
            )
        )
        .order_by(Job.id)
        .limit(limit)
    ).all()
    db.session.commit()
    for periodic in PERIODIC:
        try:
            periodic(now=now)
            # A task that wrote nothing worth keeping may still have begun a write (a
            # DELETE of no rows): ending its transaction here releases SQLite's lock for
            # the workers, whatever the task did.
            db.session.commit()
        except Exception:  # one failing task must not stop the sweep
            db.session.rollback()
            log.exception("periodic task %s failed", periodic.__name__)
    items: list[Item] = [("email", i, "mail") for i in emails]
    items += [("job", row.id, row.queue) for row in rows]
    if items:
        runner().dispatch(items, lost=True)
    return len(items)


def retry_job(row: Job, *, now: datetime) -> None:
    """An organiser's retry: due now with a fresh allowance of attempts."""
    if row.status in (JobStatus.DONE, JobStatus.RUNNING):
        return
    row.status = JobStatus.QUEUED.value
    row.attempts = 0
    row.next_attempt_at = now
    row.last_error = ""
    dispatch_after_commit("job", row.id, row.queue)


def due_counts(now: datetime) -> dict[str, int]:
    emails = db.session.scalar(
        select(func.count(OutboundEmail.id)).where(
            OutboundEmail.status.in_([MailStatus.QUEUED, MailStatus.SENDING]),
        )
    )
    jobs = db.session.scalar(
        select(func.count(Job.id)).where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
    )
    failed = db.session.scalar(select(func.count(Job.id)).where(Job.status == JobStatus.FAILED))
    return {"emails_waiting": emails or 0, "jobs_waiting": jobs or 0, "jobs_failed": failed or 0}


# --- runners -------------------------------------------------------------------------


class InProcessRunner:
    """Without Redis: one daemon thread per process works through handed-over items and
    sweeps every JOBS_SWEEP_SECONDS. With JOBS_AUTORUN off (tests), items wait until
    `run_pending()` is called, so a test decides when background work happens."""

    name = "in-process"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.autorun = bool(app.config["JOBS_AUTORUN"]) and bool(
            app.extensions.get(EVERY_JOB_KNOWN)
        )
        self.lock = threading.Condition()
        self.waiting: list[Item] = []
        self.later: list[tuple[float, int, list[Item]]] = []
        self.thread: threading.Thread | None = None
        self._order = 0
        self._stopping = False

    def dispatch(self, items: list[Item], *, lost: bool = False) -> None:
        with self.lock:
            self.waiting.extend(items)
            self.lock.notify()
        self._start()

    def dispatch_at(self, items: list[Item], when: datetime) -> None:
        with self.lock:
            self._order += 1
            heapq.heappush(self.later, (when.timestamp(), self._order, list(items)))
            self.lock.notify()
        self._start()

    def _start(self) -> None:
        if not self.autorun:
            return
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._loop, name="jobs", daemon=True)
                self.thread.start()

    def _take(self, *, include_later: bool) -> list[Item]:
        with self.lock:
            items, self.waiting = self.waiting, []
            moment = time.time()
            while self.later and (include_later or self.later[0][0] <= moment):
                items.extend(heapq.heappop(self.later)[2])
            return items

    def run_pending(self, *, include_later: bool = False) -> int:
        """Run what was handed over, in this thread, until nothing is left."""
        done = 0
        while items := self._take(include_later=include_later):
            perform(items)
            done += len(items)
        return done

    def _loop(self) -> None:
        interval = float(self.app.config["JOBS_SWEEP_SECONDS"])
        quiet = float(self.app.config["JOBS_GATHER_SECONDS"])
        longest = float(self.app.config["JOBS_GATHER_MAX_SECONDS"])
        next_sweep = time.monotonic()
        while True:
            with self.lock:
                if not self.waiting and not self._stopping:
                    wait = next_sweep - time.monotonic()
                    if self.later:
                        wait = min(wait, self.later[0][0] - time.time())
                    if wait > 0:
                        self.lock.wait(wait)
                if self._stopping:
                    return
            if self.waiting and quiet > 0:
                self._gather(quiet, longest)
            try:
                with self.app.app_context():
                    if time.monotonic() >= next_sweep:
                        next_sweep = time.monotonic() + interval
                        sweep(now=utcnow())
                    # One batch per pass: what arrives while it runs is gathered
                    # again at the top, rather than sent on in ones and twos.
                    if items := self._take(include_later=False):
                        perform(items)
                    db.session.remove()
            except Exception:
                log.exception("background work failed; the sweep will retry it")

    def stop(self) -> None:
        """End the jobs thread after the batch it is running (what is left waits)."""
        with self.lock:
            self._stopping = True
            self.lock.notify()
        if self.thread is not None:
            self.thread.join()

    def _gather(self, quiet: float, longest: float) -> None:
        """Wait while more work keeps coming: until `quiet` seconds pass with nothing new,
        or `longest` in all. What arrives meanwhile goes in the same batch."""
        deadline = time.monotonic() + max(longest, quiet)
        with self.lock:
            seen = len(self.waiting)
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(quiet, left))
            with self.lock:
                arrived = len(self.waiting)
            if arrived == seen:
                return
            seen = arrived

    def depth(self) -> dict[str, int]:
        with self.lock:
            return {"in-process": len(self.waiting) + sum(len(i) for *_, i in self.later)}

    def ping(self) -> None:
        """Nothing to reach: the runner is this process."""


class RunnerResting(Exception):
    """Redis failed moments ago: the rows stay for the sweep rather than each request
    waiting out another socket timeout."""


class RQRunner:
    """RQ on Redis: items become RQ jobs on the app's queues; `flask worker` runs them."""

    name = "rq"
    # After a failure, requests stop trying Redis for this long: in an outage only the
    # first request after each pause pays the socket timeout.
    rest_seconds = 5.0

    def __init__(self, app: Flask) -> None:
        from redis import Redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.app = app
        self.prefix = str(app.config["JOBS_QUEUE_PREFIX"])
        # A request hands its rows over within REDIS_SOCKET_TIMEOUT or leaves them to the
        # sweep; a worker's own connection waits longer (RQ raises the timeout for it).
        timeout = float(app.config.get("REDIS_SOCKET_TIMEOUT", 0.25))
        self.redis = Redis.from_url(
            str(app.config["REDIS_URL"]),
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self._resting_until = 0.0

    @contextlib.contextmanager
    def _reaching_redis(self):
        if time.monotonic() < self._resting_until:
            raise RunnerResting
        try:
            yield
        except Exception:
            self._resting_until = time.monotonic() + self.rest_seconds
            raise

    def queue(self, name: str):
        from rq import Queue

        return Queue(f"{self.prefix}-{name}", connection=self.redis)

    def _calls(self, items: list[Item]) -> list[tuple[str, tuple, int]]:
        emails = [row_id for kind, row_id, _queue in items if kind == "email"]
        calls = [
            ("app.jobs.rq_emails", (emails[start : start + EMAIL_BATCH],), 300)
            for start in range(0, len(emails), EMAIL_BATCH)
        ]
        calls += [
            ("app.jobs.rq_job", (row_id,), 3600) for kind, row_id, _q in items if kind == "job"
        ]
        return calls

    def _by_queue(self, items: list[Item]) -> dict[str, list[Item]]:
        groups: dict[str, list[Item]] = {}
        for item in items:
            groups.setdefault(item[2] if item[2] in QUEUES else "default", []).append(item)
        return groups

    def dispatch(self, items: list[Item], *, lost: bool = False) -> None:
        """Jobs become RQ jobs; new emails only wake a delivery run (see `wake_mail`).
        `lost` (the sweep) wakes one even if a run looks to be on its way already."""
        with self._reaching_redis():
            self._dispatch(items, lost=lost)

    def _dispatch(self, items: list[Item], *, lost: bool) -> None:
        if any(kind == "email" for kind, _id, _queue in items):
            self.wake_mail(force=lost)
        jobs = [item for item in items if item[0] == "job"]
        if not jobs:
            return
        from rq import Queue

        with self.redis.pipeline() as pipe:
            for name, group in self._by_queue(jobs).items():
                data = [
                    Queue.prepare_data(target, args, timeout=timeout, result_ttl=0)
                    for target, args, timeout in self._calls(group)
                ]
                self.queue(name).enqueue_many(data, pipeline=pipe)
            pipe.execute()

    @property
    def _mail_wanted(self) -> str:
        return f"{self.prefix}:mail-wanted"

    def wake_mail(self, *, force: bool = False) -> None:
        """Make sure a delivery run is on its way. A request that queued an email costs one
        Redis SET here rather than an RQ job, and a run sends a batch of whatever is due:
        under a burst of registrations the worker sends fifty messages a job. The flag is
        cleared as a run starts, before it looks for messages, so an email committed
        after that look wakes another run; it lapses on its own should the run be lost."""
        ttl = max(1, int(self.app.config["JOBS_SWEEP_GRACE_SECONDS"]))
        if self.redis.set(self._mail_wanted, 1, nx=not force, ex=ttl):
            self.queue("mail").enqueue("app.jobs.rq_deliver_due", job_timeout=300, result_ttl=0)

    def mail_run_started(self) -> None:
        self.redis.delete(self._mail_wanted)

    def dispatch_at(self, items: list[Item], when: datetime) -> None:
        for name, group in self._by_queue(items).items():
            queue = self.queue(name)
            for target, args, timeout in self._calls(group):
                queue.enqueue_at(when, target, *args, job_timeout=timeout, result_ttl=0)

    def depth(self) -> dict[str, int]:
        return {name: self.queue(name).count for name in QUEUES}

    def ping(self) -> None:
        self.redis.ping()


def runner() -> InProcessRunner | RQRunner:
    app = current_app._get_current_object()
    existing = app.extensions.get("jobs_runner")
    if existing is None:
        existing = RQRunner(app) if app.config.get("REDIS_URL") else InProcessRunner(app)
        app.extensions["jobs_runner"] = existing
    return existing


def run_pending(*, include_later: bool = False) -> int:
    """Tests and the CLI: run what the in-process runner holds, here and now."""
    current = runner()
    if not isinstance(current, InProcessRunner):
        raise RuntimeError("run_pending is for the in-process runner; start a worker instead")
    return current.run_pending(include_later=include_later)


def health() -> tuple[bool, dict[str, Any]]:
    """Database and Redis state and the queue depth, for /healthz."""
    state: dict[str, Any] = {"runner": None}
    healthy = True
    try:
        db.session.execute(text("SELECT 1"))
        state["database"] = "ok"
        state.update(due_counts(utcnow()))
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - reported, not raised
        db.session.rollback()
        state["database"] = f"error: {type(error).__name__}"
        healthy = False
    current = runner()
    state["runner"] = current.name
    try:
        current.ping()
        state["queues"] = current.depth()
        state["redis"] = "ok" if isinstance(current, RQRunner) else "not used"
    except Exception as error:  # noqa: BLE001
        state["redis"] = f"error: {type(error).__name__}"
        healthy = False
    state["status"] = "ok" if healthy else "unavailable"
    return healthy, state


# --- the RQ side: entry points and the worker command --------------------------------

_worker_app: Flask | None = None


def _app() -> Flask:
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


def rq_emails(email_ids: list[int]) -> None:
    with _app().app_context():
        try:
            deliver_emails(email_ids)
        finally:
            db.session.remove()


def rq_deliver_due() -> None:
    """A delivery run woken by `RQRunner.wake_mail`: the next batch of due messages."""
    with _app().app_context():
        try:
            current = runner()
            current.mail_run_started()
            due = mail_delivery().deliver_due
            _retry_later(due(now=utcnow(), limit=EMAIL_BATCH, when_full=current.wake_mail))
        finally:
            db.session.remove()


def rq_job(job_id: int) -> None:
    with _app().app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()


def rq_sweep() -> None:
    """The periodic sweep; several workers' schedulers may fire it, one runs it."""
    app = _app()
    with app.app_context():
        current = runner()
        seconds = max(1, int(app.config["JOBS_SWEEP_SECONDS"]))
        if isinstance(current, RQRunner):
            key = f"{current.prefix}:sweep-lock"
            if not current.redis.set(key, os.getpid(), nx=True, px=int(seconds * 800)):
                return
        try:
            sweep(now=utcnow())
        finally:
            db.session.remove()


def _cron(url: str, interval: int, queue_name: str, parent: int) -> None:
    from redis import Redis
    from redis.exceptions import RedisError
    from rq.cron import CronScheduler
    from rq.exceptions import StopRequested

    class BoundToWorker(CronScheduler):
        """Stops when the worker that started it is gone (even after a SIGKILL)."""

        def heartbeat(self) -> None:
            if os.getppid() != parent:
                raise StopRequested()
            super().heartbeat()

    while os.getppid() == parent:
        cron = BoundToWorker(connection=Redis.from_url(url))
        cron.register(rq_sweep, queue_name, interval=interval, result_ttl=0, name="gm-sweep")
        try:
            cron.start()
            return
        except RedisError:  # Redis restarting: try again, the work is safe in the database
            time.sleep(1)


def _reachable(current: RQRunner) -> bool:
    from redis.exceptions import RedisError

    try:
        current.ping()
    except RedisError:
        return False
    return True


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queues are empty (for tests).")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run background jobs from Redis (needs REDIS_URL); start as many as you need."""
    import multiprocessing

    from redis.exceptions import RedisError
    from rq import SimpleWorker

    global _worker_app
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.UsageError(
            "Set REDIS_URL to run a worker; without it the web process runs jobs itself."
        )
    _worker_app = app
    # Background work yields the processor to people waiting on a page whenever the two
    # share a machine; it catches up as soon as the pages are served.
    os.nice(max(0, int(app.config["JOBS_WORKER_NICE"])))
    current = runner()
    queues = [current.queue(name) for name in QUEUES]
    sweeper = multiprocessing.get_context("fork").Process(
        target=_cron,
        args=(
            str(app.config["REDIS_URL"]),
            int(app.config["JOBS_SWEEP_SECONDS"]),
            queues[0].name,
            os.getpid(),
        ),
        name="gm-sweep",
        daemon=True,
    )
    sweeper.start()
    db.engine.dispose()  # connections are opened afresh in this process, not shared
    try:
        while True:
            # RQ's loop ends on a stop request, in burst mode, or when Redis went away;
            # in the last case wait for it to come back (the database keeps the work).
            # A worker is made afresh each time, and making one already talks to Redis.
            try:
                SimpleWorker(queues, connection=current.redis).work(
                    burst=burst, with_scheduler=True
                )
            except RedisError:
                if burst:
                    break
                time.sleep(1)
                continue
            if burst or _reachable(current):
                break  # a stop request (SIGTERM) or the end of a burst
            time.sleep(1)
    finally:
        sweeper.terminate()
        sweeper.join(5)


def init_app(app: Flask) -> None:
    for name, value in JOB_DEFAULTS.items():
        app.config.setdefault(name, value)
