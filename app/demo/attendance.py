"""Demo attendance for seed-demo: a generated Zoom report imported the real way, plus
breakout check-ins, so the dashboard and the report have plausible figures (and, when
asked, an exact number of people who took part)."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.attendance import review
from app.choices import RegistrationStatus
from app.extensions import db
from app.models import AttendanceRecord, AttendanceSource, Gathering, Registration

ZOOM_HEADER = [
    "Name (Original Name)",
    "User Email",
    "Join Time",
    "Leave Time",
    "Duration (Minutes)",
    "Guest",
    "Recording Consent",
]
WALK_INS = ["Guest (Prince George)", "Ashley T. (Kamloops)", "Dr. R. Bains", "Mireille"]
DEVICES = ["iPhone", "Galaxy S22", "Call-in user 1"]


def _zoom_time(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{moment:%m/%d/%Y} {hour:02d}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"


def _row(name: str, email: str, join: datetime, leave: datetime, guest: bool) -> list[str]:
    minutes = max(1, -(-int((leave - join).total_seconds()) // 60))
    return [
        name,
        email,
        _zoom_time(join),
        _zoom_time(leave),
        str(minutes),
        "Yes" if guest else "No",
        "Y",
    ]


def _taking_part(
    registrations: list[Registration], *, rng: random.Random, taking_part: int | None
) -> set[int]:
    """Who stays long enough to count: exactly ``taking_part`` people when given, else
    about 85% of them."""
    if taking_part is None:
        return {r.id for r in registrations if rng.random() < 0.85}
    chosen = rng.sample(registrations, min(taking_part, len(registrations)))
    return {r.id for r in chosen}


def demo_zoom_report(
    gathering: Gathering,
    registrations: list[Registration],
    *,
    rng: random.Random,
    taking_part: set[int],
) -> bytes:
    """A Zoom participants report for the day. The people in ``taking_part`` stay well
    past the attendance minimum (some rejoining after a dropped connection); of the
    others, some look in for a few minutes and the rest never join. A few guests and
    devices join too. Returns the CSV.

    A person whose name another registrant shares always shows their email, so the
    import matches every row and the demo's figures are exact."""
    zone = ZoneInfo(gathering.timezone)
    start = gathering.starts_at.astimezone(zone).replace(tzinfo=None)
    end = gathering.ends_at.astimezone(zone).replace(tzinfo=None)
    short_stay = max(1, gathering.attendance_threshold_minutes - 1)
    names = Counter(r.name.casefold() for r in registrations)
    rows: list[list[str]] = []
    for registration in registrations:
        join = start + timedelta(seconds=rng.randint(-12 * 60, 20 * 60))
        if registration.id in taking_part:
            if rng.random() < 0.75:
                leave = end + timedelta(seconds=rng.randint(-20 * 60, 6 * 60))
            else:
                leave = join + timedelta(minutes=rng.randint(45, 150))
        elif rng.random() < 0.3:
            leave = join + timedelta(minutes=rng.randint(1, short_stay), seconds=-30)
        else:
            continue
        name = registration.name
        if rng.random() < 0.15:
            name = f"{name} ({rng.choice(['she/her', 'he/him', 'they/them'])})"
        unique_name = names[registration.name.casefold()] == 1
        email = "" if unique_name and rng.random() < 0.1 else registration.email
        if rng.random() < 0.12 and (leave - join) > timedelta(minutes=60):
            drop = join + (leave - join) / 3
            back = drop + timedelta(seconds=rng.randint(30, 240))
            rows.append(_row(name, email, join, drop, not email))
            rows.append(_row(name, email, back, leave, not email))
        else:
            rows.append(_row(name, email, join, leave, not email))
    for name in WALK_INS:
        join = start + timedelta(minutes=rng.randint(0, 40))
        rows.append(_row(name, "", join, join + timedelta(minutes=rng.randint(40, 180)), True))
    for name in DEVICES:
        join = start + timedelta(minutes=rng.randint(0, 120))
        rows.append(_row(name, "", join, join + timedelta(minutes=rng.randint(1, 5)), True))
    rows.sort(key=lambda r: datetime.strptime(r[2], "%m/%d/%Y %I:%M:%S %p"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ZOOM_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def seed_demo_attendance(
    gathering: Gathering, *, rng: random.Random, now: datetime, taking_part: int | None = None
) -> int:
    """Import a generated Zoom report for the whole day and check the people who took
    part in to their breakout rooms. ``taking_part``: how many confirmed registrants
    meet the attendance rule (about 85% when not given). Does nothing when the
    gathering already has attendance; returns the number of records added."""
    existing = db.session.scalar(
        select(func.count())
        .select_from(AttendanceRecord)
        .where(AttendanceRecord.gathering_id == gathering.id)
    )
    if existing:
        return 0
    registrations = list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.gathering_id == gathering.id,
                Registration.status == RegistrationStatus.CONFIRMED.value,
            )
            .order_by(Registration.id)
        )
    )
    chosen = _taking_part(registrations, rng=rng, taking_part=taking_part)
    data = demo_zoom_report(gathering, registrations, rng=rng, taking_part=chosen)
    review.import_file(
        gathering,
        data=data,
        filename=f"zoom_participants_{gathering.starts_at:%Y-%m-%d}.csv",
        agenda_item=None,
        now=now,
        max_bytes=len(data) + 1,
    )
    breakouts = {item.id: item for item in gathering.breakouts}
    rooms: dict[int, list[review.RecordEntry]] = {}
    for registration in registrations:
        room_id = registration.assigned_breakout_id or registration.first_choice_id
        if registration.id in chosen and room_id in breakouts and rng.random() < 0.93:
            when = breakouts[room_id].starts_at + timedelta(seconds=rng.randint(0, 300))
            entry = review.RecordEntry(registration.id, "", "", 0, when, None)
            rooms.setdefault(room_id, []).append(entry)
    for room_id, entries in rooms.items():
        review.save_records(
            gathering,
            room_id,
            AttendanceSource.CHECKIN,
            entries,
            batch=None,
            user=None,
            now=now,
        )
    db.session.flush()
    return db.session.scalar(
        select(func.count())
        .select_from(AttendanceRecord)
        .where(AttendanceRecord.gathering_id == gathering.id)
    )
