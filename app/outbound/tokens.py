"""Private links: 256 random bits each, written as 43 URL-safe characters; only their
SHA-256 is ever stored. Manage links, survey links and survey edit keys all use these."""

import hashlib
import re
import secrets

TOKEN_BYTES = 32
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def well_formed(raw: str) -> bool:
    """Could this be one of our tokens? Checked before any lookup."""
    return bool(_SHAPE.match(raw))
