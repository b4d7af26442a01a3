"""How times read to people: '9:00 a.m. PT', 'Thursday, 20 October 2022'. The one
source for pages, emails, calendar descriptions and the report."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

ZONE_ABBREVIATIONS = {
    "America/Vancouver": ("PT", "Pacific time"),
    "America/Edmonton": ("MT", "Mountain time"),
    "America/Regina": ("CST", "Central standard time"),
    "America/Winnipeg": ("CT", "Central time"),
    "America/Toronto": ("ET", "Eastern time"),
    "America/Halifax": ("AT", "Atlantic time"),
    "America/St_Johns": ("NT", "Newfoundland time"),
}


def to_local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def clock(moment: datetime, zone: str) -> str:
    local = to_local(moment, zone)
    hour = local.hour % 12 or 12
    suffix = "a.m." if local.hour < 12 else "p.m."
    return f"{hour}:{local.minute:02d} {suffix}"


def zone_short(zone: str, moment: datetime | None = None) -> str:
    if zone in ZONE_ABBREVIATIONS:
        return ZONE_ABBREVIATIONS[zone][0]
    return to_local(moment or datetime.now(UTC), zone).tzname() or zone


def zone_name(zone: str) -> str:
    return ZONE_ABBREVIATIONS.get(zone, (zone, zone))[1]


def long_date(moment: datetime, zone: str) -> str:
    local = to_local(moment, zone)
    return f"{local:%A}, {local.day} {local:%B %Y}"


def time_range(start: datetime, end: datetime, zone: str) -> str:
    return f"{clock(start, zone)} – {clock(end, zone)} {zone_short(zone, start)}"


def from_local(naive: datetime, zone: str) -> datetime:
    """Interpret a wall-clock time in `zone`; raises ValueError for times a clock change skips."""
    aware = naive.replace(tzinfo=ZoneInfo(zone))
    if aware.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) != naive:
        raise ValueError("That time does not exist: the clocks change that night.")
    return aware.astimezone(UTC)
