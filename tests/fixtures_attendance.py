"""Fixtures for the attendance tests: the 2022 gathering day with the people who
appear in the shared sample reports registered."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

SAMPLES = Path(__file__).parent / "data" / "samples"
DATA = Path(__file__).parent / "data" / "attendance"
NOW = datetime(2022, 10, 21, 18, 0, tzinfo=UTC)

SAMPLE_PEOPLE = [
    ("Amara Singh", "amara.singh@fraserhealth.example", "fraser", "health_authority"),
    ("Émilie Côté", "emilie.cote@divisionsbc.example", "vch", "division"),
    ("Thi Nguyen", "thi.nguyen@islandhealth.example", "island", "health_authority"),
    ("Mary Sxwelítsa", "mary.s@elders.example", "provincial", "indigenous_org"),
    ("Jordan O'Neill", "jordan.oneill@northernhealth.example", "northern", "health_authority"),
    ("Kalani Morningstar", "k.morningstar@fnha.example", "provincial", "fnha"),
    ("David Goliath", "dgoliath@home.example", "vch", "pcn"),
    ("Sam Wu", "sam.wu@gov.bc.example", "provincial", "ministry"),
    ("Priya Dhaliwal", "priya.dhaliwal@interiorhealth.example", "interior", "health_authority"),
]


@pytest.fixture
def sample_bytes():
    """Read a sample report (tests/data/samples) or, with variant=True, one of ours."""

    def read(name: str, *, variant: bool = False) -> bytes:
        return ((DATA if variant else SAMPLES) / name).read_bytes()

    return read


@pytest.fixture
def gathering_2022(make_gathering):
    start = datetime(2022, 10, 20, 15, 45, tzinfo=UTC)  # 8:45 a.m. Pacific
    return make_gathering(
        slug="gathering-2022",
        starts_at=start,
        ends_at=start + timedelta(hours=4),
        registration_opens_at=start - timedelta(days=30),
        registration_closes_at=start - timedelta(days=1),
    )


@pytest.fixture
def sample_people(gathering_2022, make_registration):
    """Registrations for the people of the sample reports, keyed by first name."""
    people = {}
    for name, email, region, org_type in SAMPLE_PEOPLE:
        registration = make_registration(
            gathering_2022,
            name=name,
            email=email,
            health_region=region,
            organisation_type=org_type,
        )
        people[name.split()[0]] = registration
    return people
