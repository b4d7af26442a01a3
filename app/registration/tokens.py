"""Private manage links (app.tokens: 256 random bits each, only their SHA-256 stored)."""

from sqlalchemy import select

from app.extensions import db
from app.models import ManageToken, Registration
from app.tokens import hash_token, new_token, well_formed


def issue_manage_token(registration: Registration) -> str:
    """Add a new live token for this registration (not committed) and return it raw."""
    raw = new_token()
    db.session.add(ManageToken(registration=registration, token_hash=hash_token(raw)))
    return raw


def find_registration_by_token(raw: str) -> Registration | None:
    if not well_formed(raw):
        return None
    return db.session.scalar(
        select(Registration)
        .join(ManageToken, ManageToken.registration_id == Registration.id)
        .where(ManageToken.token_hash == hash_token(raw))
    )
