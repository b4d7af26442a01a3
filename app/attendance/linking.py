"""Choosing the registration an unmatched or ambiguous person of an upload belongs to:
the options the review page lists without JavaScript, and the search behind its
combobox."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.attendance.matching import fold_text, name_key
from app.choices import RegistrationStatus
from app.extensions import db
from app.models import Gathering, Registration

# With this many registrations or fewer, every unmatched row lists them all.
LIST_ALL_UP_TO = 150
SUGGESTIONS = 8


@dataclass(frozen=True, slots=True)
class Choice:
    id: int
    name: str
    email: str
    organisation: str
    cancelled: bool

    @property
    def label(self) -> str:
        details = ", ".join(part for part in (self.email, self.organisation) if part)
        text = f"{self.name} ({details})" if details else self.name
        return text + (", cancelled" if self.cancelled else "")


def choices(gathering: Gathering) -> list[Choice]:
    """Every registration of the gathering (cancelled ones too: they sometimes come),
    by name."""
    rows = db.session.execute(
        select(
            Registration.id,
            Registration.name,
            Registration.email,
            Registration.organisation_name,
            Registration.status,
        ).where(Registration.gathering_id == gathering.id)
    )
    found = [
        Choice(id_, name, email, organisation or "", status == RegistrationStatus.CANCELLED)
        for id_, name, email, organisation, status in rows
    ]
    return sorted(found, key=lambda choice: (fold_text(choice.name), choice.id))


def suggest(
    options: list[Choice], names: list[str], *, limit: int = SUGGESTIONS
) -> list[list[Choice]]:
    """For each name, the registrations to offer: all of them for a small gathering,
    otherwise those sharing most words of the name (at most ``limit``)."""
    if len(options) <= LIST_ALL_UP_TO:
        return [options for _ in names]
    by_word: dict[str, list[int]] = {}
    for position, option in enumerate(options):
        for word in set(name_key(option.name).split()):
            by_word.setdefault(word, []).append(position)
    result = []
    for name in names:
        shared: dict[int, int] = {}
        for word in set(name_key(name).split()):
            for position in by_word.get(word, ()):
                shared[position] = shared.get(position, 0) + 1
        best = sorted(shared, key=lambda position: (-shared[position], position))[:limit]
        result.append([options[position] for position in sorted(best)])
    return result


def search(options: list[Choice], text: str, *, limit: int = 20) -> list[Choice]:
    """Registrations whose name, email or organisation contains every word typed,
    accents and case aside."""
    words = fold_text(text).split()[:8]
    if not words:
        return []
    found = []
    for option in options:
        haystack = fold_text(f"{option.name} {option.email} {option.organisation}")
        if all(word in haystack for word in words):
            found.append(option)
            if len(found) >= limit:
                break
    return found
