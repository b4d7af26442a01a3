"""The demo is true to the seed: the 2021 inaugural event and the 2022 provincial
gathering, 126 taking part in 2022 from every health region, varied survey comments,
one account per staff role, and a 2022 report that says so and compares with 2021."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.breakouts.staffing import staffed_rooms
from app.choices import HealthRegion, OrganisationType, Role
from app.demo import DEMO_SLUG, INAUGURAL_SLUG, seed_demo, seed_demo_accounts
from app.extensions import db
from app.facts import frames, gathering_facts
from app.models import Gathering, Registration, User
from app.models.evaluation import QuestionKind
from app.reporting import services as reporting

NOW = datetime(2026, 11, 26, 19, tzinfo=UTC)


@pytest.fixture
def demo(app):
    seed_demo(now=NOW)
    accounts = seed_demo_accounts()
    db.session.commit()
    return accounts


def _gathering(slug: str) -> Gathering:
    return db.session.scalar(select(Gathering).where(Gathering.slug == slug))


def test_2022_has_about_150_registered_and_126_taking_part_from_everywhere(demo):
    facts = gathering_facts(_gathering(DEMO_SLUG))
    assert len(facts.registrations) == 150 and 140 <= facts.registered <= 150
    assert facts.attended == 126
    attended = facts.registrations[facts.registrations["attended"]]
    regions = set(attended["health_region"])
    assert {
        HealthRegion.FRASER,
        HealthRegion.INTERIOR,
        HealthRegion.ISLAND,
        HealthRegion.NORTHERN,
        HealthRegion.VANCOUVER_COASTAL,
        HealthRegion.PROVINCIAL,
    } <= regions
    assert {
        OrganisationType.DIVISION,
        OrganisationType.HEALTH_AUTHORITY,
        OrganisationType.FNHA,
        OrganisationType.PHSA,
        OrganisationType.MINISTRY,
        OrganisationType.PATIENT_PARTNER,
        OrganisationType.COMMUNITY,
    } <= set(attended["organisation_type"])
    assert (attended["role"] == Role.ELDER).any()
    assert facts.walk_ins > 0 and facts.survey.responded > 0


def test_2021_is_its_own_gathering(demo):
    inaugural = _gathering(INAUGURAL_SLUG)
    past = _gathering(DEMO_SLUG)
    assert inaugural.starts_at.astimezone().date().isoformat() == "2021-11-29"
    titles_2021 = {item.title for item in inaugural.active_agenda}
    assert titles_2021.isdisjoint(
        {item.title for item in past.active_agenda if not item.is_breakout}
    )
    assert len(inaugural.breakouts) == 4 and len(past.breakouts) == 7
    facts = gathering_facts(inaugural)
    assert 0 < facts.attended < facts.registered < 126
    assert facts.survey.responded > 0
    # Many of 2021's people come back in 2022 (the same address).
    emails = {
        g.id: set(
            db.session.scalars(select(Registration.email).where(Registration.gathering_id == g.id))
        )
        for g in (inaugural, past)
    }
    assert len(emails[inaugural.id] & emails[past.id]) > 30


def test_no_survey_sentence_is_repeated_word_for_word(demo):
    sentences = []
    for slug in (INAUGURAL_SLUG, DEMO_SLUG):
        survey_id = gathering_facts(_gathering(slug)).survey.id
        answers = frames.answers(survey_id)
        texts = answers.loc[answers["kind"] == QuestionKind.TEXT, "value"]
        for text in texts:
            sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    assert len(sentences) > 40
    assert len(sentences) == len(set(sentences))
    # Within a gathering, nothing is said again behind another opener, and no opener
    # ("Honestly,") opens two answers to the same question: different people wrote them.
    lead_in = re.compile(r"^(For me|Honestly|Overall|In my view), ")
    for slug in (INAUGURAL_SLUG, DEMO_SLUG):
        answers = frames.answers(gathering_facts(_gathering(slug)).survey.id)
        texts = answers[answers["kind"] == QuestionKind.TEXT]
        cores = [lead_in.sub("", t).lower() for t in texts["value"]]
        assert len(cores) == len(set(cores)), slug
        for _, group in texts.groupby("question_id"):
            openers = [m.group(1) for t in group["value"] if (m := lead_in.match(t))]
            assert len(openers) == len(set(openers)), slug


def test_first_run_accounts_for_every_role(demo):
    assert {a.role for a in demo} == {"facilitator", "steering"}
    facilitator = db.session.scalar(select(User).where(User.email == "facilitator@example.org"))
    assert len(staffed_rooms(facilitator)) == 2
    assert seed_demo_accounts() == []


def test_2022_report_says_126_attended_and_compares_with_2021(demo):
    built = reporting.build_report(_gathering(DEMO_SLUG), variant="committee", now=NOW)
    reader = PdfReader(io.BytesIO(built.pdf))
    text = " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())
    assert "126 attended" in text
    before = gathering_facts(_gathering(INAUGURAL_SLUG))
    comparison = re.search(
        r"Compared with (.+?): registered ([+-][\d,]+), attended ([+-][\d,]+)", text
    )
    assert comparison, text
    after = gathering_facts(_gathering(DEMO_SLUG))
    assert int(comparison.group(2)) == after.registered - before.registered
    assert int(comparison.group(3)) == 126 - before.attended
    inaugural = reporting.build_report(_gathering(INAUGURAL_SLUG), variant="committee", now=NOW)
    assert inaugural.pdf.startswith(b"%PDF")


def test_the_past_gatherings_are_dated_in_their_own_time(demo):
    """Registrations spread over the weeks before each gathering; publication, room
    changes, survey and the report's review dated around it, never on the day the
    demo was seeded."""
    from app.models.organiser import RegistrantEvent
    from app.models.report_review import KeyMessageSet, ReportTheme

    for slug, year in ((INAUGURAL_SLUG, 2021), (DEMO_SLUG, 2022)):
        gathering = _gathering(slug)
        assert gathering.published_at.year == year
        assert gathering.published_at < gathering.registration_opens_at + timedelta(days=1)
        created = sorted(
            db.session.scalars(
                select(Registration.created_at).where(Registration.gathering_id == gathering.id)
            )
        )
        assert created[0] >= gathering.registration_opens_at
        assert created[-1] <= gathering.registration_closes_at
        assert created[-1] - created[0] > timedelta(weeks=4), slug
        by_week: dict[int, int] = {}
        for moment in created:
            week = (moment - created[0]).days // 7
            by_week[week] = by_week.get(week, 0) + 1
        assert max(by_week.values()) < len(created) / 2, by_week  # no single week holds most
        events = db.session.scalars(
            select(RegistrantEvent.created_at)
            .join(Registration)
            .where(Registration.gathering_id == gathering.id)
        ).all()
        assert events and all(e.year in (2021, 2022) for e in events), slug
        review = db.session.scalar(
            select(KeyMessageSet).where(KeyMessageSet.gathering_id == gathering.id)
        )
        assert review.approved_at.year == year
        assert review.approved_at > gathering.ends_at
        decided = db.session.scalars(
            select(ReportTheme.decided_at).where(ReportTheme.gathering_id == gathering.id)
        ).all()
        assert decided and all(d.year == year for d in decided)
