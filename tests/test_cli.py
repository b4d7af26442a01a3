"""The flask commands: create-user, seed-demo, first-run."""

from sqlalchemy import func, select

from app.choices import RegistrationStatus
from app.demo import DEMO_SLUG, INAUGURAL_SLUG, UPCOMING_SLUG, person
from app.extensions import db
from app.facts import gathering_facts
from app.models import AgendaItem, Gathering, Registration, User


def test_create_user_with_and_without_password(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "Lead@Example.org",
            "--role",
            "organiser",
            "--password",
            "a long enough password",
        ]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.email)) == "lead@example.org"
    prompted = runner.invoke(
        args=["create-user", "f@example.org", "--role", "facilitator"],
        input="another long password\nanother long password\n",
    )
    assert prompted.exit_code == 0, prompted.output
    assert db.session.scalar(select(func.count(User.id))) == 2


def test_create_user_bad_input(runner):
    assert (
        runner.invoke(
            args=["create-user", "x@example.org", "--role", "boss", "--password", "long enough pw"]
        ).exit_code
        == 2
    )
    short = runner.invoke(
        args=["create-user", "x@example.org", "--role", "steering", "--password", "short"]
    )
    assert short.exit_code == 2 and "at least 10" in short.output
    runner.invoke(
        args=["create-user", "x@example.org", "--role", "steering", "--password", "long enough pw"]
    )
    again = runner.invoke(
        args=["create-user", "x@example.org", "--role", "steering", "--password", "long enough pw"]
    )
    assert again.exit_code == 2 and "already exists" in again.output


def test_seed_demo_is_realistic_and_does_not_duplicate(runner):
    result = runner.invoke(args=["seed-demo", "--participants", "60"])
    assert result.exit_code == 0, result.output
    past = db.session.scalar(select(Gathering).where(Gathering.slug == DEMO_SLUG))
    assert past.starts_at.isoformat() == "2022-10-20T16:00:00+00:00"  # 09:00 PDT
    assert past.ends_at.isoformat() == "2022-10-20T19:30:00+00:00"
    assert len(past.breakouts) == 7
    assert {b.priority_area for b in past.breakouts} == {
        "primary_care_access",
        "closer_to_home",
        "newborn_care_path",
        "postpartum_transition",
        "seamless_transitions",
        "sharing_practices",
        "education",
    }
    titles = [item.title for item in past.active_agenda]
    assert "Opening prayer" in titles and "Next steps and closing" in titles
    count = db.session.scalar(
        select(func.count(Registration.id)).where(Registration.gathering_id == past.id)
    )
    assert count == 60
    regions = set(
        db.session.scalars(
            select(Registration.health_region).where(Registration.gathering_id == past.id)
        )
    )
    assert len(regions) >= 5

    upcoming = db.session.scalar(select(Gathering).where(Gathering.slug == UPCOMING_SLUG))
    assert upcoming.capacity == 150 and upcoming.waitlist_enabled
    assert len(upcoming.breakouts) == 7

    again = runner.invoke(args=["seed-demo", "--participants", "60"])
    assert again.exit_code == 0
    assert "0 registrations added to the 2022 gathering, 0 to the 2021 one" in again.output
    assert db.session.scalar(select(func.count(Gathering.id))) == 3
    inaugural = db.session.scalar(select(Gathering).where(Gathering.slug == INAUGURAL_SLUG))
    assert db.session.scalar(select(func.count(AgendaItem.id))) == len(past.agenda_items) + len(
        upcoming.agenda_items
    ) + len(inaugural.agenda_items)

    more = runner.invoke(args=["seed-demo", "--participants", "70"])
    assert "10 registrations added" in more.output


def test_demo_people_are_deterministic():
    assert person(5, seed=DEMO_SLUG) == person(5, seed=DEMO_SLUG)
    assert person(5, seed=DEMO_SLUG) != person(6, seed=DEMO_SLUG)


def test_default_seed_has_150_registered_and_126_taking_part(runner):
    runner.invoke(args=["seed-demo"])
    past = db.session.scalar(select(Gathering).where(Gathering.slug == DEMO_SLUG))
    confirmed = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.gathering_id == past.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )
    total = db.session.scalar(
        select(func.count(Registration.id)).where(Registration.gathering_id == past.id)
    )
    assert total == 150 and 140 <= confirmed <= 150
    assert gathering_facts(past).attended == 126


def test_first_run_prints_the_password_once(runner):
    first = runner.invoke(args=["first-run"])
    assert first.exit_code == 0, first.output
    assert "password:" in first.output and "organiser@example.org" in first.output
    assert "Demo facilitator account:" in first.output
    assert "facilitator@example.org" in first.output and "steering@example.org" in first.output
    assert first.output.count("password:") == 3
    assert db.session.scalar(select(func.count(Gathering.id))) == 3
    second = runner.invoke(args=["first-run"])
    assert "password:" not in second.output
