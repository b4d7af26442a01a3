"""The demo: the 2022 provincial gathering as it happened, and an upcoming one to try.

People are generated from a seed per person, so person 17 is the same whatever N is, and
running the seed again adds only who is missing."""

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.breakouts.demo import seed_demo_breakouts
from app.choices import (
    AgendaKind,
    HealthRegion,
    IndigenousIdentity,
    OrganisationType,
    PriorityArea,
    RegistrationStatus,
    Role,
)
from app.community.demo import seed_demo_community
from app.extensions import db
from app.models import AgendaItem, Gathering, Registration

PACIFIC = ZoneInfo("America/Vancouver")
DEMO_SLUG = "provincial-gathering-2022"
UPCOMING_SLUG = "upcoming-gathering"

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
    OrganisationType.FNHA: [Role.NURSE, Role.ADMINISTRATOR, Role.ALLIED_HEALTH],
    OrganisationType.MINISTRY: [Role.ADMINISTRATOR],
    OrganisationType.DOCTORS_OF_BC: [Role.ADMINISTRATOR, Role.FAMILY_PHYSICIAN],
    OrganisationType.PCN: [Role.NURSE_PRACTITIONER, Role.FAMILY_PHYSICIAN, Role.ADMINISTRATOR],
    OrganisationType.INDIGENOUS_ORGANISATION: [Role.ADMINISTRATOR, Role.ALLIED_HEALTH],
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


def _gathering(slug: str, **values) -> tuple[Gathering, bool]:
    existing = db.session.scalar(select(Gathering).where(Gathering.slug == slug))
    if existing is not None:
        return existing, False
    gathering = Gathering(slug=slug, **values)
    db.session.add(gathering)
    return gathering, True


def _agenda(gathering: Gathering, day: datetime, plenary: list, breakout_time: tuple) -> None:
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
    for number, area in enumerate(PriorityArea, start=1):
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
                first_choice_id=breakouts[p.choices[0]].id,
                second_choice_id=breakouts[p.choices[1]].id,
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


def seed_demo(
    participants: int = 126,
    *,
    now: datetime,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> dict[str, int]:
    """Create (or complete) the two demo gatherings; returns how many rows were added."""
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
        registration_opens_at=datetime(2022, 9, 1, 16, tzinfo=UTC),
        registration_closes_at=datetime(2022, 10, 19, 7, tzinfo=UTC),
        capacity=150,
        waitlist_enabled=True,
        land_acknowledgement=LAND_ACKNOWLEDGEMENT,
        contact_name="Perinatal CoP coordinator",
        contact_title="Project coordinator, Shared Care",
        contact_email="perinatal.cop@sharedcare.example",
        contact_phone="604-555-0142",
        contact_address="115 - 1665 West Broadway, Vancouver BC V6J 5A4",
    )
    if created:
        _agenda(past, day, AGENDA_2022, BREAKOUT_TIME_2022)
    start = datetime(2022, 9, 1, 17, tzinfo=UTC)
    people = [person(i, seed=DEMO_SLUG) for i in range(participants)]
    added_past = _registrations(
        past,
        progress(people),
        registered_at=lambda i: start + timedelta(minutes=37 * i % (45 * 24 * 60)),
    )

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
        contact_name="Perinatal CoP coordinator",
        contact_title="Project coordinator, Shared Care",
        contact_email="perinatal.cop@sharedcare.example",
        contact_phone="604-555-0142",
        contact_address="115 - 1665 West Broadway, Vancouver BC V6J 5A4",
    )
    if created:
        _agenda(upcoming, upcoming_day, AGENDA_2022[:1] + AGENDA_2022[-1:], ("09:15", "11:55"))
    added_upcoming = _registrations(
        upcoming,
        [person(i, seed=UPCOMING_SLUG) for i in range(40)],
        registered_at=lambda i: now - timedelta(hours=4 * (40 - i)),
    )
    db.session.flush()
    # Feature seeders (breakout assignment and notes, attendance, evaluation) run here.
    seed_demo_breakouts(past, rng=random.Random(f"{DEMO_SLUG}-breakouts"), now=now)
    from app.attendance.demo import seed_demo_attendance  # keep after breakout assignment

    seed_demo_attendance(past, rng=random.Random(f"{DEMO_SLUG}-attendance"), now=now)
    from app.evaluation.demo import seed_demo_evaluation  # after attendance: invites attendees

    seed_demo_evaluation(past, rng=random.Random(f"{DEMO_SLUG}-evaluation"), now=now)
    seed_demo_community()
    return {"past_registrations": added_past, "upcoming_registrations": added_upcoming}
