"""Accounts and sign-in, with a lock after repeated failures, and the server-side end of
every session of an account."""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.addresses import normalise_email
from app.auth.links import drop_links
from app.auth.passwords import password_problems
from app.choices import UserRole
from app.extensions import db
from app.models import User


@functools.cache
def _unknown_user_hash() -> str:
    """Checked against when there is no account or password, so that a wrong address takes
    as long as a wrong password; made on first use (hashing takes a noticeable moment)."""
    return generate_password_hash("no such user")


class PasswordRefused(ValueError):
    """The new password breaks a rule; the message says which, in plain words."""


@dataclass
class SignInResult:
    user: User | None
    locked_until: datetime | None = None


def create_user(
    email: str, password: str | None, *, role: str, name: str = "", check: bool = True
) -> User:
    """A new account. With `password=None` the account is invited: it cannot sign in until
    its owner sets a password through the link they are sent."""
    if role not in {r.value for r in UserRole}:
        raise ValueError(f"unknown role {role!r}")
    address = normalise_email(email)
    if password is not None and check and (problems := password_problems(password, email=address)):
        raise PasswordRefused(problems[0])
    user = User(
        email=address,
        name=name,
        role=role,
        password_hash=generate_password_hash(password) if password is not None else "",
        session_version=0,
    )
    db.session.add(user)
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def has_password(user: User) -> bool:
    return bool(user.password_hash)


def end_sessions(user: User) -> None:
    """Every session cookie this account was given stops working (see load_user)."""
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user, ["session_version"])


def set_password(user: User, password: str) -> None:
    """A new password: checked against the rules; ends every session and every link."""
    if problems := password_problems(password, email=user.email, name=user.name):
        raise PasswordRefused(problems[0])
    user.password_hash = generate_password_hash(password)
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    drop_links(user)
    end_sessions(user)


def password_matches(user: User, password: str) -> bool:
    if not has_password(user):
        check_password_hash(_unknown_user_hash(), password)
        return False
    return check_password_hash(user.password_hash, password)


def _not_locked(now: datetime):
    return (User.locked_until.is_(None)) | (User.locked_until <= now)


def _record_failure(user_id: int, *, now: datetime, max_failures: int, lock_minutes: int):
    """One UPDATE counts the failure and locks on reaching the limit, so guesses sent
    together cannot all slip in under it. No row comes back when the account was locked
    by a concurrent guess in the meantime."""
    reaches_limit = User.failed_logins + 1 >= max_failures
    return db.session.execute(
        update(User)
        .where(User.id == user_id, _not_locked(now))
        .values(
            failed_logins=case((reaches_limit, 0), else_=User.failed_logins + 1),
            locked_until=case((reaches_limit, now + timedelta(minutes=lock_minutes)), else_=None),
        )
        .returning(User.locked_until)
        .execution_options(synchronize_session=False)
    ).first()


def _record_success(user_id: int, *, now: datetime) -> bool:
    row = db.session.execute(
        update(User)
        .where(User.id == user_id, _not_locked(now))
        .values(failed_logins=0, locked_until=None)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    ).first()
    return row is not None


def sign_in(
    email: str, password: str, *, now: datetime, max_failures: int, lock_minutes: int
) -> SignInResult:
    user = find_user(email)
    if user is None:
        check_password_hash(_unknown_user_hash(), password)
        return SignInResult(None)
    if user.locked_until and user.locked_until > now:
        return SignInResult(None, locked_until=user.locked_until)
    if user.active and password_matches(user, password):
        if _record_success(user.id, now=now):
            db.session.refresh(user)
            return SignInResult(user)
    else:
        row = _record_failure(
            user.id, now=now, max_failures=max_failures, lock_minutes=lock_minutes
        )
        if row is not None and row.locked_until is None:
            return SignInResult(None)
    db.session.refresh(user)
    return SignInResult(None, locked_until=user.locked_until or now)
