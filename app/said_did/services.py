"""What the public "You said, we did" page shows: each of the gathering's recommendations,
the breakout and themes it came from, one quote its speaker agreed to, its owner (an
organisation or role), its status and its dated updates. Nothing names a person: texts
pass through a redactor that removes every registrant's name and address and every
account holder's name, whatever an update's author typed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import render_template
from sqlalchemy import delete, or_, select
from sqlalchemy import update as sql_update

from app import timefmt
from app.community.recommendations import own_recommendations
from app.extensions import db
from app.jobs import every_sweep
from app.models import Gathering, Recommendation, RecommendationStatus, Registration, User
from app.models.breakouts import NoteStatus
from app.models.said_did import SaidDidPage, SaidDidSubscription
from app.outbound.mail import queue_email
from app.outbound.public_links import public_url
from app.reach import is_reachable, reachable

ATOM = "http://www.w3.org/2005/Atom"
DEFAULT_OWNER = "The steering committee"
REMOVED = "[name removed]"
SHORTEST_NAME = 3


def page_for(gathering: Gathering) -> SaidDidPage | None:
    return db.session.scalar(select(SaidDidPage).where(SaidDidPage.gathering_id == gathering.id))


def published_page(gathering: Gathering) -> SaidDidPage | None:
    page = page_for(gathering)
    return page if page is not None and page.published_at is not None else None


def publish(gathering: Gathering, *, intro: str, now: datetime) -> SaidDidPage:
    page = page_for(gathering)
    if page is None:
        page = SaidDidPage(gathering=gathering)
        db.session.add(page)
    page.intro = intro
    page.published_at = page.published_at or now
    return page


def unpublish(gathering: Gathering) -> None:
    page = page_for(gathering)
    if page is not None:
        page.published_at = None


def set_public_owner(recommendation: Recommendation, owner: str) -> None:
    recommendation.public_owner = " ".join(owner.split())[:200]


def redactor(gathering: Gathering) -> Callable[[str], str]:
    """A function that removes the gathering's registrants' names and addresses, and the
    names of everyone with an account, from a text."""
    names: set[str] = set()
    for name, email in db.session.execute(
        select(Registration.name, Registration.email).where(
            Registration.gathering_id == gathering.id
        )
    ):
        names.update(value.strip() for value in (name or "", email or ""))
    for name, email in db.session.execute(select(User.name, User.email)):
        names.update(value.strip() for value in (name or "", email or ""))
    words = sorted((n for n in names if len(n) >= SHORTEST_NAME), key=len, reverse=True)
    if not words:
        return lambda text: text
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
    )
    return lambda text: pattern.sub(REMOVED, text or "")


def entries(gathering: Gathering) -> list[dict]:
    """The page's content, already redacted: one dict per recommendation."""
    clean = redactor(gathering)
    zone = gathering.timezone
    items = []
    for recommendation in own_recommendations(gathering):
        note = recommendation.source_note
        submitted = note is not None and note.status == NoteStatus.SUBMITTED
        consented = (
            [q["text"] for q in (note.quotes or []) if q.get("consent")] if submitted else []
        )
        quote = consented[0] if consented else ""
        updates = [
            {
                "id": update.id,
                "at": update.created_at,
                "date_label": timefmt.long_date(update.created_at, zone),
                "status_label": RecommendationStatus.label_for(update.status),
                "note": clean(update.note),
                "evidence_url": update.evidence_url,
            }
            for update in recommendation.updates
        ]
        items.append(
            {
                "id": recommendation.id,
                "text": clean(recommendation.text),
                "breakout": clean(recommendation.source_label),
                "themes": [clean(t) for t in (note.themes or [])] if submitted else [],
                "quote": clean(quote),
                "owner": clean(recommendation.public_owner) or DEFAULT_OWNER,
                "status": recommendation.status,
                "status_label": RecommendationStatus.label_for(recommendation.status),
                "due_label": (
                    f"{recommendation.due_on.strftime('%B %Y')}" if recommendation.due_on else ""
                ),
                "updates": updates,
                "created_at": recommendation.created_at,
            }
        )
    return items


def status_counts(items: list[dict]) -> list[tuple[str, int]]:
    counts = [
        (status.label, sum(1 for item in items if item["status"] == status.value))
        for status in RecommendationStatus
    ]
    return [(label, n) for label, n in counts if n]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def atom_feed(
    gathering: Gathering,
    items: list[dict],
    *,
    page_url: str,
    feed_url: str,
    author: str,
    published_at: datetime,
) -> bytes:
    """An Atom 1.0 feed (RFC 4287) with one entry per dated update, newest first."""
    import xml.etree.ElementTree as ET  # only when a feed is asked for

    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def child(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    updates = sorted(
        ((item, update) for item in items for update in item["updates"]),
        key=lambda pair: pair[1]["at"],
        reverse=True,
    )
    newest = max([published_at, *(u["at"] for _, u in updates)])
    child(feed, "title", f"You said, we did: {gathering.title}")
    child(feed, "subtitle", "What became of the recommendations from this gathering")
    child(feed, "id", page_url)
    child(feed, "updated", _iso(newest))
    child(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    child(feed, "link", rel="alternate", type="text/html", href=page_url)
    child(child(feed, "author"), "name", author)
    for item, update in updates:
        entry = child(feed, "entry")
        child(entry, "title", f"{update['status_label']}: {item['text'][:150]}")
        child(entry, "id", f"{page_url}#update-{update['id']}")
        child(entry, "updated", _iso(update["at"]))
        child(entry, "link", rel="alternate", type="text/html", href=f"{page_url}#rec-{item['id']}")
        summary = f"Status: {update['status_label']}."
        if update["note"]:
            summary += f" {update['note']}"
        child(entry, "summary", summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


# --- the weekly digest ----------------------------------------------------------------

DIGEST_EVERY = timedelta(days=7)


class NotAllowed(Exception):
    """Only people who agreed to be contacted after the gathering can ask for the digest."""


def subscription_of(registration: Registration) -> SaidDidSubscription | None:
    return db.session.scalar(
        select(SaidDidSubscription).where(
            SaidDidSubscription.gathering_id == registration.gathering_id,
            SaidDidSubscription.registration_id == registration.id,
        )
    )


def may_subscribe(registration: Registration) -> bool:
    return registration.consent_followup_at is not None and is_reachable(registration)


def subscribe(registration: Registration, *, now: datetime) -> SaidDidSubscription:
    if not may_subscribe(registration):
        raise NotAllowed("Only people who agreed to be contacted after the gathering can.")
    subscription = subscription_of(registration)
    if subscription is None:
        subscription = SaidDidSubscription(
            gathering_id=registration.gathering_id,
            registration_id=registration.id,
            subscribed_at=now,
        )
        db.session.add(subscription)
    return subscription


def unsubscribe(registration: Registration) -> None:
    subscription = subscription_of(registration)
    if subscription is not None:
        db.session.delete(subscription)


@every_sweep
def send_digests(*, now: datetime) -> int:
    """For every published page, each subscriber whose last digest is a week old (or who
    has had none) gets one email listing the updates since then, if there are any. Each
    subscription is claimed before its email is queued, so two sweeps cannot both send."""
    pages = db.session.scalars(
        select(SaidDidPage).where(SaidDidPage.published_at.is_not(None))
    ).all()
    queued = 0
    for page in pages:
        gathering = page.gathering
        items = None
        due = db.session.scalars(
            select(SaidDidSubscription)
            .join(Registration, Registration.id == SaidDidSubscription.registration_id)
            .where(
                SaidDidSubscription.gathering_id == gathering.id,
                reachable(statuses=None),
                Registration.consent_followup_at.is_not(None),
                or_(
                    SaidDidSubscription.last_sent_at.is_(None),
                    SaidDidSubscription.last_sent_at <= now - DIGEST_EVERY,
                ),
            )
            .order_by(SaidDidSubscription.id)
        ).all()
        for subscription in due:
            since = subscription.last_sent_at or subscription.subscribed_at
            if items is None:
                items = entries(gathering)
            news = [
                (item, update)
                for item in items
                for update in item["updates"]
                if update["at"] > since and update["at"] <= now
            ]
            if not news:
                continue
            claimed = db.session.execute(
                sql_update(SaidDidSubscription)
                .where(
                    SaidDidSubscription.id == subscription.id,
                    or_(
                        SaidDidSubscription.last_sent_at.is_(None),
                        SaidDidSubscription.last_sent_at == subscription.last_sent_at,
                    ),
                )
                .values(last_sent_at=now)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                continue
            _queue_digest(gathering, subscription.registration, news, now=now)
            queued += 1
        db.session.commit()
    return queued


def _queue_digest(gathering: Gathering, registration: Registration, news, *, now: datetime):
    context = {
        "name": registration.name,
        "gathering_title": gathering.title,
        "page_url": public_url("said_did.page", slug=gathering.slug),
        "news": [
            {
                "text": item["text"],
                "date_label": update["date_label"],
                "status_label": update["status_label"],
                "note": update["note"],
            }
            for item, update in news
        ],
        "contact_name": gathering.contact_name,
        "contact_email": gathering.contact_email,
        "contact_phone": gathering.contact_phone,
    }
    text = render_template("said_did/email/digest.txt", **context)
    queue_email(
        to=registration.email,
        subject=f"You said, we did: what changed – {gathering.title}",
        text=re.sub(r"\n{3,}", "\n\n", text).strip() + "\n",
        html=render_template("said_did/email/digest.html", **context),
        kind="said_did_digest",
        registration_id=registration.id,
        reply_to=gathering.contact_email,
        now=now,
        cause="The participant asked for the weekly digest of 'You said, we did'",
    )


def forget_subscribers(gathering_id: int) -> None:
    """Retention: nobody is subscribed to the gathering's page any more."""
    db.session.execute(
        delete(SaidDidSubscription)
        .where(SaidDidSubscription.gathering_id == gathering_id)
        .execution_options(synchronize_session=False)
    )
