"""One set of numbers: the read model's rules on the edge cases, and every page that
shows a count (dashboard, attendance table, survey audience and results, the report's
PDF) agreeing with it."""

import io
import re
from datetime import timedelta

import pandas as pd
from pypdf import PdfReader
from werkzeug.datastructures import MultiDict

from app.attendance import checkin
from app.attendance.tables import attendance_summary
from app.evaluation import answers, links, mailing, summary
from app.extensions import db
from app.facts import gathering_facts, rules
from app.reporting import services as reporting

pytest_plugins = ["tests.fixtures_evaluation"]


def test_attendance_rule_is_per_session_and_check_in_always_counts():
    records = pd.DataFrame(
        {
            "registration_id": [1, 1, 2, 3, None],
            "agenda_item_id": [None, 10, 10, None, 10],
            "source": ["zoom", "zoom", "checkin", "teams", "zoom"],
            "minutes": [6, 6, 0, 10, 50],
            "dedupe_key": ["1:all:zoom:r1", "1:10:zoom:r1", "k", "1:all:teams:r3", "1:10:zoom:w:x"],
        }
    )
    assert rules.present_ids(records, 10) == {2, 3}
    assert rules.present_by_item(records, 10) == {10: {2}}
    assert rules.walk_in_count(records, 10) == 1


def test_annotate_keeps_people_without_a_place_out_of_attended():
    frame = pd.DataFrame(
        {"id": [1, 2, 3, 4], "status": ["confirmed", "confirmed", "cancelled", "waitlisted"]}
    )
    annotated = rules.annotate(frame, {1, 3, 4})
    assert annotated["attended"].tolist() == [True, False, False, False]
    assert annotated["no_show"].tolist() == [False, True, False, False]
    assert annotated["present_without_place"].tolist() == [False, False, True, True]
    assert rules.rate(int(annotated["attended"].sum()), int(annotated["registered"].sum())) == 0.5
    assert rules.rate(0, 0) is None


def _people(gathering, make_registration, attend, now):
    """Four registered (two attended, one short stay, one absent), a cancelled person
    checked in, a waitlisted person who stayed, and two walk-ins (one seen twice)."""
    room = gathering.breakouts[0]
    checked_in = make_registration(gathering, name="Checked In", assigned_breakout_id=room.id)
    stayed = make_registration(gathering, name="Stayed", health_region="island")
    short = make_registration(gathering, name="Short Stay")
    absent = make_registration(gathering, name="Absent", health_region="northern")
    cancelled = make_registration(gathering, name="Cancelled", status="cancelled", cancelled_at=now)
    waitlisted = make_registration(gathering, name="Waitlisted", status="waitlisted")
    checkin.check_in(gathering, room, checked_in, user=None, now=now)
    checkin.check_in(gathering, room, cancelled, user=None, now=now)
    attend(gathering, stayed, 45)
    attend(gathering, short, 4)
    attend(gathering, waitlisted, 60)
    checkin.add_walk_in(gathering, room, name="Wanda Walker", email="", user=None, now=now)
    plenary = next(item for item in gathering.active_agenda if not item.is_breakout)
    for item in (room, plenary):
        checkin.add_walk_in(
            gathering, item, name="Wes Walk", email="wes@example.org", user=None, now=now
        )
    db.session.commit()
    return {
        "checked_in": checked_in,
        "stayed": stayed,
        "short": short,
        "absent": absent,
        "cancelled": cancelled,
        "waitlisted": waitlisted,
    }


def _answer(survey, registration, now, **given):
    invitation = links.ensure_invitation(survey, registration)
    db.session.flush()
    form = MultiDict(
        {answers.field_name(q): given[q.key] for q in survey.questions if q.key in given}
    )
    values, errors = answers.read_answers(survey.questions, form)
    assert errors == {}
    answers.submit_response(invitation, values, now=now)
    db.session.commit()


def test_every_page_gives_the_same_counts(
    past_gathering, make_registration, attend, now, organiser_client, open_survey
):
    gathering = past_gathering
    people = _people(gathering, make_registration, attend, now)

    facts = gathering_facts(gathering)
    assert (facts.registered, facts.attended, facts.no_shows, facts.walk_ins) == (4, 2, 2, 2)
    assert facts.attended_ids == {people["checked_in"].id, people["stayed"].id}
    assert facts.present_without_place() == {"waitlisted": 1, "cancelled": 1}
    assert rules.rate(facts.attended, facts.registered) == 0.5

    # The survey audience ("people who attended") is exactly the attended.
    audience = mailing.audience_ids(gathering, mailing.Audience.ATTENDEES)
    assert audience == facts.attended_ids
    outcome = mailing.send_invitations(
        open_survey, audience=mailing.Audience.ATTENDEES, consented_only=False, now=now
    )
    db.session.commit()
    assert outcome.sent == 2
    # One attendee answers, and so does a registered person who did not attend (from
    # their own page): the answer counts, the attendance does not move, the rate stays
    # within its base.
    _answer(open_survey, people["stayed"], now, overall_value="5")
    _answer(open_survey, people["absent"], now, overall_value="2")
    facts = gathering_facts(gathering)
    assert (facts.attended, facts.survey.invited, facts.survey.responded) == (2, 3, 2)
    assert facts.survey.response_rate == 2 / 3

    # The organiser dashboard and its attendance table.
    html = organiser_client.get(f"/organiser/g/{gathering.slug}/").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "2 attended of 4 registered (50%)" in text
    assert "2 registered, did not attend" in text
    assert "2 walk-ins" in text
    assert (
        "Also present without a confirmed place (not in the rates): 1 waitlisted, 1 cancelled."
        in text
    )
    table = attendance_summary(facts, breakouts=[(b.id, b.title) for b in gathering.breakouts])
    assert (table.total.registered, table.total.attended) == (4, 2)
    assert sum(row.registered for row in table.by_region) == 4
    assert sum(row.attended for row in table.by_region) == 2
    assert (table.by_breakout[0].registered, table.by_breakout[0].attended) == (1, 1)
    assert all(row.rate is None or row.rate <= 1 for row in table.by_region)

    # The registrant list, filtered by attendance in the database.
    listed = organiser_client.get(
        f"/organiser/g/{gathering.slug}/registrants", query_string={"attended": "yes"}
    ).get_data(as_text=True)
    assert "<strong>2 registrants</strong> match the filters" in listed
    assert ">Checked In</a>" in listed and ">Stayed</a>" in listed
    assert ">Waitlisted</a>" not in listed
    no_shows = organiser_client.get(
        f"/organiser/g/{gathering.slug}/registrants", query_string={"attended": "no"}
    ).get_data(as_text=True)
    assert "<strong>2 registrants</strong> match the filters" in no_shows
    assert ">Short Stay</a>" in no_shows and ">Absent</a>" in no_shows

    # The attendance page.
    page = organiser_client.get(f"/organiser/g/{gathering.slug}/attendance/import")
    page_text = " ".join(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)).split())
    assert "2 attended of 4 registered" in page_text and "2 walk-ins" in page_text

    # The survey overview and results pages.
    shown_counts = summary.results(open_survey)
    assert (shown_counts.invited, shown_counts.responded, shown_counts.responses) == (3, 2, 2)
    shown = organiser_client.get(f"/organiser/g/{gathering.slug}/survey/results")
    assert "2 of 3" in shown.get_data(as_text=True)
    assert "67% of people with a link" in shown.get_data(as_text=True)

    # The report's PDF.
    built = reporting.build_report(gathering, variant="committee", now=now + timedelta(days=1))
    reader = PdfReader(io.BytesIO(built.pdf))
    pdf = " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())
    tiles = re.search(
        r"REGISTERED ([\d,]+)\s*confirmed registrations ATTENDED ([\d,]+).*?ATTENDANCE RATE (\d+)%",
        pdf,
    )
    assert tiles, pdf
    assert tiles.groups() == ("4", "2", "50")
    assert "Response rate: 67% (2 answered, of 3 invited)" in pdf


def _versions(gathering) -> tuple[int, int]:
    db.session.expire(gathering, ["facts_version", "attendance_version"])
    return gathering.facts_version, gathering.attendance_version


def test_kept_facts_are_read_again_after_any_write_to_registrations_or_attendance(
    app, make_gathering, make_registration, now
):
    """Pages keep a gathering's facts between requests (current_facts); every way the
    code writes registrations or attendance raises one of the gathering's versions in
    the same transaction, so the kept copy is never used after a change."""
    from app.attendance import bulk
    from app.attendance.records import RecordEntry, save_records
    from app.facts import current_facts
    from app.facts.changes import gatherings_changed
    from app.models import AttendanceRecord, AttendanceSource
    from app.models.attendance import dedupe_key

    gathering, other = make_gathering(), make_gathering()
    room = gathering.breakouts[0]
    person = make_registration(gathering)
    kept = current_facts(gathering)
    assert current_facts(gathering) is kept and kept.attended == 0

    # An object flushed by the session: only its gathering's attendance version rises.
    (facts_before, attendance_before), other_before = _versions(gathering), _versions(other)
    checkin.check_in(gathering, room, person, user=None, now=now)
    db.session.commit()
    assert _versions(gathering) == (facts_before, attendance_before + 1)
    assert _versions(other) == other_before
    assert current_facts(gathering).attended == 1

    # A bulk DELETE through the session (undoing the check-in), which names its gathering:
    # no other gathering's version rises (nor is its row locked until the commit).
    other_before = _versions(other)
    checkin.undo_check_in(gathering, room, person)
    db.session.commit()
    assert current_facts(gathering).attended == 0
    assert _versions(other) == other_before

    # SQL sent straight to the connection (the importers' bulk statements), by a writer
    # that says which gathering it changed; then the importers' own path, which says so.
    key = dedupe_key(
        gathering_id=gathering.id, agenda_item_id=None, source="zoom", registration_id=person.id
    )
    bulk.insert_frame(
        AttendanceRecord.__table__,
        pd.DataFrame(
            {
                "gathering_id": [gathering.id],
                "registration_id": [person.id],
                "source": ["zoom"],
                "minutes": [45],
                "walk_in_name": [""],
                "walk_in_email": [""],
                "dedupe_key": [key],
                "created_at": [now],
                "updated_at": [now],
            }
        ),
    )
    gatherings_changed(db.session(), [gathering.id], attendance=True)
    db.session.commit()
    assert current_facts(gathering).attended == 1
    attendance_before, other_before = _versions(gathering)[1], _versions(other)
    entry = RecordEntry(person.id, "", "", 50 * 60, None, None)
    save_records(gathering, None, AttendanceSource.TEAMS, [entry], batch=None, user=None, now=now)
    db.session.commit()
    assert _versions(gathering)[1] == attendance_before + 1
    assert _versions(other) == other_before

    # A change of status; then one that is rolled back leaves the versions alone.
    attendance_version = _versions(gathering)[1]
    person.status = "cancelled"
    db.session.commit()
    assert _versions(gathering)[1] == attendance_version
    assert current_facts(gathering).attended == 0
    versions = _versions(gathering)
    make_registration(other)
    person.status = "confirmed"
    db.session.flush()
    db.session.rollback()
    assert _versions(gathering) == versions
    assert current_facts(gathering).registered == 0

    # A write under the gathering's lock (registering, promoting from the waitlist):
    # taking the lock raised the version, and nothing raises it a second time.
    from app.writer_lock import lock_gathering

    facts_version = _versions(gathering)[0]
    lock_gathering(gathering.id)
    make_registration(gathering)
    assert _versions(gathering)[0] == facts_version + 1
    assert current_facts(gathering).registered == 1

    # The attendance threshold is part of what is kept.
    gathering.attendance_threshold_minutes = 60
    db.session.commit()
    person.status = "confirmed"
    db.session.commit()
    assert current_facts(gathering).attended == 0


def test_a_check_in_keeps_what_was_worked_out_from_the_registrations_alone(
    app, make_gathering, make_registration, now
):
    from app.facts import current_facts

    gathering = make_gathering()
    room = gathering.breakouts[0]
    people = [make_registration(gathering) for _ in range(3)]
    facts = current_facts(gathering)
    assert facts.remember("from registrations", lambda: "first", attendance=False) == "first"
    assert facts.remember("with attendance", lambda: "first") == "first"

    checkin.check_in(gathering, room, people[0], user=None, now=now)
    db.session.commit()
    facts = current_facts(gathering)
    assert facts.attended == 1 and facts.registered == 3
    assert facts.remember("from registrations", lambda: "again", attendance=False) == "first"
    assert facts.remember("with attendance", lambda: "again") == "again"

    people[1].status = "cancelled"
    db.session.commit()
    facts = current_facts(gathering)
    assert facts.registered == 2 and facts.attended == 1
    assert facts.remember("from registrations", lambda: "anew", attendance=False) == "anew"


def test_kept_facts_follow_the_survey_links_and_answers(
    past_gathering, make_gathering, make_registration, open_survey, now
):
    from app.facts import current_facts

    person = make_registration(past_gathering)
    bystander = make_gathering()
    bystander_versions = _versions(bystander)
    assert current_facts(past_gathering).survey.invited == 0
    links.ensure_invitation(open_survey, person)
    db.session.commit()
    assert current_facts(past_gathering).survey.invited == 1
    _answer(open_survey, person, now, overall_value="4")
    survey = current_facts(past_gathering).survey
    assert (survey.invited, survey.responded) == (1, 1)
    # The links and answers name their gathering; another gathering's facts stand.
    assert _versions(bystander) == bystander_versions


def test_what_facts_remember_is_safe_across_threads():
    """Request and job threads share the kept facts: many threads remembering at once,
    past the memo's size, lose nothing and raise nothing, and a key worked out by two
    threads at once gives both the same value."""
    import sys
    import threading

    from app.facts.gathering import KEPT_DERIVED, GatheringFacts

    facts = GatheringFacts(
        gathering_id=1,
        threshold_minutes=10,
        registrations=pd.DataFrame(),
        attendance=pd.DataFrame(),
    )
    errors: list[BaseException] = []
    shared: list[object] = []
    both_computing = threading.Barrier(2, timeout=10)

    def compute_shared() -> object:
        both_computing.wait()  # two threads are working the same key out at once
        return object()

    def work(worker: int) -> None:
        try:
            if worker < 2:
                shared.append(facts.remember("shared", compute_shared, attendance=False))
            for n in range(KEPT_DERIVED * 3):
                key = (worker + n) % (KEPT_DERIVED * 2)
                assert facts.remember(key, lambda key=key: key * 2) == key * 2
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(shared) == 2 and shared[0] is shared[1]
    assert len(facts.derived) == KEPT_DERIVED


def test_survey_shares_leave_not_applicable_out_of_the_base_on_both_pages():
    """One tally: the results page's percentages and the report's shares are of the
    people who gave a rating, "Not applicable" left out of both."""
    import pandas as pd

    from app.facts.survey import ratings, tally
    from app.models.evaluation import NOT_APPLICABLE, SCALE_LABELS
    from app.reporting import aggregate

    question = {
        "id": 1,
        "key": "overall",
        "kind": "scale",
        "prompt": "Overall",
        "options": [],
        "allow_not_applicable": True,
    }
    values = ["5"] * 6 + ["4"] * 2 + ["3"] * 2 + [NOT_APPLICABLE] * 2
    answers = pd.DataFrame(
        {
            "response_id": range(len(values)),
            "question_id": 1,
            "kind": "scale",
            "value": values,
        }
    )
    (result,) = tally([question], answers)
    assert (result.n, result.not_applicable, result.base) == (12, 2, 10)
    shown = dict(result.rows)
    assert result.percent(shown["5 Strongly agree"]) == 60  # 6 of 10, not 6 of 12
    rated = ratings(answers, [question])
    (likert,) = aggregate.likert(rated, [("overall", "Overall")], SCALE_LABELS)
    assert likert.n == result.base
    assert round(likert.percents[4]) == result.percent(shown["5 Strongly agree"])
