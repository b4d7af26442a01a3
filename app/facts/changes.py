"""When a gathering's facts change: in the same transaction as any write to its
registrations or survey links, `gatherings.facts_version` rises, and with any write to its
attendance records, `gatherings.attendance_version`. A copy of the facts kept between
requests (`app.facts.gathering.current_facts`) is known to be current by two numbers the
page has already loaded with the gathering; a check-in, which changes only attendance,
leaves what was worked out from the registrations alone standing.

Writes are noticed from objects the session flushes (the gathering is known) and
statements run through the session (known when an INSERT names it). A writer that sends
SQL straight to the connection (the attendance importers' bulk statements) says which
gatherings it changed with `gatherings_changed`; a bulk UPDATE or DELETE through the
session names them with `in_gatherings`. When the gathering cannot be told, every
gathering's version rises: a recount, and on PostgreSQL a lock on every gathering's row
until the commit, which two such transactions each holding one gathering's would
deadlock on; so writers that know their gatherings say so. The functions below run from
the hooks in app/transaction_hooks.py. Import-light on purpose: this module is loaded at
start-up.
"""

from collections.abc import Iterable

from sqlalchemy import select, update
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

_IN_GATHERINGS = "facts_in_gatherings"  # execution option: the gatherings a statement writes
_CHANGED = "facts_changed"  # session.info: (gathering id, version) pairs to raise
_EVERY = "facts_changed_everywhere"  # session.info: versions to raise for every gathering


def _note(info: dict, table: str, gathering_id: int | None) -> None:
    version = VERSION_OF[table]
    if gathering_id is None:
        info.setdefault(_EVERY, set()).add(version)
    else:
        info.setdefault(_CHANGED, set()).add((gathering_id, version))


def gatherings_changed(
    session: Session, gathering_ids: Iterable[int], *, attendance: bool = False
) -> None:
    """For writes that bypass the ORM session (the bulk importers): these gatherings'
    registrations (or, with `attendance`, their attendance records) changed in this
    transaction, so their version rises when it commits."""
    version = "attendance_version" if attendance else "facts_version"
    session.info.setdefault(_CHANGED, set()).update((id_, version) for id_ in gathering_ids)


def in_gatherings(*gathering_ids: int) -> dict[str, object]:
    """Execution options for a bulk UPDATE or DELETE of watched rows that belong to these
    gatherings only: their versions rise, no other's."""
    return {_IN_GATHERINGS: frozenset(gathering_ids)}


def _gathering_of(instance: object) -> int | None:
    gathering_id = instance.__dict__.get("gathering_id")
    if gathering_id is None and isinstance(instance, SurveyInvitation):
        survey = instance.__dict__.get("survey")  # a survey link knows it through its survey
        gathering_id = survey.gathering_id if survey is not None else None
    return gathering_id


def note_flushed(session: Session) -> None:
    """After a flush: the watched objects it wrote, by gathering."""
    for group in (session.new, session.dirty, session.deleted):
        for instance in group:
            if isinstance(instance, WATCHED):
                _note(session.info, instance.__tablename__, _gathering_of(instance))


def note_statement(state: ORMExecuteState) -> None:
    """A bulk INSERT, UPDATE or DELETE run through the session."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table not in VERSION_OF:
        return
    named = state.execution_options.get(_IN_GATHERINGS)
    if named is not None:
        for gathering_id in named:
            _note(state.session.info, table, gathering_id)
        return
    rows = state.parameters
    rows = rows if isinstance(rows, list) else [rows] if rows else []
    if state.is_insert and rows and all("gathering_id" in row for row in rows):
        for row in rows:
            _note(state.session.info, table, row["gathering_id"])
    else:
        _note(state.session.info, table, None)


def raise_versions(session: Session) -> None:
    """Before a commit: raise the versions of the gatherings the transaction changed."""
    session.flush()  # the commit's own flush would come after this event
    everywhere = session.info.pop(_EVERY, set())
    changed = session.info.pop(_CHANGED, set())
    # Taking the gathering's lock has raised its facts version already.
    changed.discard((locked_gathering(session), "facts_version"))
    for version in sorted(everywhere | {version for _id, version in changed}):
        column = getattr(Gathering, version)
        rows = select(Gathering.id).order_by(Gathering.id).with_for_update()
        if version not in everywhere:
            ids = sorted(id_ for id_, changed_version in changed if changed_version == version)
            rows = rows.where(Gathering.id.in_(ids))
        # The rows are locked in id order, so two transactions raising the versions of
        # the same gatherings queue rather than deadlock (PostgreSQL; SQLite has one writer).
        statement = (
            update(Gathering)
            .where(Gathering.id.in_(rows.scalar_subquery()))
            .values({column: column + 1, Gathering.updated_at: Gathering.updated_at})
        )
        session.execute(statement, execution_options={"synchronize_session": False})


def forget_changes(session: Session, transaction: SessionTransaction) -> None:
    """When the outermost transaction ends (committed or rolled back)."""
    if transaction.parent is None:
        for key in (_EVERY, _CHANGED):
            session.info.pop(key, None)
