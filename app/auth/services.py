"""Accounts and sign-in, with a lock after repeated failures."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.addresses import normalise_email
from app.choices import UserRole
from app.extensions import db
from app.models import User

# Checked against when the email is unknown, so a wrong email costs as long as a wrong password.
_UNKNOWN_USER_HASH = generate_password_hash("no such user")


@dataclass
class SignInResult:
    user: User | None
    locked_until: datetime | None = None


def create_user(email: str, password: str, *, role: str, name: str = "") -> User:
    if role not in {r.value for r in UserRole}:
        raise ValueError(f"unknown role {role!r}")
    if len(password) < 10:
        raise ValueError("the password must be at least 10 characters")
    user = User(
        email=normalise_email(email),
        name=name,
        role=role,
        password_hash=generate_password_hash(password),
    )
    db.session.add(user)
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def sign_in(
    email: str, password: str, *, now: datetime, max_failures: int, lock_minutes: int
) -> SignInResult:
    user = find_user(email)
    if user is None:
        check_password_hash(_UNKNOWN_USER_HASH, password)
        return SignInResult(None)
    if user.locked_until and user.locked_until > now:
        return SignInResult(None, locked_until=user.locked_until)
    if not user.active or not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            return SignInResult(None, locked_until=user.locked_until)
        return SignInResult(None)
    user.failed_logins = 0
    user.locked_until = None
    return SignInResult(user)
