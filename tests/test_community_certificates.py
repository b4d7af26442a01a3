"""Certificates of attendance: one per attendee with the time attended, none for a
no-show, a verification code that confirms the real ones and refuses forgeries."""

import dataclasses
import io
import re
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.community import certificates
from app.community.certificates import (
    CertificateSettingsData,
    credits_for,
    minutes_attended,
    round_down_to_quarter_hour,
    save_settings,
)
from app.extensions import db
from app.jobs import run_pending
from app.models import (
    AccessLogEntry,
    AttendanceRecord,
    Certificate,
    CertificateSettings,
    PersonalDataView,
)
from app.models.attendance import dedupe_key


def attend(gathering, registration, minutes, *, item=None, source="zoom"):
    db.session.add(
        AttendanceRecord(
            gathering_id=gathering.id,
            registration_id=registration.id,
            agenda_item_id=item.id if item else None,
            source=source,
            minutes=minutes,
            dedupe_key=dedupe_key(
                gathering_id=gathering.id,
                agenda_item_id=item.id if item else None,
                source=source,
                registration_id=registration.id,
            ),
        )
    )
    db.session.commit()


@pytest.fixture
def attended(make_gathering, make_registration):
    """Three attendees (97 minutes; 44 minutes; a check-in to the 60-minute breakouts),
    a no-show who stayed 5 minutes (under the 10-minute threshold), and one absent."""
    gathering = make_gathering(title="Provincial Gathering 2022")
    people = {
        key: make_registration(gathering, name=name, email=f"{key}@example.org")
        for key, name in [
            ("avery", "Avery Long"),
            ("blake", "Blake Short"),
            ("casey", "Casey Checkin"),
            ("drew", "Drew Noshow"),
            ("emery", "Emery Absent"),
        ]
    }
    attend(gathering, people["avery"], 97)
    attend(gathering, people["avery"], 50, item=gathering.breakouts[0])
    attend(gathering, people["blake"], 44)
    attend(gathering, people["blake"], 40, item=gathering.breakouts[1], source="teams")
    attend(gathering, people["casey"], 0, item=gathering.breakouts[2], source="checkin")
    attend(gathering, people["drew"], 5)
    return gathering, people


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def code_in(text: str) -> str:
    return re.search(r"Verification code: ([A-Za-z0-9_-]+)", text).group(1)


def prepared_zip(organiser_client, gathering) -> zipfile.ZipFile:
    """What an organiser does: "Prepare certificates", the job runs, then the download
    the run's page offers."""
    base = f"/community/g/{gathering.slug}/certificates"
    asked = organiser_client.post(f"{base}/prepare")
    assert asked.status_code == 303
    run_page = asked.headers["Location"]
    assert "Preparing the certificates" in organiser_client.get(run_page).get_data(as_text=True)
    run_pending()
    page = organiser_client.get(run_page).get_data(as_text=True)
    download = re.search(r'href="([^"]+\.zip)"', page).group(1)
    response = organiser_client.get(download)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_minutes_attended_follow_the_shared_definition_of_attended(attended):
    gathering, people = attended
    minutes = minutes_attended(gathering)
    assert minutes == {
        people["avery"].id: 97,
        people["blake"].id: 44,
        people["casey"].id: 60,
    }


@pytest.mark.parametrize(
    ("minutes", "rounded"), [(0, 0), (14, 0), (15, 15), (44, 30), (97, 90), (210, 210)]
)
def test_time_rounds_down_to_the_quarter_hour(minutes, rounded):
    assert round_down_to_quarter_hour(minutes) == rounded


def test_credits_need_a_statement_and_follow_the_rounded_time():
    settings = CertificateSettings(accreditation_statement="", credits_per_hour=Decimal("1"))
    assert credits_for(97, settings) is None
    settings.accreditation_statement = "Certified for up to 3 Mainpro+ credits."
    assert credits_for(97, settings) == Decimal("1.50")
    settings.credits_per_hour = Decimal("0.5")
    assert credits_for(44, settings) == Decimal("0.25")


def test_zip_holds_one_pdf_per_attendee_with_time_attended_and_none_for_a_no_show(
    attended, organiser_client
):
    gathering, people = attended
    archive = prepared_zip(organiser_client, gathering)
    names = sorted(archive.namelist())
    assert len(names) == 3
    texts = {name: pdf_text(archive.read(name)) for name in names}
    by_person = {
        key: next(t for t in texts.values() if people[key].name in t)
        for key in ("avery", "blake", "casey")
    }
    assert "Time attended 1 hour 30 minutes" in by_person["avery"]
    assert "Time attended 30 minutes" in by_person["blake"]
    assert "Time attended 1 hour" in by_person["casey"]
    for text in texts.values():
        assert "Certificate of attendance" in text
        assert gathering.title in text
        assert "Drew Noshow" not in text and "Emery Absent" not in text
    assert db.session.scalar(select(db.func.count()).select_from(Certificate)) == 3
    for name in names:
        reader = PdfReader(io.BytesIO(archive.read(name)))
        assert len(reader.pages) == 1
        assert "/StructTreeRoot" in reader.trailer["/Root"]
        person = next(p for p in people.values() if p.name in texts[name])
        assert (
            reader.metadata.title == f"Certificate of attendance: {person.name}, {gathering.title}"
        )


def test_a_certificate_longer_than_a_page_still_makes_one_pdf_per_person(attended):
    gathering, people = attended
    statement = "Certified for Mainpro+ credits by the College. " * 20
    save_settings(
        gathering,
        CertificateSettingsData(False, False, statement, Decimal("1")),
        now=datetime.now(UTC),
    )
    db.session.commit()
    batch = [
        certificates.issue(
            person,
            minutes=minutes,
            settings=certificates.stored_settings(gathering),
            verify_url=lambda code: f"https://gathering.test/certificates/{code}",
            now=datetime.now(UTC),
        )
        for person, minutes in certificates.attendee_rows(gathering)
    ]
    batch[0] = dataclasses.replace(batch[0], name="Avery " + "Longname " * 60)
    pdfs = certificates.certificate_pdfs(batch)
    assert len(pdfs) == 3
    texts = [pdf_text(pdf) for pdf in pdfs]
    assert "Longname Longname" in texts[0]
    assert people["blake"].name in texts[1] and people["casey"].name in texts[2]
    assert len(PdfReader(io.BytesIO(pdfs[0])).pages) == 2


def test_verification_confirms_a_real_code_and_refuses_a_forged_one(attended, client):
    gathering, people = attended
    save_settings(
        gathering,
        CertificateSettingsData(True, False, "", None),
        now=datetime.now(UTC),
    )
    db.session.commit()
    pdf = client.get(f"/r/{people['avery'].token}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    code = code_in(text)
    assert f"/certificates/{code}" in text
    stored = db.session.scalars(select(Certificate)).one()
    assert stored.code_hash != code and code not in stored.code_hash

    real = client.get(f"/certificates/{code}")
    assert real.status_code == 200
    page = real.get_data(as_text=True)
    assert "This certificate is genuine" in page
    assert '<meta name="robots" content="noindex">' in page
    assert "Avery Long" in page and "1 hour 30 minutes" in page and gathering.title in page

    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    for bad in (forged, "A" * 24, "not-a-code", "x"):
        response = client.get(f"/certificates/{bad}")
        assert response.status_code == 404, bad
        body = response.get_data(as_text=True)
        assert "We cannot confirm this certificate" in body
        assert "Avery Long" not in body


def test_participants_download_only_once_attendance_is_final(attended, client):
    gathering, people = attended
    manage = client.get(f"/r/{people['avery'].token}").get_data(as_text=True)
    assert "Certificate of attendance" not in manage
    early = client.get(f"/r/{people['avery'].token}/certificate.pdf")
    assert early.status_code == 303
    assert early.headers["Location"].endswith(f"/r/{people['avery'].token}")

    save_settings(gathering, CertificateSettingsData(True, False, "", None), now=datetime.now(UTC))
    db.session.commit()
    manage = client.get(f"/r/{people['avery'].token}").get_data(as_text=True)
    assert "Download your certificate" in manage
    for key in ("drew", "emery"):
        assert "Certificate of attendance" not in client.get(f"/r/{people[key].token}").get_data(
            as_text=True
        )
        response = client.get(f"/r/{people[key].token}/certificate.pdf")
        assert response.status_code == 303
    assert db.session.scalars(select(Certificate)).all() == []


def test_the_survey_can_be_required_first(attended, client):
    from app.evaluation.links import ensure_invitation
    from app.evaluation.setup import create_survey

    gathering, people = attended
    save_settings(gathering, CertificateSettingsData(True, True, "", None), now=datetime.now(UTC))
    survey = create_survey(gathering, now=datetime.now(UTC))
    invitation = ensure_invitation(survey, people["avery"])
    db.session.commit()
    manage = client.get(f"/r/{people['avery'].token}").get_data(as_text=True)
    assert "ready once you answer the survey" in manage
    assert client.get(f"/r/{people['avery'].token}/certificate.pdf").status_code == 303

    invitation.responded = True
    db.session.commit()
    assert client.get(f"/r/{people['avery'].token}/certificate.pdf").status_code == 200


def test_credits_are_printed_when_the_organiser_enters_an_accreditation(attended, organiser_client):
    gathering, people = attended
    statement = "This Group Learning program is certified for up to 3 Mainpro+ credits."
    response = organiser_client.post(
        f"/community/g/{gathering.slug}/certificates",
        data={
            "attendance_final": "y",
            "accreditation_statement": statement,
            "credits_per_hour": "1",
        },
    )
    assert response.status_code == 303
    pdf = organiser_client.get(f"/r/{people['avery'].token}/certificate.pdf")
    text = pdf_text(pdf.data)
    assert "Credits 1.5 credits" in text
    assert statement in text


def test_credits_without_a_statement_are_refused(attended, organiser_client):
    gathering, _ = attended
    response = organiser_client.post(
        f"/community/g/{gathering.slug}/certificates",
        data={"attendance_final": "y", "credits_per_hour": "1"},
    )
    assert response.status_code == 422
    assert "Enter the accreditation statement" in response.get_data(as_text=True)
    assert db.session.scalars(select(CertificateSettings)).all() == []
    assert db.session.scalars(select(AccessLogEntry)).all() == [], "a refused save logs nothing"


def test_opening_the_attendee_list_is_logged(attended, organiser_client):
    gathering, _ = attended
    assert organiser_client.get(f"/community/g/{gathering.slug}/certificates").status_code == 200
    logged = db.session.execute(select(AccessLogEntry.what, AccessLogEntry.people)).all()
    assert logged == [(PersonalDataView.CERTIFICATES, 3)]


def test_the_settings_page_lists_attendees_with_their_rounded_time(attended, organiser_client):
    gathering, people = attended
    page = organiser_client.get(f"/community/g/{gathering.slug}/certificates")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Attendees (3)" in html
    assert "Avery Long" in html and "1 hour 30 minutes" in html
    assert "Drew Noshow" not in html


def test_names_typed_with_markup_stay_text_in_the_pdf(make_gathering, make_registration):
    gathering = make_gathering()
    person = make_registration(gathering, name='<img src="http://127.0.0.1:9/x">Robin')
    attend(gathering, person, 120)
    facts = certificates.issue(
        person,
        minutes=120,
        settings=None,
        verify_url=lambda code: f"https://gathering.test/certificates/{code}",
        now=datetime.now(UTC) + timedelta(days=1),
    )
    text = pdf_text(certificates.certificate_pdf(facts))
    assert '<img src="http://127.0.0.1:9/x">Robin' in text
