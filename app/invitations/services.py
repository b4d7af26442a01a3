"""The invitation list: import it (nothing saved until the columns are confirmed),
invite and remind by email (after the organiser saw what goes out), honour opt-outs for
good, and count the funnel from invited to registered to attended."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from sqlalchemy import and_, case, func, select

from app import timefmt
from app.addresses import normalise_email
from app.choices import HEALTH_REGION_SHORT, HealthRegion, OrganisationType, RegistrationStatus
from app.extensions import db
from app.facts.rules import attended_condition
from app.invitations import reading
from app.models import (
    Gathering,
    InvitationOptOut,
    Invitee,
    InviteeUpload,
    Registration,
    User,
)
from app.outbound.mail import Outgoing, queue_emails
from app.outbound.public_links import public_url
from app.outbound.tokens import hash_token, new_token, well_formed
from app.spreadsheet import to_csv

INVITATION = "invitation"
REMINDER = "invitation_reminder"


class InvitationError(ValueError):
    pass


# --- the list ----------------------------------------------------------------------------


def store_upload(gathering: Gathering, content: bytes, filename: str, user: User) -> InviteeUpload:
    """Keep an upload for its mapping page once it is known to be readable."""
    reading.read_table(content, filename)
    upload = InviteeUpload(
        gathering_id=gathering.id, filename=filename[:255], content=content, created_by_id=user.id
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def pending_upload(gathering: Gathering, upload_id: int) -> InviteeUpload | None:
    upload = db.session.get(InviteeUpload, upload_id)
    if upload is None or upload.gathering_id != gathering.id or upload.imported_at is not None:
        return None
    return upload


def table_of(upload: InviteeUpload) -> reading.Table:
    return reading.read_table(upload.content or b"", upload.filename)


def _email_hash(address: str) -> str:
    return hashlib.sha256(normalise_email(address).encode()).hexdigest()


@dataclass(frozen=True)
class ImportOutcome:
    added: int
    updated: int
    merged: int
    opted_out: int
    bad: int


def import_rows(
    gathering: Gathering, upload: InviteeUpload, checked: reading.Checked, *, now: datetime
) -> ImportOutcome:
    """Add the good rows to the list; an address already on it keeps its values and
    gains the ones it lacked. Addresses that opted out are listed but never written to."""
    existing = {
        invitee.email: invitee
        for invitee in db.session.scalars(
            select(Invitee).where(
                Invitee.gathering_id == gathering.id,
                Invitee.email.in_([row["email"] for row in checked.good]),
            )
        )
    }
    refused = set(
        db.session.scalars(
            select(InvitationOptOut.email_hash).where(
                InvitationOptOut.email_hash.in_([_email_hash(r["email"]) for r in checked.good])
            )
        )
    )
    added = updated = opted_out = 0
    for row in checked.good:
        invitee = existing.get(row["email"])
        if invitee is None:
            invitee = Invitee(gathering_id=gathering.id, token_hash=hash_token(new_token()), **row)
            db.session.add(invitee)
            added += 1
        else:
            for key, value in row.items():
                if value and not getattr(invitee, key):
                    setattr(invitee, key, value)
            updated += 1
        if _email_hash(row["email"]) in refused and invitee.opted_out_at is None:
            invitee.opted_out_at = now
            opted_out += 1
    upload.imported_at = now
    upload.content = None
    return ImportOutcome(added, updated, checked.merged, opted_out, len(checked.bad))


def discard_upload(upload: InviteeUpload) -> None:
    db.session.delete(upload)


def _not_registered():
    return (
        ~select(Registration.id)
        .where(
            Registration.gathering_id == Invitee.gathering_id,
            Registration.email == Invitee.email,
            Registration.status != RegistrationStatus.CANCELLED.value,
        )
        .exists()
    )


def to_invite(gathering: Gathering) -> list[Invitee]:
    """Not invited yet, not opted out, not registered already."""
    return list(
        db.session.scalars(
            select(Invitee)
            .where(
                Invitee.gathering_id == gathering.id,
                Invitee.invited_at.is_(None),
                Invitee.opted_out_at.is_(None),
                _not_registered(),
            )
            .order_by(Invitee.id)
        )
    )


def to_remind(gathering: Gathering) -> list[Invitee]:
    """Invited, not reminded yet, not opted out, and still not registered: one reminder."""
    return list(
        db.session.scalars(
            select(Invitee)
            .where(
                Invitee.gathering_id == gathering.id,
                Invitee.invited_at.is_not(None),
                Invitee.reminded_at.is_(None),
                Invitee.opted_out_at.is_(None),
                _not_registered(),
            )
            .order_by(Invitee.id)
        )
    )


# --- the emails --------------------------------------------------------------------------


def _context(gathering: Gathering, invitee: Invitee, token: str, *, reminder: bool) -> dict:
    zone = gathering.timezone
    return {
        "gathering_title": gathering.title,
        "description": gathering.description,
        "date": timefmt.long_date(gathering.starts_at, zone),
        "times": timefmt.time_range(gathering.starts_at, gathering.ends_at, zone),
        "zone_name": timefmt.zone_name(zone),
        "name": invitee.name or "colleague",
        "register_url": public_url("registration.register", slug=gathering.slug, invite=token),
        "opt_out_url": public_url("invitations.opt_out", token=token),
        "closes": (
            timefmt.long_date(gathering.registration_closes_at, zone)
            if gathering.registration_closes_at
            else ""
        ),
        "contact_name": gathering.contact_name,
        "contact_email": gathering.contact_email,
        "contact_phone": gathering.contact_phone,
        "reminder": reminder,
    }


def render(gathering: Gathering, invitee: Invitee, token: str, *, reminder: bool) -> Outgoing:
    context = _context(gathering, invitee, token, reminder=reminder)
    subject = ("Reminder: you are invited to " if reminder else "You are invited to ") + (
        gathering.title
    )
    text = render_template("email/invitation.txt", **context).strip() + "\n"
    html = render_template("email/invitation.html", **context)
    return Outgoing(
        to=invitee.email,
        subject=subject,
        text=text,
        html=html,
        kind=REMINDER if reminder else INVITATION,
        reply_to=gathering.contact_email,
    )


def example(gathering: Gathering, invitee: Invitee, *, reminder: bool) -> Outgoing:
    """What the first person would receive, for the confirmation page (a sample link)."""
    return render(gathering, invitee, "example-link-made-when-sent", reminder=reminder)


def send(gathering: Gathering, people: list[Invitee], *, reminder: bool, now: datetime) -> int:
    """Queue one email per person; each gets a new private link (only its hash is kept;
    the invitation's link keeps working after a reminder)."""
    messages = []
    for invitee in people:
        token = new_token()
        if reminder:
            invitee.reminded_at = now
            invitee.reminder_token_hash = hash_token(token)
        else:
            invitee.invited_at = now
            invitee.token_hash = hash_token(token)
        messages.append(render(gathering, invitee, token, reminder=reminder))
    queue_emails(messages, now=now)
    return len(messages)


def by_token(token: str) -> Invitee | None:
    if not well_formed(token):
        return None
    digest = hash_token(token)
    return db.session.scalar(
        select(Invitee).where(
            (Invitee.token_hash == digest) | (Invitee.reminder_token_hash == digest)
        )
    )


def prefill(gathering: Gathering, token: str) -> dict[str, str]:
    """What the registration form can fill in for an invitee following their link."""
    invitee = by_token(token or "")
    if invitee is None or invitee.gathering_id != gathering.id:
        return {}
    values = {
        "name": invitee.name,
        "email": invitee.email,
        "organisation_name": invitee.organisation_name,
        "organisation_type": invitee.organisation_type,
        "health_region": invitee.health_region,
    }
    return {key: value for key, value in values.items() if value}


def opt_out(invitee: Invitee, *, now: datetime) -> None:
    """Never written to again, for this gathering or any later list."""
    invitee.opted_out_at = invitee.opted_out_at or now
    digest = _email_hash(invitee.email)
    if db.session.scalar(select(InvitationOptOut.id).where(InvitationOptOut.email_hash == digest)):
        return
    db.session.add(InvitationOptOut(email_hash=digest, created_at=now))
    db.session.execute(
        Invitee.__table__.update()
        .where(Invitee.email == invitee.email, Invitee.opted_out_at.is_(None))
        .values(opted_out_at=now)
    )


def erase_list(gathering: Gathering) -> int:
    """Remove the gathering's invitation list (names and addresses) and any upload
    still waiting; the opt-outs stay, as hashes that name no one."""
    removed = db.session.execute(
        Invitee.__table__.delete().where(Invitee.gathering_id == gathering.id)
    ).rowcount
    db.session.execute(
        InviteeUpload.__table__.delete().where(InviteeUpload.gathering_id == gathering.id)
    )
    return removed or 0


# --- the funnel --------------------------------------------------------------------------


@dataclass
class FunnelRow:
    code: str
    label: str
    invited: int = 0
    registered: int = 0
    attended: int = 0
    uninvited_registered: int = 0
    uninvited_attended: int = 0
    target: str = ""


@dataclass
class Funnel:
    on_list: int
    emailed: int
    opted_out: int
    registered: int
    attended: int
    uninvited_registered: int
    uninvited_attended: int
    by_region: list[FunnelRow]
    by_type: list[FunnelRow]


def funnel(gathering: Gathering) -> Funnel | None:
    """Invited, then registered (a confirmed registration under the invitee's address),
    then attended (registered and present, as `facts.rules` says), by health region and
    by organisation type; beside them, who registered without an invitation. None for a
    gathering without an invitation list (the dashboard then shows nothing)."""
    if not db.session.scalar(select(Invitee.id).where(Invitee.gathering_id == gathering.id)):
        return None
    confirmed = and_(
        Registration.gathering_id == gathering.id,
        Registration.email == Invitee.email,
        Registration.status == RegistrationStatus.CONFIRMED.value,
    )
    attended = case((attended_condition(gathering), 1), else_=0)
    each = (
        select(
            func.coalesce(func.nullif(Invitee.health_region, ""), Registration.health_region).label(
                "region"
            ),
            func.coalesce(
                func.nullif(Invitee.organisation_type, ""), Registration.organisation_type
            ).label("kind"),
            Invitee.invited_at.is_not(None).label("emailed"),
            Invitee.opted_out_at.is_not(None).label("opted_out"),
            Registration.id.is_not(None).label("registered"),
            func.coalesce(attended, 0).label("came"),
        )
        .select_from(Invitee)
        .outerjoin(Registration, confirmed)
        .where(Invitee.gathering_id == gathering.id)
        .subquery()
    )
    # Grouped outside: PostgreSQL will not match a GROUP BY expression that carries
    # bound parameters to the same expression in the SELECT list.
    columns = (
        each.c.region,
        each.c.kind,
        each.c.emailed,
        each.c.opted_out,
        each.c.registered,
        each.c.came,
    )
    rows = db.session.execute(select(*columns, func.count()).group_by(*columns)).all()
    invited_addresses = select(Invitee.email).where(Invitee.gathering_id == gathering.id)
    uninvited = db.session.execute(
        select(
            Registration.health_region,
            Registration.organisation_type,
            func.sum(attended),
            func.count(),
        )
        .where(
            Registration.gathering_id == gathering.id,
            Registration.status == RegistrationStatus.CONFIRMED.value,
            Registration.email.not_in(invited_addresses),
        )
        .group_by(Registration.health_region, Registration.organisation_type)
    ).all()

    regions = {c.value: FunnelRow(c.value, HEALTH_REGION_SHORT[c]) for c in HealthRegion}
    types = {c.value: FunnelRow(c.value, c.label) for c in OrganisationType}
    blank = {"": "Not stated"}
    totals: dict[str, int] = defaultdict(int)
    for region, kind, emailed, out, registered, came, count in rows:
        totals["on_list"] += count
        totals["emailed"] += count if emailed else 0
        totals["opted_out"] += count if out else 0
        totals["registered"] += count if registered else 0
        totals["attended"] += count if came else 0
        for table, code in ((regions, region or ""), (types, kind or "")):
            row = table.setdefault(code, FunnelRow(code, blank.get(code, code)))
            row.invited += count
            row.registered += count if registered else 0
            row.attended += count if came else 0
    for region, kind, came, count in uninvited:
        totals["uninvited_registered"] += count
        totals["uninvited_attended"] += int(came or 0)
        for table, code in ((regions, region or ""), (types, kind or "")):
            row = table.setdefault(code, FunnelRow(code, blank.get(code, code)))
            row.uninvited_registered += count
            row.uninvited_attended += int(came or 0)
    _add_targets(gathering, regions, types)

    def shown(table: dict[str, FunnelRow]) -> list[FunnelRow]:
        return [
            row for row in table.values() if row.invited or row.uninvited_registered or row.target
        ]

    return Funnel(
        on_list=totals["on_list"],
        emailed=totals["emailed"],
        opted_out=totals["opted_out"],
        registered=totals["registered"],
        attended=totals["attended"],
        uninvited_registered=totals["uninvited_registered"],
        uninvited_attended=totals["uninvited_attended"],
        by_region=shown(regions),
        by_type=shown(types),
    )


def _add_targets(gathering: Gathering, regions: dict, types: dict) -> None:
    from app.community.targets import targets_of
    from app.models import TargetDimension, TargetKind

    tables = {
        TargetDimension.HEALTH_REGION.value: regions,
        TargetDimension.ORGANISATION_TYPE.value: types,
    }
    for target in targets_of(gathering):
        row = tables.get(target.dimension, {}).get(target.code)
        if row is not None:
            row.target = (
                f"{target.value}% of registrations"
                if target.kind == TargetKind.SHARE
                else f"{target.value:,} registered"
            )


def list_csv(gathering: Gathering) -> tuple[bytes, int]:
    """The list with where each person stands, for the coordinator's spreadsheet
    (formula-safe, like every export)."""
    registered = set(
        db.session.scalars(
            select(Registration.email).where(
                Registration.gathering_id == gathering.id,
                Registration.status == RegistrationStatus.CONFIRMED.value,
            )
        )
    )
    rows = []
    zone = gathering.timezone
    for invitee in db.session.scalars(
        select(Invitee).where(Invitee.gathering_id == gathering.id).order_by(Invitee.id)
    ):
        rows.append(
            [
                invitee.name,
                invitee.email,
                invitee.organisation_name,
                OrganisationType.label_for(invitee.organisation_type)
                if invitee.organisation_type
                else "",
                HealthRegion.label_for(invitee.health_region) if invitee.health_region else "",
                timefmt.long_date(invitee.invited_at, zone) if invitee.invited_at else "",
                timefmt.long_date(invitee.reminded_at, zone) if invitee.reminded_at else "",
                "yes" if invitee.opted_out_at else "",
                "yes" if invitee.email in registered else "",
            ]
        )
    headers = [
        "Name",
        "Email",
        "Organisation",
        "Organisation type",
        "Health region",
        "Invited",
        "Reminded",
        "Opted out",
        "Registered",
    ]
    return to_csv(headers, rows), len(rows)
