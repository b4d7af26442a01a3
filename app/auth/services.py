"""Accounts and sign-in, with a lock after repeated failures, and the server-side end of
every session of an account."""

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.addresses import normalise_email
from app.auth.links import drop_links
from app.auth.passwords import password_problems
from app.choices import UserRole
from app.extensions import db
from app.models import SignInFailures, User


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


def failure_key(email: str, network: str) -> str:
    """The address (however spelt) and the network it was typed from, hashed together."""
    pair = f"{normalise_email(email)}\n{network}"
    return hashlib.sha256(pair.encode()).hexdigest()


def address_hash(email: str) -> str:
    """The address alone (however spelt), hashed: how the staff page finds its locks."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


@dataclass(frozen=True)
class AddressLock:
    networks: int  # how many networks are locked out of signing in with the address
    until: datetime  # when the last of those locks ends


def locks_of(emails: list[str], *, now: datetime) -> dict[str, AddressLock]:
    """The addresses (as given) locked out from at least one network now, in one query."""
    hashes = {address_hash(email): email for email in emails}
    if not hashes:
        return {}
    rows = db.session.execute(
        select(
            SignInFailures.address_hash,
            func.count(SignInFailures.id),
            func.max(SignInFailures.locked_until),
        )
        .where(
            SignInFailures.address_hash.in_(list(hashes)),
            SignInFailures.locked_until > now,
        )
        .group_by(SignInFailures.address_hash)
    ).all()
    return {hashes[key]: AddressLock(count, until) for key, count, until in rows}


def _insert(table):
    """The database's own INSERT (for its ON CONFLICT), imported on use: importing
    PostgreSQL's dialect costs a site on SQLite about 40 ms at every start-up."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _record_failure(key: str, *, address: str, now: datetime, max_failures: int, lock_minutes: int):
    """One statement counts the failure and locks on reaching the limit, so guesses sent
    together cannot all slip in under it: the row comes back with its lock, if any."""
    failures = SignInFailures.__table__.c.failures
    lock = now + timedelta(minutes=lock_minutes)
    first_locks = max_failures <= 1
    statement = _insert(SignInFailures.__table__).values(
        key=key,
        address_hash=address,
        failures=0 if first_locks else 1,
        locked_until=lock if first_locks else None,
        updated_at=now,
    )
    held = SignInFailures.__table__.c.locked_until
    # A guess that looked before a concurrent one set the lock finds it here and keeps it.
    locked = held.is_not(None) & (held > now)
    reaches_limit = failures + 1 >= max_failures
    statement = statement.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "failures": case((locked, failures), (reaches_limit, 0), else_=failures + 1),
            "locked_until": case((locked, held), (reaches_limit, lock), else_=None),
            "updated_at": now,
        },
    ).returning(SignInFailures.__table__.c.locked_until)
    return db.session.execute(statement).scalar_one()


def sign_in(
    email: str,
    password: str,
    *,
    network: str = "",
    now: datetime,
    max_failures: int,
    lock_minutes: int,
) -> SignInResult:
    """The same work whether or not the address has an account (one password hash, one
    look at the lock, one write on failure), so neither the answer nor its time tells."""
    key = failure_key(email, network)
    user = find_user(email)
    if user is None:
        check_password_hash(_unknown_user_hash(), password)
        matches = False
    else:
        matches = password_matches(user, password)
    locked_until = db.session.scalar(
        select(SignInFailures.locked_until).where(
            SignInFailures.key == key, SignInFailures.locked_until > now
        )
    )
    if locked_until is not None:
        return SignInResult(None, locked_until=locked_until)
    if user is not None and user.active and matches:
        db.session.execute(delete(SignInFailures).where(SignInFailures.key == key))
        return SignInResult(user)
    locked_until = _record_failure(
        key,
        address=address_hash(email),
        now=now,
        max_failures=max_failures,
        lock_minutes=lock_minutes,
    )
    return SignInResult(None, locked_until=locked_until)
