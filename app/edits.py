"""Two organisers editing the same thing. The edit page carries the version it showed
(the row's `updated_at`, in the hidden field `opened_version`); a save from a page opened
before someone else's save is refused with a "changed since you opened it" page instead of
silently replacing their work (breakout notes have their own numbered versions).

The check runs after the gathering's write lock (app.writer_lock), so two saves racing
from pages opened at the same version are serialised and the second is refused."""

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.writer_lock import lock_gathering

# What a page opened before the thing existed carries (the first save creates it).
NOTHING_YET = "new"


class EditConflict(Exception):
    """Saved by someone else since this page was opened; nothing of this save was written."""


def version_text(stamp: datetime | None) -> str:
    return stamp.isoformat() if stamp is not None else NOTHING_YET


def version_of(row) -> str:
    return version_text(row.updated_at if row is not None else None)


def saved_version(model, *where) -> str:
    """The version in the database now, read past this session's copy of the row."""
    return version_text(db.session.scalar(select(model.updated_at).where(*where)))


def require_unchanged(opened: str | None, model, *where, gathering_id: int) -> None:
    """Take the gathering's write lock, then refuse the save if the row (`model` where
    `where`) changed since the page showed version `opened`. A form without the field
    (a page from before this check) is not checked."""
    lock_gathering(gathering_id)
    if opened and opened != saved_version(model, *where):
        raise EditConflict()
