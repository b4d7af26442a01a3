"""The demo: the 29 November 2021 inaugural engagement event and the 20 October 2022
provincial gathering as they happened (about 150 registered in 2022 and 126 took part),
an upcoming gathering to try, and one account for each staff role.

People are generated from a seed per person, so person 17 is the same whatever N is, and
running the seed again adds only who is missing. Many of 2021's people come back in 2022."""

import random
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from app.auth.services import create_user, find_user
from app.breakouts.staffing import add_staff
from app.choices import (
    AgendaKind,
    HealthRegion,
    IndigenousIdentity,
    OrganisationType,
    PriorityArea,
    RegistrationStatus,
    Role,
    UserRole,
)
from app.demo.accommodations import seed_demo_accommodations
from app.demo.attendance import seed_demo_attendance
from app.demo.breakouts import DEMO_NOTES, INAUGURAL_NOTES, seed_demo_breakouts
from app.demo.community import seed_demo_community
from app.demo.contributors import seed_demo_contributors
from app.demo.evaluation import Comments, seed_demo_evaluation
from app.demo.meetings import seed_demo_meetings
from app.demo.said_did import seed_demo_said_did
from app.demo.value import seed_demo_engagement, seed_demo_value
from app.extensions import db
from app.models import AgendaItem, Gathering, Registration, StaffRole
from app.writer_lock import lock_gathering

PACIFIC = ZoneInfo("America/Vancouver")
DEMO_SLUG = "provincial-gathering-2022"
INAUGURAL_SLUG = "inaugural-engagement-2021"
UPCOMING_SLUG = "upcoming-gathering"
DEMO_REGISTRATIONS = 150
# Of the people registered for 2022, the share who took part: 126 of about 150.
TAKING_PART_2022 = 126 / 150
# The inaugural event was smaller; about 60% of its people came back in 2022.
SIZE_2021 = 0.64
TAKING_PART_2021 = 0.85
RETURNING_2021 = 0.6

LAND_ACKNOWLEDGEMENT = (
    "We gather from many places across the province now called British Columbia, on the "
    "traditional, ancestral and unceded territories of many First Nations. We are grateful "
    "to live, work and learn on these lands, and we commit to the ongoing work of "
    "reconciliation and culturally safe care for Indigenous families."
)

BREAKOUT_TITLES = {
    PriorityArea.PRIMARY_CARE_ACCESS: "A primary care provider for every mother-baby dyad",
    PriorityArea.CLOSER_TO_HOME: "Care and supports closer to home",
    PriorityArea.NEWBORN_CARE_PATH: "A newborn care path in each Primary Care Network",
    PriorityArea.POSTPARTUM_TRANSITION: "The transition to ongoing postpartum care",
    PriorityArea.SEAMLESS_TRANSITIONS: "Seamless transitions in care",
    PriorityArea.SHARING_PRACTICES: "Sharing best practices and learnings",
    PriorityArea.EDUCATION: "Education, knowledge translation and training",
}

# (start, end, title, presenter, description) in Pacific wall-clock time on the day.
AGENDA_2022 = [
    ("09:00", "09:10", "Welcome from the co-chairs", "CoP co-chairs", "Purpose of the day."),
    ("09:10", "09:20", "Opening prayer", "A Coast Salish Elder", "Ceremony is not recorded."),
    ("09:20", "09:35", "Ministry of Health update", "BC Ministry of Health", ""),
    (
        "09:35",
        "09:55",
        "Patients' care stories (video)",
        "Two patient partners",
        "Two families share their perinatal care journeys. Content note: these stories touch on "
        "difficult experiences.",
    ),
    ("09:55", "10:15", "Perinatal Services BC", "Perinatal Services BC", ""),
    ("10:15", "10:35", "The CoP strategic plan", "CoP working group", ""),
    ("10:35", "10:45", "Break", "", ""),
    ("12:00", "12:30", "Next steps and closing", "CoP co-chairs", ""),
]
BREAKOUT_TIME_2022 = ("10:45", "11:50")

AGENDA_2021 = [
    ("09:00", "09:10", "Welcome and introductions", "Shared Care Committee co-chairs", ""),
    ("09:10", "09:20", "Opening and land acknowledgement", "An Indigenous Elder", ""),
    (
        "09:20",
        "09:40",
        "Why a perinatal community of practice?",
        "Shared Care perinatal lead",
        "What the Divisions and health authorities asked for, and what a community of practice "
        "can do.",
    ),
    (
        "09:40",
        "10:00",
        "What we heard: the provincial perinatal engagement",
        "Project team",
        "Findings of the engagement survey and interviews held in 2021.",
    ),
    ("11:00", "11:30", "Priorities and next steps", "Shared Care Committee co-chairs", ""),
]
BREAKOUTS_2021 = [
    PriorityArea.PRIMARY_CARE_ACCESS,
    PriorityArea.CLOSER_TO_HOME,
    PriorityArea.POSTPARTUM_TRANSITION,
    PriorityArea.EDUCATION,
]
BREAKOUT_TIME_2021 = ("10:05", "10:55")

REGION_WEIGHTS = {
    HealthRegion.FRASER: 22,
    HealthRegion.VANCOUVER_COASTAL: 17,
    HealthRegion.ISLAND: 15,
    HealthRegion.INTERIOR: 15,
    HealthRegion.NORTHERN: 11,
    HealthRegion.PROVINCIAL: 15,
    HealthRegion.OUTSIDE_BC: 2,
    HealthRegion.PREFER_NOT: 3,
}
REGION_HSDAS = {
    HealthRegion.INTERIOR: ["11", "12", "13", "14"],
    HealthRegion.FRASER: ["21", "22", "23"],
    HealthRegion.VANCOUVER_COASTAL: ["31", "32", "33"],
    HealthRegion.ISLAND: ["41", "42", "43"],
    HealthRegion.NORTHERN: ["51", "52", "53"],
}
ORGANISATION_WEIGHTS = {
    OrganisationType.DIVISION: 30,
    OrganisationType.HEALTH_AUTHORITY: 20,
    OrganisationType.PHSA: 9,
    OrganisationType.FNHA: 5,
    OrganisationType.MINISTRY: 5,
    OrganisationType.DOCTORS_OF_BC: 6,
    OrganisationType.PCN: 6,
    OrganisationType.INDIGENOUS_ORGANISATION: 3,
    OrganisationType.COMMUNITY: 5,
    OrganisationType.PATIENT_PARTNER: 5,
    OrganisationType.ACADEMIC: 4,
    OrganisationType.OTHER: 2,
}
ROLES_BY_ORGANISATION = {
    OrganisationType.DIVISION: [Role.FAMILY_PHYSICIAN] * 5 + [Role.ADMINISTRATOR] * 3,
    OrganisationType.HEALTH_AUTHORITY: [
        Role.NURSE,
        Role.ADMINISTRATOR,
        Role.MIDWIFE,
        Role.SPECIALIST,
        Role.ALLIED_HEALTH,
    ],
    OrganisationType.PHSA: [Role.ADMINISTRATOR, Role.NURSE, Role.SPECIALIST],
    OrganisationType.FNHA: [Role.NURSE, Role.ADMINISTRATOR, Role.ALLIED_HEALTH, Role.ELDER],
    OrganisationType.MINISTRY: [Role.ADMINISTRATOR],
    OrganisationType.DOCTORS_OF_BC: [Role.ADMINISTRATOR, Role.FAMILY_PHYSICIAN],
    OrganisationType.PCN: [Role.NURSE_PRACTITIONER, Role.FAMILY_PHYSICIAN, Role.ADMINISTRATOR],
    OrganisationType.INDIGENOUS_ORGANISATION: [Role.ADMINISTRATOR, Role.ALLIED_HEALTH, Role.ELDER],
    OrganisationType.COMMUNITY: [Role.ALLIED_HEALTH, Role.OTHER, Role.ADMINISTRATOR],
    OrganisationType.PATIENT_PARTNER: [Role.PATIENT_PARTNER],
    OrganisationType.ACADEMIC: [Role.OTHER, Role.SPECIALIST, Role.MIDWIFE],
    OrganisationType.OTHER: [Role.OTHER, Role.MIDWIFE],
}
ORGANISATION_NAMES = {
    OrganisationType.DIVISION: ["{place} Division of Family Practice"],
    OrganisationType.HEALTH_AUTHORITY: ["{region}"],
    OrganisationType.PHSA: ["Perinatal Services BC", "BC Women's Hospital + Health Centre"],
    OrganisationType.FNHA: ["First Nations Health Authority"],
    OrganisationType.MINISTRY: ["BC Ministry of Health"],
    OrganisationType.DOCTORS_OF_BC: ["Shared Care Committee", "Doctors of BC"],
    OrganisationType.PCN: ["{place} Primary Care Network"],
    OrganisationType.INDIGENOUS_ORGANISATION: ["Métis Nation BC", "{place} Friendship Centre"],
    OrganisationType.COMMUNITY: [
        "{place} Pregnancy Outreach Program",
        "Doula Services Association",
    ],
    OrganisationType.PATIENT_PARTNER: ["Patient Voices Network"],
    OrganisationType.ACADEMIC: ["University of British Columbia", "University of Victoria"],
    OrganisationType.OTHER: ["Midwives Association of BC", "Independent practice"],
}
PLACES = {
    HealthRegion.FRASER: ["Fraser Northwest", "Surrey-North Delta", "Chilliwack", "Abbotsford"],
    HealthRegion.VANCOUVER_COASTAL: ["Vancouver", "Richmond", "North Shore", "Sea to Sky"],
    HealthRegion.ISLAND: ["South Island", "Cowichan Valley", "Comox Valley", "Nanaimo"],
    HealthRegion.INTERIOR: [
        "Thompson Region",
        "Central Okanagan",
        "Kootenay Boundary",
        "East Kootenay",
    ],
    HealthRegion.NORTHERN: [
        "Northern Interior Rural",
        "Prince George",
        "Pacific Northwest",
        "Northeast",
    ],
}
FIRST_NAMES = [
    "Amara",
    "Émilie",
    "Thi",
    "Jordan",
    "Kalani",
    "Priya",
    "Sam",
    "David",
    "Harpreet",
    "Mei",
    "Siobhan",
    "Aiyana",
    "Lucas",
    "Fatima",
    "Noah",
    "Chloé",
    "Rajinder",
    "Hana",
    "Owen",
    "Mariana",
    "Tseten",
    "Grace",
    "Sunita",
    "Liam",
    "Jasmine",
    "Kwame",
    "Naomi",
    "Mateo",
    "Ingrid",
    "Yuki",
    "Rosa",
    "Ezra",
    "Leilani",
    "Andrés",
    "Beth",
    "Dawn",
    "Tanvir",
    "Élodie",
]
LAST_NAMES = [
    "Singh",
    "Côté",
    "Nguyen",
    "O'Neill",
    "Morningstar",
    "Dhaliwal",
    "Wu",
    "Goliath",
    "Sandhu",
    "Chen",
    "MacLeod",
    "Joe",
    "Tremblay",
    "Rahman",
    "Wilson",
    "Gagnon",
    "Gill",
    "Kim",
    "Brown",
    "Silva",
    "Dorje",
    "Thomas",
    "Patel",
    "Martin",
    "Li",
    "Mensah",
    "Jack",
    "Hernández",
    "Larsen",
    "Tanaka",
    "Alvarez",
    "Cohen",
    "Kahale",
    "García",
    "Campbell",
    "Paul",
    "Ahmed",
    "Lefebvre",
]
NEEDS = [
    "Live captions, please.",
    "I will join by phone for part of the morning.",
    "Please share slides ahead of time; I use a screen reader.",
    "ASL interpretation would help me take part fully.",
]


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    role: str
    organisation_name: str
    organisation_type: str
    health_region: str
    hsda: str | None
    identity: str
    needs: str
    followup: bool
    choices: tuple[int, int]  # indexes into the seven breakouts
    cancelled: bool


def _weighted(rng: random.Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def person(index: int, *, seed: str) -> Person:
    rng = random.Random(f"{seed}-{index}")
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    organisation_type = _weighted(rng, ORGANISATION_WEIGHTS)
    region = _weighted(rng, REGION_WEIGHTS)
    if organisation_type in (
        OrganisationType.PHSA,
        OrganisationType.FNHA,
        OrganisationType.MINISTRY,
        OrganisationType.DOCTORS_OF_BC,
    ):
        region = HealthRegion.PROVINCIAL
    if organisation_type == OrganisationType.HEALTH_AUTHORITY and region not in REGION_HSDAS:
        region = HealthRegion.FRASER
    place = rng.choice(PLACES.get(region, ["Provincial"]))
    organisation_name = rng.choice(ORGANISATION_NAMES[organisation_type]).format(
        place=place, region=region.label.split(" (")[0]
    )
    role = rng.choice(ROLES_BY_ORGANISATION[organisation_type])
    hsda = (
        rng.choice(REGION_HSDAS[region]) if region in REGION_HSDAS and rng.random() < 0.6 else None
    )
    roll = rng.random()
    if roll < 0.07:
        identity = IndigenousIdentity.FIRST_NATIONS.value
    elif roll < 0.10:
        identity = IndigenousIdentity.METIS.value
    elif roll < 0.11:
        identity = f"{IndigenousIdentity.FIRST_NATIONS.value} {IndigenousIdentity.METIS.value}"
    elif roll < 0.70:
        identity = IndigenousIdentity.NOT_INDIGENOUS.value
    elif roll < 0.75:
        identity = IndigenousIdentity.PREFER_NOT.value
    else:
        identity = ""
    first_choice = rng.randrange(7)
    second_choice = (first_choice + rng.randrange(1, 7)) % 7
    domain = organisation_name.lower().replace("'", "").split()[0].replace("é", "e") + ".example"
    local = f"{first}.{last}".lower().replace("'", "")
    local = local.translate(str.maketrans("éèêáíóôç", "eeeaiooc"))
    return Person(
        name=f"{first} {last}",
        email=f"{local}.{index}@{domain}",
        role=role.value,
        organisation_name=organisation_name,
        organisation_type=organisation_type.value,
        health_region=region.value,
        hsda=hsda,
        identity=identity,
        needs=rng.choice(NEEDS) if rng.random() < 0.08 else "",
        followup=rng.random() < 0.7,
        choices=(first_choice, second_choice),
        cancelled=rng.random() < 0.03,
    )


def _at(day: datetime, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return day.replace(hour=hour, minute=minute).astimezone(UTC)


def _spread(start: datetime, end: datetime) -> Callable[[int], datetime]:
    """When the i-th person registered: spread over the weeks registration was open, a
    burst after the invitation, a steady middle and a rise before the deadline, in
    working hours. Deterministic, and the same for any number of people."""
    window = end - start

    def registered_at(index: int) -> datetime:
        position = (index * 0.6180339887 + 0.1) % 1.0
        if position < 0.35:
            share = position / 0.35 * 0.2
        elif position < 0.8:
            share = 0.2 + (position - 0.35) / 0.45 * 0.6
        else:
            share = 0.8 + (position - 0.8) / 0.2 * 0.2
        day = (start + window * share).astimezone(PACIFIC)
        hour, minute = 8 + index * 7 % 10, index * 13 % 60
        moment = day.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(UTC)
        return min(max(moment, start), end)

    return registered_at


def _gathering(slug: str, **values) -> tuple[Gathering, bool]:
    existing = db.session.scalar(select(Gathering).where(Gathering.slug == slug))
    if existing is not None:
        return existing, False
    gathering = Gathering(slug=slug, **values)
    db.session.add(gathering)
    return gathering, True


def _agenda(
    gathering: Gathering,
    day: datetime,
    plenary: list,
    breakout_time: tuple,
    areas: Iterable[PriorityArea] = PriorityArea,
) -> None:
    for start, end, title, presenter, description in plenary:
        db.session.add(
            AgendaItem(
                gathering=gathering,
                kind=AgendaKind.PLENARY.value,
                title=title,
                presenter=presenter,
                description=description,
                starts_at=_at(day, start),
                ends_at=_at(day, end),
            )
        )
    for number, area in enumerate(areas, start=1):
        db.session.add(
            AgendaItem(
                gathering=gathering,
                kind=AgendaKind.BREAKOUT.value,
                title=BREAKOUT_TITLES[area],
                priority_area=area.value,
                description=area.label,
                starts_at=_at(day, breakout_time[0]),
                ends_at=_at(day, breakout_time[1]),
                room_url=f"https://zoom.example/j/8123456{number:04d}",
                capacity=30,
            )
        )
    db.session.flush()


def _registrations(
    gathering: Gathering, people: Iterable[Person], *, registered_at: Callable[[int], datetime]
) -> int:
    breakouts = [item for item in gathering.breakouts]
    known = set(
        db.session.scalars(
            select(Registration.email).where(Registration.gathering_id == gathering.id)
        )
    )
    added = 0
    for index, p in enumerate(people):
        if p.email in known:
            continue
        when = registered_at(index)
        db.session.add(
            Registration(
                gathering=gathering,
                name=p.name,
                email=p.email,
                role=p.role,
                organisation_name=p.organisation_name,
                organisation_type=p.organisation_type,
                health_region=p.health_region,
                hsda=p.hsda,
                indigenous_identity=p.identity,
                accessibility_needs=p.needs,
                first_choice_id=breakouts[p.choices[0] % len(breakouts)].id,
                second_choice_id=breakouts[p.choices[1] % len(breakouts)].id,
                consent_collection_at=when,
                consent_followup_at=when if p.followup else None,
                status=(
                    RegistrationStatus.CANCELLED if p.cancelled else RegistrationStatus.CONFIRMED
                ).value,
                cancelled_at=when + timedelta(days=3) if p.cancelled else None,
                created_at=when,
                updated_at=when,
            )
        )
        added += 1
    return added


CONTACT = {
    "contact_name": "Perinatal CoP coordinator",
    "contact_title": "Project coordinator, Shared Care",
    "contact_email": "perinatal.cop@sharedcare.example",
    "contact_phone": "604-555-0142",
    "contact_address": "115 - 1665 West Broadway, Vancouver BC V6J 5A4",
}


def _seed_inaugural(participants: int, *, now: datetime, comments: Comments) -> int:
    """The 29 November 2021 inaugural engagement event, with its own agenda, four
    breakouts, attendance and survey."""
    day = datetime(2021, 11, 29, tzinfo=PACIFIC)
    gathering, created = _gathering(
        INAUGURAL_SLUG,
        title="Perinatal Community of Practice: Inaugural Engagement Event",
        description=(
            "The first virtual gathering of partners in perinatal care from across BC, to shape "
            "a provincial community of practice and choose what it works on first."
        ),
        starts_at=_at(day, "09:00"),
        ends_at=_at(day, "11:30"),
        meeting_url="https://zoom.example/j/81234502021?pwd=Inaugural2021",
        published_at=datetime(2021, 10, 25, 16, tzinfo=UTC),
        registration_opens_at=datetime(2021, 10, 25, 16, tzinfo=UTC),
        registration_closes_at=datetime(2021, 11, 28, 8, tzinfo=UTC),
        capacity=120,
        waitlist_enabled=True,
        land_acknowledgement=LAND_ACKNOWLEDGEMENT,
        **CONTACT,
    )
    if created:
        _agenda(gathering, day, AGENDA_2021, BREAKOUT_TIME_2021, BREAKOUTS_2021)
    db.session.commit()
    lock_gathering(gathering.id)
    size = round(participants * SIZE_2021)
    returning = round(size * RETURNING_2021)
    people = [person(i, seed=DEMO_SLUG) for i in range(returning)] + [
        person(i, seed=INAUGURAL_SLUG) for i in range(size - returning)
    ]
    added = _registrations(
        gathering,
        people,
        registered_at=_spread(
            datetime(2021, 10, 25, 17, tzinfo=UTC), datetime(2021, 11, 25, 1, tzinfo=UTC)
        ),
    )
    db.session.flush()
    _seed_features(
        gathering,
        now=now,
        taking_part=round(size * TAKING_PART_2021),
        notes=INAUGURAL_NOTES,
        comments=comments,
    )
    db.session.commit()
    return added


def _seed_features(
    gathering: Gathering, *, now: datetime, taking_part: int, notes: dict, comments: Comments
) -> None:
    """Breakout rooms and notes, then attendance (check-ins go to the assigned rooms),
    then the survey (it invites the people who attended), then the report's review. Each
    step is dated when an organiser would have done it around the gathering, never
    `now` (which only caps those dates)."""
    slug = gathering.slug
    imported = min(now, gathering.ends_at + timedelta(days=1))
    survey_closed = min(now, gathering.ends_at + timedelta(days=14))
    reviewed = min(now, gathering.ends_at + timedelta(days=16))
    seed_demo_breakouts(
        gathering, rng=random.Random(f"{slug}-breakouts"), now=reviewed, texts=notes
    )
    seed_demo_attendance(
        gathering, rng=random.Random(f"{slug}-attendance"), now=imported, taking_part=taking_part
    )
    seed_demo_evaluation(
        gathering, rng=random.Random(f"{slug}-evaluation"), now=survey_closed, comments=comments
    )
    if gathering.ends_at <= now:
        review_demo_report(gathering, now=reviewed)


def review_demo_report(gathering: Gathering, *, now: datetime) -> None:
    """Review the report as an organiser would: accept the themes found under a priority
    area's name (the others were stray words), then approve the suggested key messages,
    which name the accepted themes. Nothing is done twice."""
    from app.report_review import services as report_review

    if report_review.key_messages(gathering) is not None:
        return
    seeds = set(report_review.seeds_for(gathering))
    for theme in report_review.suggest(gathering, now=now):
        db.session.flush()
        decision = "accept" if theme.label in seeds else "reject"
        report_review.decide(gathering, theme, decision=decision, user=None, now=now)
    db.session.flush()
    threshold = current_app.config.get("SUPPRESSION_THRESHOLD", 5)
    lines = report_review.suggested_messages(gathering, threshold=threshold)
    report_review.save_key_messages(
        gathering, text="\n".join(lines), approve=True, user=None, now=now, threshold=threshold
    )


def seed_demo(
    participants: int = DEMO_REGISTRATIONS,
    *,
    now: datetime,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> dict[str, int]:
    """Create (or complete) the demo gatherings; returns how many rows were added.

    ``participants`` people register for 2022, and 126 in every 150 of them take part
    by the attendance rule; the 2021 event is about two thirds that size. Each gathering
    is seeded in transactions of its own, because every write to a gathering takes its
    lock first (app.writer_lock)."""
    said: set[str] = set()
    comments = Comments(random.Random("demo-comments-2021"), said)
    added_inaugural = _seed_inaugural(participants, now=now, comments=comments)
    comments = Comments(random.Random("demo-comments-2022"), said)
    day = datetime(2022, 10, 20, tzinfo=PACIFIC)
    past, created = _gathering(
        DEMO_SLUG,
        title="Perinatal Community of Practice: Provincial Gathering 2022",
        description=(
            "A half-day virtual gathering of the Perinatal Community of Practice: partners "
            "from every health region share progress and discuss the seven priority areas."
        ),
        starts_at=_at(day, "09:00"),
        ends_at=_at(day, "12:30"),
        meeting_url="https://zoom.example/j/81234567890?pwd=DemoGathering2022",
        published_at=datetime(2022, 9, 1, 16, tzinfo=UTC),
        registration_opens_at=datetime(2022, 9, 1, 16, tzinfo=UTC),
        registration_closes_at=datetime(2022, 10, 19, 7, tzinfo=UTC),
        capacity=max(150, participants),
        waitlist_enabled=True,
        land_acknowledgement=LAND_ACKNOWLEDGEMENT,
        **CONTACT,
    )
    if created:
        _agenda(past, day, AGENDA_2022, BREAKOUT_TIME_2022)
    db.session.commit()
    lock_gathering(past.id)
    people = [person(i, seed=DEMO_SLUG) for i in range(participants)]
    added_past = _registrations(
        past,
        progress(people),
        registered_at=_spread(
            datetime(2022, 9, 1, 17, tzinfo=UTC), datetime(2022, 10, 16, 1, tzinfo=UTC)
        ),
    )

    db.session.flush()
    _seed_features(
        past,
        now=now,
        taking_part=round(participants * TAKING_PART_2022),
        notes=DEMO_NOTES,
        comments=comments,
    )
    db.session.commit()
    local_now = now.astimezone(PACIFIC)
    upcoming_day = (local_now + timedelta(weeks=8)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    upcoming, created = _gathering(
        UPCOMING_SLUG,
        title="Perinatal Community of Practice: Winter Gathering",
        description="Our next virtual gathering. Register to join the breakout of your choice.",
        starts_at=_at(upcoming_day, "09:00"),
        ends_at=_at(upcoming_day, "12:30"),
        meeting_url="https://zoom.example/j/89876543210",
        registration_opens_at=now - timedelta(days=7),
        registration_closes_at=_at(upcoming_day, "09:00") - timedelta(days=1),
        capacity=150,
        waitlist_enabled=True,
        land_acknowledgement=LAND_ACKNOWLEDGEMENT,
        **CONTACT,
    )
    if created:
        _agenda(upcoming, upcoming_day, AGENDA_2022[:1] + AGENDA_2022[-1:], ("09:15", "11:55"))
    db.session.commit()
    lock_gathering(upcoming.id)
    added_upcoming = _registrations(
        upcoming,
        [person(i, seed=UPCOMING_SLUG) for i in range(40)],
        registered_at=lambda i: now - timedelta(hours=4 * (40 - i)),
    )
    db.session.commit()
    seed_demo_community(now=now)
    seed_demo_contributors(past, upcoming, now=now)
    seed_demo_accommodations(past, upcoming, now=now)
    seed_demo_meetings(past, upcoming, now=now)
    seed_demo_said_did(past, now=now)
    inaugural = db.session.scalar(select(Gathering).where(Gathering.slug == INAUGURAL_SLUG))
    seed_demo_engagement([g for g in (inaugural, past) if g is not None], now=now)
    if inaugural is not None:
        seed_demo_value(inaugural, now=now)
    db.session.commit()
    return {
        "inaugural_registrations": added_inaugural,
        "past_registrations": added_past,
        "upcoming_registrations": added_upcoming,
    }


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str


DEMO_STAFF = [
    (UserRole.FACILITATOR, "facilitator@example.org", "Demo Facilitator"),
    (UserRole.STEERING, "steering@example.org", "Demo Steering Member"),
]


def seed_demo_accounts() -> list[DemoAccount]:
    """A facilitator who runs two of the 2022 rooms and a steering committee member, so
    a newcomer can see every role. Returns the accounts created now, with their
    passwords (shown once); none when they exist already."""
    created = []
    for role, email, name in DEMO_STAFF:
        if find_user(email) is not None:
            continue
        password = secrets.token_urlsafe(12)
        user = create_user(email, password, role=role.value, name=name)
        created.append(DemoAccount(role.value, email, password))
        if role == UserRole.FACILITATOR:
            db.session.flush()
            past = db.session.scalar(select(Gathering).where(Gathering.slug == DEMO_SLUG))
            for room in past.breakouts[:2] if past is not None else []:
                add_staff(room, user, StaffRole.FACILITATOR.value)
    db.session.flush()
    return created
