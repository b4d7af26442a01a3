"""Is the report ready to leave the committee? The pre-flight list the report page shows
and publishing checks: key messages approved, themes reviewed, every breakout's notes
submitted, the survey closed, attendance final. Each item names the page where it is
done (an endpoint of the organiser's pages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.breakouts import note_taking
from app.evaluation import setup
from app.extensions import db
from app.models import Gathering
from app.models.attendance import AttendanceRecord, ImportBatch, ImportStatus
from app.models.breakouts import NoteStatus
from app.models.report_review import ReportTheme, ThemeStatus
from app.report_review.services import key_messages


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    done: bool
    detail: str
    endpoint: str  # where it is done; takes the gathering's slug


def _key_messages(gathering: Gathering) -> Check:
    row = key_messages(gathering)
    done = row is not None and row.approved_at is not None
    detail = (
        "Approved."
        if done
        else "Saved as a draft, not approved."
        if row is not None
        else "Not written yet: the report prints the suggestions."
    )
    return Check(
        "key_messages", "Key messages approved", done, detail, "report_review.key_messages"
    )


def _themes(gathering: Gathering) -> Check:
    counts = dict(
        db.session.execute(
            select(ReportTheme.status, func.count())
            .where(ReportTheme.gathering_id == gathering.id)
            .group_by(ReportTheme.status)
        ).all()
    )
    waiting = counts.get(ThemeStatus.SUGGESTED.value, 0)
    total = sum(counts.values())
    if not total:
        detail, done = "No themes suggested yet.", False
    elif waiting:
        detail, done = f"{waiting} of {total} suggested themes still to decide.", False
    else:
        accepted = counts.get(ThemeStatus.ACCEPTED.value, 0)
        detail, done = f"All {total} decided; {accepted} accepted.", True
    return Check("themes", "Themes reviewed", done, detail, "report_review.themes")


def _notes(gathering: Gathering) -> Check:
    rooms = list(gathering.breakouts)
    submitted = sum(
        1
        for room in rooms
        if (note := note_taking.note_for(room)) is not None
        and note.status == NoteStatus.SUBMITTED.value
    )
    missing = len(rooms) - submitted
    done = missing == 0
    detail = (
        f"All {len(rooms)} submitted." if done else f"{missing} of {len(rooms)} not submitted yet."
    )
    return Check("notes", "Every breakout's notes submitted", done, detail, "breakouts.overview")


def _survey(gathering: Gathering, now: datetime) -> Check:
    survey = setup.survey_for(gathering)
    if survey is None:
        return Check("survey", "Survey closed", False, "No survey yet.", "evaluation.overview")
    closed = survey.state(now) == "closed"
    detail = "Closed." if closed else "Still open: answers may still change the figures."
    return Check("survey", "Survey closed", closed, detail, "evaluation.overview")


def _attendance(gathering: Gathering, now: datetime) -> Check:
    recorded = db.session.scalar(
        select(func.count())
        .select_from(AttendanceRecord)
        .where(AttendanceRecord.gathering_id == gathering.id)
    )
    pending = db.session.scalar(
        select(func.count())
        .select_from(ImportBatch)
        .where(
            ImportBatch.gathering_id == gathering.id,
            ImportBatch.status.in_([ImportStatus.RECEIVED.value, ImportStatus.PENDING.value]),
        )
    )
    if not recorded:
        detail, done = "No attendance recorded yet.", False
    elif pending:
        detail, done = f"{pending} import{'s' if pending != 1 else ''} waiting for review.", False
    elif gathering.ends_at > now:
        detail, done = "The gathering has not ended yet.", False
    else:
        detail, done = "Recorded, no import waiting.", True
    return Check("attendance", "Attendance final", done, detail, "attendance.upload")


def preflight(gathering: Gathering, *, now: datetime) -> list[Check]:
    return [
        _key_messages(gathering),
        _themes(gathering),
        _notes(gathering),
        _survey(gathering, now),
        _attendance(gathering, now),
    ]


def missing(checks: list[Check]) -> list[str]:
    return [check.label for check in checks if not check.done]
