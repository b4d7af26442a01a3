"""Who looked at personal data: each route that shows or exports it calls
`record_access` itself (no hidden hook), in the transaction it commits."""

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import AccessLogEntry, Gathering, PersonalDataView, User

DETAIL_LENGTH = 200


def record_access(
    what: PersonalDataView,
    *,
    user_id: int | None,
    gathering: Gathering | None,
    people: int,
    now: datetime,
    detail: str = "",
) -> None:
    """One line: `detail` says which filter or which row id, never a name or address.
    Written at once on the session's connection, in its transaction, so call it just
    before the commit: a view pays for an INSERT, not for the ORM's unit of work and
    flush hooks (nothing reads the line back as an object)."""
    db.session.connection().execute(
        _insert_statement(),
        {
            "user_id": user_id,
            "gathering_id": gathering.id if gathering is not None else None,
            "what": what.value,
            "detail": detail[:DETAIL_LENGTH],
            "people": max(int(people), 0),
            "created_at": now,
        },
    )


@functools.cache
def _insert_statement():
    """Built once (building it costs more than running it)."""
    return insert(AccessLogEntry.__table__)


@dataclass(frozen=True)
class AccessLine:
    at: datetime
    who: str
    what: str
    detail: str
    people: int
    gathering_title: str


def access_lines(
    *, gathering: Gathering | None = None, limit: int = 200, offset: int = 0
) -> tuple[int, list[AccessLine]]:
    """The newest lines first (and how many there are), for the organisers' page."""
    condition = True if gathering is None else AccessLogEntry.gathering_id == gathering.id
    total = db.session.scalar(select(func.count(AccessLogEntry.id)).where(condition)) or 0
    rows = db.session.execute(
        select(AccessLogEntry, User.name, User.email, Gathering.title)
        .outerjoin(User, User.id == AccessLogEntry.user_id)
        .outerjoin(Gathering, Gathering.id == AccessLogEntry.gathering_id)
        .where(condition)
        .order_by(AccessLogEntry.created_at.desc(), AccessLogEntry.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    labels = dict(PersonalDataView.choices())
    return total, [
        AccessLine(
            at=entry.created_at,
            who=(name or email) if (name or email) else "A deleted account",
            what=labels.get(entry.what, entry.what),
            detail=entry.detail,
            people=entry.people,
            gathering_title=title or "",
        )
        for entry, name, email, title in rows
    ]


def filter_detail(args: dict[str, str]) -> str:
    """A list's filters for the log; what was typed into search is left out (it may be a
    name), only that there was one."""
    parts = [f"{key}={value}" for key, value in sorted(args.items()) if key not in ("q", "dir")]
    if args.get("q"):
        parts.insert(0, "searched")
    return ", ".join(parts) or "everyone"
