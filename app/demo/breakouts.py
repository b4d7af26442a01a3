"""Breakout rooms and submitted notes for the demo gatherings (2021 and 2022), so that the
report has real material. The notes are invented for the demo, written from the seven
priority areas."""

import random
from datetime import datetime, timedelta
from typing import Any

from app.breakouts import assignment, note_taking
from app.breakouts.note_taking import NoteContent
from app.choices import PriorityArea
from app.models import Gathering

A = PriorityArea

DEMO_NOTES: dict[PriorityArea, dict[str, Any]] = {
    A.PRIMARY_CARE_ACCESS: {
        "questions": [
            "Where do unattached perinatal patients fall through the cracks today?",
            "What would it take for every mother-baby dyad to leave hospital with a family "
            "physician or nurse practitioner?",
            "Which attachment approaches in your community are working?",
        ],
        "summary": (
            "The group agreed that pregnancy is often the moment people discover they have no "
            "family physician or nurse practitioner, and that the gap widens after birth: "
            "maternity care ends around six weeks and many families are then left with walk-in "
            "clinics or the emergency department.\n\n"
            "Several Divisions described **attachment pathways through maternity clinics**, "
            "where a prenatal patient is matched with a practice in the Patient Medical Home "
            "before delivery. These work best when the receiving practice has protected "
            "capacity and a warm hand-off, not just a name on a list.\n\n"
            "Nurse practitioners were named as an underused resource, especially in "
            "communities where physician recruitment is hardest. Participants asked for "
            "provincial attachment data that can be broken down for perinatal patients."
        ),
        "themes": [
            "Attachment of unattached perinatal patients",
            "A provider for every mother-baby dyad",
            "Attachment through maternity clinics",
            "Nurse practitioners in perinatal care",
            "Team-based care",
            "Workforce capacity",
            "Data and measurement",
        ],
        "actions": [
            {
                "text": "Ask the Ministry for attachment figures that identify perinatal patients "
                "and newborns, by health region.",
                "owner": "Steering committee",
                "for_steering": True,
            },
            {
                "text": "Collect the maternity-clinic attachment pathways already in use and share "
                "them as a short guide.",
                "owner": "Working group",
                "for_steering": False,
            },
            {
                "text": "Explore protected panel space for newborns in each Patient Medical Home.",
                "owner": "",
                "for_steering": True,
            },
        ],
        "quotes": [
            "I had a beautiful birth and then nobody to call when my baby stopped feeding.",
            "The list is not the hand-off. The hand-off is a person who knows you are coming.",
        ],
    },
    A.CLOSER_TO_HOME: {
        "questions": [
            "What forces families to leave their community for perinatal care?",
            "How can care be shaped by Indigenous communities rather than delivered to them?",
            "Where has virtual care helped, and where has it fallen short?",
        ],
        "summary": (
            "Participants from the North and the Interior spoke about families who must "
            "relocate weeks before birth, often alone, with costs for travel, lodging and "
            "childcare at home that are only partly covered. The separation from family and "
            "land was described as a harm in itself, particularly for First Nations families.\n\n"
            "The group highlighted **Indigenous-led services** and community doulas as the "
            "strongest examples of care closer to home, and stressed that cultural safety has "
            "to be built with communities from the start.\n\n"
            "Virtual prenatal and postpartum visits were welcomed where connectivity allows, "
            "but were not seen as a replacement for local nurses, midwives and physicians."
        ),
        "themes": [
            "Rural and remote access",
            "Indigenous-led services",
            "Travel and accommodation for birth",
            "Community doulas and supports",
            "Virtual care",
            "Cultural safety and humility",
            "Workforce capacity",
        ],
        "actions": [
            {
                "text": "Invite First Nations and Métis partners to co-design the next phase "
                "of the closer-to-home work.",
                "owner": "Steering committee",
                "for_steering": True,
            },
            {
                "text": "Map the travel supports available for birth in each health region and "
                "where families still pay out of pocket.",
                "owner": "Working group",
                "for_steering": False,
            },
            {
                "text": "Share the community doula programme evaluations with all Divisions.",
                "owner": "",
                "for_steering": False,
            },
        ],
        "quotes": [
            "Birth should not mean leaving your family behind for a month.",
        ],
    },
    A.NEWBORN_CARE_PATH: {
        "questions": [
            "Who sees a newborn in the first week after discharge in your area?",
            "What should a newborn care path in a Primary Care Network include?",
        ],
        "summary": (
            "Rooms in different regions described very different first weeks: in some, public "
            "health nurses call every family within days; in others, follow-up depends on "
            "whether the family already has a family physician.\n\n"
            "The group favoured a simple, shared **care path template** that each Primary Care "
            "Network adapts: who does the first visit, who checks weight and feeding, where "
            "newborn screening results go, and who the family calls at night.\n\n"
            "Feeding support came up repeatedly as the most common reason families return to "
            "hospital in the first two weeks."
        ),
        "themes": [
            "Newborn follow-up in the first week",
            "Care path templates for PCNs",
            "Clear roles between providers",
            "Feeding support",
            "Public health nursing",
            "Team-based care",
        ],
        "actions": [
            {
                "text": "Draft a one-page newborn care path template for PCNs to adapt.",
                "owner": "Working group",
                "for_steering": False,
            },
            {
                "text": "Recommend that every PCN names a lead for newborn follow-up.",
                "owner": "Steering committee",
                "for_steering": True,
            },
            {
                "text": "Gather lactation support options by community for the resource list.",
                "owner": "Perinatal Services BC",
                "for_steering": False,
            },
        ],
        "quotes": [
            "Nobody told us whose job the day-three weight check was, so three people did it "
            "and then nobody did it the next week.",
        ],
    },
    A.POSTPARTUM_TRANSITION: {
        "questions": [
            "What happens to care at six weeks postpartum?",
            "How do we notice and respond to postpartum mental health needs early?",
            "Which conditions that start in pregnancy need follow-up for years?",
        ],
        "summary": (
            "The six-week visit was described as a cliff: maternity care ends and ongoing care "
            "is assumed rather than arranged. People with gestational diabetes or hypertension "
            "in pregnancy often receive no reminder about the long-term follow-up they need.\n\n"
            "Postpartum **mental health** dominated the discussion. Screening happens, but "
            "waits for perinatal psychiatry and counselling are long, and peer supports are "
            "uneven across the province.\n\n"
            "Participants asked for a written hand-off from maternity care to primary care that "
            "includes what to watch for over the following year."
        ),
        "themes": [
            "Postpartum mental health",
            "Hand-off from maternity care to primary care",
            "Six-week visit and beyond",
            "Chronic conditions after pregnancy",
            "Peer and community supports",
            "Cultural safety and humility",
            "Patient and family voice",
        ],
        "actions": [
            {
                "text": "Propose a standard postpartum hand-off summary, including follow-up for "
                "conditions that began in pregnancy.",
                "owner": "Working group",
                "for_steering": True,
            },
            {
                "text": "Bring waits for perinatal mental health services to the steering "
                "committee with regional figures.",
                "owner": "Steering committee",
                "for_steering": True,
            },
            {
                "text": "List peer support groups for new parents by region.",
                "owner": "",
                "for_steering": False,
            },
        ],
        "quotes": [
            "At six weeks everyone said goodbye and I was not okay.",
        ],
    },
    A.SEAMLESS_TRANSITIONS: {
        "questions": [
            "Where does information get lost between hospital and community?",
            "What would a single point of contact look like for a family?",
        ],
        "summary": (
            "Discharge summaries that arrive late, or go to a clinic the family no longer "
            "attends, were the most common example of a broken transition. Midwives, family "
            "physicians and public health nurses often work from different records.\n\n"
            "Families transferred for birth described returning home without anyone local "
            "knowing what had happened. The group suggested a **single point of contact** for "
            "each family during transfers, and clear referral pathways that work in both "
            "directions.\n\n"
            "There was support for shared electronic records, with caution about privacy and "
            "the time it will take."
        ),
        "themes": [
            "Discharge summaries and information sharing",
            "Transfers for birth and returning home",
            "A single point of contact",
            "Referral pathways",
            "Shared electronic records",
            "Team-based care",
            "Data and measurement",
        ],
        "actions": [
            {
                "text": "Ask health authorities to send perinatal discharge summaries to the "
                "attached primary care provider within 48 hours.",
                "owner": "Steering committee",
                "for_steering": True,
            },
            {
                "text": "Test a family contact role for transfers in one rural community.",
                "owner": "Working group",
                "for_steering": False,
            },
        ],
        "quotes": [
            "We came home with a baby and a folder, and the folder was the only one who knew "
            "everything.",
        ],
    },
    A.SHARING_PRACTICES: {
        "questions": [
            "What have you tried in your practice that others should know about?",
            "How should the community of practice share what works?",
        ],
        "summary": (
            "Participants want short, practical examples rather than long reports: a template, "
            "a referral form, a clinic workflow. Several quality improvement projects were "
            "mentioned that are little known outside their own Division.\n\n"
            "The group proposed regular **case-based sessions** where a practice presents what "
            "it changed and what happened, and a shared library of tools. Patient stories were "
            "valued as a way to keep the work grounded."
        ),
        "themes": [
            "Quality improvement projects",
            "Shared tools and templates",
            "Spreading what works",
            "Learning from patient stories",
            "Communities of practice and networks",
            "Patient and family voice",
            "Data and measurement",
        ],
        "actions": [
            {
                "text": "Start quarterly case-based sessions hosted by a different region each "
                "time.",
                "owner": "Working group",
                "for_steering": False,
            },
            {
                "text": "Create a shared library of perinatal tools and templates.",
                "owner": "Shared Care",
                "for_steering": True,
            },
        ],
        "quotes": [
            "I would rather see one workflow that works than ten slides about it.",
        ],
    },
    A.EDUCATION: {
        "questions": [
            "Which perinatal skills do family practices feel least confident about?",
            "What format of education fits a busy practice?",
            "How do we make cultural safety training more than a one-off module?",
        ],
        "summary": (
            "Family physicians who do not deliver babies said their perinatal skills fade, "
            "particularly in postpartum and newborn care. Short, case-based refreshers and "
            "**interprofessional training** with midwives and nurses were preferred to "
            "long courses.\n\n"
            "Cultural safety training was seen as essential but too often a single module; "
            "participants asked for ongoing learning led by Indigenous educators.\n\n"
            "Patient-facing resources in plain language and several languages were also named "
            "as a gap."
        ),
        "themes": [
            "Continuing education for family physicians",
            "Interprofessional training",
            "Training on cultural safety",
            "Resources for patients and families",
            "Knowledge translation tools",
            "Cultural safety and humility",
            "Patient and family voice",
            "Workforce capacity",
        ],
        "actions": [
            {
                "text": "Offer short case-based perinatal refreshers through the Divisions.",
                "owner": "Working group",
                "for_steering": False,
            },
            {
                "text": "Fund ongoing cultural safety learning led by Indigenous educators.",
                "owner": "Steering committee",
                "for_steering": True,
            },
            {
                "text": "Review patient resources for plain language and translation needs.",
                "owner": "Perinatal Services BC",
                "for_steering": False,
            },
        ],
        "quotes": [
            "Learning next to the midwives taught me more than any module.",
        ],
    },
}


# The 2021 inaugural engagement event asked what the community of practice should work
# on: four rooms, shorter notes.
INAUGURAL_NOTES: dict[PriorityArea, dict[str, Any]] = {
    A.PRIMARY_CARE_ACCESS: {
        "questions": [
            "What happens today when a pregnant patient has no family physician?",
            "What should a community of practice do about it first?",
        ],
        "summary": (
            "Participants described pregnant patients arriving at maternity clinics with no "
            "family physician or nurse practitioner, and families losing care after six "
            "weeks.\n\n"
            "The room asked the new community of practice to make **attachment for every "
            "mother-baby dyad** one of its priorities, and to start by learning what Divisions "
            "already do."
        ),
        "themes": [
            "Attachment of unattached perinatal patients",
            "A provider for every mother-baby dyad",
            "Workforce capacity",
            "Data and measurement",
        ],
        "actions": [
            {
                "text": "Make attachment of perinatal patients a priority area of the CoP.",
                "owner": "Steering committee",
                "for_steering": True,
            },
        ],
        "quotes": ["Nobody should leave hospital with a newborn and no one to call."],
    },
    A.CLOSER_TO_HOME: {
        "questions": [
            "How far do families travel to give birth or to see a specialist?",
            "Which supports could move closer to home?",
        ],
        "summary": (
            "Rural and Indigenous participants spoke about families leaving their communities "
            "weeks before birth, and the cost and isolation that brings.\n\n"
            "Virtual visits, travel support and local doulas were named as changes that "
            "would matter, with **First Nations communities leading** the design of their own "
            "services."
        ),
        "themes": [
            "Rural and remote access",
            "Indigenous-led care",
            "Virtual care",
            "Travel and accommodation costs",
        ],
        "actions": [
            {
                "text": "Invite FNHA and rural Divisions to co-lead a priority area on care "
                "closer to home.",
                "owner": "Steering committee",
                "for_steering": True,
            },
        ],
        "quotes": ["Our mothers should not have to leave the territory to be cared for."],
    },
    A.POSTPARTUM_TRANSITION: {
        "questions": [
            "Who looks after a family between six weeks and the first year?",
            "Where do mental health concerns get missed?",
        ],
        "summary": (
            "The group found that care after the first six weeks is patchy: public health, "
            "family practice and community programs each see part of the picture.\n\n"
            "Participants asked for a **clear hand-off at the end of maternity care** and for "
            "postpartum mental health screening to follow the family."
        ),
        "themes": [
            "The transition to ongoing postpartum care",
            "Postpartum mental health",
            "Communication between providers",
            "Community programs",
        ],
        "actions": [
            {
                "text": "Map who provides postpartum care in each region after six weeks.",
                "owner": "Working group",
                "for_steering": False,
            },
            {
                "text": "Include postpartum mental health in the CoP's first strategic plan.",
                "owner": "Steering committee",
                "for_steering": True,
            },
        ],
        "quotes": ["After six weeks it felt like everyone had handed us off to nobody."],
    },
    A.EDUCATION: {
        "questions": [
            "What do providers need to learn together?",
            "How should the community of practice share what works?",
        ],
        "summary": (
            "Participants wanted learning that brings family physicians, midwives and nurses "
            "together rather than separate sessions for each profession.\n\n"
            "They proposed **regular provincial gatherings** with short case presentations and "
            "a place to share tools between gatherings."
        ),
        "themes": [
            "Interprofessional learning",
            "Sharing best practices",
            "Cultural safety training",
            "Communication between providers",
        ],
        "actions": [
            {
                "text": "Hold a provincial gathering of the CoP each year.",
                "owner": "Steering committee",
                "for_steering": True,
            },
        ],
        "quotes": ["I learned more from the midwife beside me today than from any webinar."],
    },
}


def seed_demo_breakouts(
    gathering: Gathering,
    *,
    rng: random.Random,
    now: datetime,
    texts: dict[PriorityArea, dict[str, Any]] = DEMO_NOTES,
) -> dict:
    """Assign the demo gathering's confirmed people to rooms (no emails: it is in the past)
    and submit notes for every room that has none. Running it again adds nothing."""
    # Rooms were assigned two days before the gathering (the history says so), notes
    # submitted after it.
    assigned = min(now, gathering.starts_at - timedelta(days=2))
    result = assignment.assign_automatically(gathering, now=assigned, keep_existing=True)
    counts = assignment.room_counts(gathering)
    notes = 0
    for room in gathering.breakouts:
        if note_taking.note_for(room) is not None:
            continue
        try:
            text = texts[PriorityArea(room.priority_area)]
        except (ValueError, KeyError):
            continue
        present = counts.get(room.id, 0)
        content = NoteContent(
            questions=list(text["questions"]),
            summary=text["summary"],
            themes=list(text["themes"]),
            actions=[dict(action) for action in text["actions"]],
            quotes=[{"text": quote, "consent": True} for quote in text["quotes"]],
            head_count=round(present * rng.uniform(0.75, 0.95)) if present else None,
        )
        submitted = min(room.ends_at + timedelta(minutes=rng.randint(20, 240)), now)
        note_taking.save_note(room, content, based_on=0, user=None, now=submitted, submit=True)
        notes += 1
    return {"breakout_assignments": result.changed, "breakout_notes": notes}
