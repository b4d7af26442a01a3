"""Benchmark: importing a 20,000-row Zoom report against 10,000 registrations.

The whole import (read, parse, match, merge, save into a real SQLite file) is timed
against a bare ``pandas.read_csv`` of the same file, side by side; the target is at
most 10x. Then, each in a fresh process: the peak RSS of the largest allowed upload
(50,000 rows) through the review path (target under 300 MB), a 200,000-row file
(under the size limit) refused while it is read, and `flask import-attendance
--dry-run` of the same 20,000 rows from the command line, start-up and all, against a
process that only reads the file with pandas: CPU time (user and system) of each, in
turns, medians (target, issue 23: at most 2.5x).
Run: .venv/bin/python -m bench.attendance
"""

import sys
from pathlib import Path

# Run as a script, bench/ itself would come first on sys.path and bench/calendar.py
# would shadow the standard library's calendar module.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import compileall  # noqa: E402
import csv  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

import pandas as pd  # noqa: E402
from sqlalchemy import delete, insert  # noqa: E402

from app import create_app  # noqa: E402
from app.attendance import review  # noqa: E402
from app.attendance.importers import (  # noqa: E402
    MAX_ROWS,
    AttendanceFileError,
    parse_report,
    read_upload,
)
from app.attendance.matching import match_frame  # noqa: E402
from app.extensions import db  # noqa: E402
from app.gc_pause import gc_paused  # noqa: E402
from app.models import (  # noqa: E402
    AgendaItem,
    AttendanceRecord,
    Gathering,
    ImportBatch,
    Registration,
)
from bench._load import machine_load  # noqa: E402

REGISTRATIONS = 10_000
ROWS = 20_000
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
ROOT = Path(__file__).resolve().parents[1]
RSS_TARGET_MB = 300
FIRST = [
    "Amara",
    "Émilie",
    "Thi",
    "Jordan",
    "Kalani",
    "Priya",
    "Sam",
    "Noor",
    "Zoë",
    "Siobhán",
    "David",
    "Mary",
    "Jasmine",
    "Harpreet",
    "Olivia",
    "Liam",
    "Chloé",
    "Mateo",
    "Aiyana",
    "Wei",
    "Fatima",
    "Grace",
    "Ravi",
    "Hannah",
    "Nathan",
    "Sofia",
    "Ethan",
    "Leah",
    "Omar",
    "Isla",
    "Tara",
    "Ben",
    "Maya",
    "Jonah",
    "Anika",
    "Lucas",
    "Rosa",
    "Kai",
    "Elena",
    "Marcus",
    "Nadia",
    "Owen",
    "Yuki",
    "Paul",
    "Ingrid",
    "Tomás",
    "Ruth",
    "Arjun",
    "Clara",
    "Sean",
]
LAST = [
    "Singh",
    "Côté",
    "Nguyen",
    "O'Neill",
    "Morningstar",
    "Dhaliwal",
    "Wu",
    "Ahmed",
    "Ng",
    "Tremblay",
    "Smith",
    "Brown",
    "Wilson",
    "MacDonald",
    "Gill",
    "Sandhu",
    "Chen",
    "Li",
    "Lee",
    "Wong",
    "Thomas",
    "Martin",
    "Roy",
    "Gagnon",
    "Campbell",
    "Anderson",
    "Taylor",
    "Jack",
    "Paul",
    "George",
    "Joe",
    "Williams",
    "Johnson",
    "Kim",
    "Park",
    "Sharma",
    "Patel",
    "Khan",
    "Ali",
    "Friesen",
    "Dueck",
    "Klassen",
    "Bergen",
    "Olsen",
    "Larsen",
    "Müller",
    "Schmidt",
    "Fraser",
    "Grant",
    "Reid",
    "Stewart",
    "Murray",
    "Bell",
    "Ross",
    "Young",
    "Hall",
    "Wright",
    "King",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Moore",
    "Clark",
    "Lewis",
    "Walker",
    "Allen",
    "Harris",
    "Ward",
    "Wood",
    "Ellis",
    "Hunt",
    "Lam",
    "Chan",
    "Ho",
    "Yip",
    "Tse",
    "Fung",
    "Sidhu",
    "Grewal",
    "Bains",
    "Brar",
    "Johal",
    "Mann",
    "Sekhon",
    "Toor",
    "Bassi",
    "Dosanjh",
    "Lavoie",
    "Bouchard",
    "Gauthier",
    "Morin",
    "Pelletier",
    "Bélanger",
    "Lévesque",
    "Bergeron",
    "Leblanc",
    "Paquette",
    "Girard",
    "Simard",
    "Boucher",
    "Caron",
    "Beaulieu",
    "Cloutier",
    "Dubé",
    "Poirier",
    "Fortin",
    "Ouellet",
    "Richard",
    "Mercier",
    "Lefebvre",
    "Grenier",
    "Hébert",
    "Nadeau",
    "Bérubé",
    "Cyr",
    "Martel",
    "Roussel",
    "Gosselin",
    "Vachon",
    "Charron",
    "Thibault",
    "Desjardins",
    "Langlois",
    "Ménard",
    "Duval",
    "Proulx",
    "Jolicoeur",
    "Aubin",
    "Ferland",
    "Quintal",
    "Savard",
    "Vézina",
    "Whitehead",
    "Redcrow",
    "Manuel",
    "Wilson-Raybould",
    "Alec",
    "Charlie",
    "Sam",
    "Dick",
    "Louie",
    "Harry",
    "Jules",
    "Antoine",
    "Pierre",
    "Baptiste",
    "Michel",
    "Laboucan",
    "Cardinal",
    "Auger",
    "Gladue",
    "Desjarlais",
    "Delorme",
    "Lafrance",
    "Bird",
    "Eagle",
    "Raven",
    "Swan",
    "Crane",
    "Fox",
    "Wolf",
    "Bear",
    "Moose",
    "Beaver",
    "Stone",
    "Rivers",
    "Lake",
    "Hills",
    "Field",
    "Woods",
    "Brook",
    "Marsh",
    "Dale",
    "Glen",
    "Vale",
    "Ford",
    "Shore",
    "Banks",
    "Cliff",
    "Heath",
    "Moor",
    "Meadows",
    "Groves",
    "Rowe",
    "Ashby",
    "Barlow",
    "Carver",
    "Dalton",
    "Easton",
    "Fenwick",
    "Garland",
    "Hadley",
    "Ingram",
    "Jarvis",
    "Kendall",
    "Lowry",
    "Mayhew",
]


def people() -> list[tuple[str, str]]:
    """10,000 distinct names, about a quarter with accents or apostrophes."""
    result = []
    for i in range(REGISTRATIONS):
        first, last = FIRST[i % len(FIRST)], LAST[i // len(FIRST) % len(LAST)]
        result.append((f"{first} {last}", f"person{i}@health.example"))
    return result


def zoom_time(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{moment:%m/%d/%Y} {hour:02d}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"


def zoom_report(
    registered: list[tuple[str, str]],
    rng: random.Random,
    *,
    rows: int = ROWS,
    compact: bool = False,
) -> bytes:
    """``rows`` rows (20,000 by default): most people once, many rejoining, some
    without email, some guests. ``compact`` leaves out the email and guest columns,
    as a file of many short rows."""
    start = datetime(2022, 10, 20, 8, 45)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "Name (Original Name)",
            "User Email",
            "Join Time",
            "Leave Time",
            "Duration (Minutes)",
            "Guest",
            "Recording Consent",
        ]
    )
    for line in range(rows):
        if line % 25 == 0:
            name, email, guest = f"Guest {line}", "", "Yes"
        else:
            name, email = registered[rng.randrange(REGISTRATIONS)]
            if rng.random() < 0.1:
                email = ""
            if rng.random() < 0.1:
                email = email.upper()
            guest = "No" if email else "Yes"
        join = start + timedelta(seconds=rng.randrange(4 * 3600))
        leave = join + timedelta(seconds=rng.randrange(60, 3 * 3600))
        minutes = -(-int((leave - join).total_seconds()) // 60)
        if compact:
            writer.writerow([name[:8], "", zoom_time(join), "", minutes, "", ""])
        else:
            writer.writerow([name, email, zoom_time(join), zoom_time(leave), minutes, guest, "Y"])
    return out.getvalue().encode("utf-8")


def _app(folder: Path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "SECRET_KEY": "bench",
            "PUBLIC_URL": "http://127.0.0.1",
            "INSTANCE_PATH": str(folder / "instance"),
        }
    )
    return app


def _gathering(registered: list[tuple[str, str]]) -> Gathering:
    db.create_all()
    start = datetime(2022, 10, 20, 15, 45, tzinfo=UTC)
    gathering = Gathering(
        slug="bench", title="Bench", starts_at=start, ends_at=start + timedelta(hours=4)
    )
    db.session.add(gathering)
    db.session.add(
        AgendaItem(
            gathering=gathering,
            title="Plenary",
            starts_at=start,
            ends_at=start + timedelta(hours=4),
        )
    )
    db.session.flush()
    now = datetime.now(UTC)
    db.session.execute(
        insert(Registration),
        [
            {
                "gathering_id": gathering.id,
                "name": name,
                "email": email,
                "role": "nurse",
                "organisation_name": "Health",
                "organisation_type": "health_authority",
                "health_region": "fraser",
                "consent_collection_at": now,
            }
            for name, email in registered
        ],
    )
    db.session.commit()
    return gathering


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def largest_upload(path: Path) -> None:
    """Child process: the review path (parse, match, store the pending people) for the
    largest file the upload allows, printing this process's peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp))
        with app.app_context():
            gathering = _gathering(people())
            began = time.perf_counter()
            with path.open("rb") as stream:
                data = read_upload(stream)
            batch = review.prepare_import(
                gathering,
                data=data,
                filename="largest.csv",
                agenda_item=None,
                user=None,
                now=datetime.now(UTC),
            )
            db.session.commit()
            elapsed = time.perf_counter() - began
            print(f"{len(data)} {batch.rows} {elapsed:.3f} {_peak_rss_mb():.1f}")


def refused_upload(path: Path) -> None:
    """Child process: a 200,000-row file (under the size limit) read as an upload."""
    began = time.perf_counter()
    try:
        with path.open("rb") as stream:
            read_upload(stream)
        outcome = "accepted"
    except AttendanceFileError as error:
        outcome = error.problem.value
    size = path.stat().st_size
    print(f"{size} {outcome} {time.perf_counter() - began:.3f} {_peak_rss_mb():.1f}")


def _cpu_seconds(command: list[str], env: dict[str, str]) -> float:
    """User and system CPU of one run of `command` (a child process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cli_dry_run(folder: Path, report: Path) -> None:
    """`flask import-attendance --dry-run` against a process that only reads the file
    with pandas, each started afresh, in turns; our modules compiled first, as an
    installed app's are (pip compiles the libraries')."""
    compileall.compile_dir(ROOT / "app", quiet=1)
    compileall.compile_file(ROOT / "wsgi.py", quiet=1)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "SECRET_KEY": "bench",
        "PUBLIC_URL": "http://127.0.0.1",
        "INSTANCE_PATH": str(folder / "instance"),
    }
    bare_command = [sys.executable, "-c", f"import pandas; pandas.read_csv({str(report)!r})"]
    cli_command = [
        str(Path(sys.executable).parent / "flask"),
        "--app",
        "wsgi",
        "import-attendance",
        "bench",
        str(report),
        "--dry-run",
    ]
    bare, cli = [], []
    for _ in range(RUNS):
        bare.append(_cpu_seconds(bare_command, env))
        cli.append(_cpu_seconds(cli_command, env))
    ratio = statistics.median(cli) / statistics.median(bare)
    print(
        f"import-attendance --dry-run from the command line: {statistics.median(cli) * 1000:.0f} "
        f"ms CPU against {statistics.median(bare) * 1000:.0f} ms for a process that only reads "
        f"the file with pandas: {ratio:.2f}x (target at most 2.5x): "
        f"{'met' if ratio <= 2.5 else 'missed'}; medians of {RUNS} runs in turns"
    )


def _child(function: str, path: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.attendance", function, str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return result.stdout.split()


def main() -> None:
    rng = random.Random(2022)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app = _app(folder)
        registered = people()
        report = folder / "zoom_participants.csv"
        report.write_bytes(zoom_report(registered, rng))
        with app.app_context():
            gathering = _gathering(registered)
            load_before = machine_load()
            read_times, import_times, parse_times, match_times = [], [], [], []
            summary = None
            plenary = gathering.agenda_items[0]
            now = datetime.now(UTC)
            for _ in range(RUNS):
                began = time.perf_counter()
                pd.read_csv(report)
                read_times.append(time.perf_counter() - began)

                began = time.perf_counter()
                parsed = parse_report(report.read_bytes())
                parse_times.append(time.perf_counter() - began)
                began = time.perf_counter()
                with gc_paused():  # as the import reads and matches
                    match_frame(parsed.frame, review.registration_index(gathering))
                match_times.append(time.perf_counter() - began)
                del parsed

                db.session.execute(delete(AttendanceRecord))
                db.session.execute(delete(ImportBatch))
                db.session.commit()
                db.session.expire_all()
                began = time.perf_counter()
                summary = review.import_file(
                    gathering,
                    data=report.read_bytes(),
                    filename=report.name,
                    agenda_item=plenary,
                    now=now,
                )
                db.session.commit()
                import_times.append(time.perf_counter() - began)

            bare = statistics.median(read_times)
            whole = statistics.median(import_times)
            parse = statistics.median(parse_times)
            match = statistics.median(match_times)
            ratio = whole / bare
            print(f"rows: {ROWS:,} against {REGISTRATIONS:,} registrations ({summary.line()})")
            print(f"pandas.read_csv:                          {bare * 1000:8.1f} ms")
            print(f"whole import (parse, match, merge, save): {whole * 1000:8.1f} ms")
            print(
                f"ratio: {ratio:.1f}x (target at most 10x): {'met' if ratio <= 10 else 'missed'}; "
                f"medians of {RUNS} runs, side by side; load average {load_before} before, "
                f"{machine_load()} after"
            )
            print(
                f"of which parse alone {parse * 1000:.1f} ms ({parse / bare:.1f}x), "
                f"loading registrations, matching and merging {match * 1000:.1f} ms "
                f"({match / bare:.1f}x), saving {summary.saved:,} records "
                f"{(whole - parse - match) * 1000:.1f} ms ({(whole - parse - match) / bare:.1f}x)"
            )
            print(f"peak RSS of this process: {_peak_rss_mb():.0f} MB")

        largest = folder / "largest.csv"
        largest.write_bytes(zoom_report(registered, random.Random(2023), rows=MAX_ROWS))
        refused = folder / "refused.csv"
        refused.write_bytes(
            zoom_report(registered, random.Random(2024), rows=200_000, compact=True)
        )
        largest_figures = _child("largest", largest)
        refused_figures = _child("refused", refused)
        if os.environ.get("BENCH_CLI", "1") != "0":
            cli_dry_run(folder, report)
    size, rows, elapsed, rss = largest_figures
    met = float(rss) < RSS_TARGET_MB
    print(
        f"largest allowed upload ({int(size) / 1_048_576:.1f} MB, {int(rows):,} rows) read, "
        f"matched and kept for review in {float(elapsed):.2f} s; peak RSS {float(rss):.0f} MB "
        f"(target under {RSS_TARGET_MB} MB): {'met' if met else 'missed'}"
    )
    size, outcome, elapsed, rss = refused_figures
    print(
        f"200,000-row file ({int(size) / 1_048_576:.1f} MB): {outcome} after "
        f"{float(elapsed) * 1000:.0f} ms, peak RSS {float(rss):.0f} MB"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3:
        {"largest": largest_upload, "refused": refused_upload}[sys.argv[1]](Path(sys.argv[2]))
    else:
        main()
