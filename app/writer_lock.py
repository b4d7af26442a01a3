"""A cross-process lock beside a SQLite file, held from the first write until the session's
transaction ends (commit or rollback). flock wakes waiters at once, where SQLite's own busy
handler sleeps in growing steps; under a burst of registrations that roughly doubles
throughput. Background work (email delivery) deliberately does not queue here: it keeps
SQLite's busy handler, so under load it yields to people waiting on a page. On other
databases this does nothing.

`lock_gathering` is the one way in for every write that can change a gathering's capacity,
waitlist, rooms or schedule: it takes this lock and then the gathering's row lock, before any
other write of the transaction. Taking them in another order deadlocks (a flush holds
SQLite's write lock while waiting here for a request that waits for SQLite)."""

import fcntl
import functools
import os
import warnings

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from app.extensions import db

_KEY = "writer_lock_fd"
_LOCKED = "gathering_locked"
_WROTE = "wrote_before_gathering_lock"


class LockOrderWarning(RuntimeWarning):
    """A transaction wrote before taking the gathering's lock (an error under the tests)."""


@functools.cache
def _lock_statement():
    """Built once, on first use (building it cost more than running it); the import stays
    inside, as this module is loaded before the models."""
    from app.models import Gathering

    table = Gathering.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("gathering_id"))
        .values(facts_version=table.c.facts_version + 1, updated_at=table.c.updated_at)
    )


def lock_gathering(gathering_id: int) -> None:
    """Hold the gathering's write lock until this transaction ends. Call it first."""
    session = db.session()
    if session.info.get(_LOCKED) == gathering_id:
        return
    if session.info.get(_WROTE) or session.new or session.dirty or session.deleted:
        warnings.warn("a write came before lock_gathering in this transaction", LockOrderWarning, 2)
    serialise_writes()
    # Writing the row takes its lock; the edit time stays as it was. The same write raises
    # the facts version, as what follows changes the gathering's registrations
    # (app.facts.changes then has no second write to make). Sent on the session's
    # connection: it touches no loaded object, so the ORM's handling of the statement
    # (half its CPU, about 0.1 ms a registration) has nothing to do.
    session.connection().execute(_lock_statement(), {"gathering_id": gathering_id})
    session.info[_LOCKED] = gathering_id


def locked_gathering(session: Session) -> int | None:
    """The gathering whose lock the session's transaction holds, if any."""
    return session.info.get(_LOCKED)


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


def note_write(session: Session) -> None:
    """After a flush: the transaction has written before taking a gathering's lock."""
    if _LOCKED not in session.info:
        session.info[_WROTE] = True


def release(session: Session, transaction) -> None:
    """When the outermost transaction ends: let go of the lock and the marks."""
    if transaction.parent is not None:
        return
    session.info.pop(_LOCKED, None)
    session.info.pop(_WROTE, None)
    if _KEY in session.info:
        fd = session.info.pop(_KEY)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
