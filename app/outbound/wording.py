"""Organisers' wording for emails: simple Markdown with placeholders.

Markdown is rendered first and the placeholders filled in afterwards, escaped for HTML,
so a participant's name is never read as Markdown or markup."""

import re
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import select

from app.extensions import db
from app.markdown import render_markdown
from app.models import EmailTemplate, Registration
from app.timefmt import long_date, time_range

PLACEHOLDERS = {
    "name": "the person's name",
    "gathering": "the gathering's title",
    "date": "the date",
    "times": "the start and end times, with the zone",
    "room": "their breakout room (empty if none yet)",
    "manage_link": "their private link to see, change or cancel",
    "meeting_link": "the meeting link",
}
LINKS = {"manage_link", "meeting_link"}


@dataclass(frozen=True)
class StandardEmail:
    kind: str  # the notification kind it replaces the wording of
    label: str
    subject: str
    body: str


STANDARD_EMAILS = {
    "confirmation": StandardEmail(
        "registration_confirmed",
        "Confirmation",
        "You are registered",
        "Thank you for registering for {gathering} on {date}, {times}. "
        "Your calendar invitation is attached.",
    ),
    "waitlist": StandardEmail(
        "registration_waitlisted",
        "Waitlist",
        "You are on the waitlist",
        "The gathering is full, so you are on the waitlist. "
        "We will email you as soon as a place opens.",
    ),
    "promotion": StandardEmail(
        "promoted",
        "Promotion from the waitlist",
        "A place opened: you are registered",
        "Good news: a place opened and your registration for {gathering} is now confirmed.",
    ),
    "reminder": StandardEmail(
        "reminder",
        "Reminder",
        "Reminder",
        "A reminder that {gathering} is on {date}, {times}. "
        "Your calendar invitation is attached again.",
    ),
}
KIND_TO_TEMPLATE = {email.kind: key for key, email in STANDARD_EMAILS.items()}


def values_for(registration: Registration, *, manage_url: str) -> dict[str, str]:
    gathering = registration.gathering
    room = registration.breakout_for_invite
    zone = gathering.timezone
    return {
        "name": registration.name,
        "gathering": gathering.title,
        "date": long_date(gathering.starts_at, zone),
        "times": time_range(gathering.starts_at, gathering.ends_at, zone),
        "room": room.title if room is not None else "",
        "manage_link": manage_url,
        "meeting_link": gathering.meeting_url,
    }


_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_ANY_BRACES = re.compile(r"\{([^{}\n]{0,60})\}")


def unknown_placeholders(text: str) -> list[str]:
    """Every {…} in `text` that is not a known placeholder (a misspelling, another
    tool's field), each once, in order: they would reach people as typed."""
    found = []
    for match in _ANY_BRACES.finditer(text or ""):
        if match.group(1) not in PLACEHOLDERS and match.group(0) not in found:
            found.append(match.group(0))
    return found


def placeholder_error(text: str) -> str | None:
    """The field error for unknown placeholders, naming the known ones; None if fine."""
    unknown = unknown_placeholders(text)
    if not unknown:
        return None
    known = ", ".join("{" + key + "}" for key in PLACEHOLDERS)
    which = ", ".join(unknown)
    word = "placeholder" if len(unknown) == 1 else "placeholders"
    return f"Unknown {word} {which}. The placeholders are {known}."


def fill_text(template: str, values: dict[str, str]) -> str:
    """One pass, so a value that looks like a placeholder stays as it is."""
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def _markdown_value(key: str, value: str, *, link_target: bool) -> str:
    """A value as Markdown source that renders as exactly that text: a link placeholder
    becomes the link itself (the target of `[text]({manage_link})`, else an autolink),
    any other value has its punctuation escaped, so a name is never read as Markdown."""
    if key in LINKS and value:
        url = value.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        return url if link_target else f"<{url.replace('<', '%3C').replace('>', '%3E')}>"
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", value)


def fill_html(markdown: str, values: dict[str, str]) -> Markup:
    """Fill the placeholders into the Markdown first, then render and sanitise it, so a
    placeholder may sit inside a link (`[Join]({manage_link})`); filled afterwards, the
    sanitiser had already dropped such a link as relative."""

    def fill(match: re.Match) -> str:
        key = match.group(1)
        link_target = markdown[max(0, match.start() - 2) : match.start()] == "]("
        return _markdown_value(key, values[key], link_target=link_target)

    return render_markdown(_PLACEHOLDER.sub(fill, markdown))


def render(subject: str, body: str, values: dict[str, str]) -> tuple[str, str, Markup]:
    """(subject, plain text, HTML) for one person."""
    return fill_text(subject, values), fill_text(body, values), fill_html(body, values)


def template_for(gathering_id: int, key: str) -> EmailTemplate | None:
    return db.session.scalar(
        select(EmailTemplate).where(
            EmailTemplate.gathering_id == gathering_id, EmailTemplate.kind == key
        )
    )


def wording_for(gathering_id: int, kind: str) -> EmailTemplate | None:
    """The organiser's wording for this kind of email, if they wrote one."""
    key = KIND_TO_TEMPLATE.get(kind)
    return template_for(gathering_id, key) if key is not None else None
