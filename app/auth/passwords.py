"""Password rules, one place for every account: long enough, not common, not the address."""

import re
from functools import cache
from pathlib import Path

MIN_LENGTH = 10
MAX_LENGTH = 200
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
# What people add to a common word to get past a length rule: digits, years, symbols.
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _is_common(password: str) -> bool:
    common = common_passwords()
    folded = password.casefold()
    squeezed = re.sub(r"\s+", "", folded)
    if folded in common or squeezed in common:
        return True
    core = _DECORATION.sub("", squeezed)
    if core in common and len(core) >= 4:
        return True
    # A common word said twice ("passwordpassword") is still that word.
    half = len(squeezed) // 2
    return (
        len(squeezed) % 2 == 0
        and squeezed[:half] == squeezed[half:]
        and (squeezed[:half] in common)
    )


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Plain sentences saying what is wrong with a new password; empty when it is fine."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters. A few words together are easy to remember."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    if len(set(password)) < 4:
        return ["Use more different characters than that."]
    if _is_common(password):
        return ["That password is one of the most common ones. Choose another."]
    folded = password.casefold()
    local_part = email.casefold().split("@", 1)[0]
    personal = [part for part in (email.casefold(), local_part, name.casefold()) if len(part) >= 4]
    if any(part in folded for part in personal):
        return ["Do not use your name or email address in your password."]
    return []
