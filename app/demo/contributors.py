"""The demo's contributors: the 2022 gathering's Elder, two patient partners and its
speakers with plans in different states (thanked, paid, delivered, declined), and the
upcoming gathering's, still being agreed."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.contributors import services
from app.extensions import db
from app.models import Gathering
from app.models.contributors import Contributor


def _item(gathering: Gathering, title: str) -> list[int]:
    return [item.id for item in gathering.active_agenda if item.title == title]


def _plan(gathering: Gathering, **values) -> services.PlanData:
    items = values.pop("items", [])
    ids = [i for title in items for i in _item(gathering, title)]
    return services.PlanData(agenda_item_ids=ids, **values)


def seed_demo_contributors(past: Gathering, upcoming: Gathering, *, now: datetime) -> int:
    """Adds nothing to a gathering that already has contributors."""
    added = 0
    if not db.session.scalar(select(Contributor.id).where(Contributor.gathering_id == past.id)):
        added += _seed_past(past, now=past.ends_at)
    if not db.session.scalar(select(Contributor.id).where(Contributor.gathering_id == upcoming.id)):
        added += _seed_upcoming(upcoming)
    return added


def _paid(contributor: Contributor, *, day: datetime, paid_on: date, method: str, ref: str):
    services.advance(contributor, "delivered", now=day)
    services.advance(
        contributor,
        "paid",
        now=day + timedelta(days=30),
        paid_on=paid_on,
        payment_method=method,
        payment_reference=ref,
    )


def _seed_past(gathering: Gathering, *, now: datetime) -> int:
    day = gathering.starts_at
    elder = services.save_plan(
        gathering,
        _plan(
            gathering,
            name="Elder Rose Williams",
            email="rose.williams@example.org",
            role="elder",
            recognition="honorarium",
            honorarium_level="ceremony",
            minutes=120,
            items=["Opening prayer"],
            protocol_honorarium=True,
            protocol_tobacco=True,
            support_person="Her granddaughter, Kaylee",
            preparation_call_on=(day - timedelta(days=14)).date(),
            preferred_name="Elder Siyámiya Rose Williams",
            nation="Stó:lō Nation",
            named_in_thanks=True,
            notes="Opening prayer only; ceremony is not recorded. Tobacco given at the "
            "preparation call.",
        ),
    )
    _paid(elder, day=day, paid_on=(day + timedelta(days=9)).date(), method="cheque", ref="CHQ 2214")
    services.advance(elder, "thanked", now=day + timedelta(days=12))
    elder.confirmed_at = day - timedelta(days=10)

    first = services.save_plan(
        gathering,
        _plan(
            gathering,
            name="Amrit Gill",
            email="amrit.gill@example.org",
            role="patient_partner",
            recognition="honorarium",
            honorarium_level="share",
            minutes=180,
            items=["Patients' care stories (video)"],
            expenses_claimed_cents=4500,
            expenses_approved_cents=4500,
            preferred_name="Amrit",
            named_in_thanks=True,
            notes="Recorded her story by video in September; 3 h with preparation.",
        ),
    )
    _paid(
        first, day=day, paid_on=(day + timedelta(days=14)).date(), method="etransfer", ref="ET-5521"
    )
    first.confirmed_at = day - timedelta(days=20)

    second = services.save_plan(
        gathering,
        _plan(
            gathering,
            name="Jordan Thomas",
            email="jordan.thomas@example.org",
            role="patient_partner",
            recognition="declined",
            items=["Patients' care stories (video)"],
            expenses_claimed_cents=2800,
            expenses_approved_cents=2000,
            named_in_thanks=False,
            notes="Declined an honorarium; parking and childcare receipts ($20 approved).",
        ),
    )
    services.advance(second, "delivered", now=day)
    speakers = [
        ("Dr. Maya Chen", "Ministry of Health update", "delivered"),
        ("Priya Natarajan", "Perinatal Services BC", "thanked"),
    ]
    for name, item, status in speakers:
        speaker = services.save_plan(
            gathering,
            _plan(
                gathering,
                name=name,
                role="speaker",
                recognition="not_applicable",
                items=[item],
                named_in_thanks=status == "thanked",
            ),
        )
        services.advance(speaker, "delivered", now=day)
        if status == "thanked":
            services.advance(speaker, "thanked", now=day + timedelta(days=3))
    note_taker = services.save_plan(
        gathering,
        _plan(gathering, name="Sam Okafor", role="note_taker", recognition="not_applicable"),
    )
    services.advance(note_taker, "delivered", now=day)
    return 6


def _seed_upcoming(gathering: Gathering) -> int:
    services.save_plan(
        gathering,
        _plan(
            gathering,
            name="Elder Rose Williams",
            role="elder",
            recognition="honorarium",
            honorarium_level="ceremony",
            minutes=120,
            protocol_honorarium=True,
            protocol_gift=True,
            preferred_name="Elder Siyámiya Rose Williams",
            nation="Stó:lō Nation",
            named_in_thanks=True,
            notes="Preparation call to book two weeks before.",
        ),
    )
    services.save_plan(
        gathering,
        _plan(
            gathering,
            name="Amrit Gill",
            role="patient_partner",
            recognition="honorarium",
            honorarium_level="advise",
            minutes=240,
            items=["Welcome from the co-chairs"],
            notes="Co-planning the welcome with the co-chairs.",
        ),
    )
    services.save_plan(
        gathering,
        _plan(
            gathering,
            name="Dr. Maya Chen",
            role="speaker",
            recognition="not_applicable",
        ),
    )
    return 3
