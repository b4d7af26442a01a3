"""Retention: a gathering's personal data is erased a set number of months after it ends.

The period is the community's (`Community.retention_months`, 24 months unless an
organiser changes it; a gathering outside any community keeps the default). Erasure goes
through the one path an organiser's erasure uses (`organiser.people.erase`) for every
registration, then asks each feature, through its own service function, to clear what
it holds about the gathering's people: walk-ins and uploaded attendance files with their
review rows (attendance), contributors' details, unconsented quotes (breakouts), what was
written about accommodations and who sent feedback, the value follow-up's links and
unconsented stories, "You said, we did" subscriptions, survey links and edit keys
(evaluation), the invitation list; copies of emails and private links are cleared here.
Privacy calls the features; none of them imports privacy. What the report counts stays
(status, role, organisation type, region, Indigenous identity codes, rooms, minutes,
survey answers, which never name anyone), so a report made again afterwards shows the
same numbers. Each erasure writes one line of the erasure log, with counts only."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from app.accommodations import feedback as accessibility_feedback
from app.accommodations.services import erase_arrangements
from app.attendance import records as attendance_records
from app.attendance import review as attendance_review
from app.breakouts.note_taking import drop_unconsented_quotes
from app.contributors.services import erase_contributors
from app.evaluation.answers import erase_edit_keys
from app.evaluation.links import erase_links
from app.extensions import db
from app.invitations.services import erase_list
from app.jobs import every_sweep
from app.models import (
    DEFAULT_RETENTION_MONTHS,
    AccessLogEntry,
    Community,
    ErasureLogEntry,
    ErasureReason,
    ErasureRequests,
    Gathering,
    ManageToken,
    OutboundEmail,
    Registration,
)
from app.organiser.people import erase, erase_registrations
from app.privacy_records.erasure_log import ERASED_TEXT, log_erasure
from app.privacy_records.periods import add_months, erase_on, retention_for
from app.said_did.services import forget_subscribers
from app.value.services import erase_follow_ups


@dataclass(frozen=True)
class PlannedErasure:
    """One line of the dry run: what the sweep will erase for a gathering, and when."""

    gathering_id: int
    slug: str
    title: str
    ends_at: datetime
    months: int
    erase_on: datetime
    due: bool
    people: int
    walk_ins: int
    emails: int
    uploads: int


def _gathering_registrations(gathering_id: int):
    return select(Registration.id).where(Registration.gathering_id == gathering_id)


def _plan_one(gathering: Gathering, now: datetime) -> PlannedErasure:
    people = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.gathering_id == gathering.id, Registration.erased_at.is_(None)
        )
    )
    emails = db.session.scalar(
        select(func.count(OutboundEmail.id)).where(
            OutboundEmail.registration_id.in_(_gathering_registrations(gathering.id)),
            OutboundEmail.subject != ERASED_TEXT,
        )
    )
    when = erase_on(gathering)
    return PlannedErasure(
        gathering_id=gathering.id,
        slug=gathering.slug,
        title=gathering.title,
        ends_at=gathering.ends_at,
        months=retention_for(gathering).months,
        erase_on=when,
        due=when <= now,
        people=int(people or 0),
        walk_ins=attendance_records.walk_ins_held(gathering.id),
        emails=int(emails or 0),
        uploads=attendance_review.uploads_held(gathering.id),
    )


def _not_yet_erased() -> list[Gathering]:
    return list(
        db.session.scalars(
            select(Gathering)
            .options(selectinload(Gathering.community))
            .where(Gathering.personal_data_erased_at.is_(None))
            .order_by(Gathering.ends_at, Gathering.id)
        )
    )


def dry_run(*, now: datetime) -> list[PlannedErasure]:
    """Every gathering whose personal data is still held: when it will be erased and how
    much; nothing is changed."""
    return [_plan_one(gathering, now) for gathering in _not_yet_erased()]


def erase_gathering(
    gathering: Gathering, *, now: datetime, actor_id: int | None = None
) -> ErasureLogEntry:
    """Erase every piece of personal data the gathering holds; the counts stay."""
    people = erase_registrations(
        gathering.id,
        list(
            db.session.scalars(
                select(Registration.id)
                .where(Registration.gathering_id == gathering.id, Registration.erased_at.is_(None))
                .order_by(Registration.id)
            )
        ),
        actor_id=actor_id,
        now=now,
        keep_identity_codes=True,
    )
    registration_ids = _gathering_registrations(gathering.id)
    walk_ins = attendance_records.erase_walk_ins(gathering.id)
    contributors = erase_contributors(gathering.id)
    quotes = drop_unconsented_quotes(gathering.id)
    invitees = erase_list(gathering)
    erase_arrangements(gathering.id)
    accessibility_feedback.forget_contacts(gathering.id)
    erase_follow_ups(gathering.id)
    forget_subscribers(gathering.id)
    emails = db.session.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.registration_id.in_(registration_ids),
            OutboundEmail.subject != ERASED_TEXT,
        )
        .values(
            subject=ERASED_TEXT,
            reply_to="",
            text_body=ERASED_TEXT,
            html_body=f"<p>{ERASED_TEXT}</p>",
            attachments_json="[]",
            render_args=None,
            last_error="",
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    uploads, review_rows = attendance_review.erase_uploads(gathering.id)
    survey_links = erase_links(gathering.id)
    survey_edit_keys = erase_edit_keys(gathering.id)
    db.session.execute(
        delete(ManageToken)
        .where(ManageToken.registration_id.in_(registration_ids))
        .execution_options(synchronize_session=False)
    )
    gathering.personal_data_erased_at = now
    entry = ErasureLogEntry(
        gathering_id=gathering.id,
        reason=ErasureReason.RETENTION.value,
        people=people,
        counts={
            "registrations": people,
            "walk_ins": walk_ins,
            "contributors": contributors,
            "unconsented_quotes": quotes,
            "invitees": invitees,
            "emails": int(emails or 0),
            "uploads": uploads,
            "review_rows": review_rows,
            "survey_links": survey_links,
            "survey_edit_keys": survey_edit_keys,
        },
        actor_id=actor_id,
        created_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _requests_due(now: datetime) -> list[Registration]:
    """Requests carried out without an organiser: the gathering's community says so and
    the gathering is over."""
    return list(
        db.session.scalars(
            select(Registration)
            .join(Gathering, Gathering.id == Registration.gathering_id)
            .join(Community, Community.id == Gathering.community_id)
            .where(
                Registration.erasure_requested_at.is_not(None),
                Registration.erased_at.is_(None),
                Gathering.ends_at <= now,
                Community.erasure_requests == ErasureRequests.AFTER_GATHERING.value,
            )
            .order_by(Registration.id)
        )
    )


def pending_requests() -> list[Registration]:
    """Participants' requests to be erased that wait for an organiser, oldest first."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.erasure_requested_at.is_not(None), Registration.erased_at.is_(None))
            .order_by(Registration.erasure_requested_at, Registration.id)
        )
    )


def communities() -> list[Community]:
    """Every community with its retention settings, by name."""
    return list(db.session.scalars(select(Community).order_by(Community.name)))


def erase_requested(registration: Registration, *, actor_id: int | None, now: datetime) -> None:
    erase(registration, actor_id=actor_id, now=now)
    log_erasure(registration.gathering_id, ErasureReason.REQUEST, actor_id=actor_id, now=now)
    db.session.flush()


def trim_access_log(*, now: datetime) -> int:
    """Access log lines are kept as long as the personal data they are about: the
    retention period of their gathering's community, counted from when they were written."""
    removed = 0
    periods = {None: DEFAULT_RETENTION_MONTHS}
    periods |= dict(db.session.execute(select(Community.id, Community.retention_months)).all())
    for community_id, months in periods.items():
        cutoff = add_months(now, -months)
        gathering_ids = select(Gathering.id).where(
            Gathering.community_id.is_(None)
            if community_id is None
            else Gathering.community_id == community_id
        )
        condition = AccessLogEntry.gathering_id.in_(gathering_ids)
        if community_id is None:
            condition = condition | AccessLogEntry.gathering_id.is_(None)
        removed += (
            db.session.execute(
                delete(AccessLogEntry)
                .where(condition, AccessLogEntry.created_at < cutoff)
                .execution_options(synchronize_session=False)
            ).rowcount
            or 0
        )
    return removed


@every_sweep
def sweep_retention(*, now: datetime) -> int:
    """The periodic part: gatherings past their period, participants' requests that need
    no organiser, and old access log lines. Each gathering commits on its own, so one
    failure leaves the others done. Returns the people erased."""
    erased = 0
    for gathering in _not_yet_erased():
        if erase_on(gathering) > now:
            continue
        erased += erase_gathering(gathering, now=now).people
        db.session.commit()
    for registration in _requests_due(now):
        erase_requested(registration, actor_id=None, now=now)
        db.session.commit()
        erased += 1
    if trim_access_log(now=now) + accessibility_feedback.forget_old_contacts(now):
        db.session.commit()
    return erased
