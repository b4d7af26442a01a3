"""A gathering's life: draft, published, registration open and closed, held, archived.

What the dates say is derived (registration window, held once it has ended); what an
organiser decides is stored (published_at, archived_at, the published report). Starting
the next gathering copies this one's shape, never its people."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, null, select

from app.choices import Choice
from app.extensions import db
from app.models import (
    AgendaItem,
    EmailTemplate,
    Gathering,
    PublishedReport,
    ReportRun,
    ReportStatus,
    RepresentationTarget,
    Survey,
    SurveyQuestion,
    SurveyQuestionSet,
    User,
)
from app.models.evaluation import SurveyStatus
from app.reporting.context import SHAREABLE
from app.writer_lock import serialise_writes


class GatheringState(Choice):
    DRAFT = "draft", "Draft: only staff can see it"
    PUBLISHED = "published", "Published: registration not open yet"
    REGISTRATION_OPEN = "registration_open", "Registration open"
    REGISTRATION_CLOSED = "registration_closed", "Registration closed"
    HELD = "held", "Held"
    ARCHIVED = "archived", "Archived"


class LifeRefused(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# published_at has a default (gatherings made by code are public); null() stores NULL
# where None would let the ORM fill in that default.
DRAFT = null()


def state_of(gathering: Gathering, *, now: datetime) -> GatheringState:
    if gathering.archived_at is not None:
        return GatheringState.ARCHIVED
    if gathering.published_at is None:
        return GatheringState.DRAFT
    if now >= gathering.ends_at:
        return GatheringState.HELD
    return {
        "not_open": GatheringState.PUBLISHED,
        "open": GatheringState.REGISTRATION_OPEN,
    }.get(gathering.registration_state(now), GatheringState.REGISTRATION_CLOSED)


# --- what an organiser decides ---------------------------------------------------------


def publish(gathering: Gathering, *, now: datetime) -> None:
    serialise_writes()
    if gathering.archived_at is not None:
        raise LifeRefused("Bring the gathering back from the archive first.")
    gathering.published_at = gathering.published_at or now


def unpublish(gathering: Gathering, *, now: datetime) -> None:
    """Back to draft: the public page, registration form and feed answer 404 again."""
    serialise_writes()
    if gathering.ends_at <= now and gathering.published_at is not None:
        raise LifeRefused("A gathering that has been held stays published; archive it instead.")
    gathering.published_at = None


def archive(gathering: Gathering, *, now: datetime) -> None:
    serialise_writes()
    if now < gathering.ends_at:
        raise LifeRefused("Only a gathering that has been held can be archived.")
    gathering.archived_at = gathering.archived_at or now


def unarchive(gathering: Gathering) -> None:
    serialise_writes()
    gathering.archived_at = None


def open_registration(gathering: Gathering, *, now: datetime) -> None:
    serialise_writes()
    if now >= gathering.ends_at:
        raise LifeRefused("This gathering has ended; registration cannot open again.")
    if gathering.registration_opens_at is None or gathering.registration_opens_at > now:
        gathering.registration_opens_at = now
    if gathering.registration_closes_at is not None and gathering.registration_closes_at <= now:
        gathering.registration_closes_at = None


def close_registration(gathering: Gathering, *, now: datetime) -> None:
    serialise_writes()
    if gathering.registration_closes_at is None or gathering.registration_closes_at > now:
        gathering.registration_closes_at = now


# --- published reports -------------------------------------------------------------


def shareable_runs(gathering: Gathering) -> list[ReportRun]:
    """Finished shareable runs, newest first: the only ones that may be made public."""
    return list(
        db.session.scalars(
            select(ReportRun)
            .where(
                ReportRun.gathering_id == gathering.id,
                ReportRun.variant == SHAREABLE,
                ReportRun.status == ReportStatus.DONE,
            )
            .order_by(ReportRun.created_at.desc(), ReportRun.id.desc())
        )
    )


def published_report(gathering: Gathering) -> PublishedReport | None:
    return db.session.scalar(
        select(PublishedReport).where(PublishedReport.gathering_id == gathering.id)
    )


def publish_report(
    gathering: Gathering,
    run_id: int,
    *,
    by: User | None,
    now: datetime,
    missing: list[str] | tuple[str, ...] = (),
    override_reason: str = "",
):
    """Make a finished shareable report public. `missing`: the report's pre-flight items
    not done (app.report_review.readiness); then only with a reason, which is recorded
    with what was missing."""
    reason = " ".join((override_reason or "").split())
    if missing and not reason:
        raise LifeRefused(
            "The report is not ready: " + "; ".join(missing).lower() + ". Finish the list, "
            "or say why it is published anyway.",
            "override_reason",
        )
    run = db.session.get(ReportRun, run_id)
    if (
        run is None
        or run.gathering_id != gathering.id
        or run.variant != SHAREABLE
        or run.status != ReportStatus.DONE
    ):
        raise LifeRefused("Choose a finished shareable report of this gathering.", "run_id")
    current = published_report(gathering)
    if current is None:
        current = PublishedReport(gathering_id=gathering.id)
        db.session.add(current)
    current.report_run_id = run.id
    current.published_by_id = by.id if by else None
    current.published_at = now
    current.override_reason = reason if missing else ""
    current.override_missing = list(missing) if missing else None
    return current


def withdraw_report(gathering: Gathering) -> None:
    current = published_report(gathering)
    if current is not None:
        db.session.delete(current)


# --- lists -------------------------------------------------------------------------


@dataclass(frozen=True)
class PastGathering:
    slug: str
    title: str
    description: str
    starts_at: datetime
    timezone: str
    has_report: bool


def upcoming_public(*, now: datetime) -> list[Gathering]:
    return list(
        db.session.scalars(
            select(Gathering)
            .where(
                Gathering.ends_at > now,
                Gathering.published_at.is_not(None),
                Gathering.archived_at.is_(None),
            )
            .order_by(Gathering.starts_at)
        )
    )


def past_public(*, now: datetime) -> list[PastGathering]:
    """Every published gathering that has been held, archived ones too: the archive
    tidies organisers' lists, it does not take a report away from participants."""
    rows = db.session.execute(
        select(Gathering, PublishedReport.id)
        .outerjoin(PublishedReport, PublishedReport.gathering_id == Gathering.id)
        .where(Gathering.ends_at <= now, Gathering.published_at.is_not(None))
        .order_by(Gathering.starts_at.desc())
    ).all()
    return [
        PastGathering(
            slug=g.slug,
            title=g.title,
            description=g.description,
            starts_at=g.starts_at,
            timezone=g.timezone,
            has_report=report_id is not None,
        )
        for g, report_id in rows
    ]


def archived_gatherings() -> list[Gathering]:
    return list(
        db.session.scalars(
            select(Gathering)
            .where(Gathering.archived_at.is_not(None))
            .order_by(Gathering.starts_at.desc())
        )
    )


# --- the next gathering ------------------------------------------------------------


def _mover(zone: ZoneInfo, days: int):
    """Move an instant by whole days of local wall-clock time, so 9:00 stays 9:00 across
    a daylight-saving change."""

    def move(moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        local = moment.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
        return local.replace(tzinfo=zone).astimezone(UTC)

    return move


GATHERING_FIELDS_COPIED = (
    "description",
    "timezone",
    "meeting_url",
    "capacity",
    "waitlist_enabled",
    "land_acknowledgement",
    "contact_name",
    "contact_title",
    "contact_email",
    "contact_phone",
    "contact_address",
    "attendance_threshold_minutes",
    "community_id",
)
AGENDA_FIELDS_COPIED = (
    "kind",
    "title",
    "description",
    "presenter",
    "priority_area",
    "engagement_level",
    "room_url",
    "capacity",
)
QUESTION_SET_FIELDS_COPIED = ("code", "title", "source", "licence", "builtin")
QUESTION_FIELDS_COPIED = (
    "key",
    "position",
    "kind",
    "prompt",
    "help_text",
    "options_json",
    "required",
    "allow_not_applicable",
)


def _same_title(title: str) -> bool:
    folded = " ".join(title.split()).casefold()
    return any(
        " ".join(other.split()).casefold() == folded
        for other in db.session.scalars(select(Gathering.title))
    )


def suggested_title(source: Gathering) -> str:
    """The source's title with its year moved on (until it is free), or nothing: the
    organiser then names it, since two gatherings with one title confuse every list."""
    found = re.search(r"(19|20)\d\d", source.title)
    if found is None:
        return ""
    year = int(found.group(0))
    for step in range(1, 6):
        title = source.title[: found.start()] + str(year + step) + source.title[found.end() :]
        if not _same_title(title):
            return title
    return ""


def suggested_date(source: Gathering, *, now: datetime) -> date:
    """The same weekday about a year on, and in any case after today."""
    zone = ZoneInfo(source.timezone)
    day = source.starts_at.astimezone(zone).date() + timedelta(days=364)
    today = now.astimezone(zone).date()
    while day <= today:
        day += timedelta(days=364)
    return day


@dataclass(frozen=True)
class Copied:
    """What a new gathering took from the one it started from (the page says so)."""

    agenda_items: int
    breakouts: int
    survey_questions: int
    wordings: int
    targets: int

    def sentence(self) -> str:
        def n(count: int, one: str, many: str) -> str:
            return f"{count} {one if count == 1 else many}"

        return (
            f"Copied: {n(self.agenda_items, 'agenda item', 'agenda items')} "
            f"({n(self.breakouts, 'breakout room', 'breakout rooms')}), "
            f"{n(self.survey_questions, 'survey question', 'survey questions')}, "
            f"{n(self.wordings, 'email wording', 'email wordings')}, "
            f"{n(self.targets, 'representation target', 'representation targets')}, "
            "and the description, land acknowledgement and contact details. Not copied: "
            "registrations, attendance, facilitators, notes and survey answers."
        )


def copied(gathering: Gathering) -> Copied:
    survey = db.session.scalar(select(Survey).where(Survey.gathering_id == gathering.id))
    return Copied(
        agenda_items=len(gathering.active_agenda),
        breakouts=len(gathering.breakouts),
        survey_questions=len(survey.questions) if survey is not None else 0,
        wordings=db.session.scalar(
            select(func.count(EmailTemplate.id)).where(EmailTemplate.gathering_id == gathering.id)
        ),
        targets=db.session.scalar(
            select(func.count(RepresentationTarget.id)).where(
                RepresentationTarget.gathering_id == gathering.id
            )
        ),
    )


def start_next(
    source: Gathering, *, title: str, slug: str, starts_on: date, now: datetime
) -> Gathering:
    """A draft copy of `source` on a new date, under a new title: its agenda shape with
    the breakouts, its survey questions, its email wording and its representation
    targets; no registrations, staff, notes, attendance or responses."""
    if _same_title(title):
        raise LifeRefused(
            "Another gathering already has this title. Give the new one its own, e.g. "
            "with its year, so the lists and reports tell them apart.",
            "title",
        )
    zone = ZoneInfo(source.timezone)
    if starts_on <= now.astimezone(zone).date():
        raise LifeRefused("Choose a date after today for the next gathering.", "starts_on")
    if db.session.scalar(select(func.count(Gathering.id)).where(Gathering.slug == slug)):
        raise LifeRefused("Another gathering already uses this web address name.", "slug")
    days = (starts_on - source.starts_at.astimezone(zone).date()).days
    move = _mover(zone, days)
    gathering = Gathering(
        title=title,
        slug=slug,
        starts_at=move(source.starts_at),
        ends_at=move(source.ends_at),
        registration_opens_at=move(source.registration_opens_at),
        registration_closes_at=move(source.registration_closes_at),
        published_at=DRAFT,
        calendar_sequence=0,
        **{name: getattr(source, name) for name in GATHERING_FIELDS_COPIED},
    )
    db.session.add(gathering)
    for item in source.active_agenda:
        db.session.add(
            AgendaItem(
                gathering=gathering,
                starts_at=move(item.starts_at),
                ends_at=move(item.ends_at),
                **{name: getattr(item, name) for name in AGENDA_FIELDS_COPIED},
            )
        )
    survey = db.session.scalar(select(Survey).where(Survey.gathering_id == source.id))
    if survey is not None:
        copy = Survey(
            gathering=gathering,
            title=survey.title.replace(source.title, title),
            intro=survey.intro,
            status=SurveyStatus.DRAFT.value,
            opens_at=move(survey.opens_at),
            closes_at=move(survey.closes_at),
        )
        db.session.add(copy)
        sets = {}
        for question_set in survey.question_sets:
            sets[question_set.id] = SurveyQuestionSet(
                **{name: getattr(question_set, name) for name in QUESTION_SET_FIELDS_COPIED}
            )
            copy.question_sets.append(sets[question_set.id])
        for question in survey.questions:
            copied = SurveyQuestion(
                **{name: getattr(question, name) for name in QUESTION_FIELDS_COPIED}
            )
            copied.question_set = sets.get(question.question_set_id)
            copy.questions.append(copied)
    db.session.flush()
    for template in db.session.scalars(
        select(EmailTemplate).where(EmailTemplate.gathering_id == source.id)
    ):
        db.session.add(
            EmailTemplate(
                gathering_id=gathering.id,
                kind=template.kind,
                subject=template.subject.replace(source.title, title),
                body=template.body,
            )
        )
    for target in db.session.scalars(
        select(RepresentationTarget).where(RepresentationTarget.gathering_id == source.id)
    ):
        db.session.add(
            RepresentationTarget(
                gathering_id=gathering.id,
                dimension=target.dimension,
                code=target.code,
                kind=target.kind,
                value=target.value,
            )
        )
    db.session.flush()
    return gathering
