"""One-time links to set a password (invitations and resets). The token is random and only
its SHA-256 is stored; a new link of the same kind replaces the earlier one; using one
uses it up."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import AccountToken, TokenPurpose, User

LIFETIMES = {
    TokenPurpose.INVITATION: timedelta(hours=72),
    TokenPurpose.PASSWORD_RESET: timedelta(hours=2),
}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link_token(user: User, purpose: TokenPurpose, *, now: datetime) -> str:
    db.session.execute(
        delete(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.purpose == purpose.value
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose.value,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    return token


def find_link(token: str, *, now: datetime) -> AccountToken | None:
    """The live link for `token`: not used, not expired, its account still active."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(AccountToken).where(AccountToken.token_hash == _digest(token)))
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return link if link.user.active else None


def use_link(link: AccountToken, *, now: datetime) -> bool:
    """Mark the link used with a conditional UPDATE, so two tabs cannot both use it."""
    result = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == link.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    return result.rowcount == 1


def drop_links(user: User) -> None:
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
