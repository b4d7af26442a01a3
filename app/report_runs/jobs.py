"""Report generation as a job: the request records the run and the job in one
transaction; a worker (any server's) generates it, committing progress that the reports
page polls. A worker killed mid-run leaves a claim that lapses; the sweep hands the job
to another worker, which generates the run again from the start and finishes it once."""

from app import jobs
from app.extensions import db
from app.models import ReportRun, utcnow
from app.reporting import services


@jobs.job("report_runs.generate", max_attempts=3)
def generate(run_id: int) -> None:
    run = db.session.get(ReportRun, run_id)
    if run is None:
        raise jobs.PermanentJobError(f"no report run {run_id}")
    if run.is_ready:
        return
    services.execute_run(run_id, now=utcnow(), before_commit=jobs.extend_claim)


def launch(run: ReportRun) -> None:
    """Record the job beside the run (not committed)."""
    db.session.flush()
    jobs.submit("report_runs.generate", run_id=run.id)
