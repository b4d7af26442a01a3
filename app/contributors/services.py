"""Contributors' recognition plans: the honorarium schedule, saving a plan, moving it
through its statuses, the contributor's private link and the finance CSV's rows.
Plain functions: they never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import AgendaItem, Gathering, Registration
from app.models.contributors import (
    DEFAULT_RATES,
    Contributor,
    ContributorRole,
    ContributorStatus,
    HonorariumLevel,
    HonorariumRate,
    PaymentMethod,
    Recognition,
)
from app.outbound.tokens import hash_token, new_token, well_formed

STEPS = list(ContributorStatus)


class PlanError(Exception):
    """A change the plan's state does not allow; the message says why."""


def rates_for(gathering: Gathering) -> dict[str, int]:
    """CAD cents per hour by engagement level, for the gathering's community."""
    stored = db.session.scalars(
        select(HonorariumRate).where(_community_is(gathering.community_id))
    ).all()
    rates = {str(level): cents for level, cents in DEFAULT_RATES.items()}
    rates.update({row.level: row.hourly_cents for row in stored})
    return rates


def _community_is(community_id: int | None):
    if community_id is None:
        return HonorariumRate.community_id.is_(None)
    return HonorariumRate.community_id == community_id


def save_rates(gathering: Gathering, rates: dict[str, int]) -> None:
    """Changes the schedule for plans saved from now on; agreed amounts stay."""
    stored = {
        row.level: row
        for row in db.session.scalars(
            select(HonorariumRate).where(_community_is(gathering.community_id))
        )
    }
    for level in HonorariumLevel:
        cents = rates[level.value]
        if level.value in stored:
            stored[level.value].hourly_cents = cents
        else:
            db.session.add(
                HonorariumRate(
                    community_id=gathering.community_id, level=level.value, hourly_cents=cents
                )
            )


def honorarium_cents(rates: dict[str, int], level: str | None, minutes: int) -> int:
    if not level or level not in rates:
        return 0
    return round(rates[level] * minutes / 60)


@dataclass
class PlanData:
    name: str
    role: str
    recognition: str
    email: str = ""
    registration_id: int | None = None
    agenda_item_ids: list[int] = field(default_factory=list)
    honorarium_level: str | None = None
    minutes: int = 0
    expenses_claimed_cents: int = 0
    expenses_approved_cents: int = 0
    protocol_honorarium: bool = False
    protocol_gift: bool = False
    protocol_tobacco: bool = False
    support_person: str = ""
    preparation_call_on: date | None = None
    preferred_name: str = ""
    nation: str = ""
    named_in_thanks: bool = False
    notes: str = ""


def contributors_of(gathering: Gathering) -> list[Contributor]:
    return list(
        db.session.scalars(
            select(Contributor)
            .where(Contributor.gathering_id == gathering.id)
            .order_by(Contributor.role, Contributor.name, Contributor.id)
        )
    )


def save_plan(
    gathering: Gathering, data: PlanData, *, contributor: Contributor | None = None
) -> Contributor:
    """Add a contributor (contributor=None) or change one's plan. The honorarium is worked
    out again from the current schedule only when what it depends on changed."""
    if data.role not in ContributorRole.__members__.values():
        raise PlanError("Choose a role.")
    if data.recognition not in Recognition.__members__.values():
        raise PlanError("Choose how the person is recognised.")
    if data.registration_id is not None:
        registration = db.session.get(Registration, data.registration_id)
        if registration is None or registration.gathering_id != gathering.id:
            raise PlanError("Choose one of this gathering's registrations.")
    items = []
    if data.agenda_item_ids:
        items = list(
            db.session.scalars(
                select(AgendaItem).where(
                    AgendaItem.id.in_(data.agenda_item_ids),
                    AgendaItem.gathering_id == gathering.id,
                )
            )
        )
        if len(items) != len(set(data.agenda_item_ids)):
            raise PlanError("Choose agenda items of this gathering.")
    honorarium = data.recognition == Recognition.HONORARIUM
    level = data.honorarium_level if honorarium else None
    minutes = data.minutes if honorarium else 0
    amount = honorarium_cents(rates_for(gathering), level, minutes)
    if contributor is None:
        contributor = Contributor(
            gathering=gathering, honorarium_cents=amount, status=ContributorStatus.AGREED.value
        )
        db.session.add(contributor)
    elif (
        contributor.honorarium_level != level
        or contributor.minutes != minutes
        or contributor.recognition != data.recognition
    ):
        contributor.honorarium_cents = amount
    contributor.name = data.name
    contributor.email = data.email
    contributor.role = data.role
    contributor.registration_id = data.registration_id
    contributor.agenda_items = items
    contributor.recognition = data.recognition
    contributor.honorarium_level = level
    contributor.minutes = minutes
    contributor.expenses_claimed_cents = data.expenses_claimed_cents
    contributor.expenses_approved_cents = min(
        data.expenses_approved_cents, data.expenses_claimed_cents
    )
    elder = data.role == ContributorRole.ELDER
    contributor.protocol_honorarium = elder and data.protocol_honorarium
    contributor.protocol_gift = elder and data.protocol_gift
    contributor.protocol_tobacco = elder and data.protocol_tobacco
    contributor.support_person = data.support_person if elder else ""
    contributor.preparation_call_on = data.preparation_call_on if elder else None
    contributor.preferred_name = data.preferred_name
    contributor.nation = data.nation
    contributor.named_in_thanks = data.named_in_thanks
    contributor.notes = data.notes
    return contributor


def needs_payment(contributor: Contributor) -> bool:
    return contributor.payable_cents > 0


def next_step(contributor: Contributor) -> ContributorStatus | None:
    """The status the plan moves to next; paying is skipped when nothing is owed."""
    position = STEPS.index(ContributorStatus(contributor.status))
    for step in STEPS[position + 1 :]:
        if step == ContributorStatus.PAID and not needs_payment(contributor):
            continue
        return step
    return None


def advance(
    contributor: Contributor,
    to: str,
    *,
    now: datetime,
    paid_on: date | None = None,
    payment_method: str = "",
    payment_reference: str = "",
) -> None:
    """Move the plan one step on: agreed -> delivered on the day -> paid -> thanked."""
    step = next_step(contributor)
    if step is None or to != step.value:
        raise PlanError(
            "This plan has moved on since the page was loaded; reload it and try again."
            if step is not None
            else "This plan is complete."
        )
    if step == ContributorStatus.DELIVERED:
        contributor.delivered_at = now
    elif step == ContributorStatus.PAID:
        if paid_on is None:
            raise PlanError("Enter the date it was paid.")
        if payment_method not in PaymentMethod.__members__.values():
            raise PlanError("Choose how it was paid.")
        if paid_on > now.date():
            raise PlanError("The payment date cannot be in the future.")
        contributor.paid_on = paid_on
        contributor.payment_method = payment_method
        contributor.payment_reference = payment_reference
    elif step == ContributorStatus.THANKED:
        contributor.thanked_at = now
    contributor.status = step.value


def issue_link(contributor: Contributor) -> str:
    """A new private link; the previous one stops working."""
    raw = new_token()
    contributor.token_hash = hash_token(raw)
    return raw


def find_by_token(raw: str) -> Contributor | None:
    if not well_formed(raw):
        return None
    return db.session.scalar(select(Contributor).where(Contributor.token_hash == hash_token(raw)))


def confirm_own_plan(
    contributor: Contributor,
    *,
    preferred_name: str,
    nation: str,
    named_in_thanks: bool,
    now: datetime,
) -> None:
    contributor.preferred_name = preferred_name
    contributor.nation = nation
    contributor.named_in_thanks = named_in_thanks
    contributor.confirmed_at = now


def money(cents: int | None) -> str:
    """ "$1,250.00" (CAD)."""
    return f"${(cents or 0) / 100:,.2f}"


def hours_label(minutes: int) -> str:
    hours = minutes / 60
    return f"{hours:g} h"


def protocol_label(contributor: Contributor) -> str:
    offered = [
        label
        for flag, label in (
            (contributor.protocol_honorarium, "honorarium"),
            (contributor.protocol_gift, "gift"),
            (contributor.protocol_tobacco, "tobacco"),
        )
        if flag
    ]
    return ", ".join(offered)


FINANCE_HEADERS = (
    "Name",
    "Role",
    "Recognition",
    "Engagement level",
    "Hours",
    "Honorarium (CAD)",
    "Expenses claimed (CAD)",
    "Expenses approved (CAD)",
    "To pay (CAD)",
    "Status",
    "Paid on",
    "Payment method",
    "Reference",
)


def finance_rows(gathering: Gathering) -> list[list[object]]:
    rows = []
    for c in contributors_of(gathering):
        honorarium = c.honorarium_cents if c.recognition == Recognition.HONORARIUM else 0
        rows.append(
            [
                c.name,
                ContributorRole.label_for(c.role),
                Recognition.label_for(c.recognition),
                HonorariumLevel.label_for(c.honorarium_level),
                f"{c.minutes / 60:.2f}" if c.minutes else "",
                f"{honorarium / 100:.2f}",
                f"{c.expenses_claimed_cents / 100:.2f}",
                f"{c.expenses_approved_cents / 100:.2f}",
                f"{c.payable_cents / 100:.2f}",
                ContributorStatus.label_for(c.status),
                c.paid_on.isoformat() if c.paid_on else "",
                PaymentMethod.label_for(c.payment_method),
                c.payment_reference,
            ]
        )
    return rows


ERASED_CONTRIBUTOR = "Erased contributor"


def erase_contributors(gathering_id: int) -> int:
    """Retention: contact and payment details go for everyone; the name and Nation stay
    only for those who agreed to be thanked by name in the report (what the report
    prints). Returns how many contributors the gathering had."""
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
