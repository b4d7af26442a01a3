"""Big and stored uploads, and the review page's proposals: the row limit checked while
the file is read, the people of a pending upload kept as rows (the uploads list never
reads them), a stored upload read later by its id, unmatched people present long enough
proposed as walk-ins, all unmatched recorded at once, and the upload's page naming the
people who needed a decision."""

import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from app.attendance import review
from app.attendance.importers import (
    MAX_ROWS,
    AttendanceFileError,
    Problem,
    parse_report,
    read_upload,
)
from app.extensions import db
from app.models import AttendanceRecord, ImportBatch, ImportPerson, ImportStatus

pytest_plugins = ["tests.fixtures_attendance"]

NOW = datetime(2022, 10, 21, 18, 0, tzinfo=UTC)
HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"


def zoom(rows: list[tuple[str, str, int]]) -> bytes:
    """A Zoom report of (name, email, minutes) rows, all joining at 10:00."""
    lines = [
        f"{name},{email},10/20/2022 10:00:00 AM,10/20/2022 10:{minutes:02d}:00 AM,{minutes},No\n"
        for name, email, minutes in rows
    ]
    return (HEADER + "".join(lines)).encode()


def many_rows(count: int) -> bytes:
    row = "Person {0:05d},,10/20/2022 10:00:00 AM,,5,\n"
    return (
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        + "".join(row.format(i % 10_000) for i in range(count))
    ).encode()


def upload(client, gathering, data: bytes, *, item="all", filename="report.csv"):
    """POST the upload form with a body built here: the test client would spool a large
    body to a temporary file that nothing closes."""
    boundary = "----attendance-upload-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="item"\r\n\r\n{item}\r\n'
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"report\"; "
        f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return client.post(
        f"/organiser/g/{gathering.slug}/attendance/import",
        input_stream=io.BytesIO(body),
        content_length=len(body),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


# --- the row limit ----------------------------------------------------------------------


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.served = 0

    def read(self, size: int = -1) -> bytes:
        block = super().read(size)
        self.served += len(block)
        return block


def test_a_file_far_over_the_row_limit_is_refused_after_reading_its_start():
    data = many_rows(200_000)
    assert 7_000_000 < len(data) < 10 * 1_048_576
    stream = CountingStream(data)
    with pytest.raises(AttendanceFileError) as caught:
        read_upload(stream)
    assert caught.value.problem is Problem.TOO_MANY_ROWS
    assert "50,000 rows" in str(caught.value)
    assert stream.served < len(data) / 3


def test_the_row_limit_counts_lines_in_utf16_files_too():
    text = many_rows(MAX_ROWS + 300).decode()
    data = b"\xff\xfe" + text.encode("utf-16-le")
    with pytest.raises(AttendanceFileError) as caught:
        read_upload(io.BytesIO(data), max_bytes=len(data))
    assert caught.value.problem is Problem.TOO_MANY_ROWS
    small = b"\xff\xfe" + many_rows(100).decode().encode("utf-16-le")
    assert read_upload(io.BytesIO(small)) == small


def test_exactly_the_row_limit_is_read_and_one_more_row_is_not():
    assert len(parse_report(many_rows(MAX_ROWS)).frame) == MAX_ROWS
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(many_rows(MAX_ROWS + 1))
    assert caught.value.problem is Problem.TOO_MANY_ROWS


def test_the_upload_page_states_the_limit_and_refuses_plainly(organiser_client, gathering_2022):
    page = organiser_client.get(f"/organiser/g/{gathering_2022.slug}/attendance/import")
    assert "at most 50,000 rows" in page.get_data(as_text=True)
    response = upload(organiser_client, gathering_2022, many_rows(200_000), filename="big.csv")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "big.csv: The file has more than 50,000 rows" in html
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_a_date_in_year_9999_is_a_plain_error(organiser_client, gathering_2022):
    data = (HEADER + "Ana,a@x.example,10/20/9999 10:00:00 AM,,30,No\n").encode()
    response = upload(organiser_client, gathering_2022, data)
    assert response.status_code == 400
    assert "not between the years 1900 and 2100" in response.get_data(as_text=True)


# --- pending people as rows; the list never reads them ---------------------------------


def test_the_uploads_list_reads_no_people_and_no_stored_file(
    organiser_client, gathering_2022, sample_people, organiser
):
    rows = [(f"Guest Number{i}", f"guest{i}@walkin.example", 30) for i in range(3000)]
    pending = review.prepare_import(
        gathering_2022,
        data=zoom(rows),
        filename="big.csv",
        agenda_item=None,
        user=organiser,
        now=NOW,
    )
    review.store_upload(
        gathering_2022,
        data=zoom(rows[:10]),
        filename="stored.csv",
        agenda_item=None,
        user=organiser,
        now=NOW,
    )
    db.session.commit()
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ImportPerson)
            .where(ImportPerson.batch_id == pending.id)
        )
        == 3000
    )
    db.session.expire_all()

    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        page = organiser_client.get(f"/organiser/g/{gathering_2022.slug}/attendance/import")
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "big.csv" in html and "stored.csv" in html and "Being read" in html
    assert statements, "the page ran no query"
    assert not [s for s in statements if "attendance_import_people" in s]
    assert not [s for s in statements if "attendance_import_batches.upload" in s]


def test_a_stored_upload_is_read_later_by_its_id(gathering_2022, sample_people, sample_bytes):
    batch = review.store_upload(
        gathering_2022,
        data=sample_bytes("zoom_participants.csv"),
        filename="zoom.csv",
        agenda_item=None,
        user=None,
        now=NOW,
    )
    db.session.commit()
    assert batch.status == ImportStatus.RECEIVED and len(batch.upload) > 0
    review.parse_upload(batch.id)
    db.session.commit()
    assert batch.status == ImportStatus.PENDING and batch.upload is None
    assert (batch.matched, batch.unmatched) == (6, 1)
    assert len(review.batch_people(batch)) == 7

    broken = review.store_upload(
        gathering_2022,
        data=b"%PDF-1.7 not a report",
        filename="x.pdf",
        agenda_item=None,
        user=None,
        now=NOW,
    )
    db.session.commit()
    review.parse_upload(broken.id)
    db.session.commit()
    assert broken.status == ImportStatus.FAILED and "PDF" in broken.error
    assert broken.upload is None and review.batch_people(broken).empty


def test_a_large_upload_is_read_by_a_job(organiser_client, gathering_2022, sample_people):
    from app.jobs import runner

    rows = [(f"Guest Number{i}", f"guest{i}@walkin.example", 30) for i in range(15_000)]
    data = zoom(rows)
    assert len(data) > 1_048_576
    response = upload(organiser_client, gathering_2022, data, filename="large.csv")
    assert response.status_code == 303
    waiting = organiser_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The file is still being read" in waiting
    batch = db.session.scalar(select(ImportBatch))
    assert batch.status == ImportStatus.RECEIVED and batch.rows == 0

    assert runner().run_pending() == 1
    db.session.expire_all()
    ready = organiser_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Review the attendance report" in ready
    assert "The first 400 of 15000 are listed" in ready
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.status, batch.rows, batch.unmatched) == (ImportStatus.PENDING, 15_000, 15_000)


def test_the_page_of_a_failed_upload_says_why(organiser_client, gathering_2022):
    broken = review.store_upload(
        gathering_2022, data=b"%PDF-1.7", filename="x.pdf", agenda_item=None, user=None, now=NOW
    )
    db.session.commit()
    review.parse_upload(broken.id)
    db.session.commit()
    page = organiser_client.get(f"/organiser/g/{gathering_2022.slug}/attendance/import/{broken.id}")
    assert page.status_code == 200
    assert "could not be read: This is a PDF document" in page.get_data(as_text=True)


# --- proposals and bulk walk-ins --------------------------------------------------------

REPORT = [
    ("Amara Singh", "amara.singh@fraserhealth.example", 50),
    ("Kim Lee", "kim.lee@walkin.example", 40),
    ("iPhone", "", 3),
    ("Sam Wu", "", 30),
]


@pytest.fixture
def twin(gathering_2022, sample_people, make_registration):
    return make_registration(gathering_2022, name="Sam Wu", email="sam.wu@fnha.example")


def selected(html: str, person: str) -> str:
    """The value selected in the select whose label names ``person``."""
    label = re.search(rf'<label[^>]*for="(d\d+)"[^>]*>[^<]*{re.escape(person)}', html)
    assert label, person
    select = re.search(rf'<select id="{label.group(1)}".*?</select>', html, re.S).group(0)
    chosen = re.search(r'<option value="([^"]+)"[^>]* selected', select)
    return chosen.group(1) if chosen else "skip"


def test_unmatched_present_long_enough_are_proposed_as_walk_ins(
    organiser_client, gathering_2022, twin
):
    response = upload(organiser_client, gathering_2022, zoom(REPORT))
    assert response.status_code == 303
    html = organiser_client.get(response.headers["Location"]).get_data(as_text=True)
    assert selected(html, "Kim Lee") == "walk_in"
    assert selected(html, "iPhone") == "skip"
    assert selected(html, "Sam Wu") == "skip"
    assert "recording all 2 unmatched as walk-ins" in html

    confirmed = organiser_client.post(response.headers["Location"], data={})
    assert confirmed.status_code == 303
    walk_ins = db.session.scalars(
        select(AttendanceRecord.walk_in_name).where(AttendanceRecord.registration_id.is_(None))
    ).all()
    assert walk_ins == ["Kim Lee"]


def test_the_same_proposal_as_the_command_line(gathering_2022, twin, organiser):
    batch = review.prepare_import(
        gathering_2022,
        data=zoom(REPORT),
        filename="r.csv",
        agenda_item=None,
        user=organiser,
        now=NOW,
    )
    proposed = review.default_decisions(batch)
    db.session.rollback()
    cli = review.import_file(
        gathering_2022,
        data=zoom(REPORT),
        filename="r.csv",
        agenda_item=None,
        now=NOW,
        dry_run=True,
    )
    assert sorted(proposed.values()).count("walk_in") == cli.walk_ins == 1


def test_record_all_unmatched_as_walk_ins_keeps_the_links_made(
    organiser_client, gathering_2022, twin, sample_people
):
    response = upload(organiser_client, gathering_2022, zoom(REPORT))
    url = response.headers["Location"]
    html = organiser_client.get(url).get_data(as_text=True)
    kim = re.search(r'for="(d\d+)"[^>]*>What to do with Kim Lee', html).group(1)
    sam = re.search(r'for="(d\d+)"[^>]*>Who is Sam Wu', html).group(1)
    confirmed = organiser_client.post(
        url,
        data={kim: f"reg:{sample_people['Priya'].id}", sam: f"reg:{twin.id}", "bulk": "walk_in"},
    )
    assert confirmed.status_code == 303
    records = {
        (r.registration_id, r.walk_in_name) for r in db.session.scalars(select(AttendanceRecord))
    }
    assert records == {
        (sample_people["Amara"].id, ""),
        (sample_people["Priya"].id, ""),
        (twin.id, ""),
        (None, "iPhone"),
    }

    page = organiser_client.get(url).get_data(as_text=True)
    assert "Ambiguous</h2>" in page and "Unmatched</h2>" in page
    assert "Sam Wu, 30 minutes: linked to Sam Wu" in page
    assert "Kim Lee (kim.lee@walkin.example), 40 minutes: linked to Priya Dhaliwal" in page
    assert "iPhone, 3 minutes: recorded as a walk-in" in page


def test_link_search_finds_registrations_for_organisers_only(
    organiser_client, gathering_2022, sample_people, twin, client, make_user
):
    url = f"/organiser/g/{gathering_2022.slug}/attendance/registrations"
    found = organiser_client.get(url, query_string={"q": "emilie cote"}).get_json()
    assert found["results"] == [
        {
            "value": f"reg:{sample_people['Émilie'].id}",
            "label": "Émilie Côté (emilie.cote@divisionsbc.example, Fraser Health)",
        }
    ]
    assert len(organiser_client.get(url, query_string={"q": "sam wu"}).get_json()["results"]) == 2
    organiser_client.post("/sign-out")
    facilitator = make_user("facilitator")
    client.post("/sign-in", data={"email": facilitator.email, "password": "correct horse battery"})
    assert client.get(url, query_string={"q": "sam"}).status_code == 403
