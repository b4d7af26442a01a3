"""Benchmark: ZIP of 10,000 personal invites against 10,000 bare icalendar calendars.

Run from the project root: `.venv/bin/python bench/calendar.py [count]`. The ZIP is
built by app.calendar.invites_zip, the same function the organiser download uses; the
baseline builds one minimal one-event calendar per participant with icalendar alone.
Target: the ZIP takes under 3x the baseline.
"""

import sys
from pathlib import Path

# This file is called calendar.py: keep its folder off sys.path so that `import calendar`
# inside the standard library still finds the real module.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import io  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

import icalendar  # noqa: E402

from app.calendar import (  # noqa: E402
    CalendarEvent,
    CalendarGathering,
    Person,
    PersonalInvite,
    invites_zip,
)

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
STARTS = datetime(2026, 11, 19, 17, 0, tzinfo=UTC)
TOPICS = [
    "Access to a primary care provider for unattached perinatal patients",
    "Bringing care and supports closer to home, incl. rural and Indigenous communities",
    "A care path for newborns in each Primary Care Network",
    "The transition to ongoing postpartum care and supports",
    "Seamless transitions in care between providers and communities",
    "Sharing best practices and learnings at the PMH-clinical provider level",
    "Education, knowledge translation and training at the PMH level",
]


def build_invites(count: int) -> list[PersonalInvite]:
    gathering = CalendarGathering(
        slug="perinatal-2026",
        title="BC Perinatal Community of Practice: Provincial Gathering 2026",
        timezone="America/Vancouver",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=3, minutes=30),
        meeting_url="https://zoom.example/j/81234567890?pwd=abcdef",
        page_url="https://gathering.example/g/perinatal-2026",
        organizer=Person("Perinatal CoP organisers", "cop@gathering.example"),
    )
    welcome = CalendarEvent(
        uid="p-welcome",
        sequence=0,
        title="Co-chairs' welcome and opening prayer",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(minutes=30),
        presenter="Co-chairs; Elder",
    )
    presentations = CalendarEvent(
        uid="p-present",
        sequence=0,
        title="Presentations: Ministry of Health, care stories, strategic plan",
        starts_at=STARTS + timedelta(minutes=30),
        ends_at=STARTS + timedelta(hours=1, minutes=30),
    )
    closing = CalendarEvent(
        uid="p-close",
        sequence=0,
        title="Next steps and closing",
        starts_at=STARTS + timedelta(hours=3),
        ends_at=STARTS + timedelta(hours=3, minutes=30),
    )
    breakouts = [
        CalendarEvent(
            uid=f"b-{number}",
            sequence=0,
            title=topic,
            starts_at=STARTS + timedelta(hours=1, minutes=45),
            ends_at=STARTS + timedelta(hours=2, minutes=45),
            link=f"https://zoom.example/j/8123456789{number}?pwd=room{number}",
            is_breakout=True,
        )
        for number, topic in enumerate(TOPICS, start=1)
    ]
    invites = []
    for number in range(1, count + 1):
        breakout = breakouts[number % len(breakouts)]
        invites.append(
            PersonalInvite(
                uid=f"00000000-0000-4000-8000-{number:012d}",
                sequence=number % 3,
                number=number,
                gathering=gathering,
                attendee=Person(f"Participant Número {number}", f"p{number}@example.org"),
                agenda=(welcome, presentations, breakout, closing),
                breakout=breakout,
            )
        )
    return invites


def bare_icalendar(invites: list[PersonalInvite]) -> list[bytes]:
    files = []
    for invite in invites:
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//bench//EN")
        calendar.add("version", "2.0")
        event = icalendar.Event()
        event.add("uid", invite.uid)
        event.add("dtstamp", NOW)
        event.add("dtstart", invite.gathering.starts_at)
        event.add("dtend", invite.gathering.ends_at)
        event.add("summary", invite.gathering.title)
        calendar.add_component(event)
        files.append(calendar.to_ical())
    return files


def best_of(runs: int, work) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    invites = build_invites(count)
    bare_seconds, _ = best_of(3, lambda: bare_icalendar(invites))
    zip_seconds, archive = best_of(3, lambda: invites_zip(invites, now=NOW))
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert len(opened.namelist()) == count
    print(f"participants:                  {count}")
    print(f"bare icalendar, one event each: {bare_seconds:.3f} s")
    print(f"ZIP of personal invites:        {zip_seconds:.3f} s ({len(archive) / 1e6:.1f} MB)")
    ratio = zip_seconds / bare_seconds
    print(f"ratio ZIP / bare:               {ratio:.2f}x (target < 3x)")


if __name__ == "__main__":
    main()
