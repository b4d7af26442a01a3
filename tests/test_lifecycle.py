"""The gathering's life: drafts only staff see, publishing, registration opened and closed
by hand, archive, the next gathering started from this one, past gatherings and their
published reports in public."""

import hashlib
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.evaluation.setup import create_survey
from app.extensions import db
from app.lifecycle.services import DRAFT, GatheringState, start_next, state_of
from app.models import (
    AgendaItem,
    BreakoutStaff,
    EmailTemplate,
    Gathering,
    PublishedReport,
    Registration,
    ReportRun,
    ReportStatus,
    Survey,
)
from tests.conftest import PACIFIC, login


def past_gathering(make_gathering, **overrides) -> Gathering:
    start = datetime.now(UTC) - timedelta(days=60)
    return make_gathering(
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        registration_opens_at=start - timedelta(days=30),
        registration_closes_at=start - timedelta(hours=1),
        **overrides,
    )


def finished_run(app, gathering, *, variant="shareable", content=b"%PDF-1.7 test report"):
    run = ReportRun(
        gathering_id=gathering.id,
        variant=variant,
        status=ReportStatus.DONE.value,
        filename=f"report-{gathering.slug}-{variant}.pdf",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
        finished_at=datetime.now(UTC),
    )
    db.session.add(run)
    db.session.commit()
    return run


def test_states_follow_dates_and_decisions(make_gathering):
    now = datetime.now(UTC)
    gathering = make_gathering()
    assert state_of(gathering, now=now) == GatheringState.REGISTRATION_OPEN
    assert state_of(gathering, now=now - timedelta(days=2)) == GatheringState.PUBLISHED
    assert state_of(gathering, now=gathering.starts_at - timedelta(minutes=30)) == (
        GatheringState.REGISTRATION_CLOSED
    )
    assert state_of(gathering, now=gathering.ends_at) == GatheringState.HELD
    gathering.published_at = None
    assert state_of(gathering, now=now) == GatheringState.DRAFT
    gathering.archived_at = now
    assert state_of(gathering, now=now) == GatheringState.ARCHIVED


def test_a_new_gathering_is_a_draft_the_public_cannot_see(app, organiser_client):
    client = app.test_client()  # anonymous
    response = organiser_client.post(
        "/organiser/gatherings/new",
        data={
            "title": "Provincial gathering 2027",
            "slug": "provincial-gathering-2027",
            "timezone": "America/Vancouver",
            "starts_at": "2027-10-20T09:00",
            "ends_at": "2027-10-20T12:30",
            "registration_opens_at": "",
            "registration_closes_at": "",
            "waitlist_enabled": "y",
            "attendance_threshold_minutes": "10",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    gathering = db.session.scalar(
        select(Gathering).where(Gathering.slug == "provincial-gathering-2027")
    )
    assert gathering.published_at is None
    slug = gathering.slug
    for path in (f"/g/{slug}/", f"/g/{slug}/register", f"/g/{slug}/calendar.ics"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/g/{slug}/register", data={"name": "x"}).status_code == 404
    assert "Provincial gathering 2027" not in client.get("/").get_data(as_text=True)
    # Staff see the draft, and its state.
    assert organiser_client.get(f"/g/{slug}/").status_code == 200
    home = organiser_client.get("/organiser/").get_data(as_text=True)
    assert "Draft: only staff can see it" in home

    assert (
        organiser_client.post(f"/organiser/g/{slug}/life", data={"action": "publish"}).status_code
        == 303
    )
    assert client.get(f"/g/{slug}/").status_code == 200
    assert "Provincial gathering 2027" in client.get("/").get_data(as_text=True)


def test_open_and_close_registration_by_hand(organiser_client, make_gathering):
    gathering = make_gathering(registration_opens_at=datetime.now(UTC) + timedelta(days=5))
    path = f"/organiser/g/{gathering.slug}/life"
    assert state_of(gathering, now=datetime.now(UTC)) == GatheringState.PUBLISHED
    organiser_client.post(path, data={"action": "open-registration"})
    db.session.refresh(gathering)
    assert state_of(gathering, now=datetime.now(UTC)) == GatheringState.REGISTRATION_OPEN
    organiser_client.post(path, data={"action": "close-registration"})
    db.session.refresh(gathering)
    assert state_of(gathering, now=datetime.now(UTC)) == GatheringState.REGISTRATION_CLOSED
    assert organiser_client.post(path, data={"action": "explode"}).status_code == 400


def test_archive_hides_from_organisers_lists_but_keeps_the_report(
    app, organiser_client, make_gathering
):
    client = app.test_client()  # anonymous
    upcoming = make_gathering(title="Still coming")
    refused = organiser_client.post(
        f"/organiser/g/{upcoming.slug}/life", data={"action": "archive"}
    )
    assert refused.status_code == 303
    db.session.refresh(upcoming)
    assert upcoming.archived_at is None  # not held yet

    past = past_gathering(make_gathering, title="Held in the spring")
    run = finished_run(app, past)
    page = organiser_client.get(f"/organiser/g/{past.slug}/life")
    assert page.status_code == 200 and f"run {run.id}" in page.get_data(as_text=True)
    assert (
        organiser_client.post(
            f"/organiser/g/{past.slug}/life/report",
            data={"run_id": str(run.id), "confirm": "y", "override_reason": "A test."},
        ).status_code
        == 303
    )
    organiser_client.post(f"/organiser/g/{past.slug}/life", data={"action": "archive"})
    assert "Held in the spring" not in organiser_client.get("/organiser/").get_data(as_text=True)
    assert "Held in the spring" in organiser_client.get("/organiser/archive").get_data(as_text=True)

    home = client.get("/").get_data(as_text=True)
    assert "Past gatherings" in home and "Held in the spring" in home
    assert f"/g/{past.slug}/report.pdf" in home
    pdf = client.get(f"/g/{past.slug}/report.pdf")
    assert pdf.status_code == 200 and pdf.data == b"%PDF-1.7 test report"
    assert f"/g/{past.slug}/report.pdf" in client.get(f"/g/{past.slug}/").get_data(as_text=True)

    organiser_client.post(f"/organiser/g/{past.slug}/life/report/withdraw")
    assert client.get(f"/g/{past.slug}/report.pdf").status_code == 404


def test_only_a_finished_shareable_run_of_this_gathering_can_be_published(
    app, organiser_client, make_gathering
):
    past = past_gathering(make_gathering)
    other = past_gathering(make_gathering)
    committee = finished_run(app, past, variant="committee")
    elsewhere = finished_run(app, other)
    for run_id in (committee.id, elsewhere.id, 999999):
        response = organiser_client.post(
            f"/organiser/g/{past.slug}/life/report",
            data={"run_id": str(run_id), "confirm": "y", "override_reason": "A test."},
        )
        assert response.status_code == 422, run_id
    assert db.session.scalar(select(func.count(PublishedReport.id))) == 0


def test_publishing_needs_the_pre_flight_list_or_a_recorded_reason(
    app, organiser_client, make_gathering
):
    """A report whose key messages, themes, notes, survey and attendance are not done
    is refused; with a reason it is published, and the page shows the override. Either
    way the organiser confirms who will be able to read it."""
    past = past_gathering(make_gathering, title="Not ready yet")
    run = finished_run(app, past)
    url = f"/organiser/g/{past.slug}/life/report"
    page = organiser_client.get(f"/organiser/g/{past.slug}/life").get_data(as_text=True)
    for item in (
        "Key messages approved",
        "Themes reviewed",
        "Every breakout&#39;s notes submitted",
        "Survey closed",
        "Attendance final",
    ):
        assert item in page, item
    assert f'href="/organiser/g/{past.slug}/report/key-messages"' in page
    report_page = organiser_client.get(f"/reports/g/{past.slug}/").get_data(as_text=True)
    assert "To do:" in report_page and "Key messages approved" in report_page

    unconfirmed = organiser_client.post(url, data={"run_id": str(run.id), "override_reason": "x"})
    assert unconfirmed.status_code == 422
    assert "Confirm that you know who will be able to read it." in unconfirmed.get_data(
        as_text=True
    )
    refused = organiser_client.post(url, data={"run_id": str(run.id), "confirm": "y"})
    assert refused.status_code == 422
    assert "The report is not ready: key messages approved" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PublishedReport.id))) == 0

    reason = "The committee asked for it before the board meeting."
    done = organiser_client.post(
        url, data={"run_id": str(run.id), "confirm": "y", "override_reason": reason}
    )
    assert done.status_code == 303
    published = db.session.scalar(select(PublishedReport))
    assert published.override_reason == reason
    assert "Key messages approved" in published.override_missing
    page = organiser_client.get(f"/organiser/g/{past.slug}/life").get_data(as_text=True)
    assert "before the checks were complete" in page and reason in page


def test_a_report_nobody_published_is_not_public(app, client, make_gathering):
    past = past_gathering(make_gathering)
    finished_run(app, past)
    assert client.get(f"/g/{past.slug}/report.pdf").status_code == 404


def test_start_the_next_gathering_copies_the_shape_not_the_people(
    app, organiser_client, make_gathering, make_registration, make_user
):
    source = make_gathering(title="Gathering 2026")
    make_registration(source)
    facilitator = make_user("facilitator")
    from app.breakouts.staffing import add_staff

    add_staff(source.breakouts[0], facilitator, "facilitator")
    survey = create_survey(source, now=datetime.now(UTC))
    db.session.add(
        EmailTemplate(
            gathering_id=source.id,
            kind="confirmed",
            subject="See you at Gathering 2026",
            body="Our own words for {name}.",
        )
    )
    db.session.commit()
    questions = [q.prompt for q in survey.questions]
    assert questions

    local_start = source.starts_at.astimezone(PACIFIC)
    new_day = date(local_start.year + 1, 3, 20)  # across a daylight-saving change
    response = organiser_client.post(
        f"/organiser/g/{source.slug}/next",
        data={
            "title": "Gathering 2027",
            "slug": "gathering-2027",
            "starts_on": new_day.isoformat(),
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    copy = db.session.scalar(select(Gathering).where(Gathering.slug == "gathering-2027"))
    assert copy.published_at is None and copy.title == "Gathering 2027"
    assert copy.land_acknowledgement == source.land_acknowledgement
    assert [i.title for i in copy.active_agenda] == [i.title for i in source.active_agenda]
    assert len(copy.breakouts) == len(source.breakouts) == 7
    assert copy.starts_at.astimezone(PACIFIC).date() == new_day
    assert copy.starts_at.astimezone(PACIFIC).time() == local_start.time()
    assert {i.calendar_uid for i in copy.agenda_items}.isdisjoint(
        {i.calendar_uid for i in source.agenda_items}
    )
    copied_survey = db.session.scalar(select(Survey).where(Survey.gathering_id == copy.id))
    assert [q.prompt for q in copied_survey.questions] == questions
    assert copied_survey.status == "draft"
    assert (
        db.session.scalar(
            select(func.count(Registration.id)).where(Registration.gathering_id == copy.id)
        )
        == 0
    )
    (template,) = db.session.scalars(
        select(EmailTemplate).where(EmailTemplate.gathering_id == copy.id)
    ).all()
    assert (template.kind, template.subject) == ("confirmed", "See you at Gathering 2027")
    assert template.body == "Our own words for {name}."
    flashed = organiser_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Copied: 9 agenda items (7 breakout rooms)" in flashed
    assert "1 email wording" in flashed and "Not copied: registrations, attendance" in flashed
    copy_rooms = [i.id for i in copy.agenda_items]
    assert (
        db.session.scalar(
            select(func.count(BreakoutStaff.id)).where(BreakoutStaff.agenda_item_id.in_(copy_rooms))
        )
        == 0
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slug": "Bad Slug"}, "lower-case letters"),
        ({"starts_on": "next year"}, "Not a valid date"),
        ({"starts_on": "9999-01-01"}, "between 1900 and 2100"),
        ({"title": "  "}, "Enter a title"),
        ({"slug": "SOURCE"}, "already uses this web address"),
        ({"title": "SOURCE TITLE"}, "Another gathering already has this title"),
        ({"starts_on": "2020-10-20"}, "Choose a date after today"),
    ],
)
def test_the_next_gathering_form_refuses_bad_input(
    organiser_client, make_gathering, fields, message
):
    source = make_gathering()
    next_year = (datetime.now(UTC) + timedelta(days=365)).date().isoformat()
    data = {"title": "Next", "slug": "next-one", "starts_on": next_year}
    data.update({k: (source.slug if v == "SOURCE" else v) for k, v in fields.items()})
    if data["title"] == "SOURCE TITLE":
        data["title"] = f"  {source.title.upper()} "  # the same title, however it is typed
    before = db.session.scalar(select(func.count(AgendaItem.id)))
    response = organiser_client.post(f"/organiser/g/{source.slug}/next", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AgendaItem.id))) == before


def test_start_next_keeps_wall_clock_times(make_gathering):
    source = make_gathering()
    copy = start_next(
        source, title="x", slug="x-copy", starts_on=date(2031, 7, 1), now=datetime.now(UTC)
    )
    assert copy.starts_at.astimezone(PACIFIC).hour == source.starts_at.astimezone(PACIFIC).hour


def test_staff_of_any_role_see_drafts(app, make_gathering, make_user):
    draft = make_gathering(published_at=DRAFT)
    client = app.test_client()
    assert client.get(f"/g/{draft.slug}/").status_code == 404
    login(client, make_user("steering"))
    assert client.get(f"/g/{draft.slug}/").status_code == 200


def test_the_next_gathering_form_suggests_a_new_title_and_a_future_date(
    organiser_client, make_gathering
):
    past = datetime(2022, 10, 20, 16, tzinfo=UTC)
    source = make_gathering(
        title="Provincial Gathering 2022", starts_at=past, ends_at=past + timedelta(hours=4)
    )
    make_gathering(title="Provincial Gathering 2023")
    from app.models import RepresentationTarget

    db.session.add(
        RepresentationTarget(
            gathering_id=source.id, dimension="health_region", code="island", value=8
        )
    )
    db.session.commit()
    page = organiser_client.get(f"/organiser/g/{source.slug}/next").get_data(as_text=True)
    assert 'value="Provincial Gathering 2024"' in page  # 2023 is taken
    assert 'value="provincial-gathering-2024"' in page
    suggested = re.search(r'name="starts_on"[^>]*value="([\d-]+)"', page).group(1)
    assert date.fromisoformat(suggested) > datetime.now(UTC).date()
    assert "Never copied" in page and "Survey answers" in page
    response = organiser_client.post(
        f"/organiser/g/{source.slug}/next",
        data={
            "title": "Provincial Gathering 2024",
            "slug": "provincial-gathering-2024",
            "starts_on": suggested,
        },
    )
    assert response.status_code == 303
    copy = db.session.scalar(select(Gathering).where(Gathering.slug == "provincial-gathering-2024"))
    (target,) = db.session.scalars(
        select(RepresentationTarget).where(RepresentationTarget.gathering_id == copy.id)
    ).all()
    assert (target.code, target.value) == ("island", 8)
