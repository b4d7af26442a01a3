"""From the database to the plain data app.calendar builds from, and the .ics bytes.

Sequences: an agenda item publishes its own `sequence` (the organiser services bump it on
every change of time, title or link, and on removal). A personal invite publishes
gathering.calendar_sequence + registration.calendar_sequence: the first rises with any
change to the gathering or its agenda, the second when the person's room, status or
registration changes, so the sum only ever rises and every update outranks the last.
"""

from collections.abc import Collection, Iterable
from datetime import datetime
from email.utils import parseaddr

from flask import current_app

from app.calendar import (
    CalendarEvent,
    CalendarGathering,
    Method,
    Person,
    PersonalInvite,
    agenda_calendar,
    breakout_calendar,
    invites_zip,
    personal_invite,
)
from app.extensions import db
from app.models import AgendaItem, Gathering, Registration
from app.outbound.public_links import public_url
from app.reach import reachable_registrations


def organizer_for(gathering: Gathering) -> Person:
    """The gathering's contact organises the event; the sender address stands in."""
    if gathering.contact_email:
        return Person(gathering.contact_name or gathering.title, gathering.contact_email)
    name, address = parseaddr(str(current_app.config.get("MAIL_DEFAULT_SENDER") or ""))
    return Person(name or gathering.title, address or "no-reply@gathering.invalid")


def calendar_gathering(gathering: Gathering, *, links: bool = True) -> CalendarGathering:
    return CalendarGathering(
        slug=gathering.slug,
        title=gathering.title,
        timezone=gathering.timezone,
        starts_at=gathering.starts_at,
        ends_at=gathering.ends_at,
        meeting_url=gathering.meeting_url if links else "",
        page_url=public_url("public.gathering", slug=gathering.slug),
        description=gathering.description,
        organizer=organizer_for(gathering),
    )


def calendar_event(item: AgendaItem, *, links: bool = True) -> CalendarEvent:
    """`links=False` leaves out room and meeting links, for the public feed: the public
    page does not show them either."""
    gathering = item.gathering
    link = (item.room_url or gathering.meeting_url) if links else ""
    return CalendarEvent(
        uid=item.calendar_uid,
        sequence=item.sequence,
        title=item.title,
        starts_at=item.starts_at,
        ends_at=item.ends_at,
        description=item.description,
        presenter=item.presenter,
        link=link,
        is_breakout=item.is_breakout,
        cancelled=item.removed_at is not None,
    )


def gathering_feed(
    gathering: Gathering,
    *,
    now: datetime,
    links: bool,
    own_rooms: Collection[int] | None = None,
) -> bytes:
    """Every agenda item ever published, removed ones as cancelled. With `own_rooms` (a
    facilitator's), breakout rooms other than those go without their links."""
    events = [
        calendar_event(
            item,
            links=links and (own_rooms is None or not item.is_breakout or item.id in own_rooms),
        )
        for item in gathering.agenda_items
    ]
    return agenda_calendar(calendar_gathering(gathering, links=links), events, now=now)


def breakout_file(item: AgendaItem, *, now: datetime) -> bytes:
    return breakout_calendar(calendar_gathering(item.gathering), calendar_event(item), now=now)


def _room(registration: Registration, items: dict[int, AgendaItem]) -> AgendaItem | None:
    for item_id in (registration.assigned_breakout_id, registration.first_choice_id):
        item = items.get(item_id) if item_id is not None else None
        if item is not None and item.removed_at is None and item.is_breakout:
            return item
    return None


class InviteFactory:
    """Builds PersonalInvites for one gathering, sharing the per-room agendas so that
    thousands of invites cost little more than one."""

    def __init__(self, gathering: Gathering) -> None:
        self.gathering = gathering
        self.calendar = calendar_gathering(gathering)
        self.items = {item.id: item for item in gathering.agenda_items}
        self.plenaries = [
            calendar_event(item) for item in gathering.active_agenda if not item.is_breakout
        ]
        self._agendas: dict[int | None, tuple[tuple[CalendarEvent, ...], CalendarEvent | None]]
        self._agendas = {}

    def _agenda(self, room: AgendaItem | None):
        key = room.id if room is not None else None
        if key not in self._agendas:
            breakout = calendar_event(room) if room is not None else None
            events = [*self.plenaries, *([breakout] if breakout else [])]
            events.sort(key=lambda event: (event.starts_at, event.ends_at))
            self._agendas[key] = (tuple(events), breakout)
        return self._agendas[key]

    def invite(self, registration: Registration, *, manage_url: str = "") -> PersonalInvite:
        agenda, breakout = self._agenda(_room(registration, self.items))
        return PersonalInvite(
            uid=registration.calendar_uid,
            sequence=self.gathering.calendar_sequence + registration.calendar_sequence,
            number=registration.id,
            gathering=self.calendar,
            attendee=Person(registration.name, registration.email),
            agenda=agenda,
            breakout=breakout,
            manage_url=manage_url,
        )


def invite_for(registration: Registration, *, manage_url: str = "") -> PersonalInvite:
    return InviteFactory(registration.gathering).invite(registration, manage_url=manage_url)


def invite_file(
    registration: Registration, *, method: Method, now: datetime, manage_url: str = ""
) -> bytes:
    return personal_invite(invite_for(registration, manage_url=manage_url), method=method, now=now)


def confirmed_registrations(gathering: Gathering) -> Iterable[Registration]:
    return db.session.scalars(reachable_registrations(gathering.id).order_by(Registration.id))


def invites_archive(gathering: Gathering, *, now: datetime) -> bytes:
    """ZIP of every confirmed participant's invite (no manage links: those are private
    to each person and only ever sent to them)."""
    factory = InviteFactory(gathering)
    invites = (factory.invite(registration) for registration in confirmed_registrations(gathering))
    return invites_zip(invites, now=now)
