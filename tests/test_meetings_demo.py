"""The demo's invitation lists and Zoom reports: the 2022 funnel adds up, the polls are
in its report, and seeding twice adds nothing."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from app.demo import DEMO_SLUG, UPCOMING_SLUG, seed_demo
from app.extensions import db
from app.invitations.services import funnel
from app.models import Gathering, Invitee, PollResult, QaQuestion

NOW = datetime(2026, 11, 26, 19, tzinfo=UTC)


def _gathering(slug: str) -> Gathering:
    return db.session.scalar(select(Gathering).where(Gathering.slug == slug))


def test_the_demo_invited_reminded_and_heard_back(app):
    seed_demo(now=NOW)
    past, upcoming = _gathering(DEMO_SLUG), _gathering(UPCOMING_SLUG)
    result = funnel(past)
    assert result.on_list > 100 and 0 < result.registered < result.on_list
    assert 0 < result.attended <= result.registered
    assert result.uninvited_registered > 0 and result.opted_out >= 2
    assert sum(row.invited for row in result.by_region) == result.on_list
    assert funnel(upcoming).on_list > 0
    invited = db.session.scalars(select(Invitee.invited_at).where(Invitee.gathering_id == past.id))
    assert {moment.year for moment in invited} == {2022}
    assert db.session.scalar(select(func.count(PollResult.id))) == 12
    assert (
        db.session.scalar(select(func.count(QaQuestion.id)).where(QaQuestion.included.is_(True)))
        == 3
    )

    counts = {
        model: db.session.scalar(select(func.count(model.id)))
        for model in (Invitee, PollResult, QaQuestion)
    }
    seed_demo(now=NOW)
    assert counts == {
        model: db.session.scalar(select(func.count(model.id)))
        for model in (Invitee, PollResult, QaQuestion)
    }
