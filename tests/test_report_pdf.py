"""The whole pipeline against a real database and real WeasyPrint: headline numbers in
the PDF equal the database's counts; variants; privacy; the locked URL fetcher."""

import io
import re
import socket
import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.documents.pdf import LockedURLFetcher, RefusedURL, render_pdf
from app.documents.render import REPORTS_DIR
from app.extensions import db
from app.facts import gathering_facts
from app.models import AgendaItem, Community, Registration
from app.reporting import services

pytest_plugins = ["tests.fixtures_report"]

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)


def pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return reader, " ".join(text.split())


def structure_elements(node, kind: str) -> list:
    """Every element of the PDF's tag tree with the structure type `kind`."""
    found = []
    stack = [node]
    while stack:
        item = stack.pop()
        item = item.get_object() if hasattr(item, "get_object") else item
        if isinstance(item, dict):
            if item.get("/S") == kind:
                found.append(item)
            children = item.get("/K")
            if children is not None:
                stack.extend(children if isinstance(children, list) else [children])
    return found


def glance_page(reader: PdfReader) -> str:
    for page in reader.pages:
        text = " ".join((page.extract_text() or "").split())
        if "At a glance" in text and "ATTENDANCE RATE" in text.upper():
            return text
    raise AssertionError("no At a glance page")


def test_headline_numbers_equal_database_counts(report_gathering):
    gathering = report_gathering
    built = services.build_report(gathering, variant="committee", now=NOW)
    reader, text = pdf_text(built.pdf)

    registered = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.gathering_id == gathering.id, Registration.status == "confirmed")
    )
    attended = gathering_facts(gathering).attended
    assert (registered, attended) == (42, 30)
    page = glance_page(reader)
    tiles = re.search(
        r"REGISTERED ([\d,]+)\s*confirmed registrations ATTENDED ([\d,]+)\s*.*?"
        r"ATTENDANCE RATE (\d+)%",
        page,
    )
    assert tiles, page
    assert int(tiles.group(1)) == registered
    assert int(tiles.group(2)) == attended
    assert int(tiles.group(3)) == round(100 * attended / registered)
    assert f"Of the {registered} people who registered, {attended} attended." in page
    rooms = db.session.scalar(
        select(func.count())
        .select_from(AgendaItem)
        .where(AgendaItem.gathering_id == gathering.id, AgendaItem.kind == "breakout")
    )
    assert re.search(rf"BREAKOUTS HELD {rooms}\s*of 7 priority areas", page)
    # The "by health region" table's total row agrees with the headline.
    assert re.search(rf"Total {registered} {attended}", text)


def test_pdf_is_tagged_pdf_ua_with_metadata_and_page_furniture(report_gathering):
    built = services.build_report(report_gathering, variant="committee", now=NOW, page_size="A4")
    reader, text = pdf_text(built.pdf)
    assert reader.metadata.title == "Summary report: Provincial Perinatal Gathering"
    assert reader.metadata.author == "BC Perinatal Community of Practice"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-CA"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    assert b"pdfuaid" in root["/Metadata"].get_data()
    figures = structure_elements(root["/StructTreeRoot"], "/Figure")
    assert len(figures) == 2  # region, organisation type (roles are a table alone)
    assert all(str(f["/Alt"]).startswith(("Health region", "Organisation type")) for f in figures)
    assert structure_elements(root["/StructTreeRoot"], "/TH")
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    total = len(reader.pages)
    assert f"Page 2 of {total}" in text and f"Page {total} of {total}" in text
    raw = reader.pages[2].extract_text() or ""
    assert "Contents" in raw
    # target-counter page numbers: one per entry, in order, the first pointing at the
    # page that really holds the key messages and "At a glance".
    numbers = [int(m) for m in re.findall(r"^(\d+)$", raw, re.M)]
    assert numbers == sorted(numbers) and len(numbers) >= 10
    glance_index = next(
        i
        for i, page in enumerate(reader.pages, start=1)
        if "ATTENDANCE RATE" in (page.extract_text() or "").upper()
    )
    assert numbers[0] == glance_index
    assert "Land acknowledgement" in text
    assert "Method and data notes" in text


def test_letter_is_the_default_page_size(report_gathering):
    built = services.build_report(report_gathering, variant="shareable", now=NOW)
    reader = PdfReader(io.BytesIO(built.pdf))
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (612, 792)


def test_no_variant_shows_a_name_or_an_email(report_gathering):
    for variant in ("committee", "shareable"):
        built = services.build_report(report_gathering, variant=variant, now=NOW)
        _, text = pdf_text(built.pdf)
        for haystack in (built.html, text):
            assert "Secret Person" not in haystack
            assert "secret.person" not in haystack
            assert "@example.org" not in haystack


def test_shareable_variant_suppresses_small_counts(report_gathering, make_registration):
    built = services.build_report(report_gathering, variant="shareable", now=NOW)
    _, text = pdf_text(built.pdf)
    assert "Shareable version" in text
    assert "<5" in text
    assert "hidden so that a small count cannot be worked out" in text
    committee = services.build_report(report_gathering, variant="committee", now=NOW)
    _, committee_text = pdf_text(committee.pdf)
    assert "Committee version: for the steering committee only" in committee_text
    assert "Prepared for the steering committee" in committee_text
    assert "Prepared for the steering committee" not in text
    # Indigenous identity: one suppressed aggregate in both versions, never split.
    for html in (built.html, committee.html):
        section = html[html.index('id="indigenous-identity"') :]
        section = section[: section.index("</section>")]
        assert "First Nations, Métis and/or Inuit" in section
        assert ">Inuit<" not in section and ">Métis<" not in section


def test_sections_without_data_say_so(make_gathering):
    gathering = make_gathering(title="Empty gathering")
    built = services.build_report(gathering, variant="committee", now=NOW)
    _, text = pdf_text(built.pdf)
    assert "No data yet: nobody has registered" in text
    assert "No data yet: no evaluation responses" in text
    assert "No data yet: no breakout has flagged an action" in text
    assert "Attendance has not been imported yet" in text


def test_patient_stories_bring_the_content_note_and_crisis_line(make_gathering):
    gathering = make_gathering(title="With stories")
    db.session.add(
        AgendaItem(
            gathering=gathering,
            kind="plenary",
            title="Patients' care stories (video)",
            starts_at=gathering.starts_at,
            ends_at=gathering.ends_at,
        )
    )
    db.session.commit()
    _, text = pdf_text(services.build_report(gathering, variant="shareable", now=NOW).pdf)
    assert "Content note" in text
    assert "KUU-US Crisis Line Society, 1-800-588-8717" in text
    assert text.count("KUU-US Crisis Line Society") == 1  # the content note, once
    plain = make_gathering(title="No stories")
    _, text = pdf_text(services.build_report(plain, variant="shareable", now=NOW).pdf)
    assert "KUU-US" not in text


class Listener:
    """A TCP listener on loopback that records every connection attempt."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def attack(port: int) -> str:
    return (
        f'<img src="http://127.0.0.1:{port}/x"> '
        '<a href="file:///etc/passwd">passwd</a> '
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/s.css">'
    )


def passwd_line() -> str:
    with open("/etc/passwd") as handle:
        return handle.readline().strip()


def test_typed_text_cannot_make_the_report_fetch_anything(
    report_gathering, listener, make_gathering
):
    gathering = report_gathering
    payload = attack(listener.port)
    gathering.description = payload
    gathering.land_acknowledgement = payload
    item = gathering.agenda_items[0]
    item.title = payload[:190]
    item.presenter = payload[:190]
    db.session.commit()
    built = services.build_report(gathering, variant="committee", now=NOW)
    _, text = pdf_text(built.pdf)
    assert listener.connections == 0
    assert passwd_line() not in text
    assert "root:x:0:0" not in built.html
    # Escaped: the markup shows as text, it is never an element.
    assert f'<img src="http://127.0.0.1:{listener.port}/x">' not in built.html
    assert "&lt;img src=" in built.html


def test_locked_fetcher_refuses_everything_outside_reports(listener):
    """Even raw markup (as if escaping were bypassed) fetches nothing: http, https,
    ftp, file outside reports/, and attachments are all refused."""
    port = listener.port
    html = f"""<!doctype html><html lang="en"><head><title>t</title>
      <link rel="stylesheet" href="http://127.0.0.1:{port}/a.css">
      <style>body {{ background: url(http://127.0.0.1:{port}/bg.png) }}</style></head>
      <body><p>Hello</p>
      <img src="http://127.0.0.1:{port}/x" alt="">
      <img src="https://127.0.0.1:{port}/y" alt="">
      <img src="ftp://127.0.0.1:{port}/z" alt="">
      <img src="file:///etc/passwd" alt="">
      <object data="file:///etc/passwd"></object>
      <a rel="attachment" href="file:///etc/passwd">passwd</a>
      <img src="../app/config.py" alt="">
      <iframe src="http://127.0.0.1:{port}/frame"></iframe>
      </body></html>"""
    fetcher = LockedURLFetcher()
    pdf = render_pdf(html, fetcher=fetcher)
    _, text = pdf_text(pdf)
    assert listener.connections == 0
    assert b"root:x:0:0" not in pdf
    assert passwd_line() not in text
    assert "PdfReader" not in text
    refused = " ".join(fetcher.refused)
    for needle in (
        f"127.0.0.1:{port}/x",
        "ftp://",
        "https://",
        "file:///etc/passwd",
        "app/config.py",
    ):
        assert needle in refused
    with pytest.raises(RefusedURL):
        fetcher.fetch("http://127.0.0.1:1/")
    served = fetcher.fetch((REPORTS_DIR / "summary.css").as_uri())
    assert b"@page" in served.read()


def test_breakout_notes_and_evaluation_reach_the_report(report_gathering):
    from tests.fixtures_report import add_note, add_survey

    gathering = report_gathering
    rooms = gathering.breakouts
    add_note(rooms[0])
    add_note(
        rooms[1],
        themes=["continuity  of CARE", "Data sharing"],
        actions=[{"text": "Fund a navigator role", "owner": "", "for_steering": True}],
    )
    add_note(rooms[2], status="draft", summary="Not ready", themes=["Draft only"])
    scores = [(5, 4)] * 12 + [(4, 4)] * 9 + [(2, 3)] * 3 + [(1, 5)]
    add_survey(gathering, scores, ["The breakouts", "Hearing patients' stories"])

    committee = services.build_report(gathering, variant="committee", now=NOW)
    _, text = pdf_text(committee.pdf)
    assert "<strong>attachment</strong>" in committee.html
    assert "One place to find who takes new patients." in text
    assert "Draft only" not in text and "Not ready" not in text
    assert "No data yet: notes for this breakout have not been submitted" in text
    # Themes across breakouts appear only once reviewed (tests/test_report_review.py).
    assert "Not reviewed yet: themes are suggested" in text
    # Steering actions compiled from the flagged ones only.
    actions = committee.html[committee.html.index('id="steering-actions"') :]
    actions = actions[: actions.index("</section>")]
    assert "Map the newborn care path" in actions and "Fund a navigator role" in actions
    assert "Share the clinic toolkit" not in actions
    # Evaluation: n of N against attendees, counts per scale point.
    assert "Response rate: 83% (25 answered, of 30 invited)" in text
    assert "What worked well?" in text and "Hearing patients" in text
    ratings = committee.html[committee.html.index('id="evaluation-ratings"') :]
    assert re.search(
        r"good use of my time</th><td class=\"num\">1</td><td class=\"num\">3</td>"
        r"<td class=\"num\">0</td><td class=\"num\">9</td><td class=\"num\">12</td>"
        r"<td class=\"num\">25</td>",
        ratings,
    )

    choice = committee.html[committee.html.index("Which breakout did you join?") :]
    choice = choice[: choice.index("</table>")]
    assert re.search(r"Newborn care path</th><td class=\"num\">6<", choice)
    assert re.search(r"Care closer to home</th><td class=\"num\">12<", choice)
    assert re.search(r"Education</th><td class=\"num\">7<", choice)
    assert re.search(r"Total</th><td class=\"num\">25<", choice)

    shareable = services.build_report(gathering, variant="shareable", now=NOW)
    ratings = shareable.html[shareable.html.index('id="evaluation-ratings"') :]
    row = re.search(r"good use of my time</th>(.*?)</tr>", ratings).group(1)
    cells = re.findall(r'<td class="num">(.*?)</td>', row)
    assert cells[0] == "&lt;5" and cells[1] == "&lt;5"
    assert "1" not in cells[:2] and "3" not in cells[:2]
    choice = shareable.html[shareable.html.index("Which breakout did you join?") :]
    choice = choice[: choice.index("</section>")]
    assert ">6<" in choice and ">12<" in choice and ">7<" in choice  # no small counts here


def test_note_with_markup_fetches_nothing_and_reads_no_file(report_gathering, listener):
    from tests.fixtures_report import add_note

    port = listener.port
    payload = (
        f'<img src="http://127.0.0.1:{port}/x"> '
        '[passwd](file:///etc/passwd) <a href="file:///etc/passwd">file</a> '
        f"![pic](http://127.0.0.1:{port}/pic.png)"
    )
    add_note(
        report_gathering.breakouts[0],
        summary=payload,
        themes=[payload[:120]],
        actions=[{"text": payload, "owner": "", "for_steering": True}],
        quotes=[{"text": payload, "consent": True}],
    )
    for variant in ("committee", "shareable"):
        built = services.build_report(report_gathering, variant=variant, now=NOW)
        _, text = pdf_text(built.pdf)
        assert listener.connections == 0
        assert passwd_line() not in text
        assert b"root:x:0:0" not in built.pdf
        assert f'<img src="http://127.0.0.1:{port}' not in built.html
        assert "&lt;img src=" in built.html  # shown as text, never an element
        assert '<a href="file:' not in built.html


def test_change_against_the_previous_gathering(make_gathering, make_registration):
    from datetime import timedelta

    earlier = make_gathering(title="Inaugural engagement event")
    for _ in range(3):
        make_registration(earlier)
    later = make_gathering(
        title="Provincial gathering",
        starts_at=earlier.starts_at + timedelta(days=300),
        ends_at=earlier.ends_at + timedelta(days=300),
    )
    for _ in range(5):
        make_registration(later)
    community = Community(name="Perinatal CoP", slug="perinatal-cop")
    db.session.add(community)
    db.session.flush()
    earlier.community_id = later.community_id = community.id
    db.session.commit()
    _, text = pdf_text(services.build_report(later, variant="committee", now=NOW).pdf)
    assert "Compared with Inaugural engagement event: registered +2." in text
    # Over time: who attended each gathering of the community, a chart with its table,
    # and no total across gatherings (it would count returning people twice).
    assert "Over time" in text and "Attended by health region" in text
    month = lambda g: g.starts_at.astimezone(ZoneInfo(g.timezone)).strftime("%B %Y")  # noqa: E731
    assert f"{month(earlier)} {month(later)}" in text
    assert re.search(r"Total 3 5\b", text) and not re.search(r"Total 3 5 8", text)
    _, text = pdf_text(services.build_report(earlier, variant="committee", now=NOW).pdf)
    assert "Compared with" not in text


def test_configured_threshold_applies_to_both_suppressed_parts(
    app, make_gathering, make_registration
):
    gathering = make_gathering(title="Threshold")
    for n in range(18):
        make_registration(
            gathering,
            indigenous_identity="first_nations" if n < 6 else "not_indigenous",
            health_region="fraser" if n < 12 else "northern",
        )
    app.config["SUPPRESSION_THRESHOLD"] = 10
    shareable = services.build_report(gathering, variant="shareable", now=NOW, pdf=False)
    assert "&lt;10" in shareable.html and "&lt;5<" not in shareable.html
    committee = services.build_report(gathering, variant="committee", now=NOW, pdf=False)
    identity = committee.html[committee.html.index('id="indigenous-identity"') :]
    identity = identity[: identity.index("</section>")]
    assert "&lt;10" in identity and ">6<" not in identity
    assert ">6<" in committee.html  # the committee version shows the exact region count
    app.config["SUPPRESSION_THRESHOLD"] = 11
    with pytest.raises(ValueError):
        services.build_report(gathering, variant="shareable", now=NOW, pdf=False)
