"""Migrations on SQLite and PostgreSQL: upgrade from empty, downgrade to base, upgrade
again, and the migrated schema matches the models (no drift).

Each database runs the whole round trip in one child process (`flask db` commands do
the same thing through the CLI), so Alembic's logging set-up never touches this process.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ROOT / "migrations" / "versions"

ROUND_TRIP = """
import json, sys
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from app import create_app
from app.extensions import db

def tables():
    return sorted(inspect(db.engine).get_table_names())

def drift():
    with db.engine.connect() as conn:
        return [repr(d) for d in compare_metadata(MigrationContext.configure(conn), db.metadata)]

app = create_app()
with app.app_context():
    report = {"empty": tables()}
    upgrade()
    report["after_upgrade"] = tables()
    report["drift"] = drift()
    downgrade(revision="base")
    report["after_downgrade"] = tables()
    upgrade()
    report["after_second_upgrade"] = tables()
    report["drift_again"] = drift()
    report["model_tables"] = sorted(db.metadata.tables)
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    report["heads"] = list(script.get_heads())
    db.engine.dispose()
print("REPORT " + json.dumps(report))
"""


def round_trip(database_url: str, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MAIL_SERVER"}}
    env.update(DATABASE_URL=database_url, INSTANCE_PATH=str(tmp_path / "instance"), SECRET_KEY="x", PUBLIC_URL="http://gathering.test")
    result = subprocess.run(
        [sys.executable, "-c", ROUND_TRIP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("REPORT "))
    return json.loads(line[len("REPORT ") :])


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def report(request, tmp_path_factory):
    """One round trip per database, shared by the tests below."""
    tmp_path = tmp_path_factory.mktemp(f"migrate-{request.param}")
    if request.param == "sqlite":
        return round_trip(f"sqlite:///{tmp_path / 'migrate.sqlite3'}", tmp_path)
    if not TEST_DATABASE_URL or not TEST_DATABASE_URL.startswith("postgres"):
        # .ci/run's second pass sets TEST_DATABASE_URL, so CI always runs this case.
        pytest.skip("PostgreSQL migrations run when TEST_DATABASE_URL names a PostgreSQL db")
    from tests.fixtures_server import scratch_postgres

    with scratch_postgres(TEST_DATABASE_URL) as url:
        return round_trip(url, tmp_path)


def test_upgrade_from_empty_downgrade_to_base_and_upgrade_again(report):
    assert report["empty"] == []
    assert set(report["after_upgrade"]) - {"alembic_version"}, "upgrade created no tables"
    assert set(report["after_downgrade"]) <= {"alembic_version"}
    assert report["after_second_upgrade"] == report["after_upgrade"]
    assert len(report["heads"]) == 1, f"more than one migration head: {report['heads']}"


def test_migrated_schema_matches_the_models(report):
    missing = sorted(set(report["model_tables"]) - set(report["after_upgrade"]))
    assert missing == [], f"tables without a migration (run flask db migrate): {missing}"
    assert report["drift"] == [], "models changed without a migration: run flask db migrate"
    assert report["drift_again"] == []


def test_migration_files_are_named_by_date():
    names = [path.name for path in VERSIONS.glob("*.py")]
    assert names, "no migrations in migrations/versions"
    assert all(re.match(r"^\d{8}_", name) for name in names), names


def test_the_search_columns_are_filled_as_the_app_folds_names():
    """The check-in search migration folds existing names with its own copy of the
    folding (migrations import no app code): it must give what the app gives."""
    import importlib.util

    from app.attendance.names import fold_text

    path = next(VERSIONS.glob("*_checkin_search_*.py"))
    spec = importlib.util.spec_from_file_location("big_gatherings_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    samples = [
        "Émilie Côté",
        "Jordan O'Neill",
        "Wanda O’Brien",
        "Łukasz Żółć",
        "Søren Ærø",
        "Straße Œuvre",
        "Đorđe Þór",
        "İlkay Işık",
        "Nguyễn Thị",
        "ＦＵＬＬ ｗｉｄｔｈ",
        "Ǆemal ﬁne",
        "Ῥόδος",
        "amara.singh@fraserhealth.example",
        "",
    ]
    assert [migration._fold(text) for text in samples] == [fold_text(t) for t in samples]
