"""Big attendance files against a real gunicorn worker: a 200,000-row file (8 MB, under
the size limit) is refused with a plain message and the worker lives on; the largest
allowed file (50,000 rows) is answered at once, read by a job in the worker, matched and
kept for review with the worker's peak RSS under 300 MB; its review page stays small."""

import re
import time
import urllib.parse
from pathlib import Path

import pytest

pytest_plugins = ["tests.fixtures_server"]

RSS_LIMIT_MB = 300
BOUNDARY = "----attendance-big-file"


def report(rows: int, *, emails: bool = True) -> bytes:
    lines = [
        f"Person {i:06d},{f'person{i}@walkin.example' if emails else ''},"
        f"10/20/2022 10:00:00 AM,,{5 + i % 90},No\n"
        for i in range(rows)
    ]
    header = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
    return (header + "".join(lines)).encode()


def multipart(fields: dict[str, str], filename: str, data: bytes) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    head = (
        "".join(parts)
        + f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="report"; '
        f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'
    )
    return head.encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def workers(server) -> list[int]:
    master = server.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


@pytest.fixture
def server(make_live_server):
    live = make_live_server(workers=1)
    live.start()
    seeded = live.seed(breakouts=False)
    session = live.session(timeout=120)
    session.sign_in(seeded.users["organiser"])
    return live, seeded, session


def post_upload(live, seeded, session, data: bytes, filename: str):
    from tests.fixtures_server import request

    path = f"/organiser/g/{seeded.slug}/attendance/import"
    token = session.csrf_from(path)
    body = multipart({"csrf_token": token, "item": "all", "date_order": "auto"}, filename, data)
    headers = session._headers({"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    return request(live.url, "POST", path, body=body, headers=headers, timeout=120)


def test_a_200000_row_file_is_refused_plainly_and_the_worker_lives_on(server):
    live, seeded, session = server
    (worker,) = workers(live)
    data = report(200_000, emails=False)
    assert 8_000_000 < len(data) < 10 * 1_048_576
    status, _, body = post_upload(live, seeded, session, data, "huge.csv")
    assert status == 400
    assert b"huge.csv: The file has more than 50,000 rows" in body
    assert workers(live) == [worker], "the worker was replaced"
    assert peak_rss_mb(worker) < RSS_LIMIT_MB
    page_status, _, page = session.get(f"/organiser/g/{seeded.slug}/attendance/import")
    assert page_status == 200 and b"No reports uploaded yet." in page
    assert "WORKER TIMEOUT" not in live.log_text()


def test_the_largest_allowed_file_stays_under_the_memory_limit(server):
    live, seeded, session = server
    (worker,) = workers(live)
    status, headers, body = post_upload(live, seeded, session, report(50_000), "largest.csv")
    assert status == 303, body[:2000]
    review_path = urllib.parse.urlsplit(headers["location"]).path
    deadline = time.monotonic() + 120
    while True:
        review_status, _, review = session.get(review_path)
        assert review_status == 200
        if b"still being read" not in review or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    rss = peak_rss_mb(worker)
    assert rss < RSS_LIMIT_MB, f"peak RSS {rss:.0f} MB"
    assert b"The first 400 of 50000 are listed" in review
    assert len(review) < 2_000_000
    assert workers(live) == [worker]
