"""Numbers that come from outside a form's own fields (ticked ids, hidden ids, lists typed
into one box, merge targets) and numbers inside uploaded files: whatever is sent, the
answer is a 4xx with a message or a clear refusal, never a 500 and never a silent 0."""

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.attendance.importers import AttendanceFileError, Problem, parse_report
from app.extensions import db
from app.models import AttendanceRecord, ImportBatch, Reminder
from app.models.report_review import ReportTheme

# Each is refused: not ASCII digits, or past what an INTEGER column holds.
BAD_NUMBERS = ["²", "١٢", "１２", "99999999999999999999", "2147483648", "-1", "1e3", "0x10", " "]


@pytest.fixture
def gathering(make_gathering, make_registration):
    gathering = make_gathering()
    make_registration(gathering)
    return gathering


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_bulk_action_ids(organiser_client, gathering, bad):
    url = f"/organiser/g/{gathering.slug}/registrants/bulk"
    for action in ("cancel", "message", "move"):
        response = organiser_client.post(url, data={"action": action, "ids": ["1", bad]})
        assert 400 <= response.status_code < 500, (action, response.status_code)


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_message_segment_ids(organiser_client, gathering, bad):
    response = organiser_client.post(
        f"/organiser/g/{gathering.slug}/messages/new",
        data={"segment": "selected", "ids": f"1,{bad}", "subject": "Hi", "body": "Hello."},
    )
    if not bad.strip():
        assert response.status_code == 200  # "1, " is simply 1
        return
    assert response.status_code == 422


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_reminder_days(organiser_client, gathering, bad):
    response = organiser_client.post(
        f"/organiser/g/{gathering.slug}/reminders", data={"days": f"7, {bad}"}
    )
    if not bad.strip():
        assert response.status_code == 303  # "7, " is simply 7
        return
    assert response.status_code == 422
    assert "Use whole numbers from 1 to 60" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Reminder.id))) == 0


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_theme_merge_target(organiser_client, gathering, bad):
    theme = ReportTheme(
        gathering_id=gathering.id,
        position=0,
        suggested_label="Rural families",
        label="Rural families",
        terms=["rural"],
        passages=[],
    )
    db.session.add(theme)
    db.session.commit()
    response = organiser_client.post(
        f"/organiser/g/{gathering.slug}/report/themes/{theme.id}",
        data={f"t{theme.id}-decision": "merge", f"t{theme.id}-merge_into": bad},
    )
    assert 400 <= response.status_code < 500
    db.session.refresh(theme)
    assert theme.merged_into_id is None


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_staff_invitation_rooms(organiser_client, gathering, bad):
    response = organiser_client.post(
        "/organiser/accounts/invite",
        data={
            "name": "Fay Cilitator",
            "email": "fay@example.org",
            "role": "facilitator",
            "rooms": [str(gathering.breakouts[0].id), bad],
            "room_role": "facilitator",
        },
    )
    assert response.status_code < 500


# --- durations in attendance reports ------------------------------------------------------

HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"


@pytest.mark.parametrize(
    "duration", ["99999999", "99999999.5", "1666666:39", "99999999m", "1666666h", "10081"]
)
def test_absurd_durations_are_refused_with_their_line(duration):
    text = (
        HEADER
        + "Ana,a@x.example,10/20/2022 9:00,,30\n"
        + f"Bo,b@x.example,10/20/2022 9:00,,{duration}\n"
    )
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(text.encode())
    assert caught.value.problem is Problem.BAD_DURATION
    assert caught.value.line == 3
    assert "Line 3" in str(caught.value)


def test_a_week_long_duration_is_still_read():
    text = HEADER + "Ana,a@x.example,10/20/2022 9:00,,10080\n"
    (row,) = parse_report(text.encode()).rows
    assert row.seconds == 10080 * 60


def test_a_leave_time_decades_after_the_join_is_refused():
    text = HEADER + "Ana,a@x.example,10/20/2022 9:00,10/20/2092 9:00,\n"
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(text.encode())
    assert caught.value.line == 2


def test_uploading_an_absurd_duration_gives_400_and_saves_nothing(organiser_client, gathering):
    day = gathering.starts_at.astimezone(UTC).strftime("%m/%d/%Y %H:%M")
    data = (HEADER + f"Ana,a@x.example,{day},,99999999\n").encode()
    response = organiser_client.post(
        f"/organiser/g/{gathering.slug}/attendance/import",
        data={"item": "all", "report": (io.BytesIO(data), "report.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Line 2" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0
    assert db.session.scalar(select(func.count(AttendanceRecord.id))) == 0
    assert datetime.now(UTC)  # the upload answered
