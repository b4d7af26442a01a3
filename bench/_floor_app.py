"""The physical floor of a registration, for bench/registration.py to measure beside ours:
a bare Flask app on the same database that checks the form's fields, takes the gathering's
lock, counts the places, inserts the registration, its token and an email row (already
marked sent, so the job worker leaves it alone) with SQLAlchemy Core, and commits. No
forms library, ORM, sessions, templates, CSRF or jobs.

With FLOOR_SENDS_MAIL set, it also sends the confirmation itself after the commit, as the
embedded default's web processes do: a message of the same shape and size as ours (text,
HTML, the invitation inline and attached) built with the email package and sent with
smtplib to MAIL_SERVER:MAIL_PORT over one connection per process. No templates, no
calendar library: those are ours to count.

Run as `gunicorn bench._floor_app:app` with DATABASE_URL set to a migrated database."""

import hashlib
import os
import secrets
import smtplib
from datetime import UTC, datetime
from email.encoders import encode_base64
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from flask import Flask, abort, redirect, request
from sqlalchemy import create_engine, event, text

url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
engine = create_engine(url)
SQLITE = url.startswith("sqlite")

if SQLITE:

    @event.listens_for(engine, "connect")
    def _pragmas(connection, _record) -> None:
        connection.isolation_level = None  # BEGIN IMMEDIATE below takes the write lock
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "synchronous=NORMAL"):
            connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


SENDS_MAIL = bool(os.environ.get("FLOOR_SENDS_MAIL"))
# The sizes of our own confirmation (text, HTML, .ics), read from a bench run's outbox.
TEXT, HTML, INVITE = "x" * 605, "<p>" + "x" * 1955 + "</p>", b"BEGIN:VCALENDAR\r\n" * 109
_smtp: smtplib.SMTP | None = None


def send_confirmation(address: str, message_id: str) -> None:
    global _smtp
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(TEXT, "plain", "utf-8"))
    body.attach(MIMEText(HTML, "html", "utf-8"))
    inline = MIMEBase("text", "calendar", method="REQUEST", charset="UTF-8")
    inline.set_payload(INVITE)
    body.attach(inline)
    message = MIMEMultipart("mixed")
    message.attach(body)
    attached = MIMEBase("application", "ics")
    attached.set_payload(INVITE)
    attached.add_header("Content-Disposition", "attachment", filename="invite.ics")
    message.attach(attached)
    encode_base64(inline)
    encode_base64(attached)
    message["From"] = "Gathering manager <no-reply@gathering.invalid>"
    message["To"] = address
    message["Subject"] = "You are registered: Bench"
    message["Message-ID"] = message_id
    if _smtp is None:
        _smtp = smtplib.SMTP(os.environ["MAIL_SERVER"], int(os.environ["MAIL_PORT"]))
    _smtp.send_message(message)


FIELDS = ("name", "email", "role", "organisation_name", "organisation_type", "health_region")
app = Flask(__name__)


@app.post("/g/<slug>/register")
def register(slug: str):
    form = request.form
    if any(not form.get(field, "").strip() for field in FIELDS) or "@" not in form["email"]:
        abort(422)
    if form.get("consent_collection") != "y":
        abort(422)
    now = datetime.now(UTC).replace(tzinfo=None)
    token = secrets.token_urlsafe(32)
    with engine.begin() as db:
        gathering = db.execute(
            text(
                "UPDATE gatherings SET facts_version = facts_version + 1 WHERE slug = :slug "
                "RETURNING id, capacity"
            ),
            {"slug": slug},
        ).one_or_none()
        if gathering is None:
            abort(404)
        confirmed = db.execute(
            text(
                "SELECT count(*) FROM registrations WHERE gathering_id = :g "
                "AND status = 'confirmed'"
            ),
            {"g": gathering.id},
        ).scalar()
        if gathering.capacity is not None and confirmed >= gathering.capacity:
            abort(409)
        registration_id = db.execute(
            text(
                "INSERT INTO registrations (gathering_id, name, email, folded_name, "
                "folded_email, role, organisation_name, organisation_type, health_region, "
                "accessibility_needs, indigenous_identity, territory, consent_collection_at, "
                "status, calendar_uid, calendar_sequence, created_at, updated_at) VALUES "
                "(:g, :name, :email, :folded_name, :folded_email, :role, :organisation_name, "
                ":organisation_type, :health_region, '', '', '', :now, 'confirmed', :uid, 0, "
                ":now, :now) RETURNING id"
            ),
            {
                **{field: form[field].strip() for field in FIELDS},
                "email": form["email"].strip().lower(),
                "folded_name": form["name"].strip().casefold(),
                "folded_email": form["email"].strip().lower(),
                "g": gathering.id,
                "uid": secrets.token_hex(16),
                "now": now,
            },
        ).scalar()
        db.execute(
            text(
                "INSERT INTO manage_tokens (registration_id, token_hash, created_at) "
                "VALUES (:r, :hash, :now)"
            ),
            {"r": registration_id, "hash": hashlib.sha256(token.encode()).hexdigest(), "now": now},
        )
        db.execute(
            text(
                "INSERT INTO outbound_emails (message_id, to_address, reply_to, subject, "
                "text_body, html_body, attachments_json, kind, registration_id, status, "
                "attempts, last_error, created_at) VALUES (:message_id, :email, '', "
                "'You are registered', '', '', '[]', 'registration_confirmed', :r, 'sent', 0, "
                "'', :now)"
            ),
            {
                "message_id": f"<{token[:20]}@floor>",
                "email": form["email"],
                "r": registration_id,
                "now": now,
            },
        )
    if SENDS_MAIL:
        send_confirmation(form["email"], f"<{token[:20]}@floor>")
    return redirect(f"/r/{token}/confirmation", code=303)
