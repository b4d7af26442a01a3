"""A cross-process lock beside a SQLite file, held from the first write until the session's
transaction ends (commit or rollback). flock wakes waiters at once, where SQLite's own busy
handler sleeps in growing steps; under a burst of registrations that roughly doubles
throughput. Background work (email delivery) deliberately does not queue here: it keeps
SQLite's busy handler, so under load it yields to people waiting on a page. On other
databases this does nothing."""

import fcntl
import os

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

_KEY = "writer_lock_fd"


def serialise_writes() -> None:
    """Queue for the SQLite writer lock now; it is held until this transaction ends."""
    if db.engine.dialect.name == "sqlite":
        acquire(db.session(), db.engine.url.database)


def acquire(session: Session, database_path: str | None) -> None:
    if not database_path or database_path == ":memory:" or _KEY in session.info:
        return
    fd = os.open(database_path + ".writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    session.info[_KEY] = fd


@event.listens_for(Session, "after_transaction_end")
def _release(session: Session, transaction) -> None:
    if transaction.parent is None and _KEY in session.info:
        fd = session.info.pop(_KEY)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
