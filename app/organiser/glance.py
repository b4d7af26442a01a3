"""The dashboard at a glance: days to go, registrations over time, accessibility needs,
and what is still to do before the day."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask import url_for
from sqlalchemy import func, select

from app.accommodations import services as accommodations
from app.choices import RegistrationStatus, UserRole
from app.extensions import db
from app.facts import GatheringFacts
from app.facts.frames import frame
from app.models import BreakoutStaff, Gathering, Registration, Reminder, StaffRole, Survey, User
from app.needs import NEED_KINDS, needs_summary
from app.timefmt import to_local


@dataclass(frozen=True)
class Todo:
    text: str
    url: str


@dataclass(frozen=True)
class Glance:
    days_to_go: int  # negative once the gathering is over
    over_time: list[tuple[str, int, int]]  # (day, new, running total)
    chart: str  # data: URI of the SVG
    needs: list[tuple[str, int]]
    with_needs: int
    todo: list[Todo]


def days_to_go(gathering: Gathering, *, now: datetime) -> int:
    zone = gathering.timezone
    return (to_local(gathering.starts_at, zone).date() - to_local(now, zone).date()).days


def registrations_over_time(gathering: Gathering) -> list[tuple[str, int, int]]:
    """New registrations (everyone who registered, whatever happened since) per day."""
    import pandas as pd

    columns = (Registration.created_at,)
    rows = frame(select(*columns).where(Registration.gathering_id == gathering.id), columns)
    if not len(rows):
        return []
    moments = pd.to_datetime(rows["created_at"], utc=True)
    counts = moments.dt.tz_convert(gathering.timezone).dt.date.value_counts().sort_index()
    total = 0
    result = []
    for day, new in counts.items():
        total += int(new)
        result.append((f"{day:%-d %b}", int(new), total))
    return result


def _over_time_and_chart(gathering: Gathering) -> tuple[list[tuple[str, int, int]], str]:
    over_time = registrations_over_time(gathering)
    chart = _chart(
        tuple(day for day, _, _ in over_time) or ("—",),
        tuple(total for _, _, total in over_time) or (0,),
    )
    return over_time, chart


@lru_cache(maxsize=16)
def _chart(days: tuple[str, ...], totals: tuple[int, ...]) -> str:
    """Drawn again only when the numbers change (a check-in changes the facts, not these)."""
    from app.documents.charts import cumulative_line, data_uri

    return data_uri(cumulative_line(days, totals, "Registrations over time (running total)"))


def _needs(gathering: Gathering) -> dict[str, int]:
    answers = db.session.scalars(
        select(Registration.accessibility_needs).where(
            Registration.gathering_id == gathering.id,
            Registration.status != RegistrationStatus.CANCELLED,
            func.length(func.trim(Registration.accessibility_needs)) > 0,
        )
    ).all()
    return needs_summary(list(answers))


def to_do(gathering: Gathering, *, now: datetime) -> list[Todo]:
    slug = gathering.slug
    todo = []
    staffed = set(
        db.session.scalars(
            select(BreakoutStaff.agenda_item_id)
            .join(User, User.id == BreakoutStaff.user_id)
            .where(
                BreakoutStaff.role == StaffRole.FACILITATOR,
                User.role == UserRole.FACILITATOR,
                BreakoutStaff.agenda_item_id.in_([room.id for room in gathering.breakouts]),
            )
        )
    )
    for room in gathering.breakouts:
        if room.id not in staffed:
            todo.append(
                Todo(
                    f"“{room.title}” has no facilitator",
                    url_for("breakouts.manage_room", slug=slug, item_id=room.id),
                )
            )
    survey = db.session.scalar(select(Survey).where(Survey.gathering_id == gathering.id))
    if survey is None or (survey.status == "draft" and survey.opens_at is None):
        todo.append(Todo("The survey is not ready", url_for("evaluation.overview", slug=slug)))
    if now < gathering.starts_at:
        pending = db.session.scalars(
            select(Reminder).where(Reminder.gathering_id == gathering.id)
        ).all()
        if not pending:
            todo.append(
                Todo("No reminders are scheduled", url_for("messages.reminders", slug=slug))
            )
    waiting = accommodations.to_do_count(gathering, now=now)
    if waiting:
        todo.append(
            Todo(
                f"{waiting} accommodation request{'s are' if waiting != 1 else ' is'} "
                "not arranged yet",
                url_for("accommodations.index", slug=slug),
            )
        )
    return todo


def glance(gathering: Gathering, facts: GatheringFacts, *, now: datetime) -> Glance:
    """The registrations over time and the needs come from the registrations `facts`
    read, so they are kept with them (GatheringFacts.remember)."""
    over_time, chart = facts.remember(
        "over_time", lambda: _over_time_and_chart(gathering), attendance=False
    )
    summary = facts.remember("needs", lambda: _needs(gathering), attendance=False)
    return Glance(
        days_to_go=days_to_go(gathering, now=now),
        over_time=over_time,
        chart=chart,
        needs=[(label, summary[kind]) for kind, label in NEED_KINDS.items()],
        with_needs=summary["any"],
        todo=to_do(gathering, now=now),
    )
