"""Registrations per second against gunicorn (2 workers), next to /healthz on the same
server in the same run, with 20 concurrent clients: on SQLite, then on PostgreSQL when a
server answers (BENCH_DATABASE_URL, or a scratch database on 127.0.0.1:5432, named by
BENCH_SCRATCH_DATABASE or gathering_bench, made afresh for each run).

The deferred work is counted: a `flask --app wsgi worker` runs beside the server (RQ on
Redis database 4 when 127.0.0.1:6379 answers), and then again in the embedded default
without Redis, where the web processes' own job threads send the mail. Every
confirmation must reach an SMTP server on loopback by the end, and the server CPU per
registration (request plus its job) is printed, the web's and the
worker's apart, and PostgreSQL's own processes beside them.

Beside ours, the same POSTs go to the floor (bench/_floor_app.py): a bare Flask app on the
same database that only checks the fields, locks, inserts and commits, so the cost of our
forms, ORM, sessions and jobs shows as a ratio measured in the same run. Ours and the floor
take turns, BENCH_ROUNDS rounds (5) of BENCH_REQUESTS registrations (1000) each, and the
multiple is the median of the rounds' own: measured once, straight after its start, the
floor's CPU for the same work moved by a third from one run to the next (1.4 to 2.2 ms).
With Redis, each round runs ours twice: with the RQ worker sending the mail beside it, and
with the worker held until the round's last response, as the floor has no worker beside it;
on two cores the worker's CPU slowed our web processes' own by about a tenth. In the embedded
default a second floor also sends each confirmation from the web process (a message of our
shape and size, with the email package and smtplib), so the cost of the mail itself can be
told from ours.

Targets (issue 15): registration at least 25% of /healthz's rate; p95 under 100 ms.
Target (issue 23): our web CPU per registration at most 3x the floor's; in the embedded
default, where our web processes send every confirmation too, 3x the floor's that sends it.
BENCH_INSTANCE_CONFIG may hold lines for the server's instance/config.py.
"""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median

from sqlalchemy import create_engine, text

from bench import _load as load

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLIENTS = 20
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
WARM_UP = 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_url(database: int = 4) -> str | None:
    """The local Redis's database `database` (each benchmark its own, or
    BENCH_REDIS_DATABASE's when two people run the benchmarks at once), if Redis answers."""
    from redis import Redis
    from redis.exceptions import RedisError

    url = f"redis://127.0.0.1:6379/{os.environ.get('BENCH_REDIS_DATABASE', database)}"
    try:
        Redis.from_url(url, socket_connect_timeout=1).ping()
    except RedisError:
        return None
    return url


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and their children, from /proc."""
    total = 0.0
    seen = set()
    stack = list(pids)
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        stack.extend(int(child) for child in children)
    return total


def database_server_pids() -> list[int]:
    """PostgreSQL's processes on this machine (its postmaster and every backend)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def server_environment(
    workdir: Path, database_url: str, smtp_port: int, redis: str | None, queue: str
) -> dict[str, str]:
    """The environment of a benchmark's server and worker: its own instance folder and
    database, mail to the loopback inbox, the queue `queue` on Redis when there is one."""
    env = {
        **os.environ,
        "INSTANCE_PATH": str(workdir / "instance"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "SERVER_NAME": "",
        "PUBLIC_URL": "http://127.0.0.1",
        "RATELIMIT_ENABLED": "false",  # one client address sends every request here
    }
    if redis:
        env["REDIS_URL"] = redis
        env["JOBS_QUEUE_PREFIX"] = f"{queue}{os.getpid()}"
    return env


def start_server(workdir: Path, smtp_port: int, redis: str | None, database_url: str):
    env = server_environment(workdir, database_url, smtp_port, redis, "bench")
    (workdir / "instance").mkdir()
    (workdir / "instance" / "config.py").write_text(os.environ.get("BENCH_INSTANCE_CONFIG", ""))
    subprocess.run(
        [BIN / "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    url = env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
    with create_engine(url).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO gatherings (slug, title, description, timezone, starts_at, ends_at, "
                "meeting_url, waitlist_enabled, land_acknowledgement, contact_name, contact_title, "
                "contact_email, contact_phone, contact_address, attendance_threshold_minutes, "
                "calendar_sequence, created_at, updated_at, published_at) VALUES ('bench', "
                "'Bench', '', 'America/Vancouver', :start, :end, 'https://zoom.example/j/1', "
                "true, '', '', '', '', '', '', 10, 0, :now, :now, :now)"
            ),
            {
                "start": now + timedelta(days=20),
                "end": now + timedelta(days=20, hours=3),
                "now": now,
            },
        )
    process, base = start_gunicorn("wsgi:app", env)
    processes = [process]
    if redis:
        processes.append(
            subprocess.Popen(
                [BIN / "flask", "--app", "wsgi", "worker"],
                cwd=ROOT,
                env=env,
                stdout=open(os.environ.get("BENCH_WORKER_LOG", os.devnull), "ab"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
            )
        )
    return processes, base, env


def start_gunicorn(target: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [BIN / "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", target],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn did not start {target}")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def session(base: str) -> tuple[str, str]:
    """A visitor's session cookie and the CSRF token of the form they were shown."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/g/bench/register", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar), token


class Inbox:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


@dataclass
class Round:
    """One round's load on one server: its figures and the CPU it cost, per registration."""

    figures: load.Figures
    web: float
    worker: float = 0.0
    database: float = 0.0
    delivered: int = 0
    drained: float = 0.0


def measure(database: str, database_url: str, redis: str | None) -> None:
    """Our server and the floor (in the embedded default also the floor that sends the
    mail) take turns for ROUNDS rounds of REQUESTS registrations each, so a change in the
    machine's state during the run (PostgreSQL's autovacuum, the other core's load) falls
    on both sides; each multiple is the median of the rounds' own multiples."""
    from aiosmtpd.controller import Controller

    inbox, floor_inbox = Inbox(), Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    floor_smtp = Controller(floor_inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    floor_smtp.start()
    load_before = load.machine_load()
    floor_labels = ["the floor, same POST"]
    if redis is None:  # the embedded default: our web processes also send the mail
        floor_labels.append("the floor, sending the mail too")
    rounds: list[Round] = []
    held_rounds: list[Round] = []  # with Redis: the worker held while the requests run
    floor_rounds: dict[str, list[Round]] = {label: [] for label in floor_labels}
    with tempfile.TemporaryDirectory() as tmp:
        processes, base, env = start_server(Path(tmp), smtp.port, redis, database_url)
        floors: dict[str, tuple[subprocess.Popen, str]] = {}
        try:
            wait_for(base)
            sessions = [session(base) for _ in range(CLIENTS)]
            healthz = [load.get(f"{base}/healthz") for _ in range(REQUESTS)]

            def registration(i: int, base: str) -> bytes:
                cookie, token = sessions[i % CLIENTS]
                form = {
                    "csrf_token": token,
                    "name": f"Bench Person {i}",
                    "email": f"bench{i}@example.org",
                    "role": "nurse",
                    "organisation_name": "Northern Health",
                    "organisation_type": "health_authority",
                    "health_region": "northern",
                    "consent_collection": "y",
                }
                return load.post(f"{base}/g/bench/register", form, cookie=cookie)

            def batch(number: int, base: str) -> list[bytes]:
                """The number-th batch of REQUESTS registrations: every address new."""
                return [
                    registration(i, base) for i in range(number * REQUESTS, (number + 1) * REQUESTS)
                ]

            def warm_up(base: str, number: int) -> None:
                """WARM_UP registrations with addresses of their own (numbered below 0)."""
                numbers = range(-(number + 1) * WARM_UP, -number * WARM_UP)
                load.run("warm-up", base, [registration(i, base) for i in numbers], clients=CLIENTS)

            load.run("warm-up", base, healthz, clients=CLIENTS)
            healthz_figures = load.run("trivial /healthz", base, healthz, clients=CLIENTS)
            # Every server's first requests compile its statements and fill its caches:
            # not counted, on either side. Ours then waits for its confirmations.
            warm_up(base, 0)
            while inbox.count < WARM_UP:
                time.sleep(0.1)
            for number, label in enumerate(floor_labels, start=1):
                floor_env = env
                if label != floor_labels[0]:
                    floor_env = {**env, "FLOOR_SENDS_MAIL": "1", "MAIL_PORT": str(floor_smtp.port)}
                floors[label] = start_gunicorn("bench._floor_app:app", floor_env)
                warm_up(floors[label][1], number)
            web, *worker = [[process.pid] for process in processes]
            number = 0
            for _ in range(ROUNDS):
                rounds.append(our_round(base, batch(number, base), web, worker, inbox))
                number += 1
                if worker:
                    held = our_round(
                        base, batch(number, base), web, worker, inbox, hold_worker=True
                    )
                    held_rounds.append(held)
                    number += 1
                for label, (floor, floor_base) in floors.items():
                    before = cpu_seconds([floor.pid])
                    figures = load.run(
                        label, floor_base, batch(number, floor_base), clients=CLIENTS
                    )
                    cpu = (cpu_seconds([floor.pid]) - before) / REQUESTS
                    floor_rounds[label].append(Round(figures, cpu))
                    number += 1
        finally:
            stop(processes + [floor for floor, _ in floors.values()])
            smtp.stop()
            floor_smtp.stop()
    report(database, redis, load_before, healthz_figures, rounds, held_rounds, floor_rounds)


def wait_for(base: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=5)
            return
        except OSError:
            time.sleep(0.2)


def our_round(
    base: str,
    requests: list[bytes],
    web: list[int],
    worker: list[list[int]],
    inbox: Inbox,
    *,
    hold_worker: bool = False,
) -> Round:
    """One round on our server, until every confirmation it caused has reached the inbox.
    `hold_worker`: the RQ worker is stopped until the round's last response, and then
    sends the round's mail."""
    expected = inbox.count + len(requests)
    database_before = cpu_seconds(database_server_pids())
    web_before = cpu_seconds(web)
    worker_before = cpu_seconds(worker[0]) if worker else 0.0
    if hold_worker:
        os.kill(worker[0][0], signal.SIGSTOP)
    try:
        figures = load.run("registration POST", base, requests, clients=CLIENTS)
    finally:
        if hold_worker:
            os.kill(worker[0][0], signal.SIGCONT)
    finished = time.perf_counter()
    deadline = finished + 300
    while inbox.count < expected and time.perf_counter() < deadline:
        time.sleep(0.1)
    return Round(
        figures,
        web=(cpu_seconds(web) - web_before) / REQUESTS,
        worker=((cpu_seconds(worker[0]) - worker_before) if worker else 0.0) / REQUESTS,
        database=(cpu_seconds(database_server_pids()) - database_before) / REQUESTS,
        delivered=len(requests) - max(0, expected - inbox.count),
        drained=time.perf_counter() - finished,
    )


def pooled(label: str, rounds: list[Round]) -> load.Figures:
    """Every round's requests as one set of figures."""
    return load.Figures(
        label,
        sum(r.figures.requests for r in rounds),
        sum(r.figures.seconds for r in rounds),
        [latency for r in rounds for latency in r.figures.latencies],
        [status for r in rounds for status in r.figures.statuses],
    )


def report(
    database: str,
    redis: str | None,
    load_before: str,
    healthz: load.Figures,
    rounds: list[Round],
    held_rounds: list[Round],
    floor_rounds: dict[str, list[Round]],
) -> None:
    runner = "RQ worker on Redis" if redis else "in-process job threads"
    print(
        f"{database}: gunicorn 2 workers, {runner}, {CLIENTS} clients, {len(rounds)} rounds "
        f"of {REQUESTS} registrations on ours and on each floor in turn; load average "
        f"{load_before} before, {load.machine_load()} after"
    )
    ours = pooled("registration POST", rounds)
    for figures in (healthz, ours):
        print(figures.line())
    delivered = sum(r.delivered for r in rounds + held_rounds)
    sent = sum(r.figures.requests for r in rounds + held_rounds)
    web = median([r.web for r in rounds])
    worker = median([r.worker for r in rounds])
    print(
        f"  confirmations delivered: {delivered}/{sent}, the last "
        f"{max(r.drained for r in rounds):.1f} s after the last response; server CPU per "
        f"registration (request + job): {(web + worker) * 1000:.1f} ms (web {web * 1000:.1f} "
        f"ms, worker {worker * 1000:.1f} ms)"
        + (
            f"; PostgreSQL's own processes {median([r.database for r in rounds]) * 1000:.1f} "
            "ms more"
            if database == "PostgreSQL"
            else ""
        )
        + " (medians of the rounds)"
    )
    floors = {label: median([r.web for r in got]) for label, got in floor_rounds.items()}
    multiples = {
        label: [
            ours_round.web / floor_round.web
            for ours_round, floor_round in zip(rounds, got, strict=True)
        ]
        for label, got in floor_rounds.items()
    }
    plain, *mail = floor_rounds
    for label, got in floor_rounds.items():
        print(pooled(label, got).line() + f"   web CPU {floors[label] * 1000:.1f} ms")
    print(
        "  our web CPU / the floor's, round by round: "
        + "; ".join(
            f"{label.removeprefix('the floor, ')}: " + pairs(rounds, got)
            for label, got in floor_rounds.items()
        )
        + " ms"
    )
    if not mail:
        # The floor has no worker beside it. On two cores, ours does: while it sends the
        # mail, our web processes' CPU for the same work rose by about a tenth. Held, the
        # web processes are measured as the floor is; both are printed.
        held = [r.web / f.web for r, f in zip(held_rounds, floor_rounds[plain], strict=True)]
        multiple = median(held)
        print(
            "  our web CPU / the floor's, the worker held until the round's last response: "
            + pairs(held_rounds, floor_rounds[plain])
            + " ms"
        )
        print(
            f"  our web CPU per registration: {median([r.web for r in held_rounds]) * 1000:.1f} "
            f"ms = {multiple:.2f}x the floor's, the median of the rounds' {spread(held)}, the "
            "RQ worker held until each round's last response as the floor has none beside it "
            f"(target <= 3x): {'met' if multiple <= 3 else 'missed'}; while the worker sends "
            f"the mail beside them, {web * 1000:.1f} ms = {median(multiples[plain]):.1f}x"
        )
    else:
        # Our web processes also sent every confirmation: the floor doing the same work
        # is the one that sends it too. The multiple of the floor that sends nothing is
        # printed beside it, as the cost of sending mail from the web processes.
        multiple = median(multiples[mail[0]])
        print(
            f"  our web CPU per registration, the confirmation sent: {web * 1000:.1f} ms = "
            f"{multiple:.2f}x the floor's that sends it too, the median of the rounds' "
            f"{spread(multiples[mail[0]])} (target <= 3x): {'met' if multiple <= 3 else 'missed'}; "
            f"{median(multiples[plain]):.1f}x the floor's that sends nothing (the mail alone "
            f"costs that floor {(floors[mail[0]] - floors[plain]) * 1000:.1f} ms: the same "
            "message's shape and size, built with the email package and sent with smtplib "
            "after the commit)"
        )
    floor_rate = pooled(plain, floor_rounds[plain]).rate
    print(
        "  (the floor: a bare Flask app that checks the fields, locks, counts, inserts the "
        "registration, its token and an email row with SQLAlchemy Core, and commits; "
        f"ours runs at {ours.rate / floor_rate:.0%} of its rate)"
    )
    ratio = ours.rate / healthz.rate
    print(
        f"  registration / healthz rate: {ratio:.0%} (target >= 25%): "
        f"{'met' if ratio >= 0.25 else 'missed'}; p95 {ours.p95:.1f} ms (target < 100 ms): "
        f"{'met' if ours.p95 < 100 else 'missed'}; every confirmation delivered: "
        f"{'met' if delivered >= sent else 'missed'}"
    )


def pairs(ours: list[Round], floor: list[Round]) -> str:
    """Each round's web CPU, ours / the floor's, in ms."""
    return ", ".join(
        f"{r.web * 1000:.1f}/{f.web * 1000:.1f}" for r, f in zip(ours, floor, strict=True)
    )


def spread(multiples: list[float]) -> str:
    return "(" + ", ".join(f"{m:.1f}" for m in multiples) + ")"


def postgres_url() -> str | None:
    """BENCH_DATABASE_URL, or a fresh scratch database on the local server if one answers."""
    import psycopg

    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    name = os.environ.get("BENCH_SCRATCH_DATABASE", "gathering_bench")
    try:
        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=2
        ) as conn:
            # FORCE: a process of the run before may still hold a connection to it.
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        return None
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def main() -> None:
    """Jobs on Redis (when it answers) and then the embedded default, where the web
    processes run the jobs themselves; BENCH_JOBS=redis or embedded runs one of them."""
    redis = redis_url()
    chosen = os.environ.get("BENCH_JOBS", "")
    runners = [] if chosen == "embedded" or redis is None else [redis]
    if chosen != "redis":
        runners.append(None)
    for runner in runners:
        with tempfile.TemporaryDirectory() as tmp:
            measure("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", runner)
        url = postgres_url()
        if url is None:
            print("PostgreSQL: not measured (no server answers at 127.0.0.1:5432)")
        else:
            measure("PostgreSQL", url, runner)


if __name__ == "__main__":
    main()
