"""Start-up stays light: loading the app (what every `flask` command, web server and worker
does first) imports none of the heavy libraries; each is imported by the function that
uses it. On the command line, a command that needs only the database (app/cli.py) runs
without any feature's pages, and listing the commands builds none; every other command
gets the whole app. bench/startup.py and bench/attendance.py measure the time this saves."""

import json
import re
import subprocess
import sys
from pathlib import Path

from app import create_app
from app.cli import COMMANDS
from app.extensions import db
from app.jobs import runner
from tests.conftest import base_config

pytest_plugins = ["tests.fixtures_attendance"]

ROOT = Path(__file__).resolve().parent.parent
HEAVY = [
    "pandas",
    "numpy",
    "matplotlib",
    "weasyprint",
    "openpyxl",
    "sklearn",
    "scipy",
    "icalendar",
]
PROBE = f"""
import json, sys
import wsgi
print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))
"""


def _environment(tmp_path, **more: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "startup-test",
        "PUBLIC_URL": "https://gatherings.example.ca",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        **more,
    }


def _printed_last(code: str, tmp_path):
    """What a fresh Python process running `code` printed last, read as JSON."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_loading_the_app_imports_no_heavy_library(tmp_path):
    assert _printed_last(PROBE, tmp_path) == []


# --- the command line: a command that needs only the database builds no pages --------

COMMAND_PROBE = """
import json, sys
from flask.cli import main
sys.argv = ["flask", "--app", "wsgi", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exit:
    if exit.code:
        raise
finally:
    print(json.dumps(sorted(sys.modules)))
"""
PAGES_AND_HEAVY = ["weasyprint", "matplotlib", "icalendar", "rq", "alembic", "wtforms"]


def _command_line(args: list[str], tmp_path, database_url: str) -> tuple[str, set[str]]:
    """`flask --app wsgi <args>` as typed, in a process of its own: what it printed and
    every module it imported."""
    result = subprocess.run(
        [sys.executable, "-c", COMMAND_PROBE, json.dumps(args)],
        cwd=ROOT,
        env=_environment(tmp_path, DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    *printed, modules = result.stdout.strip().splitlines()
    return "\n".join(printed), set(json.loads(modules))


def _pages_and_heavy(modules: set[str]) -> list[str]:
    return sorted(
        name
        for name in modules
        if name.split(".")[0] in PAGES_AND_HEAVY
        or (name.startswith("app.") and name.rsplit(".", 1)[-1] in ("routes", "forms"))
    )


def test_a_dry_run_import_on_the_command_line_builds_no_pages(
    app, gathering_2022, sample_people, sample_bytes, tmp_path
):
    db.session.commit()
    report = tmp_path / "zoom.csv"
    report.write_bytes(sample_bytes("zoom_participants_with_meeting.csv"))
    args = ["import-attendance", gathering_2022.slug, str(report), "--dry-run"]
    printed, modules = _command_line(args, tmp_path, app.config["SQLALCHEMY_DATABASE_URI"])
    assert printed == "Dry run, nothing saved: matched 3, ambiguous 0, unmatched 1, walk-ins 1"
    assert "pandas" in modules and "app.attendance.review" in modules
    assert _pages_and_heavy(modules) == []
    # Nor another database's dialect (about 40 ms): the models name none.
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert "sqlalchemy.dialects.postgresql" not in modules


def test_listing_the_commands_builds_no_pages(app, tmp_path):
    printed, modules = _command_line(["--help"], tmp_path, app.config["SQLALCHEMY_DATABASE_URI"])
    listed = {line.split()[0] for line in printed.split("Commands:")[1].splitlines() if line}
    assert {command.name for command in COMMANDS} <= listed
    assert {"run", "routes", "shell"} <= listed
    assert [name for name in _pages_and_heavy(modules) if name.startswith("app.")] == []


def test_every_other_command_gets_the_whole_app(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    printed, modules = _command_line(["send-mail"], tmp_path, url)
    assert printed == "Sent 0, failed 0 (will retry with backoff), gave up 0."
    assert {"app.organiser.routes", "app.auth.forms", "alembic"} <= modules
    # Flask's own commands load the app themselves, and get it whole too.
    printed, modules = _command_line(["routes"], tmp_path, url)
    assert "organiser.dashboard" in printed and "app.organiser.routes" in modules


def test_only_an_app_that_knows_every_job_runs_work_in_process(tmp_path):
    config = base_config(tmp_path, JOBS_AUTORUN=True)
    for whole in (False, True):
        made = create_app(config, whole=whole)
        with made.app_context():
            assert runner().autorun is whole
            db.engine.dispose()


def test_the_whole_app_imports_every_module_that_registers_work(tmp_path):
    registering = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "app").rglob("*.py")
        if path.name != "jobs.py"
        and re.search(r"^@(jobs\.)?(job\(|every_sweep)", path.read_text(), re.MULTILINE)
    )
    assert "app.attendance.review" in registering and "app.privacy.retention" in registering
    probe = (
        "import json, sys, wsgi\n"
        f"print(json.dumps([n for n in {registering!r} if n not in sys.modules]))"
    )
    assert _printed_last(probe, tmp_path) == []
