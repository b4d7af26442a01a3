"""What the documents a job makes (the summary report, the certificates ZIP) share: a run
row with a status, a stage and, when it fails, a reason an organiser can act on; stored
bytes served only when they match their checksum."""

import hashlib

from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db


def record_failure(model: type, run_id: int, error: Exception, *, what: str, again: str) -> None:
    """After the run's transaction failed: roll it back and mark the run failed. `what` is
    what could not be stored ("the report"); `again` is the button to press again."""
    db.session.rollback()
    run = db.session.get(model, run_id)
    run.status = "failed"
    run.stage = "Failed"
    if isinstance(error, SQLAlchemyError):
        run.error = (
            f"The database could not store {what} (is its disk full?); nothing was saved. "
            f"{again} once that is fixed."
        )
    else:
        run.error = f"{type(error).__name__}: {error}"[:2000]
    db.session.commit()


def stored_content(run, *, mismatch: str) -> bytes:
    """The stored bytes, checked against the recorded SHA-256 before they are served."""
    content = run.content
    if not content:
        raise FileNotFoundError(run.filename)
    if hashlib.sha256(content).hexdigest() != run.sha256:
        raise ValueError(mismatch)
    return content
