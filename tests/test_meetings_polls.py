"""Zoom's poll and Q&A reports: read into counts and anonymous questions, shown to the
organiser, and printed in both versions of the report with small counts masked."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.meetings import zoom_reports
from app.models import PollResult, QaQuestion
from app.reporting.context import build_context, draw_charts

DATA = Path(__file__).parent / "data"


def _post(client, gathering, item, name: str, content: bytes | None = None):
    return client.post(
        f"/organiser/g/{gathering.slug}/meetings/reports",
        data={
            "item": str(item.id),
            "file": (io.BytesIO((DATA / name).read_bytes() if content is None else content), name),
        },
        content_type="multipart/form-data",
    )


def test_the_poll_report_becomes_counts_per_answer():
    questions = zoom_reports.read_polls((DATA / "zoom_poll_report.csv").read_bytes())
    first, second = questions
    assert first.poll == "Opening poll" and first.respondents == 7
    assert dict(first.answers) == {
        "Cultural safety": 5,
        "Data and measurement": 1,
        "Patient voice": 1,
    }
    assert second.respondents == 3
    assert dict(second.answers) == {
        "Email from the steering committee": 2,
        "My Division": 1,
        "A colleague": 1,
    }


def test_the_wide_layout_reads_the_same_way():
    questions = zoom_reports.read_polls((DATA / "zoom_poll_report_wide.csv").read_bytes())
    assert [q.question for q in questions] == [
        "Will you use something from today in the next month?",
        "What would help you most next?",
    ]
    assert questions[0].poll == "Closing poll"
    assert dict(questions[0].answers) == {"Yes": 2, "Not sure": 1}


def test_qa_keeps_questions_without_who_asked():
    items = zoom_reports.read_qa((DATA / "zoom_qa_report.csv").read_bytes())
    assert len(items) == 3
    text = " ".join(i.question + " " + i.answer for i in items)
    assert "Jordan Lee" not in text and "@" not in text
    assert "[name removed]" in items[1].question and "[email removed]" in items[1].question


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"just,some,columns\n1,2,3\n", "not a Zoom poll report"),
        (b"#,User Name,User Email,Submitted\n", "no poll answers"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
    ],
)
def test_other_files_are_refused_with_a_reason(organiser_client, make_gathering, content, message):
    gathering = make_gathering()
    response = _post(organiser_client, gathering, gathering.active_agenda[0], "r.csv", content)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PollResult.id))) == 0


def test_uploads_keep_no_names_and_twice_counts_once(organiser_client, make_gathering):
    gathering = make_gathering()
    welcome = gathering.active_agenda[0]
    for _ in range(2):
        assert (
            _post(organiser_client, gathering, welcome, "zoom_poll_report.csv").status_code == 303
        )
    assert db.session.scalar(select(func.count(PollResult.id))) == 6
    assert _post(organiser_client, gathering, welcome, "zoom_qa_report.csv").status_code == 303
    stored = " ".join(
        [r.answer + r.question for r in db.session.scalars(select(PollResult))]
        + [q.question + q.answer for q in db.session.scalars(select(QaQuestion))]
    )
    for name in ("Amara", "Jordan", "Élise", "@"):
        assert name not in stored
    page = organiser_client.get(f"/organiser/g/{gathering.slug}/meetings/reports")
    assert "Cultural safety" in page.get_data(as_text=True)
    assert (
        _post(organiser_client, gathering, welcome, "zoom_poll_report.csv", b"").status_code == 422
    )


def _report_text(gathering, variant: str) -> dict:
    from datetime import UTC, datetime

    from app.reporting.load import load_report_data

    context = build_context(
        load_report_data(gathering),
        variant=variant,
        threshold=5,
        page_size="Letter",
        now=datetime.now(UTC),
    )
    draw_charts(context)
    return context


def test_the_report_prints_polls_with_small_counts_masked(organiser_client, make_gathering, app):
    gathering = make_gathering()
    welcome = gathering.active_agenda[0]
    _post(organiser_client, gathering, welcome, "zoom_poll_report.csv")
    _post(organiser_client, gathering, welcome, "zoom_qa_report.csv")
    first = db.session.scalars(select(QaQuestion).order_by(QaQuestion.position)).first()
    organiser_client.post(
        f"/organiser/g/{gathering.slug}/meetings/reports/qa", data={"include": [str(first.id)]}
    )

    committee = _report_text(gathering, "committee")["polls"]
    (item,) = committee["items"]
    opening = item["questions"][0]
    assert [(r["answer"], r["count"]) for r in opening["rows"]] == [
        ("Cultural safety", "5"),
        ("Data and measurement", "1"),
        ("Patient voice", "1"),
    ]
    assert opening["chart"].startswith("data:image/svg+xml;base64,")
    assert item["qa"] == [
        {"question": "Will the slides be shared after the gathering?", "answer": "Live answered"}
    ]

    shareable = _report_text(gathering, "shareable")["polls"]
    opening, heard = shareable["items"][0]["questions"]
    assert [r["count"] for r in opening["rows"]][0] == "5"
    assert all(r["count"] != "1" for r in opening["rows"])
    assert not heard["shown"]  # three answered: below the threshold


def test_both_pdfs_carry_the_section(organiser_client, make_gathering):
    from datetime import UTC, datetime

    from app.reporting.services import build_report
    from tests.test_report_pdf import pdf_text

    gathering = make_gathering()
    _post(organiser_client, gathering, gathering.active_agenda[0], "zoom_poll_report.csv")
    texts = {}
    for variant in ("committee", "shareable"):
        built = build_report(gathering, variant=variant, now=datetime.now(UTC))
        texts[variant] = pdf_text(built.pdf)[1]
    assert "Polls and questions" in texts["committee"]
    assert "Which priority area matters most to your work this year?" in texts["shareable"]
    assert "Patient voice 1 14%" in texts["committee"]
    assert "Patient voice <5 –" in texts["shareable"]
