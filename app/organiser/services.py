"""Creating and editing gatherings and their agenda; every calendar-visible change raises
the sequence numbers that calendar clients use to recognise an update."""

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import func, null, select

from app.choices import AgendaKind, engagement_level_for
from app.extensions import db
from app.messages.services import schedule_default_reminders
from app.models import AgendaItem, Gathering, Registration
from app.outbound import notifications
from app.registration.services import promote_waitlist
from app.writer_lock import lock_gathering


@dataclass
class GatheringData:
    title: str
    slug: str
    description: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    meeting_url: str
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    capacity: int | None
    waitlist_enabled: bool
    land_acknowledgement: str
    contact_name: str
    contact_title: str
    contact_email: str
    contact_phone: str
    contact_address: str
    attendance_threshold_minutes: int = 10


@dataclass
class AgendaItemData:
    kind: str
    title: str
    description: str
    presenter: str
    priority_area: str | None
    starts_at: datetime
    ends_at: datetime
    room_url: str
    capacity: int | None
    engagement_level: str = ""


GATHERING_CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "meeting_url", "description")
ITEM_CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "room_url", "description")


class SlugTaken(Exception):
    pass


@dataclass(frozen=True)
class GatheringSaved:
    """What a saved edit means for participants: the route asks the organiser whether
    to email them (nothing here emails anyone)."""

    schedule_changed: bool
    promoted: list[Registration]


def slug_taken(slug: str, *, except_id: int | None = None) -> bool:
    query = select(func.count(Gathering.id)).where(Gathering.slug == slug)
    if except_id is not None:
        query = query.where(Gathering.id != except_id)
    return bool(db.session.scalar(query))


def create_gathering(data: GatheringData) -> Gathering:
    if slug_taken(data.slug):
        raise SlugTaken(data.slug)
    gathering = Gathering(**{f.name: getattr(data, f.name) for f in fields(data)})
    # A draft until the organiser publishes it: null() stores NULL where None would let
    # the ORM fill in the column's default.
    gathering.published_at = null()
    db.session.add(gathering)
    db.session.flush()
    schedule_default_reminders(gathering)
    return gathering


def update_gathering(gathering: Gathering, data: GatheringData, *, now: datetime) -> GatheringSaved:
    lock_gathering(gathering.id)
    if slug_taken(data.slug, except_id=gathering.id):
        raise SlugTaken(data.slug)
    changed = [
        name
        for name in GATHERING_CALENDAR_FIELDS
        if getattr(gathering, name) != getattr(data, name)
    ]
    old_capacity = gathering.capacity
    for f in fields(data):
        setattr(gathering, f.name, getattr(data, f.name))
    db.session.flush()
    if changed:
        gathering.calendar_sequence += 1
    promoted = []
    if gathering.capacity is None or (old_capacity or 0) < gathering.capacity:
        promoted = promote_waitlist(gathering, now=now)
    return GatheringSaved(schedule_changed=bool(changed), promoted=promoted)


def add_item(gathering: Gathering, data: AgendaItemData) -> AgendaItem:
    lock_gathering(gathering.id)
    item = AgendaItem(gathering=gathering, **_item_values(data))
    db.session.add(item)
    gathering.calendar_sequence += 1
    db.session.flush()
    return item


def update_item(item: AgendaItem, data: AgendaItemData) -> bool:
    """Whether anything calendars show changed (its sequence then rises)."""
    lock_gathering(item.gathering_id)
    values = _item_values(data)
    changed = [name for name in ITEM_CALENDAR_FIELDS if getattr(item, name) != values[name]]
    for name, value in values.items():
        setattr(item, name, value)
    if changed:
        item.sequence += 1
        item.gathering.calendar_sequence += 1
        db.session.flush()
    return bool(changed)


def people_told_of_removal(item: AgendaItem) -> list[Registration]:
    return notifications.concerned_by_removal(item.gathering, item)


def remove_item(item: AgendaItem, *, now: datetime) -> list[int] | None:
    """Keep the row (its UID must be cancelled in calendars) but take it off the agenda.
    Returns who was headed to a removed breakout (None for a plenary: everyone), worked
    out before the assignments are cleared, for `notifications.item_removed`."""
    lock_gathering(item.gathering_id)
    headed_there = None
    if item.is_breakout:
        headed_there = [person.id for person in people_told_of_removal(item)]
    item.removed_at = now
    item.sequence += 1
    item.gathering.calendar_sequence += 1
    db.session.flush()
    for registration in db.session.scalars(
        select(Registration).where(Registration.assigned_breakout_id == item.id)
    ):
        registration.assigned_breakout_id = None
        registration.calendar_sequence += 1
    db.session.flush()
    return headed_there


def _item_values(data: AgendaItemData) -> dict:
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    values["engagement_level"] = engagement_level_for(data.kind, data.engagement_level)
    if data.kind != AgendaKind.BREAKOUT:
        values["priority_area"] = None
        values["capacity"] = None
    return values
