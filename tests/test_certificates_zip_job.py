"""The organisers' certificates ZIP is a job with progress, as report generation is:
asking again while it runs reuses the run, a finished ZIP is offered while the gathering's
registrations and attendance are unchanged and prepared again after a change, an
out-of-date ZIP is never served, erased and cancelled people are never in it, and a
gathering of 1,600 attendees completes (on SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

import io
import re
import time
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import func, insert, select

from app.community import certificate_runs
from app.extensions import db
from app.jobs import run_pending
from app.models import (
    AttendanceRecord,
    Certificate,
    CertificateRun,
    Job,
    Registration,
)
from app.models.attendance import dedupe_key
from app.privacy.retention import erase_requested
from tests.test_community_certificates import (  # noqa: F401
    attend,
    attended,
    code_in,
    pdf_text,
    prepared_zip,
)

ATTENDEES = 1_600


def _prepare(client, gathering) -> str:
    response = client.post(f"/community/g/{gathering.slug}/certificates/prepare")
    assert response.status_code == 303
    return response.headers["Location"]


def _run_id(location: str) -> int:
    return int(re.search(r"/runs/(\d+)$", location).group(1))


def test_asking_again_while_it_runs_reuses_the_run(attended, organiser_client):  # noqa: F811
    gathering, _people = attended
    first = _prepare(organiser_client, gathering)
    second = _prepare(organiser_client, gathering)
    assert first == second
    assert (
        db.session.scalar(select(func.count(Job.id)).where(Job.name == certificate_runs.JOB)) == 1
    )
    status = organiser_client.get(first + "/status").get_json()
    assert status == {
        "id": _run_id(first),
        "status": "queued",
        "progress": 0,
        "stage": "Waiting to start",
        "done": False,
    }
    waiting = organiser_client.get(first).get_data(as_text=True)
    assert "Preparing the certificates" in waiting and 'role="status"' in waiting
    assert "check again" in waiting  # a way on without JavaScript
    # No download is offered, and asking for one says why.
    early = organiser_client.get(first + ".zip")
    assert early.status_code == 409
    assert "still being prepared" in early.get_data(as_text=True)
    run_pending()
    done = organiser_client.get(first + "/status").get_json()
    assert done["done"] is True and done["progress"] == 100 and done["status"] == "done"
    ready = organiser_client.get(first).get_data(as_text=True)
    assert "Ready: 3 certificates" in ready and "Download the ZIP" in ready


def test_a_finished_zip_is_offered_until_attendance_changes(
    attended,  # noqa: F811
    organiser_client,
):
    gathering, people = attended
    archive = prepared_zip(organiser_client, gathering)
    assert len(archive.namelist()) == 3
    location = _prepare(organiser_client, gathering)
    run_id = _run_id(location)
    # Nothing changed: the same ZIP, no new job.
    assert organiser_client.get(location + ".zip").status_code == 200
    assert db.session.scalar(select(func.count(Job.id))) == 1
    settings_page = organiser_client.get(f"/community/g/{gathering.slug}/certificates")
    assert "Download the ZIP" in settings_page.get_data(as_text=True)

    # Drew is checked in: attendance changed, so the ZIP is out of date and refused.
    attend(gathering, people["drew"], 0, item=gathering.breakouts[0], source="checkin")
    refused = organiser_client.get(location + ".zip")
    assert refused.status_code == 409
    assert "changed since this ZIP was prepared" in refused.get_data(as_text=True)
    page = organiser_client.get(location).get_data(as_text=True)
    assert "Prepare certificates again" in page and "Download the ZIP" not in page
    # The sweep drops its bytes (it names people).
    assert certificate_runs.forget_old_zips(now=datetime.now(UTC)) == 1
    assert db.session.get(CertificateRun, run_id).content is None

    again = prepared_zip(organiser_client, gathering)
    assert len(again.namelist()) == 4
    # The run before stays, without its bytes, so its page says why; one ZIP is kept.
    kept = db.session.scalars(select(CertificateRun).order_by(CertificateRun.id)).all()
    assert [run.id for run in kept][0] == run_id
    assert [run.content is not None for run in kept] == [False, True]
    # The three certificates issued before are reprinted, not issued again.
    assert db.session.scalar(select(func.count(Certificate.id))) == 4


def test_a_zip_is_dropped_after_the_hours_kept(attended, organiser_client):  # noqa: F811
    gathering, _people = attended
    prepared_zip(organiser_client, gathering)
    now = datetime.now(UTC)
    assert certificate_runs.forget_old_zips(now=now) == 0
    assert certificate_runs.forget_old_zips(now=now + timedelta(hours=25)) == 1
    run = db.session.scalars(select(CertificateRun)).one()
    response = organiser_client.get(f"/community/g/{gathering.slug}/certificates/runs/{run.id}.zip")
    assert response.status_code == 409
    assert "no longer kept" in response.get_data(as_text=True)


def test_erased_and_cancelled_people_are_never_in_the_zip(
    attended,  # noqa: F811
    organiser_client,
):
    gathering, people = attended
    people["blake"].status = "cancelled"
    db.session.commit()
    erase_requested(people["casey"], actor_id=None, now=datetime.now(UTC))
    db.session.commit()
    archive = prepared_zip(organiser_client, gathering)
    texts = " ".join(pdf_text(archive.read(name)) for name in archive.namelist())
    assert len(archive.namelist()) == 1
    assert "Avery Long" in texts
    assert "Blake Short" not in texts and "Casey Checkin" not in texts


def test_bad_ids_and_other_gatherings_runs_get_a_clear_answer(
    attended,  # noqa: F811
    organiser_client,
    make_gathering,
):
    gathering, _people = attended
    location = _prepare(organiser_client, gathering)
    run_pending()
    other = make_gathering()
    run_id = _run_id(location)
    for path in (
        f"/community/g/{other.slug}/certificates/runs/{run_id}",
        f"/community/g/{other.slug}/certificates/runs/{run_id}.zip",
        f"/community/g/{gathering.slug}/certificates/runs/99999",
    ):
        response = organiser_client.get(path)
        assert response.status_code == 404, path
        assert "no such preparation" in response.get_data(as_text=True)
    status = organiser_client.get(f"/community/g/{other.slug}/certificates/runs/{run_id}/status")
    assert status.status_code == 404 and "error" in status.get_json()
    assert (
        organiser_client.get(f"/community/g/{gathering.slug}/certificates/runs/x").status_code
        == 404
    )
    assert organiser_client.get("/community/g/no-such/certificates/runs/1").status_code == 404


def test_a_failed_run_says_why_and_offers_to_try_again(
    attended,  # noqa: F811
    organiser_client,
    monkeypatch,
):
    gathering, _people = attended
    location = _prepare(organiser_client, gathering)

    def broken(*args, **kwargs):
        raise RuntimeError("the layout engine ran out of memory")

    monkeypatch.setattr(certificate_runs.certificates, "certificate_pdfs", broken)
    run_pending()
    page = organiser_client.get(location).get_data(as_text=True)
    assert "could not be prepared" in page and "ran out of memory" in page
    assert "Prepare certificates again" in page
    monkeypatch.undo()
    again = _prepare(organiser_client, gathering)
    run_pending(include_later=True)
    assert organiser_client.get(again + ".zip").status_code == 200


def _many_attendees(gathering, count: int) -> None:
    """`count` confirmed registrations, each present 60 minutes, written in bulk."""
    now = datetime.now(UTC)
    db.session.execute(
        insert(Registration),
        [
            {
                "gathering_id": gathering.id,
                "name": f"Attendee Number {n:04d}",
                "email": f"attendee{n}@example.org",
                "role": "nurse",
                "organisation_name": "Fraser Health",
                "organisation_type": "health_authority",
                "health_region": "fraser",
                "consent_collection_at": now,
                "status": "confirmed",
            }
            for n in range(count)
        ],
    )
    ids = db.session.scalars(
        select(Registration.id).where(Registration.gathering_id == gathering.id)
    ).all()
    db.session.execute(
        insert(AttendanceRecord),
        [
            {
                "gathering_id": gathering.id,
                "registration_id": registration_id,
                "agenda_item_id": None,
                "source": "zoom",
                "minutes": 60,
                "dedupe_key": dedupe_key(
                    gathering_id=gathering.id,
                    agenda_item_id=None,
                    source="zoom",
                    registration_id=registration_id,
                ),
            }
            for registration_id in ids
        ],
    )
    db.session.commit()


def test_sixteen_hundred_attendees_certificates_complete_as_a_job(
    make_gathering, organiser_client, client
):
    from app.community.certificates import CertificateSettingsData, save_settings

    gathering = make_gathering(title="Provincial Gathering 2023")
    _many_attendees(gathering, ATTENDEES)
    save_settings(gathering, CertificateSettingsData(True, False, "", None), now=datetime.now(UTC))
    db.session.commit()

    started = time.process_time()
    archive = prepared_zip(organiser_client, gathering)
    seconds = time.process_time() - started
    print(
        f"\n{ATTENDEES} certificates: {seconds:.1f} s of CPU, "
        f"{1000 * seconds / ATTENDEES:.1f} ms each"
    )

    names = archive.namelist()
    assert len(names) == ATTENDEES
    assert all(name.endswith(".pdf") for name in names)
    people = dict(
        db.session.execute(
            select(Registration.id, Registration.name).where(
                Registration.gathering_id == gathering.id
            )
        ).all()
    )
    # Every PDF is titled with its person's printed name; a sample is read in full.
    for name in names:
        registration_id = int(re.match(r"certificate-(\d+)-", name).group(1))
        reader = PdfReader(io.BytesIO(archive.read(name)))
        assert reader.metadata.title == (
            f"Certificate of attendance: {people[registration_id]}, {gathering.title}"
        )
    assert {int(re.match(r"certificate-(\d+)-", n).group(1)) for n in names} == set(people)
    sample = names[:: ATTENDEES // 16]
    for name in sample:
        registration_id = int(re.match(r"certificate-(\d+)-", name).group(1))
        assert people[registration_id] in pdf_text(archive.read(name))

    # Someone renames themselves: their certificate still verifies with the printed name.
    renamed_file = names[7]
    renamed_id = int(re.match(r"certificate-(\d+)-", renamed_file).group(1))
    code = code_in(pdf_text(archive.read(renamed_file)))
    registration = db.session.get(Registration, renamed_id)
    printed = registration.name
    registration.name = "Someone Renamed Later"
    db.session.commit()
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert printed in page and "Someone Renamed Later" not in page
    assert db.session.scalar(select(func.count(Certificate.id))) == ATTENDEES
