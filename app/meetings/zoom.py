"""Zoom's breakout-room pre-assignment file, built from our room assignment.

Zoom takes a CSV with exactly two columns, `Pre-assign Room Name` and `Email Address`,
one row per person, for one meeting: at most 100 rooms and 1,000 people, and a person
is placed only when they join signed in to a Zoom account with that address. Everyone we
cannot put in the file is listed with the reason, never dropped silently."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.spreadsheet import safe_cell

HEADER = ("Pre-assign Room Name", "Email Address")
MAX_ROOMS = 100
MAX_PEOPLE = 1000


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    room: str


@dataclass(frozen=True)
class Left:
    """Someone not in the file, and why."""

    name: str
    room: str
    reason: str


@dataclass
class Preassignment:
    meeting: str  # the join link the rooms open in
    rooms: list[str] = field(default_factory=list)
    rows: list[Person] = field(default_factory=list)
    left_out: list[Left] = field(default_factory=list)
    move_live: list[Person] = field(default_factory=list)

    def csv_bytes(self) -> bytes:
        """The file as Zoom documents it: its header, then room and address per row;
        no byte-order mark, which Zoom would read as part of the first column's name."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(HEADER)
        for person in self.rows:
            writer.writerow([safe_cell(person.room), person.email])
        return buffer.getvalue().encode("utf-8")


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def build(
    meeting: str,
    rooms: Sequence[str],
    people: Iterable[Person],
    *,
    account_domains: Iterable[str] = (),
) -> Preassignment:
    """One meeting's file. `rooms` in agenda order; `people` in the order they should
    keep their place when the file is full (we pass them by registration time).
    `account_domains` are the addresses of the Zoom account hosting the meeting: anyone
    else can be pre-assigned only if they have a Zoom account of their own under that
    address and join signed in, so they are listed to be moved live if need be."""
    domains = {d.strip().lower().lstrip("@") for d in account_domains if d.strip()}
    result = Preassignment(meeting=meeting)
    kept_rooms = set(rooms[:MAX_ROOMS])
    result.rooms = list(rooms[:MAX_ROOMS])
    for person in people:
        if person.room not in kept_rooms:
            reason = f"Zoom takes at most {MAX_ROOMS} rooms a meeting: their room is past that"
            result.left_out.append(Left(person.name, person.room, reason))
        elif not person.email:
            result.left_out.append(Left(person.name, person.room, "no email address on file"))
        elif len(result.rows) >= MAX_PEOPLE:
            reason = f"Zoom takes at most {MAX_PEOPLE:,} people a meeting: move them live"
            result.left_out.append(Left(person.name, person.room, reason))
        else:
            result.rows.append(person)
            if domains and _domain(person.email) not in domains:
                result.move_live.append(person)
    position = {room: index for index, room in enumerate(result.rooms)}
    result.rows.sort(key=lambda person: position[person.room])
    return result
