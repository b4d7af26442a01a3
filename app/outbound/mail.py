"""Outbox and delivery.

`queue_email` only adds a row to the session; the caller's commit saves the email with
the change that caused it, and app.jobs hands the new row to a delivery job once that
commit is done (or the minute's sweep does, if the hand-over was lost). A message may be
recorded before it is written: `render_args` then tells the delivery job how to render
it (app.outbound.notifications), so the request only inserts. `deliver` (one job's messages) and
`deliver_due` (everything due, for `send-mail`) share the same claim. Each message is
claimed with a conditional UPDATE before sending and marked sent straight after, so two
workers never send the same row; a worker that dies mid-send leaves a claim that lapses
after MAIL_CLAIM_SECONDS, and the stable Message-ID lets receivers spot the rare repeat.

Without MAIL_SERVER, messages are written to instance/outbox/*.eml instead.
"""

from __future__ import annotations

import functools
import logging
import re
import secrets
import smtplib
import ssl
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.charset import QP, Charset
from email.encoders import encode_base64
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTPUTF8, Compat32
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import selectinload

from app.addresses import needs_smtputf8, normalise_email
from app.extensions import db
from app.models.core import Registration, utcnow
from app.models.mail import Attachment, MailStatus, OutboundEmail, encode_attachments

__all__ = [
    "Attachment",
    "DeliveryReport",
    "Outgoing",
    "deliver",
    "deliver_due",
    "init_app",
    "queue_email",
    "queue_emails",
    "queue_recorded",
    "retry",
    "retry_failed_now",
]

log = logging.getLogger(__name__)

MAIL_DEFAULTS: dict[str, object] = {
    "MAIL_TIMEOUT": 15,
    "MAIL_MAX_ATTEMPTS": 10,
    "MAIL_RETRY_BASE_SECONDS": 60,
    "MAIL_RETRY_MAX_SECONDS": 6 * 3600,
    "MAIL_CLAIM_SECONDS": 300,
    # How long an update (schedule, room) waits for a newer one to replace it.
    "MAIL_UPDATE_HOLD_SECONDS": 300,
}

_WHITESPACE = re.compile(r"\s+")


class PermanentFailure(Exception):
    """The server refused the message for good (5xx); retrying cannot help."""


def _one_line(value: str, limit: int) -> str:
    return _WHITESPACE.sub(" ", value).strip()[:limit]


def _single_address(value: str) -> str:
    address = parseaddr(value or "")[1]
    return address if "@" in address and not _WHITESPACE.search(address) else ""


def queue_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    attachments: Sequence[Attachment] = (),
    kind: str,
    registration_id: int | None = None,
    registration: Registration | None = None,
    reply_to: str = "",
    now: datetime | None = None,
    render_args: dict[str, Any] | None = None,
    cause: str = "",
    send_at: datetime | None = None,
) -> OutboundEmail:
    """Add an email to the outbox in the current session. Never commits. `send_at`
    holds it back until then (updates wait a little, so that later changes replace them)."""
    email = OutboundEmail(
        **_outbox_row(
            to=to,
            subject=subject,
            text=text,
            html=html,
            kind=kind,
            registration_id=registration_id,
            reply_to=reply_to,
            moment=now or utcnow(),
            sender_domain=_sender_domain(),
            cause=cause,
            send_at=send_at,
        ),
        render_args=render_args,
    )
    if registration is not None:
        email.registration = registration
    email.attachments = list(attachments)
    db.session.add(email)
    return email


def queue_recorded(
    *,
    to: str,
    subject: str,
    kind: str,
    registration_id: int,
    render_args: dict[str, Any],
    reply_to: str = "",
    cause: str = "",
    send_at: datetime | None = None,
) -> None:
    """A message the delivery job will render (`render_args`) about a registration already
    saved: `queue_email` with one INSERT on the session's connection instead of an object
    for the session to flush, handed to delivery once the session commits. Never commits."""
    from app.jobs import dispatch_after_commit

    row = _outbox_row(
        to=to,
        subject=subject,
        text="",
        html="",
        kind=kind,
        registration_id=registration_id,
        reply_to=reply_to,
        moment=utcnow(),
        sender_domain=_sender_domain(),
        cause=cause,
        send_at=send_at,
    )
    email_id = (
        db.session.connection()
        .execute(_INSERT_RECORDED, {**row, "render_args": render_args})
        .scalar_one()
    )
    dispatch_after_commit("email", email_id, "mail")


_INSERT_RECORDED = insert(OutboundEmail.__table__).returning(OutboundEmail.__table__.c.id)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One finished message for `queue_emails`."""

    to: str
    subject: str
    text: str
    html: str
    kind: str
    registration_id: int | None = None
    reply_to: str = ""
    attachments: Sequence[Attachment] = ()


def queue_emails(
    messages: Sequence[Outgoing], *, now: datetime, cause: str = "", send_at: datetime | None = None
) -> None:
    """Add many finished emails to the outbox with one INSERT (for fan-outs); like
    `queue_email`, they are handed to delivery once the session commits. Never commits."""
    if not messages:
        return
    from app.jobs import dispatch_after_commit

    sender_domain = _sender_domain()
    rows = [
        {
            **_outbox_row(
                to=message.to,
                subject=message.subject,
                text=message.text,
                html=message.html,
                kind=message.kind,
                registration_id=message.registration_id,
                reply_to=message.reply_to,
                moment=now,
                sender_domain=sender_domain,
                cause=cause,
                send_at=send_at,
            ),
            "attachments_json": encode_attachments(list(message.attachments)),
        }
        for message in messages
    ]
    ids = db.session.scalars(insert(OutboundEmail).returning(OutboundEmail.id), rows).all()
    for email_id in ids:
        dispatch_after_commit("email", email_id, "mail")


def sender_address() -> str:
    """The address our emails come from, as a person would look for it in their inbox."""
    return _sender_parts(str(current_app.config.get("MAIL_DEFAULT_SENDER") or ""))[1]


def _sender_domain() -> str:
    address = sender_address()
    return address.rsplit("@", 1)[1] if "@" in address else ""


@functools.lru_cache(maxsize=8)
def _sender_parts(sender: str) -> tuple[str, str]:
    """MAIL_DEFAULT_SENDER's From header and its address (the envelope's sender), parsed
    once rather than for every message of every run."""
    name, address = parseaddr(sender)
    return formataddr((name, address), charset="utf-8"), address


def _outbox_row(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    kind: str,
    registration_id: int | None,
    reply_to: str,
    moment: datetime,
    sender_domain: str,
    cause: str = "",
    send_at: datetime | None = None,
) -> dict[str, Any]:
    address = normalise_email(to)
    if not address or "@" not in address or _WHITESPACE.search(address):
        raise ValueError(f"not an email address: {to!r}")
    domain = sender_domain or address.rsplit("@", 1)[1]
    return {
        "message_id": f"<{secrets.token_hex(16)}@{domain}>",
        "to_address": address,
        "reply_to": _single_address(reply_to),
        "subject": _one_line(subject, 300),
        "text_body": text,
        "html_body": html,
        "kind": kind,
        "registration_id": registration_id,
        "status": MailStatus.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": send_at or moment,
        "created_at": moment,
        "cause": _one_line(cause, 200),
    }


def retry(email: OutboundEmail, *, now: datetime) -> None:
    """An organiser's "retry": due now, with a fresh allowance of attempts."""
    if email.status == MailStatus.SENT:
        return
    email.status = MailStatus.QUEUED.value
    email.next_attempt_at = now
    email.attempts = 0
    email.claim_token = None
    email.claimed_until = None
    from app.jobs import dispatch_after_commit

    dispatch_after_commit("email", email.id, "mail")


# --- building the MIME message -------------------------------------------------------


def _split_mimetype(mimetype: str) -> tuple[str, str, dict[str, str]]:
    kind, *raw_params = [part.strip() for part in mimetype.split(";")]
    maintype, _, subtype = kind.partition("/")
    params = {}
    for raw in raw_params:
        name, _, value = raw.partition("=")
        if name:
            params[name.strip().lower()] = value.strip().strip('"')
    return maintype or "application", subtype or "octet-stream", params


def build_message(email: OutboundEmail, *, sender: str) -> Message:
    """multipart/mixed[alternative[text, html, text/calendar], invite.ics]: the shape
    Outlook, Gmail and Apple Mail all recognise as an invitation.

    Built with the email package's classic classes, which take a third of the time of
    EmailMessage (that parses every header it is given). A non-ASCII mailbox (allowed
    only with MAIL_SMTPUTF8) needs raw UTF-8 headers, which only EmailMessage writes;
    smtplib then asks the server for SMTPUTF8."""
    if needs_smtputf8(email.to_address) or not email.reply_to.isascii():
        return _international_message(email, sender=sender)
    body = MIMEMultipart("alternative", boundary=_boundary())
    body.attach(MIMEText(email.text_body, "plain", _QUOTED_PRINTABLE_UTF8))
    body.attach(MIMEText(email.html_body, "html", _QUOTED_PRINTABLE_UTF8))
    files = []
    for attachment in email.attachments:
        maintype, subtype, params = _split_mimetype(attachment.mimetype)
        if (maintype, subtype) == ("text", "calendar"):
            params.setdefault("charset", "UTF-8")
            body.attach(_base64_part(attachment.content, "text/calendar", **params))
            maintype, subtype, params = "application", "ics", {}
        part = _base64_part(attachment.content, f"{maintype}/{subtype}", **params)
        filename = attachment.filename
        part.add_header(
            "Content-Disposition",
            "attachment",
            filename=filename if filename.isascii() else ("utf-8", "", filename),
        )
        files.append(part)
    message = body
    if files:
        message = MIMEMultipart("mixed", boundary=_boundary())
        message.attach(body)
        for part in files:
            message.attach(part)
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]  # said once, at the top
    message["From"] = _sender_parts(sender)[0]
    message["To"] = email.to_address
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    subject = email.subject
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    message["Date"] = format_datetime(email.created_at)
    message["Message-ID"] = email.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.policy = _SHORT_HEADERS_AS_THEY_ARE  # smtplib writes it out with this policy
    return message


class _ShortHeadersAsTheyAre(Compat32):
    """The classic policy, except that a short ASCII header, which it would write out
    unchanged, is written at once. Its folding builds a Header object for every header of
    every part, twenty-odd a message: a quarter of the time smtplib spends writing one."""

    def fold_binary(self, name: str, value) -> bytes:
        if (
            isinstance(value, str)
            and value.isascii()
            and value.isprintable()  # no line breaks, tabs or control characters
            and len(name) + len(value) + 2 <= self.max_line_length - 2
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_SHORT_HEADERS_AS_THEY_ARE = _ShortHeadersAsTheyAre()


_QUOTED_PRINTABLE_UTF8 = Charset("utf-8")
_QUOTED_PRINTABLE_UTF8.body_encoding = QP


def _boundary() -> str:
    """A part boundary that cannot occur in the parts: every part here is quoted-printable
    or base64, and neither ever writes "=_". Given one, the email package does not search
    the text for its own random boundary with a regular expression compiled per part
    (about 0.2 ms a message, a third of writing it out)."""
    return "=_" + secrets.token_hex(16)


def _base64_part(content: bytes, mimetype: str, **params: str) -> Message:
    maintype, subtype = mimetype.split("/", 1)
    part = MIMEBase(maintype, subtype, **params)
    part.set_payload(content)
    encode_base64(part)
    return part


def _international_message(email: OutboundEmail, *, sender: str) -> EmailMessage:
    """The same message with UTF-8 headers, for a mailbox with non-ASCII letters."""
    message = EmailMessage(policy=SMTPUTF8)
    message["From"] = sender
    username, _, domain = email.to_address.rpartition("@")
    message["To"] = Address(username=username, domain=domain)
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(email.created_at)
    message["Message-ID"] = email.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text_body, cte="quoted-printable")
    message.add_alternative(email.html_body, subtype="html", cte="quoted-printable")
    attachments = email.attachments
    for attachment in attachments:
        maintype, subtype, params = _split_mimetype(attachment.mimetype)
        if (maintype, subtype) == ("text", "calendar"):
            params.setdefault("charset", "UTF-8")
            message.add_alternative(
                attachment.content, maintype, subtype, params=params, cte="base64"
            )
    for attachment in attachments:
        maintype, subtype, params = _split_mimetype(attachment.mimetype)
        if (maintype, subtype) == ("text", "calendar"):
            maintype, subtype, params = "application", "ics", {}
        message.add_attachment(
            attachment.content,
            maintype,
            subtype,
            filename=attachment.filename,
            params=params,
        )
    return message


# --- delivery ------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    errors: list[str] = field(default_factory=list)
    retry_at: dict[int, datetime] = field(default_factory=dict)

    def summary(self) -> str:
        return f"sent {self.sent}, failed {self.failed} (will retry), gave up {self.gave_up}"


def _due(now: datetime):
    waiting = MailStatus.QUEUED, MailStatus.FAILED
    return or_(
        and_(OutboundEmail.status.in_(waiting), OutboundEmail.next_attempt_at <= now),
        and_(OutboundEmail.status == MailStatus.SENDING, OutboundEmail.claimed_until < now),
    )


def _claim(
    now: datetime, limit: int, ids: Sequence[int] | None = None
) -> tuple[str, list[OutboundEmail]]:
    """Claim due messages (the given ones, or up to `limit` of any) for this worker,
    committed before any is sent. The claiming UPDATE returns the rows it took, and the
    people and gatherings they are about follow in one more query: a delivery run that
    keeps them through its commits (`_kept_through_commits`) reads nothing else."""
    config = current_app.config
    token = secrets.token_hex(16)
    # The lease runs on the real clock: a long run must not hold claims that look stale.
    lease = max(now, utcnow()) + timedelta(seconds=int(config["MAIL_CLAIM_SECONDS"]))
    if ids is None:
        ids = db.session.scalars(
            select(OutboundEmail.id)
            .where(_due(now))
            .order_by(OutboundEmail.next_attempt_at, OutboundEmail.id)
            .limit(limit)
        ).all()
    if not ids:
        db.session.commit()
        return token, []
    claimed = db.session.scalars(
        update(OutboundEmail)
        .where(OutboundEmail.id.in_(list(ids)), _due(now))
        .values(status=MailStatus.SENDING.value, claim_token=token, claimed_until=lease)
        .returning(OutboundEmail)
        .options(selectinload(OutboundEmail.registration).joinedload(Registration.gathering)),
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).all()
    db.session.commit()
    return token, sorted(claimed, key=lambda email: email.id)


@contextmanager
def _kept_through_commits() -> Iterator[None]:
    """Each message's outcome is committed as soon as it is sent, and a commit expires
    everything the session holds: each message would then load its row, its person and
    their gathering again, the queries the claim's loading is there to save. What was
    loaded stays for the run, which ends with it expired; what was loaded before it is
    expired first, as the claim's commit would have done."""
    session = db.session()
    session.flush()
    session.expire_all()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = expire_on_commit
        session.expire_all()


def _backoff(attempts: int) -> timedelta:
    config = current_app.config
    base = int(config["MAIL_RETRY_BASE_SECONDS"])
    ceiling = int(config["MAIL_RETRY_MAX_SECONDS"])
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), ceiling))


def _finish(email_id: int, token: str, values: dict) -> None:
    """Record a message's outcome (if this run still holds its claim) and commit: run on
    the session's connection, as it touches no loaded object the session should know of."""
    parameters = {f"new_{name}": value for name, value in values.items()}
    db.session.connection().execute(
        _finish_statement(tuple(values)), {"email_id": email_id, "token": token, **parameters}
    )
    db.session.commit()


@functools.cache
def _finish_statement(names: tuple[str, ...]):
    """Built once for each set of columns an outcome writes (a message sent, one failed)."""
    table = OutboundEmail.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("email_id"), table.c.claim_token == bindparam("token"))
        .values(
            claim_token=None,
            claimed_until=None,
            **{name: bindparam(f"new_{name}") for name in names},
        )
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One per process: reading the system's certificates takes tens of milliseconds,
    far more than sending a message."""
    return ssl.create_default_context()


class _Transport:
    """One SMTP connection per delivery run, opened on first use; or the .eml folder."""

    def __init__(self, app: Flask, *, sender: str) -> None:
        self.config = app.config
        self.outbox = Path(app.instance_path) / "outbox"
        self.connection: smtplib.SMTP | None = None
        self.envelope_sender = _sender_parts(sender)[1]

    def send(self, email: OutboundEmail, message: Message) -> None:
        if not self.config.get("MAIL_SERVER"):
            self._write_eml(email, message)
            return
        if self.connection is None:
            self.connection = self._connect()
        try:
            # The envelope is the one smtplib would parse out of From and To (a message
            # goes to its one recipient), given rather than parsed again per message.
            self.connection.send_message(message, self.envelope_sender, [email.to_address])
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(str(error)) from error
            raise
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            if error.smtp_code >= 500:
                raise PermanentFailure(str(error)) from error
            raise
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise

    def _connect(self) -> smtplib.SMTP:
        host = str(self.config["MAIL_SERVER"])
        port = int(self.config.get("MAIL_PORT") or 25)
        timeout = float(self.config["MAIL_TIMEOUT"])
        if self.config.get("MAIL_USE_SSL"):
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=_tls_context()
            )
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
            if self.config.get("MAIL_USE_TLS"):
                connection.starttls(context=_tls_context())
        if self.config.get("MAIL_USERNAME"):
            connection.login(
                str(self.config["MAIL_USERNAME"]), str(self.config.get("MAIL_PASSWORD") or "")
            )
        return connection

    def _write_eml(self, email: OutboundEmail, message: Message) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        stamp = email.created_at.strftime("%Y%m%dT%H%M%S")
        kind = re.sub(r"[^a-z0-9_-]+", "-", email.kind.lower())
        target = self.outbox / f"{stamp}-{email.id:06d}-{kind}.eml"
        partial = target.with_suffix(".eml.part")
        partial.write_bytes(message.as_bytes())
        partial.replace(target)

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


def retry_failed_now(*, now: datetime) -> int:
    """Make every failed message that is still being retried due at once (after SMTP
    was fixed). Messages that gave up stay for an organiser to retry one by one."""
    result = db.session.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.status == MailStatus.FAILED,
            OutboundEmail.next_attempt_at.is_not(None),
            OutboundEmail.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def deliver_due(
    *, now: datetime, limit: int = 100, when_full: Callable[[], None] | None = None
) -> DeliveryReport:
    """Send messages that are due at `now`. Returns what happened; never raises for
    delivery problems, which are recorded on the rows instead. `when_full` is called once
    the batch is claimed if it took `limit` messages: more may be waiting, and another
    worker can start on them while this one sends."""
    with _kept_through_commits():
        token, claimed = _claim(now, limit)
        if when_full is not None and len(claimed) >= limit:
            when_full()
        return _send_claimed(token, claimed, now=now)


def deliver(email_ids: Sequence[int], *, now: datetime) -> DeliveryReport:
    """Send those of the given messages that are still due (a delivery job's batch)."""
    with _kept_through_commits():
        return _send_claimed(*_claim(now, len(email_ids), ids=email_ids), now=now)


def _render_if_recorded(email: OutboundEmail, *, now: datetime, composers: dict) -> dict:
    """Render a message a request only recorded, just before it is sent. Returns the
    columns the rendering filled in, saved with the "sent" mark (and thrown away if
    sending fails). `composers` keeps what the batch's messages of one kind for one
    gathering share."""
    if email.render_args is None:
        return {}
    from app.outbound.notifications import render_recorded

    render_recorded(email, now=now, composers=composers)
    email.render_args = None
    return {
        "subject": email.subject,
        "text_body": email.text_body,
        "html_body": email.html_body,
        "attachments_json": email.attachments_json,
        "render_args": None,
    }


def _send_claimed(token: str, claimed: list[OutboundEmail], *, now: datetime) -> DeliveryReport:
    app = current_app._get_current_object()
    config = app.config
    report = DeliveryReport()
    if not claimed:
        return report
    sender = str(config.get("MAIL_DEFAULT_SENDER") or "no-reply@gathering.invalid")
    transport = _Transport(app, sender=sender)
    composers: dict = {}
    try:
        for email in claimed:
            email_id = email.id
            try:
                rendered = _render_if_recorded(email, now=now, composers=composers)
                transport.send(email, build_message(email, sender=sender))
            except Exception as error:  # noqa: BLE001 - any failure is recorded and retried
                attempts = email.attempts + 1
                permanent = isinstance(error, PermanentFailure)
                give_up = permanent or attempts >= int(config["MAIL_MAX_ATTEMPTS"])
                message = f"{type(error).__name__}: {error}"[:1000]
                next_at = None if give_up else now + _backoff(attempts)
                db.session.expire(email)
                _finish(
                    email_id,
                    token,
                    {
                        "status": MailStatus.FAILED.value,
                        "attempts": attempts,
                        "last_error": message,
                        "next_attempt_at": next_at,
                    },
                )
                report.errors.append(f"#{email_id} to {email.to_address}: {message}")
                if give_up:
                    report.gave_up += 1
                else:
                    report.failed += 1
                    report.retry_at[email_id] = next_at
                log.warning("email %s failed: %s", email_id, message)
            else:
                attempts = email.attempts + 1
                # The rendering goes in with the "sent" mark, in one UPDATE: the object
                # keeps no change of its own for the commit to flush.
                db.session.expire(email)
                _finish(
                    email_id,
                    token,
                    {
                        **rendered,
                        "status": MailStatus.SENT.value,
                        "attempts": attempts,
                        "sent_at": now,
                        "last_error": "",
                        "next_attempt_at": None,
                    },
                )
                report.sent += 1
    finally:
        transport.close()
    return report


def status_counts(gathering_id: int) -> dict[str, int]:
    """How many of the messages to a gathering's registrants are in each state."""
    rows = db.session.execute(
        select(OutboundEmail.status, func.count(OutboundEmail.id))
        .join(Registration, OutboundEmail.registration_id == Registration.id)
        .where(Registration.gathering_id == gathering_id)
        .group_by(OutboundEmail.status)
    )
    return dict(rows.all())


MAIL_STATES = {
    "queued": "Waiting to be sent",
    "sending": "Being sent",
    "sent": "Delivered to the mail server",
    "failed": "Failed, will retry",
}


def mail_state(email: OutboundEmail) -> str:
    """How an outbox row's delivery reads to an organiser."""
    if email.gave_up:
        bounced = email.last_error[:1] == "5" or "refused" in email.last_error.lower()
        return "Bounced" if bounced else "Failed"
    return MAIL_STATES.get(email.status, email.status)


def init_app(app: Flask) -> None:
    from app.jobs import MailDelivery, use_mail_delivery

    for name, value in MAIL_DEFAULTS.items():
        app.config.setdefault(name, value)
    use_mail_delivery(MailDelivery(deliver=deliver, deliver_due=deliver_due))
