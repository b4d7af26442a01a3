"""A report or certificates run whose job fails says so, with a reason an organiser can
act on, and keeps nothing half-made."""

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import OperationalError

from app import document_runs
from app.extensions import db
from app.models import ReportRun
from app.reporting.services import start_run

NOW = datetime(2026, 12, 7, 18, tzinfo=UTC)


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            OperationalError("INSERT", {}, Exception("disk I/O error")),
            "The database could not store the report (is its disk full?); nothing was saved. "
            "Generate it again once that is fixed.",
        ),
        (ValueError("no agenda"), "ValueError: no agenda"),
    ],
)
def test_a_failed_run_says_why_and_keeps_nothing_half_made(make_gathering, error, said):
    gathering = make_gathering()
    run = start_run(gathering, variant="shareable", user=None, now=NOW)
    db.session.commit()
    run.stage = "Laying out the pages"
    run.content = b"%PDF half"
    db.session.flush()  # what the failed transaction had written so far

    document_runs.record_failure(
        ReportRun, run.id, error, what="the report", again="Generate it again"
    )

    db.session.expire_all()
    stored = db.session.get(ReportRun, run.id)
    assert (stored.status, stored.stage, stored.error) == ("failed", "Failed", said)
    assert stored.content is None
