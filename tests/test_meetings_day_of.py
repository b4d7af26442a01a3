"""The day-of view: expected, checked in and present per item, needs per room, and who
has not checked in yet; organisers see every item, a facilitator their own rooms."""

import re
from datetime import UTC, datetime

import pytest

from app.breakouts import staffing
from app.choices import RegistrationStatus
from app.extensions import db
from app.models import AttendanceRecord
from app.models.attendance import AttendanceSource, ImportBatch, dedupe_key
from tests.conftest import login

pytest_plugins = ["tests.fixtures_breakouts"]


def _record(gathering, item, registration, source, minutes=0):
    db.session.add(
        AttendanceRecord(
            gathering_id=gathering.id,
            agenda_item_id=item.id,
            registration_id=registration.id,
            source=source,
            minutes=minutes,
            dedupe_key=dedupe_key(
                gathering_id=gathering.id,
                agenda_item_id=item.id,
                source=source,
                registration_id=registration.id,
            ),
        )
    )


@pytest.fixture
def busy_day(make_gathering, make_registration):
    gathering = make_gathering()
    first, second = gathering.breakouts[:2]
    people = [
        make_registration(
            gathering,
            name="Ada",
            assigned_breakout_id=first.id,
            accessibility_needs="Captions please",
        ),
        make_registration(gathering, name="Ben", assigned_breakout_id=first.id),
        make_registration(
            gathering,
            name="Cam",
            assigned_breakout_id=first.id,
            accessibility_needs="ASL interpreter",
        ),
        make_registration(gathering, name="Dee", assigned_breakout_id=second.id),
        make_registration(
            gathering,
            name="Eve",
            assigned_breakout_id=second.id,
            status=RegistrationStatus.CANCELLED.value,
        ),
    ]
    ada, ben, cam, dee, _ = people
    _record(gathering, first, ada, AttendanceSource.CHECKIN.value)
    _record(gathering, first, ben, AttendanceSource.ZOOM.value, minutes=45)
    _record(gathering, first, cam, AttendanceSource.ZOOM.value, minutes=2)  # below the minimum
    db.session.add(
        ImportBatch(
            gathering_id=gathering.id,
            agenda_item_id=first.id,
            sha256="0" * 64,
            format="zoom",
            status="confirmed",
            confirmed_at=datetime.now(UTC),
        )
    )
    db.session.commit()
    return gathering, first, second, people


def _row(text: str, title: str) -> str:
    start = text.index(f">{title}</a>")
    return text[start : text.index("</tr>", start)]


def test_organisers_see_each_item_with_its_counts_and_needs(organiser_client, busy_day):
    gathering, first, second, _ = busy_day
    page = organiser_client.get(f"/day/{gathering.slug}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    first_row = _row(text, first.title)
    cells = re.findall(r'<td class="num" data-label="[^"]+">(\d+)</td>', first_row)
    assert cells == ["3", "1", "1"]  # expected; checked in; present by the report (45 of 2 minutes)
    assert "Captions: 1 asked, no request yet" in first_row
    assert "ASL interpretation: 1 asked, no request yet" in first_row
    assert "no report yet" in _row(text, second.title)
    # Welcome (a plenary) expects everyone confirmed: four of five.
    welcome = text[text.index(">Welcome<") : text.index("</tr>", text.index(">Welcome<"))]
    assert '<td class="num" data-label="Expected">4</td>' in welcome
    waiting = text[text.index('id="waiting-title"') :]
    assert "Ben" in waiting and "Cam" in waiting and "Dee" in waiting
    assert "Ada" not in waiting and "Eve" not in waiting
    assert "3 people expected" in waiting


def test_one_rooms_waiting_list(organiser_client, busy_day):
    gathering, _, second, _ = busy_day
    text = organiser_client.get(f"/day/{gathering.slug}?room={second.id}").get_data(as_text=True)
    waiting = text[text.index('id="waiting-title"') :]
    assert "Dee" in waiting and "Ben" not in waiting
    for junk in ("²", "-1", "99999999999999999999", "x"):
        assert organiser_client.get(f"/day/{gathering.slug}?room={junk}").status_code == 200


def test_a_facilitator_sees_only_their_rooms(client, busy_day, facilitator):
    gathering, first, second, _ = busy_day
    login(client, facilitator)
    assert client.get(f"/day/{gathering.slug}").status_code == 403
    staffing.add_staff(second, facilitator, "facilitator")
    db.session.commit()
    text = client.get(f"/day/{gathering.slug}").get_data(as_text=True)
    assert second.title in text and f">{first.title}<" not in text and "Welcome" not in text
    assert "Dee" in text and "Ben" not in text
    for person in busy_day[3]:
        assert person.email not in text


def test_steering_and_visitors_are_kept_out(client, busy_day, make_user):
    gathering = busy_day[0]
    assert client.get(f"/day/{gathering.slug}").status_code in (302, 303)
    login(client, make_user("steering"))
    assert client.get(f"/day/{gathering.slug}").status_code == 403


def test_arranged_accommodations_show_how_far_they_got(organiser_client, busy_day):
    from app.models.accommodations import AccommodationRequest

    gathering, first, _, people = busy_day
    ada, _, cam, _, _ = people
    db.session.add_all(
        [
            AccommodationRequest(
                gathering_id=gathering.id,
                registration_id=ada.id,
                kind="captions",
                status="confirmed",
                arrangement="Live captions by CART",
            ),
            AccommodationRequest(
                gathering_id=gathering.id, registration_id=cam.id, kind="asl", status="requested"
            ),
        ]
    )
    db.session.commit()
    text = organiser_client.get(f"/day/{gathering.slug}").get_data(as_text=True)
    row = _row(text, first.title)
    assert "Captions: 1 arranged and confirmed" in row
    assert "ASL interpretation: 1 not arranged yet" in row
    assert "asked, no request yet" not in text


def test_what_is_kept_between_views_follows_each_change(organiser_client, busy_day):
    from app.models.accommodations import AccommodationRequest

    gathering, _, second, people = busy_day
    url = f"/day/{gathering.slug}"
    cells = re.findall(
        r'<td class="num" data-label="Checked in">(\d+)</td>',
        _row(organiser_client.get(url).get_data(as_text=True), second.title),
    )
    assert cells == ["0"]
    dee = people[3]
    _record(gathering, second, dee, AttendanceSource.CHECKIN.value)
    db.session.commit()
    text = organiser_client.get(url).get_data(as_text=True)
    assert re.findall(
        r'<td class="num" data-label="Checked in">(\d+)</td>', _row(text, second.title)
    ) == ["1"]
    assert "Dee" not in text[text.index('id="waiting-title"') :]
    db.session.add(
        AccommodationRequest(
            gathering_id=gathering.id, registration_id=dee.id, kind="asl", status="arranged"
        )
    )
    db.session.commit()
    row = _row(organiser_client.get(url).get_data(as_text=True), second.title)
    assert "ASL interpretation: 1 arranged, not confirmed to the person" in row
