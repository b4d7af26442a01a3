"""Suggested key themes for each priority area, so that rooms tag alike and the report can
group themes across breakouts. Facilitators may add free tags beside these."""

from app.choices import PriorityArea

COMMON_THEMES = (
    "Cultural safety and humility",
    "Equity and anti-racism",
    "Patient and family voice",
    "Team-based care",
    "Funding and compensation",
    "Data and measurement",
    "Workforce capacity",
)

AREA_THEMES: dict[PriorityArea, tuple[str, ...]] = {
    PriorityArea.PRIMARY_CARE_ACCESS: (
        "Attachment of unattached perinatal patients",
        "A provider for every mother-baby dyad",
        "Nurse practitioners in perinatal care",
        "Attachment through maternity clinics",
        "Continuity after delivery",
        "Centralised attachment lists",
    ),
    PriorityArea.CLOSER_TO_HOME: (
        "Rural and remote access",
        "Indigenous-led services",
        "Travel and accommodation for birth",
        "Virtual care",
        "Community doulas and supports",
        "Local birthing services",
    ),
    PriorityArea.NEWBORN_CARE_PATH: (
        "Newborn follow-up in the first week",
        "Clear roles between providers",
        "Public health nursing",
        "Feeding support",
        "Newborn screening and referrals",
        "Care path templates for PCNs",
    ),
    PriorityArea.POSTPARTUM_TRANSITION: (
        "Postpartum mental health",
        "Hand-off from maternity care to primary care",
        "Six-week visit and beyond",
        "Peer and community supports",
        "Substance use and harm reduction",
        "Chronic conditions after pregnancy",
    ),
    PriorityArea.SEAMLESS_TRANSITIONS: (
        "Discharge summaries and information sharing",
        "Shared electronic records",
        "Referral pathways",
        "Communication between hospital and community",
        "Transfers for birth and returning home",
        "A single point of contact",
    ),
    PriorityArea.SHARING_PRACTICES: (
        "Communities of practice and networks",
        "Quality improvement projects",
        "Spreading what works",
        "Peer mentoring",
        "Shared tools and templates",
        "Learning from patient stories",
    ),
    PriorityArea.EDUCATION: (
        "Continuing education for family physicians",
        "Interprofessional training",
        "Knowledge translation tools",
        "Training on cultural safety",
        "Simulation and skills refreshers",
        "Resources for patients and families",
    ),
}


def themes_for(priority_area: str | None) -> list[str]:
    """The area's own themes first, then the common ones; an unknown area gets the common
    list only."""
    try:
        own = AREA_THEMES[PriorityArea(priority_area)] if priority_area else ()
    except ValueError:
        own = ()
    return [*own, *COMMON_THEMES]
