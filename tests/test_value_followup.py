"""Value created, months later: the follow-up goes only to attendees who agreed to be
contacted, once each, after the organiser confirmed; answers are anonymous and counted
with small counts hidden. Delivered through a real SMTP server on loopback."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select

from app.choices import ValueCycle
from app.extensions import db
from app.facts.value import value_tally
from app.models.value import ValueFollowUp, ValueInvitation, ValueResponse
from app.outbound.mail import deliver_due
from app.value import services

pytest_plugins = ["tests.fixtures_evaluation", "tests.fixtures_mail"]


@pytest.fixture
def people(past_gathering, make_registration, attend, now):
    """An attendee who agreed to follow-up contact, one who did not, and a no-show who did."""
    agreed = make_registration(past_gathering, consent_followup_at=now, name="Ada Agreed")
    declined = make_registration(past_gathering, name="Dee Declined")
    no_show = make_registration(past_gathering, consent_followup_at=now, name="Noel Noshow")
    attend(past_gathering, agreed)
    attend(past_gathering, declined)
    return agreed, declined, no_show


def _post(client, gathering, **data):
    return client.post(f"/organiser/g/{gathering.slug}/value", data=data)


def _local(moment: datetime, gathering) -> str:
    from app import timefmt

    return timefmt.to_local(moment, gathering.timezone).strftime("%Y-%m-%dT%H:%M")


def test_sent_now_only_to_consenting_attendees_once_each_after_confirming(
    app, smtp_server, organiser_client, client, past_gathering, people, now
):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_TIMEOUT=5)
    agreed, _, _ = people
    when = _local(now, past_gathering)

    confirm = _post(organiser_client, past_gathering, send_at=when, action="send_now")
    assert confirm.status_code == 200
    body = confirm.get_data(as_text=True)
    assert "This will email 1 person" in body and "goes out now" in body
    assert f"To: {agreed.email}" in body and services.PREVIEW_TOKEN in body  # the example
    assert db.session.scalar(select(func.count()).select_from(ValueInvitation)) == 0
    assert db.session.scalar(select(func.count()).select_from(ValueFollowUp)) == 0

    sent = _post(organiser_client, past_gathering, send_at=when, action="send_now", announce="send")
    assert sent.status_code == 303
    # Sending again asks nobody twice: nobody is left, so there is nothing to confirm.
    again = _post(organiser_client, past_gathering, send_at=when, action="send_now")
    assert again.status_code == 303
    report = deliver_due(now=datetime.now(UTC) + timedelta(seconds=1))
    assert report.sent == 1, report.errors
    [message] = smtp_server.inbox.messages
    assert message["To"] == agreed.email
    assert message["Subject"].startswith("What came of it?")

    text = message.get_body(("plain",)).get_content()
    path = re.search(r"https?://\S+(/v/[A-Za-z0-9_-]{43})", text).group(1)
    page = client.get(path)
    assert page.status_code == 200 and "I tried something I learned" in page.get_data(as_text=True)
    answered = client.post(
        path,
        data={
            "cycles": [ValueCycle.APPLIED.value, ValueCycle.TRANSFORMATIVE.value],
            "story": "We started a shared intake form with the midwives.",
            "story_consent": "y",
        },
    )
    assert answered.status_code == 200 and "Thank you" in answered.get_data(as_text=True)
    assert client.post(path, data={"cycles": ["applied"]}).status_code == 409

    tally = value_tally(past_gathering.id)
    assert tally.invited == 1 and tally.respondents == 1
    assert dict(tally.cycles)[ValueCycle.APPLIED] == 1
    assert tally.stories == ["We started a shared intake form with the midwives."]
    dashboard = organiser_client.get(f"/organiser/g/{past_gathering.slug}/").get_data(as_text=True)
    section = dashboard[dashboard.index('id="value-created-title"') :]
    assert "&lt;5 of 1 people asked have answered" in section  # one answer: hidden
    assert re.search(r"Tried something</th><td class=\"num\">&lt;5<", section)
    # The answer row names no one.
    columns = {c["name"] for c in inspect(db.engine).get_columns("value_responses")}
    assert columns == {"id", "followup_id", "cycles", "story", "story_consent", "submitted_on"}


def test_scheduled_follow_up_waits_for_its_day_and_goes_once(
    organiser_client, past_gathering, people, now
):
    page = organiser_client.get(f"/organiser/g/{past_gathering.slug}/value").get_data(as_text=True)
    default = services.default_send_at(past_gathering)
    assert f'value="{_local(default, past_gathering)}"' in page  # three months on
    assert "Not scheduled: nobody will be emailed" in page

    when = _local(default, past_gathering)
    confirm = _post(organiser_client, past_gathering, send_at=when, action="schedule")
    body = confirm.get_data(as_text=True)
    assert "This will email 1 person" in body and "goes out on" in body
    assert "Save the date without emailing" in body
    assert db.session.scalar(select(ValueFollowUp)) is None
    scheduled = _post(
        organiser_client, past_gathering, send_at=when, action="schedule", announce="send"
    )
    assert scheduled.status_code == 303
    followup = db.session.scalar(select(ValueFollowUp))
    assert followup.scheduled and followup.sent_at is None

    assert services.queue_due_followups(now=default - timedelta(minutes=1)) == 0
    assert services.queue_due_followups(now=default + timedelta(minutes=1)) == 1
    assert services.queue_due_followups(now=default + timedelta(days=1)) == 0
    assert db.session.scalar(select(func.count()).select_from(ValueInvitation)) == 1


def test_saved_without_emailing_sends_nothing(organiser_client, past_gathering, people, now):
    when = _local(now + timedelta(days=1), past_gathering)
    response = _post(
        organiser_client, past_gathering, send_at=when, action="schedule", announce="quiet"
    )
    assert response.status_code == 303
    assert not db.session.scalar(select(ValueFollowUp)).scheduled
    assert services.queue_due_followups(now=now + timedelta(days=400)) == 0
    assert db.session.scalar(select(func.count()).select_from(ValueInvitation)) == 0


def test_a_time_before_the_gathering_ended_is_refused_beside_the_field(
    organiser_client, past_gathering, people
):
    before = _local(past_gathering.starts_at, past_gathering)
    response = _post(organiser_client, past_gathering, send_at=before, action="schedule")
    assert response.status_code == 422
    assert "Choose a time after the gathering has ended." in response.get_data(as_text=True)
    assert db.session.scalar(select(ValueFollowUp)) is None


def test_three_months_on_keeps_the_clock_and_the_month_end():
    start = datetime(2026, 1, 31, 17, 0, tzinfo=UTC)  # 09:00 in Vancouver, winter
    later = services.months_later(start, "America/Vancouver")
    assert later == datetime(2026, 4, 30, 16, 0, tzinfo=UTC)  # 09:00, summer time


def test_small_counts_are_hidden_in_the_summary():
    from app.facts.value import ValueTally

    tally = ValueTally(
        invited=40,
        respondents=12,
        cycles=[(ValueCycle.APPLIED, 9), (ValueCycle.REALISED, 2), (ValueCycle.IMMEDIATE, 0)],
    )
    summary = tally.shown(5)
    assert summary.rows == [
        ("Tried something", "9"),
        ("Made a difference", "<5"),
        ("Worthwhile in itself", "0"),
    ]
    assert summary.hidden
    few = ValueTally(invited=9, respondents=3, cycles=[(ValueCycle.APPLIED, 3)]).shown(5)
    assert few.respondents == "<5" and few.rows == [("Tried something", "<5")]
    assert tally.shown(None).rows[1] == ("Made a difference", "2")


def test_the_next_gatherings_report_shows_what_came_of_the_last_one(
    make_gathering, make_registration, attend, now
):
    """Both PDF versions: the stories (no names), the counts, small ones masked in the
    shareable; and the follow-up's row in Over time."""
    from datetime import date

    from app.models import Community
    from app.reporting import services as report_services
    from tests.test_report_pdf import pdf_text

    start = (now - timedelta(days=200)).replace(microsecond=0)
    earlier = make_gathering(
        title="Spring gathering", starts_at=start, ends_at=start + timedelta(hours=3)
    )
    later = make_gathering(
        title="Autumn gathering",
        starts_at=start + timedelta(days=180),
        ends_at=start + timedelta(days=180, hours=3),
    )
    community = Community(name="Perinatal CoP", slug="perinatal-cop")
    db.session.add(community)
    db.session.flush()
    earlier.community_id = later.community_id = community.id
    people = []
    for n in range(8):
        person = make_registration(earlier, consent_followup_at=now, name=f"Storyteller Person{n}")
        attend(earlier, person)
        people.append(person)
    for _ in range(3):
        make_registration(later)
    sent = services.send_now(earlier, now=now)
    assert sent == 8
    followup = db.session.scalar(select(ValueFollowUp))
    answers = [
        (
            "applied transformative",
            "Our clinic now books postpartum visits before discharge.",
            True,
        ),
        ("applied", "A private story I would rather not see quoted.", False),
        *[("applied potential", "", False)] * 4,
        ("realised applied", "", False),
        ("immediate", "", False),
    ]
    for cycles, story, consent in answers:
        db.session.add(
            ValueResponse(
                followup_id=followup.id,
                cycles=cycles,
                story=story,
                story_consent=consent,
                submitted_on=date(2026, 6, 1),
            )
        )
    db.session.commit()

    committee = report_services.build_report(later, variant="committee", now=now)
    shareable = report_services.build_report(later, variant="shareable", now=now)
    for built in (committee, shareable):
        _, text = pdf_text(built.pdf)
        assert "What came of Spring gathering, months later" in text
        assert "Our clinic now books postpartum visits before discharge." in text
        assert "rather not see quoted" not in text
        assert "Storyteller" not in text and "@example.org" not in text
        assert "What came of each gathering, months later" in text

    def cell(html: str, label: str) -> str:
        part = html[html.index('id="since-last-value"') :]
        return re.search(rf"{label}</th><td class=\"num\">(.*?)</td>", part).group(1)

    assert cell(committee.html, "Tried something") == "7"
    assert cell(committee.html, "Changed how we work") == "1"
    assert cell(shareable.html, "Tried something") == "7"
    assert cell(shareable.html, "Changed how we work") == "&lt;5"
    assert "8 of 8 answered" in " ".join(committee.html.split())
