"""Benchmark the summary report: the committee version for the 126-participant demo and
for a 10,000-participant gathering, stage by stage, against WeasyPrint alone on the
same final HTML, in one run.

    .venv/bin/python bench/report.py [--sizes 126 10000] [--repeats 4]

Each gathering is built with the real demo seeder in its own temporary SQLite file (in a
child process, so seeding does not count toward this process's peak memory). Targets:
whole report <= 1.5x WeasyPrint alone; the 10,000 report <= 2x the 126 one; peak memory
< 400 MB.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path, and bench/calendar.py would
# shadow the standard library's calendar module: put the project root there instead.
ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

STAGES = ("load", "aggregate", "charts", "html", "pdf")


def make_app(folder: Path):
    from app import create_app

    return create_app(
        {
            "INSTANCE_PATH": str(folder / "instance"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "SECRET_KEY": "bench",
            "PUBLIC_URL": "http://127.0.0.1",
            "MAIL_SERVER": None,
        }
    )


def seed(folder: Path, participants: int) -> None:
    """Child process: create the schema and the demo gathering with N participants."""
    from app.demo import seed_demo
    from app.extensions import db

    app = make_app(folder)
    with app.app_context():
        db.create_all()
        seed_demo(participants, now=datetime.now(UTC))
        db.session.commit()


def measure(folder: Path, repeats: int) -> dict:
    from sqlalchemy import func, select

    from app.demo import DEMO_SLUG
    from app.documents.pdf import render_pdf
    from app.extensions import db
    from app.models import Gathering, Registration
    from app.reporting import services

    app = make_app(folder)
    with app.app_context():
        gathering = db.session.scalar(select(Gathering).where(Gathering.slug == DEMO_SLUG))
        people = db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(Registration.gathering_id == gathering.id, Registration.status == "confirmed")
        )
        now = datetime.now(UTC)
        # Interleaved: each whole report is followed at once by WeasyPrint alone on its
        # final HTML, so that load from other processes affects both alike; the fastest
        # of each is kept.
        runs, alone = [], []
        for _ in range(repeats):
            built = services.build_report(gathering, variant="committee", now=now)
            runs.append(built)
            start = time.perf_counter()
            pdf = render_pdf(built.html)
            alone.append(time.perf_counter() - start)
        best = min(runs, key=lambda b: sum(b.timings.values()))
        tracemalloc.start()
        services.build_report(gathering, variant="committee", now=now)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        import io

        from pypdf import PdfReader  # noqa: PLC0415 - test dependency, present in the venv

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return {
        "confirmed": people,
        "timings": best.timings,
        "whole": sum(best.timings.values()),
        "weasyprint": min(alone),
        "traced_peak_mb": traced_peak / 1e6,
        "pages": pages,
        "pdf_bytes": len(best.pdf),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[126, 10_000])
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--seed", nargs=2, metavar=("FOLDER", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(Path(args.seed[0]), int(args.seed[1]))
        return 0

    results = {}
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        folders = {}
        for size in args.sizes:
            folder = Path(tmp) / f"n{size}"
            folder.mkdir()
            start = time.perf_counter()
            subprocess.run([sys.executable, __file__, "--seed", str(folder), str(size)], check=True)
            print(f"seeded {size:>6} participants in {time.perf_counter() - start:6.1f} s")
            folders[size] = folder
        # One untimed report first: fonts, matplotlib and WeasyPrint warm up once per
        # process, as they do in a long-running server.
        measure(folders[args.sizes[0]], 1)
        for size in args.sizes:
            results[size] = measure(folders[size], args.repeats)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    header = f"{'participants':>12} {'confirmed':>9} " + " ".join(f"{s:>9}" for s in STAGES)
    print(header + f" {'whole':>8} {'WP alone':>9} {'ratio':>6} {'pages':>5}")
    for size, result in results.items():
        t = result["timings"]
        print(
            f"{size:>12} {result['confirmed']:>9} "
            + " ".join(f"{t.get(s, 0):>8.3f}s" for s in STAGES)
            + f" {result['whole']:>7.3f}s {result['weasyprint']:>8.3f}s"
            f" {result['whole'] / result['weasyprint']:>5.2f}x {result['pages']:>5}"
        )
    print()
    ok = True
    for size, result in results.items():
        ratio = result["whole"] / result["weasyprint"]
        ok &= ratio <= 1.5
        print(f"whole / WeasyPrint alone, {size}: {ratio:.2f}x (target <= 1.5x)")
    if len(results) >= 2:
        small, large = results[min(results)], results[max(results)]
        scale = large["whole"] / small["whole"]
        ok &= scale <= 2.0
        print(f"{max(results)} / {min(results)} whole report: {scale:.2f}x (target <= 2x)")
    traced = max(r["traced_peak_mb"] for r in results.values())
    ok &= peak_mb < 400
    print(f"peak memory (ru_maxrss, whole process): {peak_mb:.0f} MB (target < 400 MB)")
    print(f"peak Python allocations during one report (tracemalloc): {traced:.0f} MB")
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
