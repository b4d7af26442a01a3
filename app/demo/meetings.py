"""The demo's invitation lists and Zoom reports: for 2022, the list the steering committee
invited from (most who registered were on it; some invitees never came; two asked not to
be invited again), the opening and closing polls of the plenary and a few Q&A questions;
for the upcoming gathering, a list invited a week ago with its first registrations in."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from app.choices import AgendaKind, RegistrationStatus
from app.extensions import db
from app.invitations import services as invitations
from app.meetings import services, zoom_reports
from app.models import Gathering, Invitee, PollResult, Registration
from app.outbound.tokens import hash_token, new_token

OPENING_POLL = [
    (
        "Which priority area matters most to your work this year?",
        [
            ("Cultural safety and Indigenous-led care", 31),
            ("Care closer to home, rural and remote", 24),
            ("Data and measurement", 12),
            ("Transitions after birth", 17),
            ("Patient and family voice", 14),
        ],
    ),
    (
        "How did you hear about today's gathering? (choose all that apply)",
        [
            ("Invitation from the steering committee", 71),
            ("My Division or health authority", 38),
            ("A colleague", 22),
            ("Social media", 3),
        ],
    ),
]
CLOSING_POLL = [
    (
        "Will you use something from today in your work in the next month?",
        [("Yes", 64), ("Not sure yet", 21), ("No", 4)],
    ),
]
FIRST = ["Avery", "Hana", "Mateo", "Leila", "Tomas", "Wren", "Ines", "Darius", "Mei", "Rowan"]
LAST = ["Okafor", "Lindqvist", "Thunderchild", "Moreau", "Nakamura", "Whitehorse", "Patel"]
NOT_REGISTERED = [
    ("Northern Health", "health_authority", "northern"),
    ("Interior Health", "health_authority", "interior"),
    ("Kootenay Boundary Division of Family Practice", "division", "interior"),
    ("Central Island Division of Family Practice", "division", "island"),
    ("First Nations Health Authority", "fnha", "provincial"),
    ("Pacific Post Partum Support Society", "community", "vch"),
    ("Patient Voices Network", "patient_partner", "fraser"),
]
QUESTIONS = [
    (
        "Will the slides and the recording of the plenary be shared?",
        "Yes: the slides go out with the summary; the ceremony was not recorded.",
        True,
    ),
    (
        "How can rural sites without a data analyst take part in the measurement work?",
        "Through the regional leads; Perinatal Services BC will offer office hours.",
        True,
    ),
    (
        "Is there recognition for patient partners' time in the working groups?",
        "Yes, following the community's honorarium schedule.",
        True,
    ),
    ("Can we get the chat saved?", "", False),
]


def seed_demo_meetings(past: Gathering, upcoming: Gathering, *, now: datetime) -> int:
    """Only what is missing is added, so running the seed again changes nothing."""
    added = 0
    if not _has_list(past):
        added += _invitation_list(
            past,
            invited_at=past.starts_at - timedelta(days=56),
            reminded_at=past.starts_at - timedelta(days=21),
            seed="2022",
        )
    if not _has_list(upcoming):
        added += _invitation_list(
            upcoming, invited_at=now - timedelta(days=7), reminded_at=None, seed="upcoming"
        )
    if db.session.scalar(select(PollResult.id).where(PollResult.gathering_id == past.id)) is None:
        plenaries = [item for item in past.active_agenda if item.kind == AgendaKind.PLENARY]
        opening, closing = plenaries[0], plenaries[-1]
        services.save_polls(past, opening, _questions("Opening poll", OPENING_POLL))
        services.save_polls(past, closing, _questions("Closing poll", CLOSING_POLL))
        services.save_qa(past, opening, [zoom_reports.QaItem(q, a) for q, a, _ in QUESTIONS])
        db.session.flush()
        services.include_qa(
            past,
            {
                q.id
                for q, (_, _, keep) in zip(services.qa_questions(past), QUESTIONS, strict=True)
                if keep
            },
        )
    return added


def _has_list(gathering: Gathering) -> bool:
    return (
        db.session.scalar(select(Invitee.id).where(Invitee.gathering_id == gathering.id))
        is not None
    )


def _questions(poll: str, questions) -> list[zoom_reports.PollQuestion]:
    result = []
    for question, answers in questions:
        entry = zoom_reports.PollQuestion(poll, question)
        for answer, count in answers:
            entry.order.append(answer)
            entry.answers[answer] = count
        single = not question.endswith("(choose all that apply)")
        entry.respondents = sum(c for _, c in answers) if single else 96
        result.append(entry)
    return result


def _invitation_list(
    gathering: Gathering, *, invited_at: datetime, reminded_at: datetime | None, seed: str
) -> int:
    """Four in five of those who registered were invited; a quarter as many again were
    invited and never registered."""
    rng = random.Random(f"invitations-{seed}")
    registered = db.session.scalars(
        select(Registration)
        .where(
            Registration.gathering_id == gathering.id,
            Registration.status != RegistrationStatus.CANCELLED.value,
        )
        .order_by(Registration.id)
    ).all()
    rows = [
        {
            "name": r.name,
            "email": r.email,
            "organisation_name": r.organisation_name,
            "organisation_type": r.organisation_type,
            "health_region": r.health_region,
            "registered": True,
        }
        for r in registered
        if rng.random() < 0.8
    ]
    for index in range(max(6, len(rows) // 4)):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        organisation, kind, region = rng.choice(NOT_REGISTERED)
        rows.append(
            {
                "name": f"{first} {last}",
                "email": f"{first}.{last}.{index}@{organisation.split()[0].lower()}.example",
                "organisation_name": organisation,
                "organisation_type": kind,
                "health_region": region,
                "registered": False,
            }
        )
    for number, row in enumerate(rows):
        registered_already = row.pop("registered")
        invitee = Invitee(
            gathering_id=gathering.id,
            token_hash=hash_token(new_token()),
            invited_at=invited_at,
            created_at=invited_at - timedelta(days=2),
            **row,
        )
        if reminded_at is not None and not registered_already:
            invitee.reminded_at = reminded_at
        db.session.add(invitee)
        if not registered_already and number % 9 == 0:
            db.session.flush()
            invitations.opt_out(invitee, now=invited_at + timedelta(days=3))
    return len(rows)
