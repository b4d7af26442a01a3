"""Accommodation requests through their statuses: requested -> arranged -> confirmed to
the participant -> delivered on the day -> evaluated. Plain functions: they never commit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app.choices import RegistrationStatus
from app.extensions import db
from app.models import AgendaItem, Gathering, Registration, User
from app.models.accommodations import (
    AccommodationOutcome,
    AccommodationRequest,
    AccommodationStatus,
)
from app.needs import NEED_KINDS, need_kinds
from app.outbound import notifications

# The dashboard lists requests not yet arranged from this long before the gathering.
NEARING = timedelta(days=21)
STEPS = list(AccommodationStatus)


class AccommodationError(Exception):
    """A change the request's state does not allow; the message says why."""


def need_label(kind: str) -> str:
    return NEED_KINDS.get(kind, kind)


def _people_with_needs(gathering: Gathering):
    return select(Registration.id, Registration.accessibility_needs).where(
        Registration.gathering_id == gathering.id,
        Registration.status != RegistrationStatus.CANCELLED,
        Registration.erased_at.is_(None),
        func.length(func.trim(Registration.accessibility_needs)) > 0,
    )


def _missing(gathering: Gathering) -> list[tuple[int, str]]:
    """(registration id, need kind) for needs that are not a request yet."""
    existing = set(
        db.session.execute(
            select(AccommodationRequest.registration_id, AccommodationRequest.kind).where(
                AccommodationRequest.gathering_id == gathering.id
            )
        ).all()
    )
    missing = []
    for registration_id, text in db.session.execute(_people_with_needs(gathering)):
        for kind in need_kinds(text):
            if (registration_id, kind) not in existing:
                missing.append((registration_id, kind))
    return missing


def new_needs_count(gathering: Gathering) -> int:
    return len(_missing(gathering))


def bring_in_needs(gathering: Gathering) -> int:
    """Make a request of every need registrations gave that is not one yet."""
    missing = _missing(gathering)
    for registration_id, kind in missing:
        db.session.add(
            AccommodationRequest(
                gathering_id=gathering.id,
                registration_id=registration_id,
                kind=kind,
                status=AccommodationStatus.REQUESTED.value,
            )
        )
    return len(missing)


def requests_of(gathering: Gathering) -> list[AccommodationRequest]:
    """The gathering's requests of people still coming, in the order of the statuses."""
    rows = db.session.scalars(
        select(AccommodationRequest)
        .join(Registration, Registration.id == AccommodationRequest.registration_id)
        .where(
            AccommodationRequest.gathering_id == gathering.id,
            Registration.status != RegistrationStatus.CANCELLED,
        )
        .order_by(Registration.name, AccommodationRequest.kind, AccommodationRequest.id)
    ).all()
    return sorted(rows, key=lambda row: STEPS.index(AccommodationStatus(row.status)))


def arrange(
    request: AccommodationRequest,
    *,
    what: str,
    by_whom: str,
    owner: User | None,
    now: datetime,
) -> None:
    """Record (or correct) what was arranged. A correction after the person was told
    leaves the request confirmed: telling them again is the organiser's choice."""
    if not what.strip():
        raise AccommodationError("Say what was arranged.")
    if request.status in (AccommodationStatus.DELIVERED, AccommodationStatus.EVALUATED):
        raise AccommodationError("This accommodation was already delivered.")
    request.arrangement = what
    request.arranged_by = by_whom
    request.owner = owner
    if request.status == AccommodationStatus.REQUESTED:
        request.status = AccommodationStatus.ARRANGED.value
        request.arranged_at = now


def set_owner(request: AccommodationRequest, owner: User | None) -> None:
    request.owner = owner


def arrangements_of(request: AccommodationRequest) -> list[dict]:
    """What the participant's email lists."""
    return [{"need": need_label(request.kind), "what": request.arrangement}]


def confirm(request: AccommodationRequest, *, email: bool, now: datetime, cause: str = "") -> bool:
    """Tell the participant what was arranged: by email (only them, only once) or, with
    email=False, record that they were told another way. True when an email was queued."""
    if request.status != AccommodationStatus.ARRANGED:
        raise AccommodationError(
            "Only an arranged request can be confirmed; this one is "
            f"{AccommodationStatus.label_for(request.status).lower()}."
        )
    request.status = AccommodationStatus.CONFIRMED.value
    request.confirmed_at = now
    request.confirmed_by_email = email
    if email:
        notifications.accommodation_arranged(
            request.registration, arrangements=arrangements_of(request), cause=cause
        )
    return email


def mark_delivered(request: AccommodationRequest, *, now: datetime) -> None:
    if request.status != AccommodationStatus.CONFIRMED:
        raise AccommodationError("Confirm it to the participant before marking it delivered.")
    request.status = AccommodationStatus.DELIVERED.value
    request.delivered_at = now


def awaiting_evaluation(registration: Registration) -> list[AccommodationRequest]:
    """The person's requests the survey asks about: delivered (or confirmed: the day may
    have come without anyone marking it), not answered yet."""
    return list(
        db.session.scalars(
            select(AccommodationRequest)
            .where(
                AccommodationRequest.registration_id == registration.id,
                AccommodationRequest.status.in_(
                    [AccommodationStatus.CONFIRMED.value, AccommodationStatus.DELIVERED.value]
                ),
            )
            .order_by(AccommodationRequest.kind)
        )
    )


def record_outcomes(
    registration: Registration, outcomes: dict[int, str], *, comment: str, now: datetime
) -> int:
    """The person's own answers: request id -> outcome code. Returns how many were saved."""
    saved = 0
    for request in awaiting_evaluation(registration):
        outcome = outcomes.get(request.id)
        if outcome not in AccommodationOutcome.__members__.values():
            continue
        if request.delivered_at is None:
            request.delivered_at = now
        request.status = AccommodationStatus.EVALUATED.value
        request.outcome = outcome
        request.outcome_comment = comment
        request.evaluated_at = now
        saved += 1
    return saved


def _in_room(room: AgendaItem):
    return (
        select(AccommodationRequest)
        .join(Registration, Registration.id == AccommodationRequest.registration_id)
        .where(
            Registration.assigned_breakout_id == room.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )


def room_arrangements(room: AgendaItem) -> tuple[list[dict], int]:
    """What is arranged for people in one breakout room, for its facilitator: each need
    with what was arranged, how many people, and how many are still to deliver; no
    names, in no order that points back to a person. Also how many are not arranged."""
    rows = db.session.scalars(_in_room(room)).all()
    groups: dict[tuple[str, str], dict] = {}
    waiting = 0
    for row in rows:
        if row.status == AccommodationStatus.REQUESTED:
            waiting += 1
            continue
        group = groups.setdefault(
            (row.kind, row.arrangement),
            {
                "kind": row.kind,
                "need": need_label(row.kind),
                "what": row.arrangement,
                "people": 0,
                "to_deliver": 0,
                "not_told": 0,
            },
        )
        group["people"] += 1
        if row.status == AccommodationStatus.CONFIRMED:
            group["to_deliver"] += 1
        elif row.status == AccommodationStatus.ARRANGED:
            group["not_told"] += 1
    return [groups[key] for key in sorted(groups)], waiting


def mark_room_delivered(room: AgendaItem, kind: str, *, now: datetime) -> int:
    """On the day, from the room's page: every confirmed request of this kind for people
    in the room is delivered. Returns how many."""
    rows = db.session.scalars(
        _in_room(room).where(
            AccommodationRequest.kind == kind,
            AccommodationRequest.status == AccommodationStatus.CONFIRMED,
        )
    ).all()
    for row in rows:
        mark_delivered(row, now=now)
    return len(rows)


def to_do_count(gathering: Gathering, *, now: datetime) -> int:
    """Needs not yet arranged, once the gathering is near (0 before, and after it began)."""
    if not (gathering.starts_at - NEARING <= now < gathering.starts_at):
        return 0
    waiting = db.session.scalar(
        select(func.count())
        .select_from(AccommodationRequest)
        .join(Registration, Registration.id == AccommodationRequest.registration_id)
        .where(
            AccommodationRequest.gathering_id == gathering.id,
            AccommodationRequest.status == AccommodationStatus.REQUESTED,
            Registration.status != RegistrationStatus.CANCELLED,
        )
    )
    return int(waiting or 0) + new_needs_count(gathering)


def survey_question(registration: Registration) -> dict | None:
    """What the survey page asks a person who asked for an accommodation (else None)."""
    asked = awaiting_evaluation(registration)
    if not asked:
        return None
    return {
        "requests": [
            {"id": row.id, "need": need_label(row.kind), "what": row.arrangement} for row in asked
        ],
        "outcomes": AccommodationOutcome.choices(),
    }


def erase_arrangements(gathering_id: int) -> None:
    """Retention: what was written about each request goes; the kind and the outcome
    stay as counts."""
    db.session.execute(
        update(AccommodationRequest)
        .where(AccommodationRequest.gathering_id == gathering_id)
        .values(arrangement="", arranged_by="", outcome_comment="")
        .execution_options(synchronize_session=False)
    )
