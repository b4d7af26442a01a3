"""A gathering of 10,000 registrants on its day, against gunicorn (2 workers) with 10
concurrent clients signed in as an organiser: the dashboard, the registrant list (sorted
and filtered), check-in search (the search as you type and the page without
JavaScript), each beside /healthz in the same run; then an organiser moves an agenda item
through the real route (with its CSRF token) and a job worker fans the updated invites
out to everyone confirmed. On SQLite, then on PostgreSQL when a server answers (a scratch
database on BENCH_DATABASE_URL's server, or on 127.0.0.1:5432, dropped after the run).

Jobs run on a `flask --app wsgi worker` with RQ on Redis database 5 when 127.0.0.1:6379
answers (otherwise in the web processes' own job threads); emails go to an SMTP server
on loopback. The pages keep a gathering's facts between requests until they change
(app.facts.current_facts), so the first view after a change is timed on its own too.

The fan-out figure counts everything a person's message needs: their new private link,
the email (text and HTML) and its personal .ics, all rendered and saved in the outbox
ready to send. The worker's CPU time is printed beside its wall-clock rate because the
machine may be shared (and the worker runs at a lower priority than the web).

Targets (issue 15): p95 under 150 ms for the pages at 10 concurrent clients; the
schedule-change request under 300 ms; the fan-out at 300 or more invites per second per
worker.
"""

import html
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text

from bench import _load as load
from bench.registration import Inbox, cpu_seconds, free_port, redis_url, server_environment, stop

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "10000"))
CLIENTS = 10
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
SLUG = "provincial-gathering"
ORGANISER = "organiser@bench.example"
PASSWORD = "a long bench password 1"
SEARCHES = ["singh", "emilie cote", "wu", "o'neill", "harpreet gill", "chen", "mensah", "yuki"]
AGENT = "bench-big-gathering"  # one User-Agent throughout: sessions are bound to it
PAGE_TARGET_MS = 150
REQUEST_TARGET_MS = 300
FAN_OUT_TARGET = 300


# --- the gathering -------------------------------------------------------------------


def seed(now: datetime, people: int = PEOPLE) -> dict:
    """Run inside an app context: a gathering on its day (it began an hour ago) with
    `people` registrants, check-ins and a Zoom report for the morning, facilitators for
    most rooms, representation targets, and the confirmations already sent."""
    from sqlalchemy import insert

    from app.attendance.names import fold_text
    from app.auth.services import create_user
    from app.choices import AgendaKind, PriorityArea, RegistrationStatus, UserRole
    from app.demo import BREAKOUT_TITLES, person
    from app.extensions import db
    from app.models import (
        AgendaItem,
        AttendanceRecord,
        BreakoutStaff,
        Gathering,
        ManageToken,
        OutboundEmail,
        Registration,
        RepresentationTarget,
    )
    from app.models.attendance import dedupe_key
    from app.outbound.tokens import hash_token

    rng = random.Random(15)
    zone = ZoneInfo("America/Vancouver")
    local = now.astimezone(zone)
    starts = (local.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)).astimezone(UTC)
    gathering = Gathering(
        slug=SLUG,
        title="Provincial Perinatal Gathering",
        description="A half-day on Zoom for the perinatal community of practice.",
        timezone="America/Vancouver",
        starts_at=starts,
        ends_at=starts + timedelta(hours=4, minutes=30),
        meeting_url="https://zoom.example/j/9876543210",
        capacity=round(people * 0.92),
        land_acknowledgement="We gather on the unceded territories of many First Nations.",
        contact_name="Perinatal CoP team",
        contact_email="perinatal.cop@bench.example",
        contact_phone="604-555-0100",
        attendance_threshold_minutes=10,
        calendar_sequence=2,
    )
    db.session.add(gathering)
    plenaries = [
        (0, 30, "Welcome and opening prayer", "Co-chairs and Elder"),
        (30, 75, "Ministry of Health update", "Ministry of Health"),
        (75, 105, "Two patients' care stories", "Patient partners"),
        (225, 255, "Next steps", "Shared Care Committee co-chairs"),
    ]
    items = [
        AgendaItem(
            gathering=gathering,
            kind=AgendaKind.PLENARY.value,
            title=title,
            presenter=presenter,
            starts_at=starts + timedelta(minutes=start),
            ends_at=starts + timedelta(minutes=end),
        )
        for start, end, title, presenter in plenaries
    ]
    rooms = [
        AgendaItem(
            gathering=gathering,
            kind=AgendaKind.BREAKOUT.value,
            title=BREAKOUT_TITLES[area],
            priority_area=area.value,
            starts_at=starts + timedelta(minutes=120),
            ends_at=starts + timedelta(minutes=210),
            room_url=f"https://zoom.example/j/55500{n}",
            capacity=people // 5,
        )
        for n, area in enumerate(PriorityArea)
    ]
    db.session.add_all(items + rooms)
    organiser = create_user(ORGANISER, PASSWORD, role=UserRole.ORGANISER.value, name="Olivia")
    facilitators = [
        create_user(f"facilitator{n}@bench.example", None, role=UserRole.FACILITATOR.value)
        for n in range(5)
    ]
    db.session.flush()
    db.session.add_all(
        BreakoutStaff(agenda_item_id=room.id, user_id=user.id)
        for room, user in zip(rooms, facilitators, strict=False)
    )
    db.session.add_all(
        RepresentationTarget(
            gathering_id=gathering.id, dimension="health_region", code=code, kind="share", value=v
        )
        for code, v in [("northern", 12), ("interior", 15), ("island", 15), ("fraser", 20)]
    )

    registrations = []
    confirmed = 0
    for n in range(people):
        who = person(n, seed=SLUG)
        if who.cancelled:
            status = RegistrationStatus.CANCELLED.value
        elif confirmed < gathering.capacity:
            status = RegistrationStatus.CONFIRMED.value
            confirmed += 1
        else:
            status = RegistrationStatus.WAITLISTED.value
        first, second = (rooms[i].id for i in who.choices)
        assigned = None
        if status == RegistrationStatus.CONFIRMED.value and rng.random() < 0.9:
            assigned = first if rng.random() < 0.8 else second
        created = starts - timedelta(days=60) * (1 - (n / people) ** 0.5) - timedelta(hours=3)
        registrations.append(
            {
                "gathering_id": gathering.id,
                "name": who.name,
                "email": who.email,
                "folded_name": fold_text(who.name),
                "folded_email": fold_text(who.email),
                "role": who.role,
                "organisation_name": who.organisation_name,
                "organisation_type": who.organisation_type,
                "health_region": who.health_region,
                "hsda": who.hsda,
                "first_choice_id": first,
                "second_choice_id": second,
                "assigned_breakout_id": assigned,
                "accessibility_needs": who.needs,
                "indigenous_identity": who.identity,
                "territory": "",
                "consent_collection_at": created,
                "consent_followup_at": created if who.followup else None,
                "status": status,
                "waitlisted_at": created if status == "waitlisted" else None,
                "cancelled_at": created + timedelta(days=3) if status == "cancelled" else None,
                "calendar_uid": f"{secrets.token_hex(12)}@bench.example",
                "calendar_sequence": 1 if assigned else 0,
                "created_at": created,
                "updated_at": created,
            }
        )
    ids = list(
        db.session.scalars(
            insert(Registration).returning(Registration.id, sort_by_parameter_order=True),
            registrations,
        )
    )
    db.session.execute(
        insert(ManageToken),
        [
            {
                "registration_id": i,
                "token_hash": hash_token(secrets.token_urlsafe(32)),
                "created_at": r["created_at"],
            }
            for i, r in zip(ids, registrations, strict=True)
        ],
    )
    db.session.execute(
        insert(OutboundEmail),
        [
            {
                "message_id": f"<{secrets.token_hex(16)}@bench.example>",
                "to_address": r["email"],
                "subject": f"You are registered: {gathering.title}",
                "text_body": "Hello",
                "html_body": "<p>Hello</p>",
                "kind": "registration_confirmed",
                "registration_id": i,
                "status": "sent",
                "attempts": 1,
                "created_at": r["created_at"],
                "sent_at": r["created_at"],
            }
            for i, r in zip(ids, registrations, strict=True)
        ],
    )
    welcome, ministry = items[0], items[1]
    attendance = []
    arriving = []  # confirmed, not yet checked in: the bench checks them in
    for i, r in zip(ids, registrations, strict=True):
        showed = (r["status"] == "confirmed" and rng.random() < 0.7) or rng.random() < 0.02
        checked_in = showed and rng.random() < 0.75
        if r["status"] == "confirmed" and not checked_in:
            arriving.append(i)
        if checked_in:
            attendance.append(
                {
                    "gathering_id": gathering.id,
                    "agenda_item_id": welcome.id,
                    "registration_id": i,
                    "source": "checkin",
                    "first_join": starts + timedelta(minutes=rng.randrange(15)),
                    "dedupe_key": dedupe_key(
                        gathering_id=gathering.id,
                        agenda_item_id=welcome.id,
                        source="checkin",
                        registration_id=i,
                    ),
                }
            )
        if showed and rng.random() < 0.85:
            minutes = rng.choice([rng.randrange(1, 10), rng.randrange(10, 46)])
            attendance.append(
                {
                    "gathering_id": gathering.id,
                    "agenda_item_id": ministry.id,
                    "registration_id": i,
                    "source": "zoom",
                    "minutes": minutes,
                    "first_join": ministry.starts_at,
                    "last_leave": ministry.starts_at + timedelta(minutes=minutes),
                    "dedupe_key": dedupe_key(
                        gathering_id=gathering.id,
                        agenda_item_id=ministry.id,
                        source="zoom",
                        registration_id=i,
                    ),
                }
            )
    for n in range(max(1, people // 200)):
        who = person(people + n, seed=SLUG)
        attendance.append(
            {
                "gathering_id": gathering.id,
                "agenda_item_id": welcome.id,
                "walk_in_name": who.name,
                "walk_in_email": who.email,
                "source": "checkin",
                "first_join": starts + timedelta(minutes=5),
                "dedupe_key": dedupe_key(
                    gathering_id=gathering.id,
                    agenda_item_id=welcome.id,
                    source="checkin",
                    walk_in_key=who.email,
                ),
            }
        )
    for row in attendance:
        row["created_at"] = row["updated_at"] = row["first_join"]
    db.session.execute(insert(AttendanceRecord), attendance)
    db.session.commit()
    statuses = [r["status"] for r in registrations]
    return {
        "gathering_id": gathering.id,
        "moved_item": items[-1].id,
        "welcome": welcome.id,
        "arriving": arriving,
        "organiser_id": organiser.id,
        "confirmed": statuses.count("confirmed"),
        "waitlisted": statuses.count("waitlisted"),
        "cancelled": statuses.count("cancelled"),
        "needs": sum(1 for r in registrations if r["accessibility_needs"]),
        "rooms": sum(1 for r in registrations if r["assigned_breakout_id"]),
        "attendance": len(attendance),
    }


# --- the database and the server -----------------------------------------------------


def _psycopg(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql+psycopg://", url)


def postgres_server() -> str | None:
    """The PostgreSQL server to make a scratch database on, if one answers."""
    url = os.environ.get("BENCH_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        create_engine(_psycopg(url), connect_args={"connect_timeout": 2}).connect().close()
    except Exception:  # noqa: BLE001 - no server: PostgreSQL is not measured
        return None
    return url


def scratch_database(server: str, create: bool) -> str:
    name = f"bench_big_{os.getpid()}"
    admin = create_engine(_psycopg(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


def prepare(env: dict, now: datetime) -> dict:
    Path(env["INSTANCE_PATH"]).mkdir(exist_ok=True)
    subprocess.run(
        [BIN / "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    from app import create_app
    from app.extensions import db

    app = create_app(
        {
            "INSTANCE_PATH": env["INSTANCE_PATH"],
            "SECRET_KEY": "bench",
            "PUBLIC_URL": "http://127.0.0.1",
            "SQLALCHEMY_DATABASE_URI": _psycopg(env["DATABASE_URL"]),
            "JOBS_AUTORUN": False,
        }
    )
    with app.app_context():
        facts = seed(now)
        if db.engine.dialect.name == "postgresql":
            # As autovacuum leaves the tables within a minute of a load this size.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        db.session.remove()
        db.engine.dispose()
    return facts


def start(env: dict, redis: str | None) -> tuple[list[subprocess.Popen], str]:
    port = free_port()
    processes = [
        subprocess.Popen(
            [BIN / "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "ab"),  # noqa: SIM115
        )
    ]
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
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=5)
            return processes, base
        except OSError:
            time.sleep(0.2)
    stop(processes)
    raise SystemExit("gunicorn did not start")


# --- the organiser's requests ----------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _cookie(response) -> str:
    return "; ".join(
        header.split(";", 1)[0] for header in response.headers.get_all("Set-Cookie") or []
    )


def _request(url: str, cookie: str = "", data: dict | None = None) -> urllib.request.Request:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    return urllib.request.Request(url, data=body, headers={"Cookie": cookie, "User-Agent": AGENT})


def _get(url: str, cookie: str) -> bytes:
    """A request for bench._load, from the same browser as the sign-in."""
    return load.get(url, cookie=cookie).replace(
        b"\r\nConnection:", f"\r\nUser-Agent: {AGENT}\r\nConnection:".encode(), 1
    )


def signed_in(base: str) -> str:
    """The session cookie of an organiser who has just signed in."""
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(_request(f"{base}/sign-in"), timeout=30) as response:
        cookie, page = _cookie(response), response.read().decode()
    form = {"csrf_token": _csrf_token(page), "email": ORGANISER, "password": PASSWORD}
    request = _request(f"{base}/sign-in", cookie, form)
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as answer:
        if answer.code != 303:
            raise SystemExit(f"signing in failed: HTTP {answer.code}") from answer
        return _cookie(answer) or cookie
    raise SystemExit("signing in did not redirect")


def timed_get(url: str, cookie: str) -> tuple[float, int, int]:
    start = time.perf_counter()
    with urllib.request.build_opener(_NoRedirect).open(
        _request(url, cookie), timeout=60
    ) as response:
        size = len(response.read())
        status = response.status
    return time.perf_counter() - start, status, size


def _form_fields(page: str) -> dict[str, str]:
    """What a browser would send back from the page's form: each input's value, each
    textarea's text and each select's chosen option."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if name is None or (kind and kind.group(1) in ("checkbox", "radio", "submit")):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, text_value in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        fields[name] = html.unescape(text_value)
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"', options) or re.search(
            r'<option[^>]*value="([^"]*)"[^>]*selected', options
        )
        first = re.search(r'<option[^>]*value="([^"]*)"', options)
        fields[name] = html.unescape((chosen or first).group(1)) if (chosen or first) else ""
    return fields


def move_item(base: str, cookie: str, item_id: int) -> tuple[float, int, datetime]:
    """The organiser's edit form for an agenda item, sent back with the start and end
    15 minutes later and "send the update now" chosen, as a browser would after the
    page that says who will be emailed."""
    url = f"{base}/organiser/g/{SLUG}/agenda/{item_id}/edit"
    with urllib.request.urlopen(_request(url, cookie), timeout=30) as response:
        page = response.read().decode()
    form = _form_fields(page)
    for name in ("starts_at", "ends_at"):
        moment = datetime.strptime(form[name][:16], "%Y-%m-%dT%H:%M") + timedelta(minutes=15)
        form[name] = moment.strftime("%Y-%m-%dT%H:%M")
    form["announce"] = "send"
    request = _request(url, cookie, form)
    opener = urllib.request.build_opener(_NoRedirect)
    posted = datetime.now(UTC)
    start = time.perf_counter()
    try:
        status = opener.open(request, timeout=60).status
    except urllib.error.HTTPError as answer:
        status = answer.code
    return time.perf_counter() - start, status, posted


def views_after_check_ins(
    base: str, cookie: str, checkin: str, arriving: list[int]
) -> list[tuple[str, float]]:
    """Check someone in (which changes the facts) before each page, timing the first view
    after it, one request at a time: the median of a few for each page."""
    page = urllib.request.urlopen(_request(checkin, cookie), timeout=30).read().decode()
    token = _csrf_token(page)
    organiser = f"{base}/organiser/g/{SLUG}"
    pages = {"dashboard": f"{organiser}/", "registrants": f"{organiser}/registrants"}
    timings: dict[str, list[float]] = {label: [] for label in pages}
    people = iter(arriving)
    for _round in range(5):
        for label, url in pages.items():
            form = {"csrf_token": token, "present": str(next(people))}
            request = _request(f"{checkin}/present", cookie, form)
            request.add_header("Accept", "application/json")
            urllib.request.urlopen(request, timeout=30).read()
            timings[label].append(timed_get(url, cookie)[0] * 1000)
    return [(label, sorted(values)[len(values) // 2]) for label, values in timings.items()]


def wait_for_fan_out(url: str, deadline: float) -> tuple[int, datetime | None, str]:
    engine = create_engine(_psycopg(url))
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                row = conn.execute(
                    text(
                        "SELECT status, finished_at, last_error FROM jobs "
                        "WHERE name = 'notifications.schedule_changed' ORDER BY id DESC LIMIT 1"
                    )
                ).first()
                if row is not None and row.status in ("done", "failed"):
                    queued = conn.scalar(
                        text("SELECT count(*) FROM outbound_emails WHERE kind = 'schedule_changed'")
                    )
                    finished = row.finished_at
                    if isinstance(finished, str):  # SQLite: naive UTC text
                        finished = datetime.fromisoformat(finished)
                    if finished is not None and finished.tzinfo is None:
                        finished = finished.replace(tzinfo=UTC)
                    return queued, finished, ": ".join(filter(None, row[::2]))
            time.sleep(0.05)
    finally:
        engine.dispose()
    return 0, None, "not finished"


def verdict(ok: bool) -> str:
    return "met" if ok else "missed"


def measure(database: str, url: str, redis: str | None) -> None:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    load_before = load.machine_load()
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            env = server_environment(Path(tmp), url, smtp.port, redis, "bigbench")
            seeding = time.perf_counter()
            facts = prepare(env, datetime.now(UTC))
            seeding = time.perf_counter() - seeding
            processes, base = start(env, redis)
            cookies = [signed_in(base) for _ in range(CLIENTS)]
            organiser = f"{base}/organiser/g/{SLUG}"
            checkin = f"{base}/g/{SLUG}/checkin/{facts['welcome']}"
            words = [urllib.parse.quote(q) for q in SEARCHES]
            pages = [
                ("dashboard", [f"{organiser}/"]),
                (
                    "registrants: Fraser, confirmed, by org.",
                    [f"{organiser}/registrants?region=fraser&status=confirmed&sort=organisation"],
                ),
                (
                    "registrants: no-shows, by room, page 3",
                    [f"{organiser}/registrants?attended=no&sort=room&page=3"],
                ),
                (
                    "registrants: searched, newest first",
                    [f"{organiser}/registrants?q={q}&sort=registered&dir=desc" for q in words],
                ),
                ("check-in: search as you type", [f"{checkin}/search?q={q}" for q in words]),
                ("check-in: search, page without JS", [f"{checkin}?q={q}" for q in words]),
                ("check-in: plenary page (200 listed)", [checkin]),
                ("day-of view: every room, 200 waiting listed", [f"{base}/day/{SLUG}"]),
            ]

            def requests(urls: list[str]) -> list[bytes]:
                return [_get(urls[i % len(urls)], cookies[i % CLIENTS]) for i in range(REQUESTS)]

            sizes = {label: timed_get(urls[0], cookies[0])[2] for label, urls in pages}
            healthz = requests([f"{base}/healthz"])
            web = [processes[0].pid]

            def run(label: str, batch: list[bytes]) -> tuple[load.Figures, float]:
                """The figures, and the web processes' CPU per request in ms."""
                before = cpu_seconds(web)
                figures = load.run(label, base, batch, clients=CLIENTS)
                return figures, (cpu_seconds(web) - before) / len(batch) * 1000

            run("warm-up", healthz)
            # Each page right after /healthz, so that both meet the same load.
            results = [
                (run("/healthz", healthz), run(label, requests(urls))) for label, urls in pages
            ]
            after_change = views_after_check_ins(base, cookies[0], checkin, facts["arriving"])

            worker = processes[1] if redis else processes[0]
            cpu_before = cpu_seconds([worker.pid])
            request, status, posted = move_item(base, cookies[0], facts["moved_item"])
            queued, finished, outcome = wait_for_fan_out(url, time.monotonic() + 900)
            cpu = cpu_seconds([worker.pid]) - cpu_before
            load_after = load.machine_load()
        finally:
            stop(processes)
            smtp.stop()

    runner = "RQ worker on Redis" if redis else "in-process job threads"
    print(
        f"{database}: gunicorn 2 workers, {runner}, {CLIENTS} clients, {REQUESTS} requests "
        f"each; load average {load_before} before, {load_after} after"
    )
    print(
        f"  {PEOPLE} registrants ({facts['confirmed']} confirmed, {facts['waitlisted']} "
        f"waitlisted, {facts['cancelled']} cancelled; {facts['rooms']} in rooms, "
        f"{facts['needs']} with needs; {facts['attendance']} attendance records), "
        f"seeded in {seeding:.0f} s"
    )
    print(
        "  the first view after someone is checked in (the facts are read again), "
        + ", ".join(f"{label} {ms:.0f} ms" for label, ms in after_change)
    )
    print(
        f"  {'':<36} {'rate':>11} {'p50':>9} {'p95':>9} {'web CPU':>14} {'size':>7}"
        f"   beside /healthz just before: p95, web CPU"
    )
    for (trivial, trivial_cpu), (figures, page_cpu) in results:
        wrong = sum(1 for status in figures.statuses if status != 200)
        good = figures.p95 < PAGE_TARGET_MS and not wrong
        answers = "all 200" if not wrong else f"{wrong} not 200"
        print(
            f"  {figures.label:<36} {figures.rate:6.1f} req/s {figures.p50:6.1f} ms "
            f"{figures.p95:6.1f} ms {page_cpu:6.1f} ms/req {sizes[figures.label] / 1024:4.0f} KB   "
            f"{trivial.p95:5.1f} ms, {trivial_cpu:4.1f} ms/req   "
            f"({answers}; target p95 < {PAGE_TARGET_MS} ms): {verdict(good)}"
        )
    moved = request * 1000 < REQUEST_TARGET_MS and status == 303
    print(
        f"  schedule-change POST (HTTP {status}): {request * 1000:.1f} ms "
        f"(target < {REQUEST_TARGET_MS} ms): {verdict(moved)}"
    )
    if finished is None:
        print(f"  fan-out job: {outcome} (target >= {FAN_OUT_TARGET}/s): missed")
        return
    seconds = (finished - posted).total_seconds()
    rate = queued / seconds
    print(
        f"  fan-out job ({outcome}): {queued} updated invites, each a new private link and "
        f"an email with its .ics, rendered and queued in {seconds:.1f} s = {rate:.0f} invites/s "
        f"per worker (worker CPU {cpu:.1f} s: {queued / cpu if cpu else 0:.0f} invites per "
        f"CPU-second) (target >= {FAN_OUT_TARGET}/s): {verdict(rate >= FAN_OUT_TARGET)}"
    )


def main() -> None:
    redis = redis_url(database=5)
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite", f"sqlite:///{Path(tmp) / 'big.sqlite3'}", redis)
    server = postgres_server()
    if server is None:
        print("PostgreSQL: not measured (no server answers)")
        return
    try:
        measure("PostgreSQL", scratch_database(server, create=True), redis)
    finally:
        scratch_database(server, create=False)


if __name__ == "__main__":
    main()
