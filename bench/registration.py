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
forms, ORM, sessions and jobs shows as a ratio measured in the same run. In the embedded
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
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from bench import _load as load

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLIENTS = 20
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))


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


def measure(database: str, database_url: str, redis: str | None) -> None:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    load_before = load.machine_load()
    with tempfile.TemporaryDirectory() as tmp:
        processes, base, env = start_server(Path(tmp), smtp.port, redis, database_url)
        try:
            for _ in range(150):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=5)
                    break
                except OSError:
                    time.sleep(0.2)
            sessions = [session(base) for _ in range(CLIENTS)]
            healthz = [load.get(f"{base}/healthz") for _ in range(REQUESTS)]

            def registration(i: int, base: str = base) -> bytes:
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

            registrations = [registration(i) for i in range(REQUESTS)]
            load.run("warm-up", base, healthz, clients=CLIENTS)
            results = [load.run("trivial /healthz", base, healthz, clients=CLIENTS)]
            web, *worker = [[process.pid] for process in processes]
            database_before = cpu_seconds(database_server_pids())
            web_before = cpu_seconds(web)
            worker_before = cpu_seconds(worker[0]) if worker else 0.0
            results.append(load.run("registration POST", base, registrations, clients=CLIENTS))
            finished = time.perf_counter()
            deadline = finished + 300
            while inbox.count < REQUESTS and time.perf_counter() < deadline:
                time.sleep(0.1)
            drained = time.perf_counter() - finished
            delivered = inbox.count  # before the floor sends its own
            web_cpu = cpu_seconds(web) - web_before
            worker_cpu = (cpu_seconds(worker[0]) - worker_before) if worker else 0.0
            database_cpu = cpu_seconds(database_server_pids()) - database_before
            cpu = web_cpu + worker_cpu
        finally:
            stop(processes)
        try:
            floor_figures, floor_cpu = run_floor(env, registration, 1, "the floor, same POST")
            if redis is None:  # the embedded default: our web processes also sent the mail
                mail_floor, mail_floor_cpu = run_floor(
                    {**env, "FLOOR_SENDS_MAIL": "1"},
                    registration,
                    2,
                    "the floor, sending the mail too",
                )
        finally:
            smtp.stop()
    runner = "RQ worker on Redis" if redis else "in-process job threads"
    print(
        f"{database}: gunicorn 2 workers, {runner}, {CLIENTS} clients, {REQUESTS} requests "
        f"each; load average {load_before} before, {load.machine_load()} after"
    )
    for figures in results:
        print(figures.line())
    ratio = results[1].rate / results[0].rate
    p95 = results[1].p95
    print(
        f"  confirmations delivered: {delivered}/{REQUESTS}, the last {drained:.1f} s after "
        f"the last response; server CPU per registration (request + job): "
        f"{cpu / REQUESTS * 1000:.1f} ms (web {web_cpu / REQUESTS * 1000:.1f} ms, "
        f"worker {worker_cpu / REQUESTS * 1000:.1f} ms)"
        + (
            f"; PostgreSQL's own processes {database_cpu / REQUESTS * 1000:.1f} ms more"
            if database == "PostgreSQL"
            else ""
        )
    )
    ours = web_cpu / REQUESTS
    floor_web = floor_cpu / floor_figures.requests
    print(floor_figures.line() + f"   web CPU {floor_web * 1000:.1f} ms")
    if redis:
        multiple = ours / floor_web
        print(
            f"  our web CPU per registration: {ours * 1000:.1f} ms = {multiple:.1f}x "
            f"the floor's (target <= 3x): {'met' if multiple <= 3 else 'missed'}"
        )
    else:
        # Our web processes also sent every confirmation: the floor doing the same work
        # is the one that sends it too. The multiple of the floor that sends nothing is
        # printed beside it, as the cost of sending mail from the web processes.
        mail_floor_web = mail_floor_cpu / mail_floor.requests
        print(mail_floor.line() + f"   web CPU {mail_floor_web * 1000:.1f} ms")
        multiple = ours / mail_floor_web
        print(
            f"  our web CPU per registration, the confirmation sent: {ours * 1000:.1f} ms = "
            f"{multiple:.1f}x the floor's that sends it too (target <= 3x): "
            f"{'met' if multiple <= 3 else 'missed'}; {ours / floor_web:.1f}x the floor's "
            "that sends nothing (the mail alone costs that floor "
            f"{(mail_floor_web - floor_web) * 1000:.1f} ms: the same message's shape and "
            "size, built with the email package and sent with smtplib after the commit)"
        )
    print(
        "  (the floor: a bare Flask app that checks the fields, locks, counts, inserts the "
        "registration, its token and an email row with SQLAlchemy Core, and commits; "
        f"ours runs at {results[1].rate / floor_figures.rate:.0%} of its rate)"
    )
    print(
        f"  registration / healthz rate: {ratio:.0%} (target >= 25%): "
        f"{'met' if ratio >= 0.25 else 'missed'}; p95 {p95:.1f} ms (target < 100 ms): "
        f"{'met' if p95 < 100 else 'missed'}; every confirmation delivered: "
        f"{'met' if delivered >= REQUESTS else 'missed'}"
    )


def run_floor(env: dict[str, str], registration, batch: int, label: str):
    """The floor app under the same load (addresses numbered apart from the runs before);
    its figures and its web CPU."""
    floor, floor_base = start_gunicorn("bench._floor_app:app", env)
    try:
        numbers = range(batch * REQUESTS, (batch + 1) * REQUESTS)
        floor_requests = [registration(i, floor_base) for i in numbers]
        load.run("warm-up", floor_base, floor_requests[:CLIENTS], clients=CLIENTS)
        before = cpu_seconds([floor.pid])
        figures = load.run(label, floor_base, floor_requests[CLIENTS:], clients=CLIENTS)
        return figures, cpu_seconds([floor.pid]) - before
    finally:
        stop([floor])


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
