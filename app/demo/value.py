"""The demo's engagement story: each agenda item's IAP2 level, answers to the built-in
engagement quality and cultural safety questions, and (for 2021) the follow-up months
later with its value stories, so the 2022 report's "Quality of engagement", "Since the
last gathering" and "Over time" have something to show. Seeding twice changes nothing."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from app.choices import EngagementLevel, ValueCycle
from app.evaluation import question_sets, setup
from app.extensions import db
from app.facts import gathering_facts
from app.models import Gathering, Registration, SurveyAnswer, SurveyQuestionSet, SurveyResponse
from app.models.value import ValueFollowUp, ValueInvitation, ValueResponse
from app.value.services import default_send_at

# Agenda items that gave participants more say than their kind usually does.
LEVELS = {
    "Priorities and next steps": EngagementLevel.INVOLVE,
    "The CoP strategic plan": EngagementLevel.INVOLVE,
    "Next steps and closing": EngagementLevel.COLLABORATE,
}
# The 2022 breakouts worked on options the committee then chose from.
BREAKOUT_LEVEL = {"provincial-gathering-2022": EngagementLevel.INVOLVE}

# How likely each point (1..5) of the scale is, per question: cultural safety and knowing
# what happens next are where the community said it still had work to do.
ENGAGEMENT_WEIGHTS = {
    "engagement_time": (2, 8, 15, 45, 30),
    "engagement_heard": (1, 4, 12, 48, 35),
    "engagement_purpose": (1, 3, 10, 46, 40),
    "engagement_culturally_safe": (3, 7, 18, 42, 30),
    "engagement_next": (5, 15, 30, 35, 15),
}
FOLLOW_UP_RESPONSE_RATE = 0.45
CYCLE_CHANCE = {
    ValueCycle.IMMEDIATE: 0.7,
    ValueCycle.POTENTIAL: 0.8,
    ValueCycle.APPLIED: 0.55,
    ValueCycle.REALISED: 0.25,
    ValueCycle.TRANSFORMATIVE: 0.15,
}
STORIES = [
    "After the breakout on postpartum care I set up a warm handover call with our public "
    "health nurses. Families now leave hospital with their first home visit booked.",
    "I used the newborn care path template from the gathering in our Primary Care Network. "
    "Three clinics agreed on one referral route for jaundice checks.",
    "Meeting a midwife from the north changed how our clinic thinks about travel for care: "
    "we now offer virtual prenatal visits in the third trimester.",
    "Our Division started a monthly perinatal huddle with the hospital. It began with the "
    "contacts I made in the breakout room.",
    "We rewrote our intake form in plain language with two patient partners, as the "
    "patients' stories at the gathering suggested.",
    "The cultural safety discussion led our team to book the San'yas training for everyone "
    "who sees perinatal patients.",
    "Nothing has changed in practice yet, but I now know who to call at Perinatal Services BC "
    "when a question comes up.",
]


def seed_demo_engagement(gatherings: list[Gathering], *, now: datetime) -> None:
    for gathering in gatherings:
        _levels(gathering)
        _engagement_answers(gathering)
    db.session.flush()


def seed_demo_value(gathering: Gathering, *, now: datetime) -> None:
    """The follow-up, sent three months after the gathering to attendees who agreed to be
    contacted, about half of whom answered. Nothing is emailed: the demo's people are
    invented."""
    if gathering.ends_at > now or db.session.scalar(
        select(ValueFollowUp.id).where(ValueFollowUp.gathering_id == gathering.id)
    ):
        return
    rng = random.Random(f"{gathering.slug}-value")
    sent_at = min(now, default_send_at(gathering))
    followup = ValueFollowUp(gathering=gathering, send_at=sent_at, scheduled=False, sent_at=sent_at)
    db.session.add(followup)
    db.session.flush()
    attended = sorted(gathering_facts(gathering).attended_ids)
    people = db.session.scalars(
        select(Registration)
        .where(Registration.id.in_(attended), Registration.consent_followup_at.is_not(None))
        .order_by(Registration.id)
    ).all()
    stories = list(STORIES)
    rng.shuffle(stories)
    for registration in people:
        answered = rng.random() < FOLLOW_UP_RESPONSE_RATE
        db.session.add(
            ValueInvitation(
                followup=followup,
                registration=registration,
                token_hash=secrets.token_hex(32),
                invited_at=sent_at,
                responded=answered,
            )
        )
        if not answered:
            continue
        cycles = [c.value for c, chance in CYCLE_CHANCE.items() if rng.random() < chance]
        story = stories.pop() if stories and rng.random() < 0.5 else ""
        db.session.add(
            ValueResponse(
                followup_id=followup.id,
                cycles=" ".join(cycles),
                story=story,
                story_consent=bool(story) and rng.random() < 0.85,
                submitted_on=(sent_at + timedelta(days=rng.randint(1, 20))).date(),
            )
        )
    followup.recipient_count = len(people)
    db.session.flush()


def _levels(gathering: Gathering) -> None:
    for item in gathering.active_agenda:
        if item.title in LEVELS:
            item.engagement_level = LEVELS[item.title].value
        elif item.is_breakout and gathering.slug in BREAKOUT_LEVEL:
            item.engagement_level = BREAKOUT_LEVEL[gathering.slug].value


def _engagement_answers(gathering: Gathering) -> None:
    """The built-in set added to the gathering's (closed) survey, as if it had been there
    from the start, and answered by about four in five of its respondents."""
    survey = setup.survey_for(gathering)
    if survey is None or any(s.builtin for s in survey.question_sets):
        return
    rng = random.Random(f"{gathering.slug}-engagement")
    builtin = SurveyQuestionSet(
        code=question_sets.ENGAGEMENT_SET_CODE,
        title=question_sets.ENGAGEMENT_SET_TITLE,
        source=question_sets.ENGAGEMENT_SET_SOURCE,
        licence=question_sets.ENGAGEMENT_SET_LICENCE,
        builtin=True,
    )
    survey.question_sets.append(builtin)
    # The survey is closed, so the set goes in directly rather than through the lock.
    question_sets.add_set_questions(
        survey,
        builtin,
        [
            {"key": key, "kind": "scale", "prompt": prompt, "help_text": hint}
            for key, prompt, hint in question_sets.ENGAGEMENT_QUESTIONS
        ],
    )
    db.session.flush()
    questions = [q for q in survey.questions if q.question_set is builtin]
    responses = db.session.scalars(
        select(SurveyResponse.id)
        .where(SurveyResponse.survey_id == survey.id)
        .order_by(SurveyResponse.id)
    ).all()
    for response_id in responses:
        if rng.random() > 0.8:
            continue
        for question in questions:
            if rng.random() < 0.05:
                continue
            point = rng.choices(range(1, 6), weights=ENGAGEMENT_WEIGHTS[question.key])[0]
            db.session.add(
                SurveyAnswer(response_id=response_id, question_id=question.id, value=str(point))
            )
