"""The demo's accommodations: the 2022 gathering's needs followed through, with requests
left in every state (requested, arranged, confirmed, delivered, evaluated); the upcoming
gathering's needs as requests, some not yet arranged (the dashboard's to-do lists them);
and a little accessibility feedback."""

from datetime import datetime, timedelta

from sqlalchemy import select

from app.accommodations import feedback, services
from app.extensions import db
from app.models import Gathering
from app.models.accommodations import AccessibilityFeedback, AccommodationOutcome

ARRANGEMENTS = {
    "captions": (
        "Live captions (CART) in the main room and every breakout",
        "through a CART provider",
    ),
    "asl": ("Two ASL interpreters for the whole morning, pinned on screen", "through WAVCO"),
    "plain_language": ("Slides in plain language sent a week before", "the CoP coordinator"),
    "other": ("Talked with the person; arranged what they asked for", "the CoP coordinator"),
}
OUTCOMES = [
    AccommodationOutcome.WORKED,
    AccommodationOutcome.WORKED,
    AccommodationOutcome.PARTLY,
    AccommodationOutcome.WORKED,
]


def seed_demo_accommodations(past: Gathering, upcoming: Gathering, *, now: datetime) -> int:
    """Only new requests are moved along, so running the seed again changes nothing."""
    added = _follow_through(past, states=5, day=past.starts_at)
    added += _follow_through(upcoming, states=2, day=now)
    if db.session.scalar(select(AccessibilityFeedback.id)) is None:
        _feedback(now)
    return added


def _follow_through(gathering: Gathering, *, states: int, day: datetime) -> int:
    before = {row.id for row in services.requests_of(gathering)}
    added = services.bring_in_needs(gathering)
    db.session.flush()
    fresh = [row for row in services.requests_of(gathering) if row.id not in before]
    fresh.sort(key=lambda row: row.id)
    for index, row in enumerate(fresh):
        # Spread the requests over the states: index 0 stays requested, and so on.
        reach = min(index % (states + 1), states - 1) if states < 5 else index % 5
        if reach >= 1:
            what, by_whom = ARRANGEMENTS.get(row.kind, ARRANGEMENTS["other"])
            services.arrange(
                row, what=what, by_whom=by_whom, owner=None, now=day - timedelta(days=10)
            )
        if reach >= 2:
            services.confirm(row, email=False, now=day - timedelta(days=7))
        if reach >= 3:
            services.mark_delivered(row, now=day)
        if reach >= 4:
            services.record_outcomes(
                row.registration,
                {row.id: OUTCOMES[index % len(OUTCOMES)].value},
                comment="",
                now=day + timedelta(days=2),
            )
    return added


def _feedback(now: datetime) -> None:
    entries = [
        (
            "The registration page's error message was not read out by my screen reader.",
            "Registration form",
            "answered",
            "Thank you: errors are now announced and linked from a summary at the top.",
        ),
        (
            "The PDF report had no headings I could jump between.",
            "Summary report 2022",
            "closed",
            "The report is now a tagged PDF with headings, and offered as a web page.",
        ),
        (
            "The Zoom link in the reminder was hard to find on my phone.",
            "Reminder email",
            "new",
            "",
        ),
    ]
    for index, (barrier, page, status, answer) in enumerate(entries):
        row = feedback.submit(
            barrier=barrier,
            page=page,
            name="",
            contact="",
            now=now - timedelta(days=30 - index * 7),
        )
        if status != "new":
            feedback.respond(row, action="answer", answer=answer, now=now - timedelta(days=20))
        if status == "closed":
            feedback.respond(row, action="close", answer=answer, now=now - timedelta(days=15))
