"""Attendance services against a real SQLite database."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.attendance import checkin, review, services
from app.attendance.importers import AttendanceFileError, Problem
from app.extensions import db
from app.facts import gathering_facts
from app.models import AttendanceRecord, ImportBatch, ImportStatus

pytest_plugins = ["tests.fixtures_attendance"]

NOW = datetime(2022, 10, 21, 18, 0, tzinfo=UTC)


def record_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AttendanceRecord))


def records_by_registration(item_id=None) -> dict[int | None, AttendanceRecord]:
    query = select(AttendanceRecord)
    if item_id is not None:
        query = query.where(AttendanceRecord.agenda_item_id == item_id)
    return {r.registration_id: r for r in db.session.scalars(query)}


def plenary(gathering):
    return gathering.active_agenda[0]


def test_prepare_saves_nothing_until_confirmed(
    sample_bytes, gathering_2022, sample_people, organiser
):
    batch = review.prepare_import(
        gathering_2022,
        data=sample_bytes("zoom_participants.csv"),
        filename="zoom_participants.csv",
        agenda_item=plenary(gathering_2022),
        user=organiser,
        now=NOW,
    )
    db.session.commit()
    assert batch.status == ImportStatus.PENDING
    assert (batch.format, batch.rows) == ("zoom", 8)
    assert (batch.matched, batch.ambiguous, batch.unmatched) == (6, 0, 1)
    assert record_count() == 0
    assert gathering_facts(gathering_2022).present_ids == set()

    summary = review.confirm_import(batch, decisions={}, user=organiser, now=NOW)
    db.session.commit()
    assert summary.line() == "matched 6, ambiguous 0, unmatched 1, walk-ins 0"
    assert batch.status == ImportStatus.CONFIRMED
    assert list(review.batch_people(batch)["name"]) == ["iPhone (2)"]
    records = records_by_registration()
    emilie = records[sample_people["Émilie"].id]
    assert emilie.minutes == 77 + 134
    assert emilie.source == "zoom"
    # 08:58:03 Pacific daylight time is 15:58:03 UTC
    assert emilie.first_join == datetime(2022, 10, 20, 15, 58, 3, tzinfo=UTC)
    assert emilie.import_batch_id == batch.id
    attended = gathering_facts(gathering_2022).present_ids
    jordan = sample_people["Jordan"].id
    assert jordan not in attended  # four minutes, below the default ten
    assert attended == {p.id for p in sample_people.values()} - {
        jordan,
        sample_people["David"].id,
        sample_people["Sam"].id,
        sample_people["Priya"].id,
    }


def test_same_file_twice_does_not_double_count(
    sample_bytes, gathering_2022, sample_people, organiser
):
    item = plenary(gathering_2022)
    for _ in range(2):
        batch = review.prepare_import(
            gathering_2022,
            data=sample_bytes("zoom_participants.csv"),
            filename="z.csv",
            agenda_item=item,
            user=organiser,
            now=NOW,
        )
        db.session.flush()
        earlier = review.earlier_import(batch)
        review.confirm_import(batch, decisions={}, user=organiser, now=NOW)
        db.session.commit()
    assert earlier is not None and earlier.id != batch.id
    assert record_count() == 6
    assert records_by_registration()[sample_people["Émilie"].id].minutes == 211


def test_changing_the_threshold_changes_who_attended(sample_bytes, gathering_2022, sample_people):
    review.import_file(
        gathering_2022,
        data=sample_bytes("zoom_participants.csv"),
        filename="z.csv",
        agenda_item=None,
        now=NOW,
    )
    db.session.commit()
    jordan = sample_people["Jordan"].id
    assert jordan not in gathering_facts(gathering_2022).present_ids
    services.set_attendance_threshold(gathering_2022, 4)
    assert jordan in gathering_facts(gathering_2022).present_ids
    services.set_attendance_threshold(gathering_2022, 215)
    assert gathering_facts(gathering_2022).present_ids == {sample_people["Amara"].id}
    for bad in (-1, 601):
        with pytest.raises(services.AttendanceError):
            services.set_attendance_threshold(gathering_2022, bad)


def test_review_decisions_link_ambiguous_and_record_walk_ins(
    gathering_2022, sample_people, make_registration, organiser
):
    twin = make_registration(gathering_2022, name="Sam Wu", email="sam.wu@fnha.example")
    breakout = gathering_2022.breakouts[2]
    text = (
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        "Sam Wu,,10/20/2022 10:45:00 AM,10/20/2022 11:40:00 AM,55,Yes\n"
        "Dr. Aroha Te Whare,,10/20/2022 10:46:00 AM,10/20/2022 11:40:00 AM,54,Yes\n"
        "Kim Lee,kim.lee@walkin.example,10/20/2022 10:46:00 AM,10/20/2022 11:00:00 AM,14,No\n"
        "iPhone,,10/20/2022 10:50:00 AM,10/20/2022 10:52:00 AM,2,Yes\n"
    )
    batch = review.prepare_import(
        gathering_2022,
        data=text.encode(),
        filename="breakout.csv",
        agenda_item=breakout,
        user=organiser,
        now=NOW,
    )
    db.session.commit()
    people = {p["name"]: p for p in review.batch_people(batch).to_dict("records")}
    assert people["Sam Wu"]["status"] == "ambiguous"
    candidates = [int(i) for i in people["Sam Wu"]["candidate_ids"].split(",")]
    assert sorted(candidates) == sorted([sample_people["Sam"].id, twin.id])
    decisions = {
        people["Sam Wu"]["key"]: f"reg:{twin.id}",
        people["Dr. Aroha Te Whare"]["key"]: f"reg:{sample_people['Priya'].id}",
        people["Kim Lee"]["key"]: "walk_in",
    }
    summary = review.confirm_import(batch, decisions=decisions, user=organiser, now=NOW)
    db.session.commit()
    assert (summary.linked, summary.walk_ins, summary.skipped) == (2, 1, 1)
    records = records_by_registration(breakout.id)
    assert records[twin.id].minutes == 55
    assert records[sample_people["Priya"].id].minutes == 54
    assert records[None].walk_in_email == "kim.lee@walkin.example"
    assert records[None].minutes == 14
    assert gathering_facts(gathering_2022).walk_ins == 1
    assert gathering_facts(gathering_2022).present_by_item[breakout.id] == {
        twin.id,
        sample_people["Priya"].id,
    }


def test_people_linked_to_one_registration_or_one_walk_in_make_one_record(
    gathering_2022, sample_people, organiser
):
    """A phone row linked to someone already matched adds its time (bounded by the span
    of the two), and two rows of one walk-in's address make one walk-in."""
    breakout = gathering_2022.breakouts[2]
    text = (
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        "Sam Wu,sam.wu@gov.bc.example,10/20/2022 10:45:00 AM,10/20/2022 11:15:00 AM,30,No\n"
        "Sam's phone,,10/20/2022 11:20:00 AM,10/20/2022 11:40:00 AM,20,Yes\n"
        "Kim Lee,kim.lee@walkin.example,10/20/2022 10:46:00 AM,10/20/2022 11:00:00 AM,14,No\n"
        "K. Lee,KIM.LEE@walkin.example,10/20/2022 11:10:00 AM,10/20/2022 11:20:00 AM,10,No\n"
    )
    batch = review.prepare_import(
        gathering_2022,
        data=text.encode(),
        filename="breakout.csv",
        agenda_item=breakout,
        user=organiser,
        now=NOW,
    )
    db.session.commit()
    people = {p["name"]: p for p in review.batch_people(batch).to_dict("records")}
    decisions = {
        people["Sam's phone"]["key"]: f"reg:{sample_people['Sam'].id}",
        people["Kim Lee"]["key"]: "walk_in",
    }
    summary = review.confirm_import(batch, decisions=decisions, user=organiser, now=NOW)
    db.session.commit()
    assert (summary.matched, summary.linked, summary.walk_ins, summary.saved) == (1, 1, 1, 2)
    records = records_by_registration(breakout.id)
    assert records[sample_people["Sam"].id].minutes == 50
    assert records[None].walk_in_email == "kim.lee@walkin.example"
    assert records[None].minutes == 24
    assert record_count() == 2


def test_decisions_cannot_point_outside_the_gathering(
    sample_bytes, gathering_2022, sample_people, make_gathering, make_registration, organiser
):
    other = make_registration(make_gathering(), name="Outsider")
    batch = review.prepare_import(
        gathering_2022,
        data=sample_bytes("zoom_participants.csv"),
        filename="z.csv",
        agenda_item=None,
        user=organiser,
        now=NOW,
    )
    key = review.batch_people(batch, statuses=("unmatched",))["key"].iloc[0]
    with pytest.raises(services.AttendanceError):
        review.confirm_import(batch, decisions={key: f"reg:{other.id}"}, user=None, now=NOW)
    for odd in ("reg:abc", "reg:²", "reg:--5", "reg:" + "9" * 30):
        with pytest.raises(services.AttendanceError):
            review.confirm_import(batch, decisions={key: odd}, user=None, now=NOW)
    with pytest.raises(services.AttendanceError):
        review.confirm_import(batch, decisions={key: "delete everything"}, user=None, now=NOW)
    db.session.rollback()
    assert record_count() == 0


def test_confirmed_or_discarded_batches_cannot_be_confirmed_again(
    sample_bytes, gathering_2022, sample_people
):
    batch = review.prepare_import(
        gathering_2022,
        data=sample_bytes("zoom_participants.csv"),
        filename="z.csv",
        agenda_item=None,
        user=None,
        now=NOW,
    )
    review.discard_import(batch)
    db.session.commit()
    with pytest.raises(services.AttendanceError):
        review.confirm_import(batch, decisions={}, user=None, now=NOW)
    with pytest.raises(services.AttendanceError):
        review.discard_import(batch)
    assert record_count() == 0


def test_teams_import_matches_by_upn_and_name(
    sample_bytes, gathering_2022, sample_people, make_registration
):
    sam = sample_people["Sam"]
    sam.email = "swu@gov.bc.example"
    db.session.commit()
    breakout = gathering_2022.breakouts[2]
    summary = review.import_file(
        gathering_2022,
        data=sample_bytes("teams_attendance.csv"),
        filename="teams.csv",
        agenda_item=breakout,
        now=NOW,
    )
    db.session.commit()
    assert summary.line() == "matched 4, ambiguous 0, unmatched 1, walk-ins 0"
    records = records_by_registration(breakout.id)
    assert records[sam.id].source == "teams"
    assert records[sample_people["David"].id].minutes == 54
    assert records[sample_people["Émilie"].id].minutes == round((22 * 60 + 47 + 35 * 60 + 29) / 60)


def test_cli_style_import_records_long_unmatched_visits_as_walk_ins(
    sample_bytes, gathering_2022, sample_people
):
    summary = review.import_file(
        gathering_2022,
        data=sample_bytes("zoom_participants_with_meeting.csv"),
        filename="z.csv",
        agenda_item=None,
        now=NOW,
    )
    db.session.commit()
    assert summary.line() == "matched 3, ambiguous 0, unmatched 1, walk-ins 1"
    walk_in = records_by_registration()[None]
    assert (walk_in.walk_in_name, walk_in.minutes) == ("Guest Caller", 28)


def test_dry_run_saves_nothing(sample_bytes, gathering_2022, sample_people):
    summary = review.import_file(
        gathering_2022,
        data=sample_bytes("zoom_participants.csv"),
        filename="z.csv",
        agenda_item=None,
        now=NOW,
        dry_run=True,
    )
    db.session.commit()
    assert summary.line() == "matched 6, ambiguous 0, unmatched 1, walk-ins 0"
    assert record_count() == 0
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_bad_file_saves_nothing(gathering_2022, sample_people):
    with pytest.raises(AttendanceFileError) as caught:
        review.prepare_import(
            gathering_2022,
            data=b"Name,Email\nA,b\n",
            filename="x.csv",
            agenda_item=None,
            user=None,
            now=NOW,
        )
    assert caught.value.problem is Problem.WRONG_FORMAT
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_day_first_report_for_a_breakout(sample_bytes, gathering_2022, sample_people):
    summary = review.import_file(
        gathering_2022,
        data=sample_bytes("zoom_dayfirst_24h.csv", variant=True),
        filename="d.csv",
        agenda_item=gathering_2022.breakouts[0],
        now=NOW,
    )
    db.session.commit()
    assert summary.matched == 1
    amara = records_by_registration()[sample_people["Amara"].id]
    assert amara.first_join == datetime(2022, 10, 20, 15, 52, tzinfo=UTC)


def test_item_of_another_gathering_is_refused(sample_bytes, gathering_2022, make_gathering):
    other = make_gathering()
    with pytest.raises(services.AttendanceError):
        review.prepare_import(
            gathering_2022,
            data=sample_bytes("zoom_participants.csv"),
            filename="z.csv",
            agenda_item=other.active_agenda[0],
            user=None,
            now=NOW,
        )


# --- check-in ---------------------------------------------------------------------------


def test_check_in_is_idempotent_and_counts_as_attended(gathering_2022, sample_people, organiser):
    item = gathering_2022.breakouts[0]
    amara = sample_people["Amara"]
    first = checkin.check_in(gathering_2022, item, amara, user=organiser, now=NOW)
    db.session.commit()
    again = checkin.check_in(
        gathering_2022, item, amara, user=organiser, now=NOW + timedelta(minutes=5)
    )
    db.session.commit()
    assert first.id == again.id and record_count() == 1
    assert gathering_facts(gathering_2022).present_ids == {amara.id}
    assert checkin.undo_check_in(gathering_2022, item, amara)
    db.session.commit()
    assert gathering_facts(gathering_2022).present_ids == set()
    assert not checkin.undo_check_in(gathering_2022, item, amara)


def test_check_in_refuses_people_of_another_gathering(
    gathering_2022, make_gathering, make_registration
):
    stranger = make_registration(make_gathering())
    with pytest.raises(services.AttendanceError):
        checkin.check_in(gathering_2022, gathering_2022.breakouts[0], stranger, user=None, now=NOW)


def test_walk_ins_by_name_and_email(gathering_2022, organiser):
    item = gathering_2022.active_agenda[0]
    one = checkin.add_walk_in(
        gathering_2022, item, name="  Mere   Ngata ", email="", user=organiser, now=NOW
    )
    same = checkin.add_walk_in(
        gathering_2022, item, name="mere ngata", email="", user=organiser, now=NOW
    )
    other = checkin.add_walk_in(
        gathering_2022, item, name="Lee", email="lee@x.example", user=organiser, now=NOW
    )
    db.session.commit()
    assert one.id == same.id and one.walk_in_name == "Mere Ngata"
    assert other.id != one.id
    assert gathering_facts(gathering_2022).walk_ins == 2
    assert gathering_facts(gathering_2022).present_ids == set()
    with pytest.raises(services.AttendanceError):
        checkin.add_walk_in(gathering_2022, item, name="   ", email="", user=None, now=NOW)
    assert checkin.remove_walk_in(gathering_2022, item, other.id)
    db.session.commit()
    assert gathering_facts(gathering_2022).walk_ins == 1


def test_search_and_expected_people(gathering_2022, sample_people, make_registration):
    make_registration(gathering_2022, name="Gone Away", email="gone@x.example", status="cancelled")
    breakout = gathering_2022.breakouts[1]
    sample_people["Sam"].assigned_breakout_id = breakout.id
    db.session.commit()
    assert [r.name for r in checkin.expected_people(gathering_2022, breakout, limit=50)] == [
        "Sam Wu"
    ]
    plenary = gathering_2022.active_agenda[0]
    assert len(checkin.expected_people(gathering_2022, plenary, limit=50)) == 9
    assert [r.name for r in checkin.search_registrations(gathering_2022, plenary, "émilie")] == [
        "Émilie Côté"
    ]
    assert [
        r.name for r in checkin.search_registrations(gathering_2022, plenary, "SINGH fraser")
    ] == ["Amara Singh"]
    assert checkin.search_registrations(gathering_2022, plenary, "gone") == []
    assert checkin.search_registrations(gathering_2022, plenary, "100%_") == []

    # Each row says whether that person is checked in here, and only here.
    checkin.check_in(
        gathering_2022, plenary, sample_people["Émilie"], user=None, now=gathering_2022.starts_at
    )
    db.session.commit()
    listed = checkin.expected_people(gathering_2022, plenary, limit=50)
    assert {r.name for r in listed if r.present} == {"Émilie Côté"}
    found = checkin.search_registrations(gathering_2022, plenary, "emilie")
    assert [r.present for r in found] == [True]
    elsewhere = checkin.search_registrations(gathering_2022, breakout, "emilie")
    assert [r.present for r in elsewhere] == [False]


def test_unreviewed_uploads_are_discarded_after_two_days(sample_bytes, gathering_2022):
    def upload(now):
        return review.prepare_import(
            gathering_2022,
            data=sample_bytes("zoom_participants.csv"),
            filename="z.csv",
            agenda_item=None,
            user=None,
            now=now,
        )

    old = upload(NOW)
    db.session.commit()
    recent = upload(NOW + timedelta(days=1))
    db.session.commit()
    assert old.status == recent.status == ImportStatus.PENDING
    upload(NOW + timedelta(days=2, minutes=1))
    db.session.commit()
    assert old.status == ImportStatus.DISCARDED and review.batch_people(old).empty
    assert recent.status == ImportStatus.PENDING and not review.batch_people(recent).empty


def test_two_people_confirming_one_upload_at_once_import_it_once(
    app, sample_bytes, gathering_2022, sample_people
):
    import threading

    batch = review.prepare_import(
        gathering_2022,
        data=sample_bytes("zoom_participants.csv"),
        filename="z.csv",
        agenda_item=None,
        user=None,
        now=NOW,
    )
    db.session.commit()
    batch_id = batch.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm() -> None:
        with app.app_context():
            mine = db.session.get(ImportBatch, batch_id)
            barrier.wait()
            try:
                review.confirm_import(mine, decisions={}, user=None, now=NOW)
                db.session.commit()
                outcomes.append("imported")
            except services.AttendanceError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["imported", "refused"]
    db.session.expire_all()
    assert record_count() == 6
    assert db.session.get(ImportBatch, batch_id).status == ImportStatus.CONFIRMED


def test_racing_check_ins_of_one_person_both_succeed(app, gathering_2022, sample_people):
    import threading

    item_id = gathering_2022.breakouts[0].id
    registration_id = sample_people["Amara"].id
    gathering_id = gathering_2022.id
    barrier = threading.Barrier(2)
    records: list[int] = []

    def check_in() -> None:
        from app.models import AgendaItem, Gathering, Registration

        with app.app_context():
            gathering = db.session.get(Gathering, gathering_id)
            item = db.session.get(AgendaItem, item_id)
            person = db.session.get(Registration, registration_id)
            barrier.wait()
            record = checkin.check_in(gathering, item, person, user=None, now=NOW)
            db.session.commit()
            records.append(record.id)
            db.session.remove()

    threads = [threading.Thread(target=check_in) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(records) == 2 and records[0] == records[1]
    assert record_count() == 1
