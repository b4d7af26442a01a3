"""Retention: a gathering's personal data is erased a set number of months after it ends.

The period is the community's (`Community.retention_months`, 24 months unless an
organiser changes it; a gathering outside any community keeps the default). Erasure goes
through the one path an organiser's erasure uses (`organiser.people.erase`) for every
registration, then clears what a registration does not hold: walk-ins' names and
addresses, uploaded attendance files and their review rows, copies of emails, survey links
and edit keys. What the report counts stays (status, role, organisation type, region,
Indigenous identity codes, rooms, minutes, survey answers, which never name anyone), so a
report made again afterwards shows the same numbers. Each erasure writes one line of the
erasure log, with counts only."""

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.invitations.services import erase_list
from app.jobs import every_sweep
from app.models import (
    DEFAULT_RETENTION_MONTHS,
    AccessLogEntry,
    AgendaItem,
    AttendanceRecord,
    BreakoutNote,
    Community,
    ErasureLogEntry,
    ErasureReason,
    ErasureRequests,
    Gathering,
    ImportBatch,
    ImportPerson,
    ManageToken,
    OutboundEmail,
    Registration,
    Survey,
    SurveyInvitation,
    SurveyResponse,
)
from app.models.accommodations import AccessibilityFeedback, AccommodationRequest
from app.models.attendance import walk_in_identity
from app.models.contributors import Contributor
from app.models.said_did import SaidDidSubscription
from app.models.value import ValueFollowUp, ValueInvitation, ValueResponse
from app.organiser.people import erase, erase_registrations
from app.outbound.tokens import hash_token, new_token
from app.privacy_records.erasure_log import log_erasure
from app.privacy_records.periods import add_months, erase_on, retention_for

ERASED_TEXT = "(erased)"
ERASED_WALK_IN = "erased"


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


def _walk_in_identities(gathering_id: int) -> list[str]:
    keys = db.session.scalars(
        select(AttendanceRecord.dedupe_key).where(
            AttendanceRecord.gathering_id == gathering_id,
            AttendanceRecord.registration_id.is_(None),
        )
    )
    return sorted({walk_in_identity(key) for key in keys})


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
    uploads = db.session.scalar(
        select(func.count(ImportBatch.id)).where(
            ImportBatch.gathering_id == gathering.id, ImportBatch.filename != ERASED_TEXT
        )
    )
    walk_ins = [w for w in _walk_in_identities(gathering.id) if not w.startswith(ERASED_WALK_IN)]
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
        walk_ins=len(walk_ins),
        emails=int(emails or 0),
        uploads=int(uploads or 0),
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


def _erase_walk_ins(gathering_id: int) -> int:
    """Walk-ins are told apart by their address or folded name inside `dedupe_key`: each
    becomes "erased:<n>" (one number per person), so they still count once each."""
    known = _walk_in_identities(gathering_id)
    identities = [w for w in known if not w.startswith(ERASED_WALK_IN + ":")]
    already = len(known) - len(identities)
    pseudonyms = {
        identity: f"{ERASED_WALK_IN}:{already + n}" for n, identity in enumerate(identities, 1)
    }
    rows = db.session.execute(
        select(AttendanceRecord.id, AttendanceRecord.dedupe_key).where(
            AttendanceRecord.gathering_id == gathering_id,
            AttendanceRecord.registration_id.is_(None),
        )
    ).all()
    for record_id, key in rows:
        identity = walk_in_identity(key)
        if identity not in pseudonyms:
            continue
        prefix = key[: len(key) - len(identity)]
        db.session.execute(
            update(AttendanceRecord)
            .where(AttendanceRecord.id == record_id)
            .values(dedupe_key=prefix + pseudonyms[identity], walk_in_name="", walk_in_email="")
            .execution_options(synchronize_session=False)
        )
    return len(pseudonyms)


ERASED_CONTRIBUTOR = "Erased contributor"


def _erase_contributors(gathering_id: int) -> int:
    """Contact and payment details go for everyone; the name and Nation stay only for
    those who agreed to be thanked by name in the report (what the report prints)."""
    mine = Contributor.gathering_id == gathering_id
    count = db.session.scalar(select(func.count(Contributor.id)).where(mine))
    db.session.execute(
        update(Contributor)
        .where(mine)
        .values(email="", support_person="", notes="", payment_reference="", token_hash=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Contributor)
        .where(mine, Contributor.named_in_thanks.is_(False))
        .values(name=ERASED_CONTRIBUTOR, preferred_name="", nation="")
        .execution_options(synchronize_session=False)
    )
    return int(count or 0)


def _consented(quotes: object) -> list:
    return [q for q in quotes or [] if isinstance(q, dict) and q.get("consent")]


def _drop_unconsented_quotes(gathering_id: int) -> int:
    """A draft keeps quotes whose speaker has not agreed (yet); the report never shows
    them, so they go, from the notes and from every saved version."""
    dropped = 0
    notes = db.session.scalars(
        select(BreakoutNote)
        .join(AgendaItem, AgendaItem.id == BreakoutNote.agenda_item_id)
        .where(AgendaItem.gathering_id == gathering_id)
    )
    for note in notes:
        kept = _consented(note.quotes)
        if len(kept) != len(note.quotes or []):
            dropped += len(note.quotes or []) - len(kept)
            note.quotes = kept
        for version in note.versions:
            content = dict(version.content or {})
            kept = _consented(content.get("quotes"))
            if len(kept) != len(content.get("quotes") or []):
                content["quotes"] = kept
                version.content = content
    return dropped


def _erase_accommodation_text(gathering_id: int) -> None:
    db.session.execute(
        update(AccommodationRequest)
        .where(AccommodationRequest.gathering_id == gathering_id)
        .values(arrangement="", arranged_by="", outcome_comment="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(AccessibilityFeedback)
        .where(AccessibilityFeedback.gathering_id == gathering_id)
        .values(name="", contact="")
        .execution_options(synchronize_session=False)
    )


def _forget_old_feedback_contacts(now: datetime) -> int:
    """Feedback about the site names no gathering: who sent it is forgotten after the
    default period."""
    return (
        db.session.execute(
            update(AccessibilityFeedback)
            .where(
                AccessibilityFeedback.created_at < add_months(now, -DEFAULT_RETENTION_MONTHS),
                (AccessibilityFeedback.name != "") | (AccessibilityFeedback.contact != ""),
            )
            .values(name="", contact="")
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def _erase_follow_ups(gathering_id: int) -> None:
    """The value follow-up's links stop working and stories told without consent to quote
    them go (the report tallies the cycles and quotes only agreed stories); nobody is
    subscribed to the "You said, we did" page any more."""
    followup_ids = select(ValueFollowUp.id).where(ValueFollowUp.gathering_id == gathering_id)
    for invitation in db.session.scalars(
        select(ValueInvitation).where(ValueInvitation.followup_id.in_(followup_ids))
    ):
        invitation.token_hash = _dead_link_hash()
    db.session.execute(
        update(ValueResponse)
        .where(ValueResponse.followup_id.in_(followup_ids), ValueResponse.story_consent.is_(False))
        .values(story="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(SaidDidSubscription)
        .where(SaidDidSubscription.gathering_id == gathering_id)
        .execution_options(synchronize_session=False)
    )


def _dead_link_hash() -> str:
    return hash_token(new_token())


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
    walk_ins = _erase_walk_ins(gathering.id)
    contributors = _erase_contributors(gathering.id)
    quotes = _drop_unconsented_quotes(gathering.id)
    invitees = erase_list(gathering)
    _erase_accommodation_text(gathering.id)
    _erase_follow_ups(gathering.id)
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
    batch_ids = select(ImportBatch.id).where(ImportBatch.gathering_id == gathering.id)
    review_rows = db.session.execute(
        delete(ImportPerson)
        .where(ImportPerson.batch_id.in_(batch_ids))
        .execution_options(synchronize_session=False)
    ).rowcount
    uploads = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.gathering_id == gathering.id, ImportBatch.filename != ERASED_TEXT)
        .values(filename=ERASED_TEXT, upload=None, error="", meeting=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    survey_ids = select(Survey.id).where(Survey.gathering_id == gathering.id)
    # New random hashes: the survey links and edit keys people were sent stop working,
    # while "invited" and "responded" still count.
    invitations = db.session.scalars(
        select(SurveyInvitation).where(SurveyInvitation.survey_id.in_(survey_ids))
    ).all()
    for invitation in invitations:
        invitation.token_nonce = secrets.token_hex(16)
        invitation.token_hash = _dead_link_hash()
    responses = db.session.scalars(
        select(SurveyResponse).where(SurveyResponse.survey_id.in_(survey_ids))
    ).all()
    for response in responses:
        response.edit_key_hash = _dead_link_hash()
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
            "uploads": int(uploads or 0),
            "review_rows": int(review_rows or 0),
            "survey_links": len(invitations),
            "survey_edit_keys": len(responses),
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
    if trim_access_log(now=now) + _forget_old_feedback_contacts(now):
        db.session.commit()
    return erased
