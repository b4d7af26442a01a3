"""When a gathering's facts change: in the same transaction as any write to its
registrations or survey links, `gatherings.facts_version` rises, and with any write to its
attendance records, `gatherings.attendance_version`. A copy of the facts kept between
requests (`app.facts.gathering.current_facts`) is known to be current by two numbers the
page has already loaded with the gathering; a check-in, which changes only attendance,
leaves what was worked out from the registrations alone standing.

Writes are noticed wherever they come from: objects the session flushes (the gathering
is known), statements run through the session (known when an INSERT names it), and
anything else sent on the session's connection, such as the importers' executemany.
When the gathering cannot be told, every gathering's version rises, which costs only a
recount. Import-light on purpose: this module is loaded at start-up.
"""

import re

from sqlalchemy import event, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from app.models import AttendanceRecord, Gathering, Registration
from app.models.evaluation import Survey, SurveyInvitation
from app.writer_lock import locked_gathering

# Which version a write to each table raises. Survey links name no gathering: a change
# to them raises every gathering's.
VERSION_OF = {
    Registration.__tablename__: "facts_version",
    Survey.__tablename__: "facts_version",
    SurveyInvitation.__tablename__: "facts_version",
    AttendanceRecord.__tablename__: "attendance_version",
}
WATCHED = (Registration, AttendanceRecord, Survey, SurveyInvitation)
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)

_CHANGED = "facts_changed"  # session.info: (gathering id, version) pairs to raise
_EVERY = "facts_changed_everywhere"  # session.info: versions to raise for every gathering
_FLUSHING = "facts_flushing"  # session.info: the transaction a flush runs in
_NOTED = "facts_noted"  # execution option: a statement already noted by the session
_OWNER = "facts_session_info"  # connection.info: the info of the session using it


def _note(info: dict, table: str, gathering_id: int | None) -> None:
    version = VERSION_OF[table]
    if gathering_id is None:
        info.setdefault(_EVERY, set()).add(version)
    else:
        info.setdefault(_CHANGED, set()).add((gathering_id, version))


@event.listens_for(Session, "after_begin")
def _remember_owner(session: Session, _transaction, connection: Connection) -> None:
    connection.info[_OWNER] = session.info


@event.listens_for(Session, "after_transaction_create")
def _flush_begins(session: Session, transaction: SessionTransaction) -> None:
    # A child that is not a savepoint is the one a flush runs in.
    if transaction.parent is not None and not transaction.nested:
        session.info[_FLUSHING] = transaction


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    for group in (session.new, session.dirty, session.deleted):
        for instance in group:
            if isinstance(instance, WATCHED):
                table = instance.__tablename__
                _note(session.info, table, instance.__dict__.get("gathering_id"))


@event.listens_for(Session, "do_orm_execute")
def _statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table not in VERSION_OF:
        return
    rows = state.parameters
    rows = rows if isinstance(rows, list) else [rows] if rows else []
    if state.is_insert and rows and all("gathering_id" in row for row in rows):
        for row in rows:
            _note(state.session.info, table, row["gathering_id"])
    else:
        _note(state.session.info, table, None)
    state.update_execution_options(**{_NOTED: True})


@event.listens_for(Engine, "before_cursor_execute")
def _other_sql(conn, _cursor, statement: str, _parameters, context, _executemany) -> None:
    owner = conn.info.get(_OWNER)
    if owner is None or owner.get(_FLUSHING) or context is None:
        return
    if context.execution_options.get(_NOTED):
        return
    written = _WRITE.match(statement)
    if written is not None and written.group(1).lower() in VERSION_OF:
        _note(owner, written.group(1).lower(), None)


@event.listens_for(Session, "before_commit")
def _raise_versions(session: Session) -> None:
    session.flush()  # the commit's own flush would come after this event
    everywhere = session.info.pop(_EVERY, set())
    changed = session.info.pop(_CHANGED, set())
    # Taking the gathering's lock has raised its facts version already.
    changed.discard((locked_gathering(session), "facts_version"))
    for version in sorted(everywhere | {version for _id, version in changed}):
        column = getattr(Gathering, version)
        statement = update(Gathering).values(
            {column: column + 1, Gathering.updated_at: Gathering.updated_at}
        )
        if version not in everywhere:
            ids = sorted(id_ for id_, changed_version in changed if changed_version == version)
            statement = statement.where(Gathering.id.in_(ids))
        session.execute(statement, execution_options={"synchronize_session": False})


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if session.info.get(_FLUSHING) is transaction:
        del session.info[_FLUSHING]
    if transaction.parent is None:
        for key in (_EVERY, _CHANGED, _FLUSHING):
            session.info.pop(key, None)
