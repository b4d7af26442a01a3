"""The follow-up months after a gathering: who it goes to, when, once per person, and the
anonymous answers. Services take `now=` and never commit (the sweep commits its own)."""

from __future__ import annotations

import calendar
import re
from datetime import datetime

from flask import current_app, render_template
from sqlalchemy import select, update

from app import timefmt
from app.choices import ValueCycle
from app.extensions import db
from app.facts import gathering_facts
from app.facts.value import ValueSummary, value_tally
from app.jobs import every_sweep
from app.models import Gathering, Registration
from app.models.value import ValueFollowUp, ValueInvitation, ValueResponse
from app.outbound.mail import queue_email
from app.outbound.public_links import public_url
from app.outbound.tokens import hash_token, new_token, well_formed
from app.reach import reachable, reachable_registrations

DEFAULT_MONTHS = 3
PREVIEW_TOKEN = "your-private-link"  # noqa: S105 - a visible stand-in, not a secret
STORY_LIMIT = 2000


class FollowUpError(Exception):
    """Something the organiser or participant asked for that cannot be done; shown as is."""


class AlreadyAnswered(FollowUpError):
    pass


def months_later(moment: datetime, zone: str, months: int = DEFAULT_MONTHS) -> datetime:
    """The same local clock time `months` calendar months on (the 31st becomes the
    month's last day)."""
    local = timefmt.to_local(moment, zone)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return timefmt.from_local(local.replace(year=year, month=month, day=day, tzinfo=None), zone)


def followup_for(gathering: Gathering) -> ValueFollowUp | None:
    return db.session.scalar(
        select(ValueFollowUp).where(ValueFollowUp.gathering_id == gathering.id)
    )


def default_send_at(gathering: Gathering) -> datetime:
    return months_later(gathering.ends_at, gathering.timezone)


def _eligible(gathering: Gathering):
    """Attendees (by app.facts) who agreed to be contacted after the gathering and may be
    contacted at all. A no-show, a cancellation or anyone who did not agree is not here."""
    attended = gathering_facts(gathering).attended_ids
    return reachable_registrations(gathering.id, statuses=None).where(
        Registration.id.in_(sorted(attended)), Registration.consent_followup_at.is_not(None)
    )


def recipients(gathering: Gathering) -> list[Registration]:
    """Who the next send would email: eligible and not asked before."""
    followup = followup_for(gathering)
    query = _eligible(gathering).order_by(Registration.id)
    if followup is not None:
        asked = select(ValueInvitation.registration_id).where(
            ValueInvitation.followup_id == followup.id, ValueInvitation.invited_at.is_not(None)
        )
        query = query.where(Registration.id.not_in(asked))
    return list(db.session.scalars(query))


def check_send_at(gathering: Gathering, send_at: datetime) -> None:
    if send_at < gathering.ends_at:
        raise FollowUpError("Choose a time after the gathering has ended.")


def save(
    gathering: Gathering, *, send_at: datetime, scheduled: bool, now: datetime
) -> ValueFollowUp:
    """Set when the follow-up goes out; `scheduled` only after the organiser confirmed
    that it will email people then."""
    check_send_at(gathering, send_at)
    followup = followup_for(gathering)
    if followup is None:
        followup = ValueFollowUp(gathering=gathering, recipient_count=0)
        db.session.add(followup)
    if followup.sent_at is not None and scheduled:
        raise FollowUpError("The follow-up has already been sent.")
    followup.send_at = send_at
    followup.scheduled = scheduled
    return followup


def send_now(gathering: Gathering, *, now: datetime, cause: str = "") -> int:
    """Email everyone eligible who has not been asked yet; returns how many."""
    if now < gathering.ends_at:
        raise FollowUpError("The follow-up can be sent once the gathering has ended.")
    followup = followup_for(gathering) or save(gathering, send_at=now, scheduled=False, now=now)
    db.session.flush()
    return _send(followup, now=now, cause=cause)


def _send(followup: ValueFollowUp, *, now: datetime, cause: str = "") -> int:
    gathering = followup.gathering
    people = recipients(gathering)
    for registration in people:
        invitation = db.session.scalar(
            select(ValueInvitation).where(
                ValueInvitation.followup_id == followup.id,
                ValueInvitation.registration_id == registration.id,
            )
        )
        raw = new_token()
        if invitation is None:
            invitation = ValueInvitation(
                followup=followup, registration=registration, responded=False
            )
            db.session.add(invitation)
        invitation.token_hash = hash_token(raw)
        invitation.invited_at = now
        _queue_invitation(gathering, registration, raw, now=now, cause=cause)
    followup.sent_at = followup.sent_at or now
    followup.scheduled = False
    followup.recipient_count += len(people)
    return len(people)


def _invitation(gathering: Gathering, registration: Registration, raw: str) -> dict[str, str]:
    zone = gathering.timezone
    context = {
        "name": registration.name,
        "gathering_title": gathering.title,
        "date": timefmt.long_date(gathering.starts_at, zone),
        "answer_url": public_url("value.answer", token=raw),
        "contact_name": gathering.contact_name,
        "contact_email": gathering.contact_email,
        "contact_phone": gathering.contact_phone,
    }
    text = render_template("value/email/invitation.txt", **context)
    return {
        "to": registration.email,
        "subject": f"What came of it? – {gathering.title}",
        "text": re.sub(r"\n{3,}", "\n\n", text).strip() + "\n",
        "html": render_template("value/email/invitation.html", **context),
    }


def preview(gathering: Gathering) -> dict[str, str] | None:
    """The invitation as the first person the next send would email would read it, with
    a stand-in link: nothing is queued and no link is issued."""
    people = recipients(gathering)
    return _invitation(gathering, people[0], PREVIEW_TOKEN) if people else None


def _queue_invitation(
    gathering: Gathering, registration: Registration, raw: str, *, now: datetime, cause: str
) -> None:
    message = _invitation(gathering, registration, raw)
    queue_email(
        to=message["to"],
        subject=message["subject"],
        text=message["text"],
        html=message["html"],
        kind="value_followup",
        registration_id=registration.id,
        reply_to=gathering.contact_email,
        now=now,
        cause=cause,
    )


@every_sweep
def queue_due_followups(*, now: datetime) -> int:
    """Send each confirmed follow-up whose time has come, once: the row is claimed before
    anything is queued, so two sweeps cannot both send it. Commits each one's work."""
    due = db.session.scalars(
        select(ValueFollowUp.id).where(
            ValueFollowUp.scheduled.is_(True),
            ValueFollowUp.sent_at.is_(None),
            ValueFollowUp.send_at <= now,
        )
    ).all()
    queued = 0
    for followup_id in due:
        claimed = db.session.execute(
            update(ValueFollowUp)
            .where(ValueFollowUp.id == followup_id, ValueFollowUp.sent_at.is_(None))
            .values(sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            db.session.rollback()
            continue
        followup = db.session.get(ValueFollowUp, followup_id)
        db.session.refresh(followup)
        queued += _send(followup, now=now, cause="The follow-up scheduled by an organiser")
        db.session.commit()
    return queued


# --- participants ----------------------------------------------------------------------


def find_invitation(raw: str) -> ValueInvitation | None:
    if not well_formed(raw):
        return None
    return db.session.scalar(
        select(ValueInvitation)
        .join(Registration, Registration.id == ValueInvitation.registration_id)
        .where(ValueInvitation.token_hash == hash_token(raw), reachable(statuses=None))
    )


def submit(
    invitation: ValueInvitation,
    *,
    cycles: list[str],
    story: str,
    story_consent: bool,
    now: datetime,
) -> None:
    """One answer per person: the flag is claimed first, then the anonymous row added."""
    claimed = db.session.execute(
        update(ValueInvitation)
        .where(ValueInvitation.id == invitation.id, ValueInvitation.responded.is_(False))
        .values(responded=True)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise AlreadyAnswered("You have already answered.")
    codes = [c.value for c in ValueCycle if c.value in set(cycles)]
    story = story.strip()[:STORY_LIMIT]
    gathering = invitation.followup.gathering
    db.session.add(
        ValueResponse(
            followup_id=invitation.followup_id,
            cycles=" ".join(codes),
            story=story,
            story_consent=bool(story and story_consent),
            submitted_on=timefmt.to_local(now, gathering.timezone).date(),
        )
    )


# --- results ---------------------------------------------------------------------------


def dashboard_summary(gathering: Gathering) -> ValueSummary | None:
    """The follow-up's results for the dashboard, small counts hidden; None until sent."""
    tally = value_tally(gathering.id)
    if not tally.asked:
        return None
    return tally.shown(current_app.config["SUPPRESSION_THRESHOLD"])


def erase_follow_ups(gathering_id: int) -> None:
    """Retention: the follow-up's links stop working and stories told without consent
    to quote them go (the report tallies the cycles and quotes only agreed stories)."""
    followup_ids = select(ValueFollowUp.id).where(ValueFollowUp.gathering_id == gathering_id)
    for invitation in db.session.scalars(
        select(ValueInvitation).where(ValueInvitation.followup_id.in_(followup_ids))
    ):
        invitation.token_hash = hash_token(new_token())
    db.session.execute(
        update(ValueResponse)
        .where(ValueResponse.followup_id.in_(followup_ids), ValueResponse.story_consent.is_(False))
        .values(story="")
        .execution_options(synchronize_session=False)
    )
