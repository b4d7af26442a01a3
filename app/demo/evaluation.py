"""Demo evaluation: a closed survey in which about 40% of attendees answered.

Run after the attendance seeder (it invites attendees). Responses go through the same
service as real ones, so the demo data has the same anonymous shape."""

import random
from datetime import datetime, timedelta

from app.evaluation import answers, links, setup
from app.extensions import db
from app.facts import gathering_facts
from app.models import Gathering, Registration
from app.models.evaluation import NOT_APPLICABLE, QuestionKind, SurveyStatus

RESPONSE_RATE = 0.4

# Weights for scale points 1..5, then "not applicable".
SCALE_WEIGHTS = {
    "overall_value": (1, 2, 8, 46, 43, 0),
    "relevance": (1, 3, 10, 44, 40, 2),
    "apply_learning": (2, 5, 20, 45, 24, 4),
    "cultural_safety": (1, 2, 9, 38, 44, 6),
}
ANSWER_CHANCE = {
    "worked_well": 0.65,
    "could_be_better": 0.55,
    "want_more": 0.45,
    "other_comments": 0.2,
}
# Open answers are put together from a lead-in, a subject and what the person made of
# it, so no sentence is given twice word for word (real comments rarely are).
LEAD_INS = ["", "For me, ", "Honestly, ", "Overall, ", "In my view, "]
COMMENT_PARTS = {
    "worked_well": {
        "hearing families tell their own care stories": [
            "kept the patient at the centre of the day",
            "was the part I will remember",
        ],
        "the small breakout groups": [
            "meant that everyone had a chance to speak",
            "made the conversation practical rather than theoretical",
        ],
        "meeting people from other health regions": [
            "showed me we are working on the same gaps in different places",
            "gave me new contacts to follow up with",
        ],
        "the opening by the Elder": [
            "set a respectful tone for the whole morning",
            "reminded us whose lands we were meeting on",
        ],
        "starting and finishing on time": [
            "made it easy to take part from a clinic",
            "showed respect for people's schedules",
        ],
        "seeing where the strategic plan is heading": [
            "helped me see how our Division's work fits in",
            "made the priorities feel real",
        ],
        "the examples from Primary Care Networks": [
            "gave me ideas I can take back to my team this month",
            "showed that attaching newborns to a family doctor can work",
        ],
        "having midwives, nurses and family physicians in one conversation": [
            "is rare and worth repeating",
            "brought out problems none of us sees alone",
        ],
        "the facilitator in my breakout": [
            "kept us on time and on topic",
            "made sure the quieter voices were heard",
        ],
        "patient partners speaking in every session": [
            "kept us honest about what families experience",
            "changed how I think about discharge planning",
        ],
    },
    "could_be_better": {
        "the breakout time": [
            "felt too short to reach actions",
            "could be fifteen minutes longer",
        ],
        "the audio during some presentations": [
            "was hard to follow at times",
            "dropped out for people on the phone line",
        ],
        "the time for questions after each talk": [
            "was squeezed by the presentations running over",
            "should be protected in the agenda",
        ],
        "the breakout questions": [
            "could be shared a few days before the gathering",
            "were too broad to answer in an hour",
        ],
        "a half day on a clinic day": [
            "is a barrier for rural physicians; a recording would help",
            "is hard to arrange cover for",
        ],
        "the number of acronyms": [
            "left patient partners out of parts of the conversation",
            "could be eased by a short glossary",
        ],
        "the chat during the presentations": [
            "moved too fast for the good questions to be answered",
            "was a distraction from the speakers",
        ],
        "the follow-up after the gathering": [
            "should say who will do what by when",
            "needs to reach people who could not attend",
        ],
        "the introductions in the breakout": [
            "took a third of our time",
            "could be done in the chat instead",
        ],
    },
    "want_more": {
        "stories from rural and remote communities": [
            "about bringing care closer to home",
            "told by the people who live there",
        ],
        "concrete tools such as referral templates": [
            "that we can use in clinic the next day",
            "shared on one page after the gathering",
        ],
        "time with Perinatal Services BC": [
            "to ask about data and reporting",
            "on the new perinatal guidelines",
        ],
        "Indigenous-led sessions": [
            "on culturally safe perinatal care",
            "planned with the working group's Elder",
        ],
        "follow-up on the ideas from the breakouts": [
            "so we can see what changed since last time",
            "at the start of the next gathering",
        ],
        "conversation about postpartum mental health": [
            "and how to connect families with supports after six weeks",
            "with the people who run the community programs",
        ],
        "regional conversations": [
            "between the provincial gatherings",
            "for each health region",
        ],
        "data on unattached perinatal patients": [
            "broken down by Primary Care Network",
            "so we know where the gaps are largest",
        ],
    },
    "other_comments": {
        "thank you to the organisers": [
            "for a good use of a morning",
            "and to everyone who shared their story",
        ],
        "please keep the virtual format": [
            "so people outside the Lower Mainland can join",
            "even if some sessions return in person",
        ],
        "the honorarium for patient partners": [
            "was appreciated and should continue",
            "made it possible for me to attend",
        ],
        "the summary report": [
            "is something I will share with my Division",
            "should go to everyone who registered",
        ],
    },
}


class Comments:
    """Open answers for one demo gathering, as different people write them: each subject
    and remark is said once, each lead-in ("Honestly, ") opens at most one answer to a
    question (most answers have none), and no sentence is word for word one already in
    `said` (shared between gatherings)."""

    def __init__(self, rng: random.Random, said: set[str] | None = None) -> None:
        self.rng = rng
        self.said = said if said is not None else set()
        self.used: set[tuple[str, str, str]] = set()
        self.leads: dict[str, set[str]] = {}

    def sentence(self, key: str) -> str | None:
        fresh = [
            (subject, remark)
            for subject, remarks in COMMENT_PARTS[key].items()
            for remark in remarks
            if (key, subject, remark) not in self.used
        ]
        self.rng.shuffle(fresh)
        taken = self.leads.setdefault(key, set())
        for subject, remark in fresh:
            leads = [lead for lead in LEAD_INS if lead and lead not in taken]
            self.rng.shuffle(leads)
            if self.rng.random() >= 0.3:
                leads.insert(0, "")
            else:
                leads.append("")
            for lead in leads:
                text = _sentence(lead, subject, remark)
                if text in self.said:
                    continue
                self.used.add((key, subject, remark))
                self.said.add(text)
                if lead:
                    taken.add(lead)
                return text
        return None


def _sentence(lead: str, subject: str, remark: str) -> str:
    text = f"{lead}{subject} {remark}."
    return text[0].upper() + text[1:]


def _scale(rng: random.Random, key: str) -> str:
    choices = ["1", "2", "3", "4", "5", NOT_APPLICABLE]
    return rng.choices(choices, weights=SCALE_WEIGHTS.get(key, (1, 2, 10, 45, 40, 2)))[0]


def _answers(
    survey, registration: Registration, rng: random.Random, comments: Comments
) -> dict:
    values: dict = {}
    for question in survey.questions:
        if question.kind == QuestionKind.SCALE:
            if question.required or rng.random() < 0.95:
                values[question.id] = _scale(rng, question.key)
        elif question.key == "breakout":
            joined = registration.breakout_for_invite
            if rng.random() < 0.85:
                titles = {option: option for option in question.options}
                values[question.id] = (
                    titles.get(joined.title, setup.NO_BREAKOUT)
                    if joined
                    else setup.NO_BREAKOUT
                )
        elif question.kind == QuestionKind.TEXT and question.key in COMMENT_PARTS:
            if rng.random() < ANSWER_CHANCE.get(question.key, 0.3):
                text = comments.sentence(question.key)
                if text is not None:
                    values[question.id] = text
        elif question.kind == QuestionKind.SINGLE and question.options:
            values[question.id] = rng.choice(question.options)
    return values


def seed_demo_evaluation(
    gathering: Gathering, *, rng: random.Random, now: datetime, comments: Comments | None = None
) -> int:
    """Create the closed survey with invitations and responses; returns responses added
    (0 when the gathering already has a survey, so seeding twice changes nothing).
    Pass one ``comments`` to several gatherings so none repeats another's sentences."""
    if setup.survey_for(gathering) is not None:
        return 0
    opened = gathering.ends_at - timedelta(minutes=10)
    survey = setup.create_survey(gathering, now=opened)
    survey.opens_at = opened
    survey.closes_at = gathering.ends_at + timedelta(days=14)
    survey.status = SurveyStatus.OPEN.value
    db.session.flush()

    attendee_ids = sorted(gathering_facts(gathering).attended_ids)
    people = [db.session.get(Registration, rid) for rid in attendee_ids]
    invited_at = gathering.ends_at + timedelta(hours=3)
    reminded_at = gathering.ends_at + timedelta(days=7)
    invitations = []
    for registration in people:
        invitation = links.ensure_invitation(survey, registration)
        invitation.invited_at = invited_at
        invitations.append((invitation, registration))
    db.session.flush()

    responders = rng.sample(invitations, round(len(invitations) * RESPONSE_RATE))
    chosen = {id(invitation) for invitation, _ in responders}
    for invitation, _ in invitations:
        if id(invitation) not in chosen:
            invitation.reminded_at = reminded_at
            invitation.reminder_count = 1
    comments = comments or Comments(rng)
    for invitation, registration in responders:
        when = invited_at + timedelta(hours=rng.randint(1, 12 * 24))
        values = _answers(survey, registration, rng, comments)
        answers.submit_response(invitation, values, now=when)
    db.session.flush()
    setup.close_survey(survey, now=max(now, survey.closes_at))
    return len(responders)
