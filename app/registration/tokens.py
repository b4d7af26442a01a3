"""Private manage links: 256 random bits each, only their SHA-256 stored."""

import hashlib
import re
import secrets

from sqlalchemy import select

from app.extensions import db
from app.models import ManageToken, Registration

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_manage_token(registration: Registration) -> str:
    """Add a new live token for this registration (not committed) and return it raw."""
    raw = secrets.token_urlsafe(32)
    db.session.add(ManageToken(registration=registration, token_hash=hash_token(raw)))
    return raw


def find_registration_by_token(raw: str) -> Registration | None:
    if not TOKEN_SHAPE.match(raw):
        return None
    return db.session.scalar(
        select(Registration)
        .join(ManageToken, ManageToken.registration_id == Registration.id)
        .where(ManageToken.token_hash == hash_token(raw))
    )
