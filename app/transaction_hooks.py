"""Every side effect of a database write, declared in one place.

Writing a registration also folds it for search, writes its history and raises its
gathering's facts version; submitting a breakout note turns its flagged actions into
recommendations; new outbox and job rows go to the runner once committed. Each rule is
a named function of the package that owns it; this module only says when each runs,
and `install` (called by create_app) registers them, in the order listed: SQLAlchemy
runs the listeners of one event in the order they were added.

Nothing here sends email: a page that emails people calls the function that queues the
messages itself, after saying so. Writers that bypass the ORM (the attendance importers'
bulk SQL) call `facts.changes.gatherings_changed` themselves.

The SQLite pragmas (app/__init__.py, an Engine "connect" listener) are a connection
setting, not a side effect of a write, and stay beside the engine's configuration.
"""

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from app import jobs, writer_lock
from app.attendance import checkin
from app.community import recommendations
from app.facts import changes
from app.models import Registration
from app.organiser import history


def _before_insert_or_update_registration(_mapper, _connection, registration) -> None:
    checkin.fold_for_search(registration)


def _before_flush(session: Session, _context, _instances) -> None:
    recommendations.track_submitted_notes(session)


def _after_flush(session: Session, _context) -> None:
    writer_lock.note_write(session)
    changes.note_flushed(session)
    history.write_history(session)
    jobs.collect_new_rows(session)


def _orm_execute(state: ORMExecuteState) -> None:
    changes.note_statement(state)


def _before_commit(session: Session) -> None:
    changes.raise_versions(session)  # flushes first, so the hooks above run once more


def _after_commit(session: Session) -> None:
    jobs.hand_over_committed(session)


def _after_rollback(session: Session) -> None:
    jobs.forget_pending(session)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    changes.forget_changes(session, transaction)
    writer_lock.release(session, transaction)  # last: the lock is held to the very end


HOOKS = (
    (Registration, "before_insert", _before_insert_or_update_registration),
    (Registration, "before_update", _before_insert_or_update_registration),
    (Session, "before_flush", _before_flush),
    (Session, "after_flush", _after_flush),
    (Session, "do_orm_execute", _orm_execute),
    (Session, "before_commit", _before_commit),
    (Session, "after_commit", _after_commit),
    (Session, "after_rollback", _after_rollback),
    (Session, "after_transaction_end", _after_transaction_end),
)


def install() -> None:
    """Register every hook once (create_app runs for each test app)."""
    for target, name, hook in HOOKS:
        if not event.contains(target, name, hook):
            event.listen(target, name, hook)
