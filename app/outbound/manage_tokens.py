"""Private manage links (app.outbound.tokens: 256 random bits each, only their SHA-256 stored).

A registration may hold several live links, one per message that carried one: a new
link never stops an older one from working (only erasing the person's data does)."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, insert, select

from app.extensions import db
from app.models import ManageToken, Registration, utcnow
from app.outbound.tokens import hash_token, new_token, well_formed
from app.reach import require_reachable


def issue_manage_token(registration: Registration) -> str:
    """Add a new live token for this registration (not committed) and return it raw;
    never for a person whose data was erased. A registration already saved gets its
    token with one INSERT on the session's connection, which costs a fraction of an
    object the session flushes (a registration's unit of work was a third of its CPU)."""
    require_reachable(registration)
    raw = new_token()
    if registration.id is None:
        db.session.add(ManageToken(registration=registration, token_hash=hash_token(raw)))
    else:
        db.session.connection().execute(
            _INSERT_TOKEN,
            {"registration_id": registration.id, "token_hash": hash_token(raw), "now": utcnow()},
        )
    return raw


_INSERT_TOKEN = insert(ManageToken.__table__).values(
    registration_id=bindparam("registration_id"),
    token_hash=bindparam("token_hash"),
    created_at=bindparam("now"),
)


def issue_manage_tokens(registration_ids: Sequence[int], *, now: datetime) -> list[str]:
    """One new live token for each registration, saved with one INSERT (not committed);
    the raw tokens in the same order."""
    raws = [new_token() for _ in registration_ids]
    if raws:
        db.session.execute(
            insert(ManageToken),
            [
                {
                    "registration_id": registration_id,
                    "token_hash": hash_token(raw),
                    "created_at": now,
                }
                for registration_id, raw in zip(registration_ids, raws, strict=True)
            ],
        )
    return raws


def find_registration_by_token(raw: str) -> Registration | None:
    if not well_formed(raw):
        return None
    return db.session.scalar(
        select(Registration)
        .join(ManageToken, ManageToken.registration_id == Registration.id)
        # Not the reach rule: a person who asked to be erased still opens their own page.
        .where(ManageToken.token_hash == hash_token(raw), Registration.erased_at.is_(None))
    )
