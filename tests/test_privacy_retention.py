"""Retention: a gathering past its period loses every piece of personal data while its
reports, made again, print the same numbers; the dry run, the erasure log, the sweep's
place in the job runner and the `retention` command."""

import contextlib
import difflib
import zlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import JSON, LargeBinary, String, Text, func, select

from app.extensions import db
from app.models import (
    AccessLogEntry,
    AttendanceRecord,
    BreakoutNote,
    BreakoutNoteVersion,
    Community,
    ErasureLogEntry,
    Gathering,
    ImportBatch,
    ImportPerson,
    ManageToken,
    OutboundEmail,
    PersonalDataView,
    Registration,
    SurveyInvitation,
    SurveyResponse,
)
from app.models.accommodations import AccessibilityFeedback, AccommodationRequest
from app.models.attendance import dedupe_key
from app.models.contributors import Contributor
from app.models.meetings import Invitee
from app.models.said_did import SaidDidSubscription
from app.models.value import ValueFollowUp, ValueInvitation, ValueResponse
from app.outbound.manage_tokens import find_registration_by_token
from app.privacy import retention
from app.privacy_records.access_log import record_access
from app.privacy_records.periods import add_months, erase_on
from app.registration.services import resend_manage_link

pytest_plugins = ["tests.fixtures_report"]

WALK_INS = [("Walkin Zelda Quark", "zelda.quark@walkin.example"), ("Walkin Ynes Ploof", "")]


def _add_personal_leftovers(gathering: Gathering) -> list[str]:
    """What a real gathering collects beside registrations: walk-ins, an uploaded report
    waiting in review, copies of emails, free text. Returns every secret it stored."""
    people = db.session.scalars(
        select(Registration).where(Registration.gathering_id == gathering.id)
    ).all()
    secrets = []
    for person in people:
        secrets += [person.name, person.email]
    first = people[0]
    first.accessibility_needs = "Captions please, I am Deaf (Secretneeds Ottoline)"
    first.territory = "Secretterritory of the Xwexwe people"
    first.organisation_name = "Secretclinic of Ottoline"
    secrets += [first.accessibility_needs, first.territory, first.organisation_name]
    for name, email in WALK_INS:
        for item_id in (None, gathering.breakouts[0].id):
            db.session.add(
                AttendanceRecord(
                    gathering_id=gathering.id,
                    agenda_item_id=item_id,
                    walk_in_name=name,
                    walk_in_email=email,
                    source="zoom",
                    minutes=80,
                    dedupe_key=dedupe_key(
                        gathering_id=gathering.id,
                        agenda_item_id=item_id,
                        source="zoom",
                        walk_in_key=email or name.lower(),
                    ),
                )
            )
        secrets += [name] + ([email] if email else [])
    csv = "Name,Email,Minutes\n" + "\n".join(f"{p.name},{p.email},90" for p in people[:5])
    batch = ImportBatch(
        gathering_id=gathering.id,
        filename="Secret Person0 zoom report.csv",
        sha256="0" * 64,
        format="csv",
        upload=zlib.compress(csv.encode()),
        error=f"Line 3: {people[1].email} has no minutes",
        meeting={"host": people[2].email},
    )
    db.session.add(batch)
    db.session.flush()
    db.session.add(
        ImportPerson(
            batch_id=batch.id,
            position=0,
            key=people[3].email,
            status="matched",
            name=people[3].name,
            email=people[3].email,
            upn=people[3].email,
        )
    )
    db.session.add(
        OutboundEmail(
            message_id="<retention-test@example.org>",
            to_address=people[4].email,
            reply_to=people[5].email,
            subject=f"Welcome, {people[4].name}",
            text_body=f"Dear {people[4].name}, your place is kept.",
            html_body=f"<p>Dear {people[4].name}</p>",
            kind="message",
            registration_id=people[4].id,
            render_args={"name": people[4].name},
            last_error=f"550 {people[4].email} unknown",
        )
    )
    resend_manage_link(people[6])  # a queued email whose render_args hold a raw token
    thanked = Contributor(
        gathering_id=gathering.id,
        name="Thanked Publicly",
        preferred_name="Elder Thanked Publicly",
        nation="Their Nation",
        named_in_thanks=True,
        email="thanked.secret@example.org",
        role="elder",
        notes="Secretnote: prefers a morning call",
        payment_reference="SECRET-CHEQUE-1",
    )
    unnamed = Contributor(
        gathering_id=gathering.id,
        name="Unnamed Secretspeaker",
        email="unnamed.secret@example.org",
        role="speaker",
        support_person="Secretsupport Person",
    )
    db.session.add_all([thanked, unnamed])
    db.session.add(
        Invitee(
            gathering_id=gathering.id,
            name="Invited Secretinvitee",
            email="secret.invitee@example.org",
            token_hash="1" * 64,
        )
    )
    db.session.add(
        AccommodationRequest(
            gathering_id=gathering.id,
            registration_id=people[7].id,
            kind="captions",
            arrangement="Secretarrangement: CART writer booked for Ottoline",
            arranged_by="Secretvendor Captions Ltd",
            outcome_comment="Secretcomment: it worked, thanks from Ottoline",
        )
    )
    db.session.add(
        AccessibilityFeedback(
            gathering_id=gathering.id,
            barrier="The agenda PDF has no tags.",
            name="Secretfeedback Person",
            contact="secret.feedback@example.org",
        )
    )
    followup = ValueFollowUp(gathering_id=gathering.id, send_at=gathering.ends_at)
    db.session.add(followup)
    db.session.flush()
    db.session.add(
        ValueInvitation(followup_id=followup.id, registration_id=people[8].id, token_hash="2" * 64)
    )
    db.session.add_all(
        [
            ValueResponse(
                followup_id=followup.id,
                cycles="immediate",
                story="We now share one referral list.",
                story_consent=True,
                submitted_on=gathering.ends_at.date(),
            ),
            ValueResponse(
                followup_id=followup.id,
                cycles="immediate",
                story="Secretstory: my colleague Ottoline quit after this",
                story_consent=False,
                submitted_on=gathering.ends_at.date(),
            ),
        ]
    )
    db.session.add(SaidDidSubscription(gathering_id=gathering.id, registration_id=people[9].id))
    secrets += ["Secretstory"]
    secrets += ["Invited Secretinvitee", "secret.invitee@example.org", "Secretarrangement"]
    secrets += ["Secretvendor", "Secretcomment", "Secretfeedback Person"]
    secrets += ["secret.feedback@example.org"]
    secrets += [thanked.email, thanked.notes, thanked.payment_reference]
    secrets += [unnamed.name, unnamed.email, unnamed.support_person]
    db.session.commit()
    return secrets


def _report_html(gathering: Gathering, now: datetime) -> dict[str, str]:
    from app.reporting.services import build_report

    return {
        variant: build_report(gathering, variant=variant, now=now, pdf=False).html
        for variant in ("committee", "shareable")
    }


def _text_values_everywhere() -> list[str]:
    """Every text, JSON and binary value of every column of every table."""
    values = []
    for table in db.metadata.sorted_tables:
        columns = [
            c for c in table.columns if isinstance(c.type, String | Text | JSON | LargeBinary)
        ]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                if value is None:
                    continue
                if isinstance(value, bytes):
                    with contextlib.suppress(zlib.error):
                        value = zlib.decompress(value)
                    value = value.decode("utf-8", "replace")
                values.append(str(value).lower())
    return values


def test_a_retention_sweep_keeps_every_number_and_no_personal_data(report_gathering):
    from tests.fixtures_report import add_note, add_survey

    gathering = report_gathering
    add_note(gathering.breakouts[0])
    unagreed = "Secretquote: my manager Ottoline never listens"
    draft = add_note(
        gathering.breakouts[1],
        status="draft",
        quotes=[{"text": unagreed, "consent": False}, {"text": "Agreed words", "consent": True}],
    )
    db.session.add(
        BreakoutNoteVersion(
            note_id=draft.id, version=1, content={"quotes": [{"text": unagreed, "consent": False}]}
        )
    )
    db.session.commit()
    add_survey(gathering, [(5, 4), (4, 4), (3, 5)], ["More time for questions."])
    secrets = _add_personal_leftovers(gathering) + [unagreed]
    report_time = datetime(2030, 1, 1, tzinfo=UTC)
    before = _report_html(gathering, report_time)
    assert "Elder Thanked Publicly" in before["committee"]
    people = db.session.scalar(
        select(func.count(Registration.id)).where(Registration.gathering_id == gathering.id)
    )

    stored = _text_values_everywhere()
    assert [s for s in secrets if not any(s.lower() in value for value in stored)] == []
    due = erase_on(gathering)
    assert due == add_months(gathering.ends_at, 24)
    plan = {line.gathering_id: line for line in retention.dry_run(now=due - timedelta(days=1))}
    assert plan[gathering.id].due is False and plan[gathering.id].people == people
    assert plan[gathering.id].walk_ins == 2 and plan[gathering.id].uploads == 1
    assert retention.sweep_retention(now=due - timedelta(days=1)) == 0  # not yet
    survey_links = set(db.session.scalars(select(SurveyInvitation.token_hash)))
    edit_keys = set(db.session.scalars(select(SurveyResponse.edit_key_hash)))
    assert len(survey_links) > 3 and len(edit_keys) == 3  # invited, and answered

    assert retention.sweep_retention(now=due) == people
    db.session.expire_all()

    after = _report_html(gathering, report_time)
    for variant, html in before.items():
        changed = difflib.unified_diff(
            html.splitlines(), after[variant].splitlines(), lineterm="", n=1
        )
        assert html == after[variant], f"{variant} report changed:\n" + "\n".join(
            list(changed)[:40]
        )
    everywhere = _text_values_everywhere()
    found = sorted({s for s in secrets if any(s.lower() in value for value in everywhere)})
    assert found == []
    assert db.session.scalar(select(func.count(ManageToken.id))) == 0
    assert db.session.scalar(select(func.count(ImportPerson.id))) == 0
    log = db.session.scalars(select(ErasureLogEntry)).all()
    assert [(e.gathering_id, e.reason, e.people) for e in log] == [
        (gathering.id, "retention", people)
    ]
    assert log[0].counts["walk_ins"] == 2 and log[0].counts["uploads"] == 1
    # The survey links and edit keys people were sent no longer open anything.
    assert log[0].counts["survey_links"] == len(survey_links)
    assert log[0].counts["survey_edit_keys"] == 3
    assert not survey_links & set(db.session.scalars(select(SurveyInvitation.token_hash)))
    assert not edit_keys & set(db.session.scalars(select(SurveyResponse.edit_key_hash)))
    # Someone who agreed to be thanked by name in the report keeps that name, nothing more.
    names = db.session.execute(select(Contributor.name, Contributor.preferred_name)).all()
    assert sorted(names) == [
        ("Erased contributor", ""),
        ("Thanked Publicly", "Elder Thanked Publicly"),
    ]
    assert db.session.get(BreakoutNote, draft.id).quotes == [
        {"text": "Agreed words", "consent": True}
    ]
    assert db.session.scalar(select(func.count(SaidDidSubscription.id))) == 0
    assert db.session.scalar(select(ValueInvitation.token_hash)) != "2" * 64
    assert gathering.personal_data_erased_at == due
    assert retention.dry_run(now=due) == []
    assert retention.sweep_retention(now=due + timedelta(minutes=1)) == 0  # idempotent
    invitations = db.session.scalars(select(SurveyInvitation)).all()
    assert sum(i.responded for i in invitations) == 3  # still counted


def test_who_sent_feedback_about_the_site_is_forgotten_after_the_default_period(app):
    now = datetime(2030, 6, 1, tzinfo=UTC)
    old, recent = (
        AccessibilityFeedback(
            barrier="The menu cannot be reached by keyboard.",
            name=name,
            contact=f"{name.lower()}@example.org",
            created_at=add_months(now, -months),
        )
        for name, months in (("Oldsender", 25), ("Recentsender", 23))
    )
    db.session.add_all([old, recent])
    db.session.commit()

    retention.sweep_retention(now=now)
    db.session.expire_all()

    assert (old.name, old.contact, old.barrier) == (
        "",
        "",
        "The menu cannot be reached by keyboard.",
    )
    assert (recent.name, recent.contact) == ("Recentsender", "recentsender@example.org")


def test_a_manage_link_stops_working_at_retention(make_gathering, make_registration):
    gathering = make_gathering()
    person = make_registration(gathering, name="Linked Person")
    assert find_registration_by_token(person.token) is not None
    retention.sweep_retention(now=erase_on(gathering))
    db.session.expire_all()
    assert find_registration_by_token(person.token) is None


def test_the_community_sets_the_period(make_gathering, make_registration):
    community = Community(name="Rural CoP", slug="rural", retention_months=6)
    db.session.add(community)
    gathering = make_gathering(community=community)
    make_registration(gathering, name="Kept Six Months")
    other = make_gathering()
    make_registration(other, name="Kept Default")
    db.session.commit()
    six = add_months(gathering.ends_at, 6)
    assert erase_on(gathering) == six
    assert retention.sweep_retention(now=six) == 1
    names = set(db.session.scalars(select(Registration.name)))
    assert "Kept Default" in names and "Kept Six Months" not in names


def test_add_months_keeps_the_day_or_takes_the_last_one():
    assert add_months(datetime(2024, 1, 31, 12, tzinfo=UTC), 1) == datetime(
        2024, 2, 29, 12, tzinfo=UTC
    )
    assert add_months(datetime(2024, 11, 15, tzinfo=UTC), 24) == datetime(2026, 11, 15, tzinfo=UTC)
    assert add_months(datetime(2024, 3, 15, tzinfo=UTC), -3) == datetime(2023, 12, 15, tzinfo=UTC)


def test_the_sweep_is_registered_with_the_job_runner(app):
    from app import jobs

    assert retention.sweep_retention in jobs.PERIODIC


def test_access_log_lines_are_kept_for_the_retention_period(make_gathering, organiser):
    gathering = make_gathering()
    now = datetime.now(UTC)
    for age in (1, 30):
        record_access(
            PersonalDataView.REGISTRANT,
            user_id=organiser.id,
            gathering=gathering,
            people=1,
            now=add_months(now, -age),
        )
    db.session.commit()
    retention.sweep_retention(now=now)
    ages = db.session.scalars(select(AccessLogEntry.created_at)).all()
    assert len(ages) == 1 and ages[0] > add_months(now, -2)


def test_the_retention_command_shows_a_dry_run_then_erases(
    runner, make_gathering, make_registration
):
    past = datetime.now(UTC) - timedelta(days=800)
    gathering = make_gathering(
        slug="long-ago", starts_at=past, ends_at=past + timedelta(hours=3), breakouts=False
    )
    make_registration(gathering, name="Old Name")
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "long-ago" in result.output and "DUE NOW: 1 people" in result.output
    assert "Dry run: nothing was changed" in result.output
    assert db.session.scalar(select(Registration.name)) == "Old Name"
    result = runner.invoke(args=["retention", "--apply"])
    assert result.exit_code == 0, result.output
    assert "Erased 1 people." in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Registration.name)) == "Erased registrant"


def test_the_demo_outlives_the_retention_sweep(app):
    from app.demo import seed_demo

    seed_demo(participants=30, now=datetime.now(UTC))
    db.session.commit()
    before = db.session.scalar(select(func.count(Registration.id)))
    assert retention.sweep_retention(now=datetime.now(UTC)) == 0
    assert (
        db.session.scalar(
            select(func.count(Registration.id)).where(Registration.erased_at.is_not(None))
        )
        == 0
    )
    assert before > 0


def test_every_table_is_in_the_privacy_inventory(app):
    """docs/privacy.md names every table, with its personal data and how it is erased, or
    among those reviewed as holding none: a new table is reviewed before it lands."""
    import re
    from pathlib import Path

    inventory = (Path(__file__).resolve().parents[1] / "docs" / "privacy.md").read_text()
    named = set(re.findall(r"`([a-z_]+)`", inventory))
    assert sorted(set(db.metadata.tables) - named) == []
