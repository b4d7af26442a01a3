"""Certificates of attendance: who gets one (attended, as the read model in app.facts
says), the time they attended, the credits an accreditation grants, a verification code
kept only as its hash, and the PDFs (one per person; all of them in a ZIP is a job, in
certificate_runs).

Plain functions: they change the session and never commit; the caller commits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from flask import current_app
from sqlalchemy import select

from app import timefmt
from app.documents import render
from app.extensions import db
from app.facts import GatheringFacts, gathering_facts
from app.models import (
    AttendanceSource,
    Certificate,
    CertificateSettings,
    Gathering,
    Registration,
    Survey,
    SurveyInvitation,
)
from app.outbound.public_links import public_url
from app.reach import reachable

ISSUER = "Perinatal Community of Practice · Shared Care Committee"
QUARTER_HOUR = 15
VerifyURL = Callable[[str], str]
LOOK_UP = object()  # `issue` reads the person's earlier certificate itself


def verify_url(code: str) -> str:
    """Where a certificate with this code is confirmed: printed on it, so never the host a
    request came in on (`PUBLIC_URL`)."""
    return public_url("community.verify_certificate", code=code)


def stored_settings(gathering: Gathering) -> CertificateSettings | None:
    return db.session.scalar(
        select(CertificateSettings).where(CertificateSettings.gathering_id == gathering.id)
    )


def round_down_to_quarter_hour(minutes: int) -> int:
    return max(0, minutes) // QUARTER_HOUR * QUARTER_HOUR


def minutes_attended(gathering: Gathering, facts: GatheringFacts | None = None) -> dict[int, int]:
    """Minutes each attendee was present, for the people the read model counts as
    attended (and nobody else).

    Per agenda item the largest figure of any source counts (records from two sources
    for one item are the same time, not more of it); a check-in counts the item's
    scheduled length. A whole-gathering record (the main Zoom meeting, which includes
    its breakout rooms) and the sum of the item records are two measures of the same
    morning, so the larger one counts, never more than the gathering lasts."""
    import pandas as pd

    facts = facts or gathering_facts(gathering)
    attended = facts.attended_ids
    if not attended:
        return {}
    lengths = {
        item.id: int((item.ends_at - item.starts_at).total_seconds() // 60)
        for item in gathering.agenda_items
    }
    best: dict[tuple[int, int | None], int] = {}
    records = facts.attendance
    records = records[records["registration_id"].isin(attended)]
    for registration_id, item_id, source, minutes in records[
        ["registration_id", "agenda_item_id", "source", "minutes"]
    ].itertuples(index=False):
        item = None if pd.isna(item_id) else int(item_id)
        value = 0 if pd.isna(minutes) else int(minutes)
        if source == AttendanceSource.CHECKIN and item is not None:
            value = max(value, lengths.get(item, 0))
        key = (int(registration_id), item)
        best[key] = max(best.get(key, 0), value)
    whole: dict[int, int] = {}
    by_items: dict[int, int] = {}
    for (registration_id, item), value in best.items():
        target = whole if item is None else by_items
        target[registration_id] = target.get(registration_id, 0) + value
    limit = int((gathering.ends_at - gathering.starts_at).total_seconds() // 60)
    return {rid: min(limit, max(whole.get(rid, 0), by_items.get(rid, 0))) for rid in attended}


def credits_for(minutes: int, settings: CertificateSettings | None) -> Decimal | None:
    """Credits for the rounded time, when an accreditation statement grants them."""
    if settings is None or settings.credits_per_hour is None:
        return None
    if not settings.accreditation_statement.strip():
        return None
    hours = Decimal(round_down_to_quarter_hour(minutes)) / Decimal(60)
    return (hours * settings.credits_per_hour).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minutes")
    return " ".join(parts)


def credits_label(credits: Decimal | None) -> str:
    if credits is None:
        return ""
    text = f"{credits.normalize():f}"
    return f"{text} credit{'' if credits == 1 else 's'}"


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


CODE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def verify_code(code: str) -> Certificate | None:
    """The certificate this code was printed on, or None for any other string."""
    if not CODE_SHAPE.match(code or ""):
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code_hash == hash_code(code)))


# --- who may download --------------------------------------------------------------------


def answered_survey(registration: Registration) -> bool:
    return bool(
        db.session.scalar(
            select(SurveyInvitation.id)
            .join(Survey, Survey.id == SurveyInvitation.survey_id)
            .where(
                Survey.gathering_id == registration.gathering_id,
                SurveyInvitation.registration_id == registration.id,
                SurveyInvitation.responded.is_(True),
            )
            .limit(1)
        )
    )


@dataclass(frozen=True)
class Offer:
    """What the participant's page says about a certificate."""

    available: bool
    message: str


def certificate_offer(registration: Registration) -> Offer | None:
    """None while nothing is to be said (attendance not final, or not an attendee)."""
    gathering = registration.gathering
    settings = stored_settings(gathering)
    if settings is None or settings.attendance_final_at is None:
        return None
    if registration.id not in gathering_facts(gathering).attended_ids:
        return None
    if settings.require_survey and not answered_survey(registration):
        return Offer(False, "Your certificate of attendance is ready once you answer the survey.")
    return Offer(True, "Your certificate of attendance is ready.")


# --- documents ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateFacts:
    name: str
    gathering_title: str
    date_label: str
    time_label: str
    format_label: str
    minutes: int
    duration_label: str
    credits_label: str
    statement: str
    issued_label: str
    code: str
    verify_url: str


def issue(
    registration: Registration,
    *,
    minutes: int,
    settings: CertificateSettings | None,
    verify_url: VerifyURL,
    now: datetime,
    earlier: Certificate | None | object = LOOK_UP,
) -> CertificateFacts:
    """The person's certificate: the one issued before, reprinted as it was (code, name,
    minutes, credits, date), or else a new one recorded now (its code hashed). `earlier`
    is that earlier certificate when the caller has read it already (`issued_before`)."""
    gathering = registration.gathering
    if earlier is LOOK_UP:
        earlier = issued_before([registration.id]).get(registration.id)
    if earlier is not None:
        code = _code(earlier.code_nonce)
        name, rounded, credits = earlier.printed_name, earlier.minutes, earlier.credits
        now = earlier.issued_at
    else:
        nonce = secrets.token_hex(16)
        code = _code(nonce)
        name = registration.name
        rounded = round_down_to_quarter_hour(minutes)
        credits = credits_for(minutes, settings)
        db.session.add(
            Certificate(
                registration=registration,
                code_hash=hash_code(code),
                minutes=rounded,
                credits=credits,
                issued_at=now,
                printed_name=name,
                code_nonce=nonce,
            )
        )
    zone = gathering.timezone
    statement = settings.accreditation_statement.strip() if settings is not None else ""
    return CertificateFacts(
        name=name,
        gathering_title=gathering.title,
        date_label=timefmt.long_date(gathering.starts_at, zone),
        time_label=timefmt.time_range(gathering.starts_at, gathering.ends_at, zone),
        format_label="online",
        minutes=rounded,
        duration_label=duration_label(rounded),
        credits_label=credits_label(credits),
        statement=statement if credits is not None else "",
        issued_label=timefmt.long_date(now, zone),
        code=code,
        verify_url=verify_url(code),
    )


def _code(nonce: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, b"certificate:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:24]


def issued_before(registration_ids: Sequence[int]) -> dict[int, Certificate]:
    """Each person's certificate that can be printed again (its code still rebuilds to the
    stored hash: not one from before codes were rebuilt, nor from another secret key), in
    one query."""
    found: dict[int, Certificate] = {}
    for start in range(0, len(registration_ids), 500):
        chunk = list(registration_ids[start : start + 500])
        for earlier in db.session.scalars(
            select(Certificate)
            .where(Certificate.registration_id.in_(chunk), Certificate.code_nonce != "")
            .order_by(Certificate.id.desc())
        ):
            if earlier.registration_id in found:
                continue
            if hash_code(_code(earlier.code_nonce)) == earlier.code_hash:
                found[earlier.registration_id] = earlier
    return found


def certificate_html(certificates: Sequence[CertificateFacts], *, title: str) -> str:
    env = render.environment()
    return env.get_template("certificate.html").render(
        certificates=certificates, title=title, issuer=ISSUER
    )


def certificate_title(facts: CertificateFacts) -> str:
    return f"Certificate of attendance: {facts.name}, {facts.gathering_title}"


def certificate_pdf(facts: CertificateFacts) -> bytes:
    from app.documents.pdf import render_pdf

    return render_pdf(certificate_html([facts], title=certificate_title(facts)))


def certificate_pdfs(batch: Sequence[CertificateFacts]) -> list[bytes]:
    """One PDF per certificate, laid out together: one layout of all the pages, then each
    page written on its own with its own title, which takes about half the time of laying
    out each certificate alone (bench/certificates.py). Should a certificate not fit on
    one page, the pages no longer pair with the people, so each is laid out alone."""
    from app.documents.pdf import PDF_OPTIONS, lay_out

    if not batch:
        return []
    document = lay_out(certificate_html(batch, title=certificate_title(batch[0])))
    if len(document.pages) != len(batch):
        return [certificate_pdf(facts) for facts in batch]
    pdfs = []
    for facts, page in zip(batch, document.pages, strict=True):
        single = document.copy([page])
        single.metadata.title = certificate_title(facts)
        pdfs.append(single.write_pdf(**PDF_OPTIONS))
    return pdfs


class NotAvailable(Exception):
    """No certificate for this person (yet); the message says why."""


def participant_certificate(
    registration: Registration, *, verify_url: VerifyURL, now: datetime
) -> bytes:
    offer = certificate_offer(registration)
    if offer is None or not offer.available:
        raise NotAvailable(offer.message if offer else "No certificate is available.")
    minutes = minutes_attended(registration.gathering).get(registration.id, 0)
    facts = issue(
        registration,
        minutes=minutes,
        settings=stored_settings(registration.gathering),
        verify_url=verify_url,
        now=now,
    )
    return certificate_pdf(facts)


def file_name(name: str, registration_id: int) -> str:
    """The PDF's file name, from the name printed on it."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()[:60] or "attendee"
    return f"certificate-{registration_id}-{stem}.pdf"


def attendee_rows(gathering: Gathering) -> list[tuple[Registration, int]]:
    """Every attendee with their minutes, by name."""
    minutes = minutes_attended(gathering)
    if not minutes:
        return []
    people = db.session.scalars(
        select(Registration)
        .where(Registration.id.in_(list(minutes)), reachable(statuses=None))
        .order_by(Registration.name, Registration.id)
    )
    return [(person, minutes[person.id]) for person in people]


@dataclass(frozen=True)
class CertificateSettingsData:
    attendance_final: bool
    require_survey: bool
    accreditation_statement: str
    credits_per_hour: Decimal | None


def save_settings(gathering: Gathering, data: CertificateSettingsData, *, now: datetime) -> None:
    settings = stored_settings(gathering)
    if settings is None:
        settings = CertificateSettings(gathering=gathering)
        db.session.add(settings)
    if data.attendance_final and settings.attendance_final_at is None:
        settings.attendance_final_at = now
    elif not data.attendance_final:
        settings.attendance_final_at = None
    settings.require_survey = data.require_survey
    settings.accreditation_statement = data.accreditation_statement
    settings.credits_per_hour = data.credits_per_hour
    settings.updated_at = now
