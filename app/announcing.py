"""Asking before emailing. An organiser action that would email participants is worked
out in the transaction, shown as "This will email N people" with one rendered example of
each message, and rolled back; the confirm page posts the same form again with the
organiser's decision: send now, or save without emailing. Calendar sequences rise
either way, so subscribed calendars stay right even when nobody is emailed."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property

from flask import current_app, render_template, request
from sqlalchemy import func

from app.extensions import db
from app.models import AgendaItem, Gathering, Registration
from app.outbound import notifications
from app.reach import reachable_registrations

DECISION_FIELD = "announce"


class Decision(StrEnum):
    SEND = "send"
    QUIET = "quiet"


def decision() -> Decision | None:
    """The organiser's choice on the confirm page, or None before they have seen it."""
    value = request.form.get(DECISION_FIELD, "")
    return Decision(value) if value in {choice.value for choice in Decision} else None


def _no_example() -> None:
    return None


@dataclass(frozen=True)
class Notice:
    """One kind of message an action would send, to how many, with an example, which is
    rendered only when the organiser is asked (an action already decided skips it)."""

    kind: str
    label: str
    people: int
    render_example: Callable[[], dict[str, str] | None] = _no_example

    @cached_property
    def example(self) -> dict[str, str] | None:
        return self.render_example()

    @property
    def waits(self) -> bool:
        return self.kind in notifications.UPDATE_KINDS


def notice(
    kind: str,
    label: str,
    people: Sequence[Registration],
    *,
    now: datetime,
    count: int | None = None,
    **extra,
) -> Notice:
    """`people` are those who would get it (or, with `count`, the first of them)."""
    first = people[0] if people else None

    def render_example() -> dict[str, str] | None:
        return notifications.preview(first, kind, now=now, **extra) if first else None

    return Notice(kind, label, len(people) if count is None else count, render_example)


def _confirmed(gathering: Gathering) -> tuple[int, list[Registration]]:
    """How many people are confirmed, and the first of them for the example, which is
    only loaded while the organiser is still to be asked (a decided action shows none)."""
    reachable = reachable_registrations(gathering.id)  # confirmed, never erased
    # count(*) rather than of the ids: PostgreSQL can then count from the reachable index
    # alone (about 10 pages for 10,000 people rather than the whole table).
    count = db.session.scalar(reachable.with_only_columns(func.count())) or 0
    if not count or decision() is not None:
        return count, []
    first = db.session.scalar(reachable.order_by(Registration.id).limit(1))
    return count, [first] if first is not None else []


def schedule_notice(gathering: Gathering, *, now: datetime) -> Notice:
    """Everyone confirmed holds the gathering's invite: the updated one goes to all."""
    count, first = _confirmed(gathering)
    return notice(
        "schedule_changed",
        "the updated schedule with their calendar invitation",
        first,
        now=now,
        count=count,
    )


def removal_notice(
    gathering: Gathering, item: AgendaItem, headed_there: list[int] | None, *, now: datetime
) -> Notice:
    """A removed plenary concerns everyone confirmed; a breakout, who was headed there."""
    if headed_there is None:
        count, first = _confirmed(gathering)
    else:
        count = len(headed_there)
        first = [db.session.get(Registration, person_id) for person_id in headed_there[:1]]
    return notice(
        "item_removed",
        f"“{item.title}” is off the agenda",
        first,
        now=now,
        count=count,
        removed_title=item.title,
        removed_breakout=item.is_breakout,
    )


def needs_asking(notices: Sequence[Notice]) -> bool:
    return decision() is None and any(item.people for item in notices)


def _replayed_fields() -> list[tuple[str, str]]:
    """The form as it was posted, to post again from the confirm page."""
    return [
        (name, value)
        for name, values in request.form.lists()
        for value in values
        if name not in ("csrf_token", DECISION_FIELD)
    ]


def confirm_page(
    *,
    gathering: Gathering,
    title: str,
    what: str,
    notices: Sequence[Notice],
    back_url: str,
    save_label: str = "Save",
    quiet_allowed: bool = True,
):
    """Roll back the change worked out so far and show what it would send."""
    shown = [item for item in notices if item.people]
    # Each example is rendered from the change, so before it is rolled back.
    previews = [(item, item.example) for item in shown]
    db.session.rollback()
    hold = int(current_app.config["MAIL_UPDATE_HOLD_SECONDS"])
    return render_template(
        "organiser/announce.html",
        gathering=gathering,
        title=title,
        what=what,
        notices=shown,
        previews=previews,
        total=sum(item.people for item in shown),
        hold_minutes=max(1, round(hold / 60)) if any(item.waits for item in shown) else 0,
        fields=_replayed_fields(),
        action=request.path,
        back_url=back_url,
        save_label=save_label,
        quiet_allowed=quiet_allowed,
        decision_field=DECISION_FIELD,
    )


def outcome(notices: Sequence[Notice], chosen: Decision | None) -> str:
    """What the flash message says happened to the emails."""
    total = sum(item.people for item in notices)
    if not total:
        return "Nobody needed an email."
    people = "person" if total == 1 else "people"
    if chosen == Decision.SEND:
        return f"{total} {people} will be emailed (see the outbox)."
    return f"Nobody was emailed ({total} {people} could have been); calendars still update."
