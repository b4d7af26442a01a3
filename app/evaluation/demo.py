"""Demo evaluation: a closed survey in which about 40% of attendees answered.

Run after the attendance seeder (it invites attendees). Responses go through the same
service as real ones, so the demo data has the same anonymous shape."""

import random
from datetime import datetime, timedelta

from app.evaluation import services
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
COMMENTS = {
    "worked_well": [
        "Hearing the two families tell their own care stories. It kept the patient at the "
        "centre of every conversation that followed.",
        "The breakout was small enough that everyone spoke, and the facilitator kept time well.",
        "Meeting people from other health regions who are working on the same gaps we see "
        "in the North.",
        "The opening by the Elder set a respectful tone for the whole morning.",
        "Clear agenda, started and finished on time, slides shared ahead of the day.",
        "Seeing where the strategic plan is heading and how our Division's work fits in.",
        "Practical examples of how other PCNs attach newborns to a family doctor.",
        "Having midwives, nurses and family physicians in the same room for once.",
        "The Ministry update was honest about what is and is not funded yet.",
        "Short presentations with plenty of time to talk.",
    ],
    "could_be_better": [
        "The breakout felt rushed; another fifteen minutes would have let us reach actions.",
        "Some of the Zoom audio was hard to hear during the Ministry update.",
        "More time for questions after each presentation.",
        "It would help to get the breakout questions a few days before.",
        "A half day on a clinic day is hard for rural physicians; a recording would help.",
        "Fewer acronyms, or a short glossary for patient partners.",
        "The chat moved fast and some good questions were never answered.",
        "Share the list of participants (with consent) so we can follow up with each other.",
    ],
    "want_more": [
        "Stories from rural and remote communities about bringing care closer to home.",
        "Concrete tools we can take back to our clinic, such as referral templates.",
        "Time with Perinatal Services BC to ask about data and reporting.",
        "Indigenous-led sessions on culturally safe perinatal care.",
        "Follow-up on what happened to the ideas from this year's breakouts.",
        "Postpartum mental health and how to connect families with supports after six weeks.",
        "Smaller regional conversations between the provincial gatherings.",
    ],
    "other_comments": [
        "Thank you to the organisers; this was a good use of a morning.",
        "Please keep the virtual format so people outside the Lower Mainland can join.",
        "I appreciated the honorarium and recognition for patient partners.",
        "Looking forward to the summary report.",
    ],
}


def _scale(rng: random.Random, key: str) -> str:
    choices = ["1", "2", "3", "4", "5", NOT_APPLICABLE]
    return rng.choices(choices, weights=SCALE_WEIGHTS.get(key, (1, 2, 10, 45, 40, 2)))[0]


def _answers(survey, registration: Registration, rng: random.Random) -> dict:
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
                    titles.get(joined.title, services.NO_BREAKOUT)
                    if joined
                    else services.NO_BREAKOUT
                )
        elif question.kind == QuestionKind.TEXT:
            pool = COMMENTS.get(question.key, [])
            if pool and rng.random() < ANSWER_CHANCE.get(question.key, 0.3):
                values[question.id] = rng.choice(pool)
        elif question.kind == QuestionKind.SINGLE and question.options:
            values[question.id] = rng.choice(question.options)
    return values


def seed_demo_evaluation(gathering: Gathering, *, rng: random.Random, now: datetime) -> int:
    """Create the closed survey with invitations and responses; returns responses added
    (0 when the gathering already has a survey, so seeding twice changes nothing)."""
    if services.survey_for(gathering) is not None:
        return 0
    opened = gathering.ends_at - timedelta(minutes=10)
    survey = services.create_survey(gathering, now=opened)
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
        invitation = services.ensure_invitation(survey, registration)
        invitation.invited_at = invited_at
        invitations.append((invitation, registration))
    db.session.flush()

    responders = rng.sample(invitations, round(len(invitations) * RESPONSE_RATE))
    chosen = {id(invitation) for invitation, _ in responders}
    for invitation, _ in invitations:
        if id(invitation) not in chosen:
            invitation.reminded_at = reminded_at
            invitation.reminder_count = 1
    for invitation, registration in responders:
        when = invited_at + timedelta(hours=rng.randint(1, 12 * 24))
        services.submit_response(invitation, _answers(survey, registration, rng), now=when)
    db.session.flush()
    services.close_survey(survey, now=max(now, survey.closes_at))
    return len(responders)
