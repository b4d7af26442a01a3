"""The one source of truth for every choice list: codes are stable, labels are human."""

from enum import StrEnum
from typing import Self


class Choice(StrEnum):
    """A StrEnum whose members carry a human label beside their stable code."""

    label: str

    def __new__(cls, code: str, label: str) -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]

    @classmethod
    def label_for(cls, code: str | None) -> str:
        if not code:
            return ""
        try:
            return cls(code).label
        except ValueError:
            return code


class HealthRegion(Choice):
    FRASER = "fraser", "Fraser Health"
    INTERIOR = "interior", "Interior Health"
    ISLAND = "island", "Island Health (Vancouver Island)"
    NORTHERN = "northern", "Northern Health"
    VANCOUVER_COASTAL = "vch", "Vancouver Coastal Health"
    PROVINCIAL = "provincial", "Province-wide role (PHSA, FNHA, Ministry, provincial bodies)"
    OUTSIDE_BC = "outside_bc", "Outside BC"
    PREFER_NOT = "prefer_not", "Prefer not to say"


# Short labels for table columns, on the dashboard and in the report alike.
HEALTH_REGION_SHORT = {
    HealthRegion.FRASER: "Fraser",
    HealthRegion.INTERIOR: "Interior",
    HealthRegion.ISLAND: "Island",
    HealthRegion.NORTHERN: "Northern",
    HealthRegion.VANCOUVER_COASTAL: "Vancouver Coastal",
    HealthRegion.PROVINCIAL: "Province-wide",
    HealthRegion.OUTSIDE_BC: "Outside BC",
    HealthRegion.PREFER_NOT: "Not stated",
}


class HSDA(Choice):
    """Health Service Delivery Areas; the first digit of the code names the region."""

    EAST_KOOTENAY = "11", "11 East Kootenay"
    KOOTENAY_BOUNDARY = "12", "12 Kootenay Boundary"
    OKANAGAN = "13", "13 Okanagan"
    THOMPSON_CARIBOO_SHUSWAP = "14", "14 Thompson Cariboo Shuswap"
    FRASER_EAST = "21", "21 Fraser East"
    FRASER_NORTH = "22", "22 Fraser North"
    FRASER_SOUTH = "23", "23 Fraser South"
    RICHMOND = "31", "31 Richmond"
    VANCOUVER = "32", "32 Vancouver"
    NORTH_SHORE_COAST_GARIBALDI = "33", "33 North Shore/Coast Garibaldi"
    SOUTH_VANCOUVER_ISLAND = "41", "41 South Vancouver Island"
    CENTRAL_VANCOUVER_ISLAND = "42", "42 Central Vancouver Island"
    NORTH_VANCOUVER_ISLAND = "43", "43 North Vancouver Island"
    NORTHWEST = "51", "51 Northwest"
    NORTHERN_INTERIOR = "52", "52 Northern Interior"
    NORTHEAST = "53", "53 Northeast"

    @property
    def region(self) -> HealthRegion:
        return HSDA_REGION[self.value[0]]


HSDA_REGION = {
    "1": HealthRegion.INTERIOR,
    "2": HealthRegion.FRASER,
    "3": HealthRegion.VANCOUVER_COASTAL,
    "4": HealthRegion.ISLAND,
    "5": HealthRegion.NORTHERN,
}


class OrganisationType(Choice):
    DIVISION = "division", "Division of Family Practice"
    HEALTH_AUTHORITY = "health_authority", "Regional health authority"
    PHSA = "phsa", "Provincial Health Services Authority (incl. Perinatal Services BC)"
    FNHA = "fnha", "First Nations Health Authority"
    MINISTRY = "ministry", "Ministry of Health"
    DOCTORS_OF_BC = "doctors_of_bc", "Doctors of BC / Shared Care or other joint committee"
    PCN = "pcn", "Primary Care Network"
    INDIGENOUS_ORGANISATION = "indigenous_org", "First Nation, Métis or Indigenous organisation"
    COMMUNITY = "community", "Community organisation"
    PATIENT_PARTNER = "patient_partner", "Patient partner"
    ACADEMIC = "academic", "Academic / research"
    OTHER = "other", "Other"


class Role(Choice):
    FAMILY_PHYSICIAN = "family_physician", "Family physician"
    SPECIALIST = "specialist", "Specialist / obstetrician"
    MIDWIFE = "midwife", "Midwife"
    NURSE_PRACTITIONER = "nurse_practitioner", "Nurse practitioner"
    NURSE = "nurse", "Nurse"
    ALLIED_HEALTH = "allied_health", "Allied health"
    ADMINISTRATOR = "administrator", "Administrator / leader"
    ELDER = "elder", "Elder / Knowledge Keeper"
    PATIENT_PARTNER = "patient_partner", "Patient partner"
    OTHER = "other", "Other"


class PriorityArea(Choice):
    PRIMARY_CARE_ACCESS = (
        "primary_care_access",
        "Access to a primary care provider / Patient Medical Home for unattached perinatal "
        "patients and their families",
    )
    CLOSER_TO_HOME = (
        "closer_to_home",
        "Bringing care and supports closer to home, including rural and Indigenous communities",
    )
    NEWBORN_CARE_PATH = "newborn_care_path", "A care path for newborns in each Primary Care Network"
    POSTPARTUM_TRANSITION = (
        "postpartum_transition",
        "The transition to ongoing postpartum care and supports",
    )
    SEAMLESS_TRANSITIONS = (
        "seamless_transitions",
        "Seamless transitions in care between providers, communities, and acute/community care",
    )
    SHARING_PRACTICES = (
        "sharing_practices",
        "Sharing best practices and learnings at the PMH-clinical provider level",
    )
    EDUCATION = (
        "education",
        "Education, knowledge translation and training at the PMH-clinical provider level",
    )


PRIORITY_AREA_SHORT = {
    PriorityArea.PRIMARY_CARE_ACCESS: "Access to primary care",
    PriorityArea.CLOSER_TO_HOME: "Care closer to home",
    PriorityArea.NEWBORN_CARE_PATH: "Newborn care path",
    PriorityArea.POSTPARTUM_TRANSITION: "Postpartum transition",
    PriorityArea.SEAMLESS_TRANSITIONS: "Seamless transitions",
    PriorityArea.SHARING_PRACTICES: "Sharing best practices",
    PriorityArea.EDUCATION: "Education and training",
}


class IndigenousIdentity(Choice):
    """BC Indigenous identity data standard: the first three may be combined."""

    FIRST_NATIONS = "first_nations", "First Nations"
    METIS = "metis", "Métis"
    INUIT = "inuit", "Inuit"
    NOT_INDIGENOUS = "not_indigenous", "Not Indigenous"
    NOT_SURE = "not_sure", "I do not know / I am not sure"
    PREFER_NOT = "prefer_not", "Prefer not to answer"


INDIGENOUS_IDENTITIES = frozenset(
    {IndigenousIdentity.FIRST_NATIONS, IndigenousIdentity.METIS, IndigenousIdentity.INUIT}
)

INDIGENOUS_IDENTITY_QUESTION = "Do you identify yourself as First Nations, Métis and/or Inuit?"


class RegistrationStatus(Choice):
    CONFIRMED = "confirmed", "Confirmed"
    WAITLISTED = "waitlisted", "Waitlisted"
    CANCELLED = "cancelled", "Cancelled"


class AgendaKind(Choice):
    PLENARY = "plenary", "Plenary"
    BREAKOUT = "breakout", "Breakout"


class EngagementLevel(Choice):
    """The IAP2 spectrum of public participation: how much say participants have."""

    INFORM = "inform", "Inform"
    CONSULT = "consult", "Consult"
    INVOLVE = "involve", "Involve"
    COLLABORATE = "collaborate", "Collaborate"
    EMPOWER = "empower", "Empower"


# What each level promises participants, in the words the public agenda uses.
ENGAGEMENT_LEVEL_PROMISE = {
    EngagementLevel.INFORM: "We will share information with you",
    EngagementLevel.CONSULT: "We will ask for your views",
    EngagementLevel.INVOLVE: "We will work with you so that your views shape the options",
    EngagementLevel.COLLABORATE: "We will work out the answers together with you",
    EngagementLevel.EMPOWER: "You will decide",
}

# The usual level for each kind of agenda item, when the organiser does not choose one.
ENGAGEMENT_LEVEL_FOR_KIND = {
    AgendaKind.PLENARY: EngagementLevel.INFORM,
    AgendaKind.BREAKOUT: EngagementLevel.CONSULT,
}


def engagement_level_for(kind: str, level: str | None = None) -> str:
    """The level itself when set, else the usual level for the kind of item."""
    if level:
        return level
    try:
        return ENGAGEMENT_LEVEL_FOR_KIND[AgendaKind(kind)].value
    except ValueError:
        return EngagementLevel.INFORM.value


def engagement_promise(level: str | None) -> str:
    """What an agenda item's level promises participants, in plain words."""
    try:
        return ENGAGEMENT_LEVEL_PROMISE[EngagementLevel(level)]
    except ValueError:
        return ENGAGEMENT_LEVEL_PROMISE[EngagementLevel.INFORM]


class ValueCycle(Choice):
    """What came of a gathering months later, in plain words: the value-creation cycles of
    communities of practice (immediate, potential, applied, realised, transformative)."""

    IMMEDIATE = "immediate", "Taking part was worthwhile in itself (I felt inspired or less alone)"
    POTENTIAL = "potential", "I learned something or met someone I can draw on later"
    APPLIED = "applied", "I tried something I learned"
    REALISED = "realised", "It made a difference I can see, for patients, families or my work"
    TRANSFORMATIVE = "transformative", "It changed how my team works or how we think about our work"


VALUE_CYCLE_SHORT = {
    ValueCycle.IMMEDIATE: "Worthwhile in itself",
    ValueCycle.POTENTIAL: "Learned or connected",
    ValueCycle.APPLIED: "Tried something",
    ValueCycle.REALISED: "Made a difference",
    ValueCycle.TRANSFORMATIVE: "Changed how we work",
}


class UserRole(Choice):
    ORGANISER = "organiser", "Organiser"
    FACILITATOR = "facilitator", "Facilitator"
    STEERING = "steering", "Steering committee"
