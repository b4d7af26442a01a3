"""What the meeting bridge reads and keeps: the breakout sessions of a gathering, grouped
the way Zoom holds them (one pre-assignment per meeting and session), who is in each
room, and the results of Zoom's poll and Q&A reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from sqlalchemy import delete, select

from app import timefmt
from app.choices import RegistrationStatus
from app.extensions import db
from app.meetings import zoom, zoom_reports
from app.models import AgendaItem, Gathering, PollResult, QaQuestion, Registration


@dataclass(frozen=True)
class Session:
    """Breakout rooms that open at the same time in the same meeting."""

    number: int
    meeting: str
    starts_at: datetime
    rooms: list[AgendaItem]

    def label(self, zone: str) -> str:
        when = timefmt.time_range(self.starts_at, self.rooms[0].ends_at, zone)
        return f"{timefmt.long_date(self.starts_at, zone)}, {when}"


def sessions(gathering: Gathering) -> list[Session]:
    """The gathering's breakout sessions in agenda order, numbered from 1. A room with
    its own join link is a meeting of its own; the others open in the gathering's."""

    def key(room: AgendaItem) -> tuple[datetime, str]:
        return (room.starts_at, room.room_url or gathering.meeting_url)

    rooms = sorted(gathering.breakouts, key=lambda room: (*key(room), room.id))
    grouped = groupby(rooms, key=key)
    return [
        Session(number, meeting, starts_at, list(members))
        for number, ((starts_at, meeting), members) in enumerate(grouped, start=1)
    ]


def session_or_none(gathering: Gathering, number: int) -> Session | None:
    return next((s for s in sessions(gathering) if s.number == number), None)


def room_people(rooms: list[AgendaItem]) -> list[tuple[int, str, str]]:
    """Room, name and address of the confirmed people in these rooms, in registration
    order (who registered first keeps a place in a file that is full). Erased people
    hold no room."""
    ids = [room.id for room in rooms]
    if not ids:
        return []
    rows = db.session.execute(
        select(Registration.assigned_breakout_id, Registration.name, Registration.email)
        .where(
            Registration.assigned_breakout_id.in_(ids),
            Registration.status == RegistrationStatus.CONFIRMED.value,
            Registration.erased_at.is_(None),
        )
        .order_by(Registration.created_at, Registration.id)
    )
    return [tuple(row) for row in rows]


def room_names(rooms: list[AgendaItem]) -> dict[int, str]:
    """Each room's name in the meeting: its title, numbered when two rooms share one
    (Zoom would put both rooms' people in one room)."""
    names: dict[int, str] = {}
    seen: dict[str, int] = {}
    for room in rooms:
        title = " ".join(room.title.split())
        seen[title.casefold()] = seen.get(title.casefold(), 0) + 1
        count = seen[title.casefold()]
        names[room.id] = title if count == 1 else f"{title} ({count})"
    return names


def preassignment(session: Session, *, account_domains: list[str]) -> zoom.Preassignment:
    titles = room_names(session.rooms)
    people = [
        zoom.Person(name=name, email=email, room=titles[room_id])
        for room_id, name, email in room_people(session.rooms)
    ]
    return zoom.build(
        session.meeting, list(titles.values()), people, account_domains=account_domains
    )


# --- Zoom's poll and Q&A reports ---------------------------------------------------------


def save_polls(
    gathering: Gathering, item: AgendaItem, questions: list[zoom_reports.PollQuestion]
) -> int:
    """Replace the item's results for the polls in this report (the same report twice
    counts once); other polls of the item stay."""
    polls = {question.poll for question in questions}
    db.session.execute(
        delete(PollResult).where(
            PollResult.gathering_id == gathering.id,
            PollResult.agenda_item_id == item.id,
            PollResult.poll.in_(polls),
        )
    )
    for q_position, question in enumerate(questions):
        for a_position, answer in enumerate(question.order):
            db.session.add(
                PollResult(
                    gathering_id=gathering.id,
                    agenda_item_id=item.id,
                    poll=question.poll[:300],
                    question=question.question,
                    question_position=q_position,
                    respondents=question.respondents,
                    answer=answer[:1000],
                    answer_position=a_position,
                    count=question.answers[answer],
                )
            )
    return len(questions)


def save_qa(gathering: Gathering, item: AgendaItem, items: list[zoom_reports.QaItem]) -> int:
    """Replace the item's Q&A with this report's questions (none included yet)."""
    db.session.execute(
        delete(QaQuestion).where(
            QaQuestion.gathering_id == gathering.id, QaQuestion.agenda_item_id == item.id
        )
    )
    db.session.add_all(
        QaQuestion(
            gathering_id=gathering.id,
            agenda_item_id=item.id,
            position=position,
            question=entry.question,
            answer=entry.answer,
        )
        for position, entry in enumerate(items)
    )
    return len(items)


def poll_results(gathering: Gathering) -> list[PollResult]:
    return list(
        db.session.scalars(
            select(PollResult)
            .where(PollResult.gathering_id == gathering.id)
            .order_by(
                PollResult.agenda_item_id,
                PollResult.question_position,
                PollResult.answer_position,
            )
        )
    )


def qa_questions(gathering: Gathering) -> list[QaQuestion]:
    return list(
        db.session.scalars(
            select(QaQuestion)
            .where(QaQuestion.gathering_id == gathering.id)
            .order_by(QaQuestion.agenda_item_id, QaQuestion.position)
        )
    )


def include_qa(gathering: Gathering, included_ids: set[int]) -> None:
    for question in qa_questions(gathering):
        question.included = question.id in included_ids


def clear_item_reports(gathering: Gathering, item: AgendaItem) -> None:
    for model in (PollResult, QaQuestion):
        db.session.execute(
            delete(model).where(model.gathering_id == gathering.id, model.agenda_item_id == item.id)
        )
