"""Question sets: the built-in engagement-quality questions and a set imported from a file,
with their source and licence on the survey, the results and in both report versions."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.evaluation import links, question_sets, setup
from app.extensions import db
from app.models import SurveyQuestion, SurveyQuestionSet

pytest_plugins = ["tests.fixtures_evaluation", "tests.fixtures_report"]

DATA = Path(__file__).parent / "data"
SOURCE = "Northern Partners Evaluation Group, Partnership Questionnaire v2 (fictional, for tests)"


def _upload(organiser_client, gathering, name: str, content: bytes, **fields):
    return organiser_client.post(
        f"/organiser/g/{gathering.slug}/survey/sets/import",
        data={"questions_file": (io.BytesIO(content), name), **fields},
        content_type="multipart/form-data",
    )


def _question_count(survey) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(SurveyQuestion)
        .where(SurveyQuestion.survey_id == survey.id)
    )


def test_an_imported_set_appears_in_the_survey_with_its_source_and_licence(
    organiser_client, client, survey, past_gathering, make_registration, now
):
    before = _question_count(survey)
    content = (DATA / "question_set_partnership.json").read_bytes()
    response = _upload(organiser_client, past_gathering, "partnership.json", content)
    assert response.status_code == 303
    db.session.refresh(survey)
    assert _question_count(survey) == before + 4
    (imported,) = survey.question_sets
    assert (imported.source, imported.licence) == (SOURCE, "CC BY-NC-SA 4.0")
    role = next(q for q in survey.questions if q.key == "pp_role")
    assert role.options == ["As a patient or family partner", "As a provider", "Another way"]
    assert role.question_set is imported

    overview = organiser_client.get(f"/organiser/g/{past_gathering.slug}/survey").get_data(
        as_text=True
    )
    assert SOURCE in overview and "CC BY-NC-SA 4.0" in overview

    setup.open_survey(survey, now=now - timedelta(minutes=1))
    registration = make_registration(past_gathering)
    token = links.invitation_token(links.ensure_invitation(survey, registration))
    db.session.commit()
    page = client.get(f"/s/{token}").get_data(as_text=True)
    note = re.search(r'<p class="question-set-note">(.*?)</p>', page, re.S).group(1)
    assert "Partnership evaluation (test set)" in note
    assert SOURCE in note and "Licence: CC BY-NC-SA 4.0" in note
    assert page.index("question-set-note") < page.index("I could influence the discussion.")

    results = organiser_client.get(f"/organiser/g/{past_gathering.slug}/survey/results")
    assert SOURCE in results.get_data(as_text=True)


def test_a_csv_set_takes_its_source_and_licence_from_the_form(
    organiser_client, survey, past_gathering
):
    content = (DATA / "question_set_partnership.csv").read_bytes()
    response = _upload(organiser_client, past_gathering, "partnership.csv", content)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Say where the questions come from" in body and "Give the licence" in body
    assert not db.session.scalars(select(SurveyQuestionSet)).all()

    response = _upload(
        organiser_client,
        past_gathering,
        "partnership.csv",
        content,
        title="Partnership",
        source="Our partners' group",
        licence="Used with permission",
    )
    assert response.status_code == 303
    db.session.refresh(survey)
    (imported,) = survey.question_sets
    assert imported.licence == "Used with permission"
    assert [q.key for q in survey.questions if q.question_set is imported] == [
        "pp_influence",
        "pp_support",
        "pp_role",
        "pp_change",
    ]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("set.txt", b"key,kind,prompt\n", "Upload a .csv or .json file."),
        ("set.json", b"{not json", "The file is not valid JSON"),
        ("set.json", b'{"questions": []}', "The file has no questions."),
        ("set.csv", b"\xff\xfe\x00", "not UTF-8"),
        (
            "set.csv",
            b"key,kind,prompt\nBad Key,scale,Q\nok,essay,Q\nok2,single,Pick,,only one\n",
            "Row 2: the key must start",
        ),
        ("set.csv", b"key,kind,prompt\nok,essay,Q\n", "Row 2: the kind must be one of"),
        ("set.csv", b"key,kind,prompt\na,scale,Q\na,scale,R\n", "the key “a” is used twice"),
        ("set.csv", b"key,kind,prompt,options\na,single,Pick,one\n", "needs 2 to 20 options"),
        ("set.csv", b"kind,prompt\nscale,Q\n", "missing: key"),
        ("set.csv", b"key,kind,prompt\noverall_value,scale,Q\n", "already has a question"),
    ],
)
def test_a_bad_file_adds_nothing_and_says_why(
    organiser_client, survey, past_gathering, name, content, problem
):
    before = _question_count(survey)
    response = _upload(
        organiser_client, past_gathering, name, content, title="T", source="S", licence="L"
    )
    assert response.status_code == 422
    assert problem in response.get_data(as_text=True)
    assert _question_count(survey) == before
    assert not db.session.scalars(select(SurveyQuestionSet)).all()


def test_no_set_is_imported_once_the_survey_is_open(organiser_client, open_survey, past_gathering):
    content = (DATA / "question_set_partnership.json").read_bytes()
    response = _upload(organiser_client, past_gathering, "partnership.json", content)
    assert response.status_code == 303
    assert not db.session.scalars(select(SurveyQuestionSet)).all()


def test_the_built_in_set_is_added_once_and_removed_whole(organiser_client, survey, past_gathering):
    base = f"/organiser/g/{past_gathering.slug}/survey"
    before = _question_count(survey)
    assert organiser_client.post(f"{base}/sets/engagement").status_code == 303
    assert organiser_client.post(f"{base}/sets/engagement").status_code == 303
    db.session.refresh(survey)
    assert _question_count(survey) == before + len(question_sets.ENGAGEMENT_QUESTIONS)
    (builtin,) = survey.question_sets
    assert builtin.builtin and all(
        not q.required for q in survey.questions if q.question_set is builtin
    )
    page = organiser_client.get(base).get_data(as_text=True)
    assert "I felt culturally safe taking part." in page
    assert organiser_client.post(f"{base}/sets/{builtin.id}/remove").status_code == 303
    db.session.expire_all()
    assert _question_count(survey) == before
    positions = [q.position for q in survey.questions]
    assert positions == list(range(1, before + 1))


def test_engagement_results_reach_both_reports_with_small_counts_masked_in_the_shareable(
    report_gathering,
):
    from datetime import UTC, datetime

    from app.models.evaluation import SurveyAnswer, SurveyResponse
    from app.reporting import services
    from tests.fixtures_report import add_survey
    from tests.test_report_pdf import pdf_text

    survey = add_survey(report_gathering, [(5, 4)] * 20, [])
    # The set as add_engagement_set makes it (that refuses a survey with responses).
    builtin = SurveyQuestionSet(
        code=question_sets.ENGAGEMENT_SET_CODE,
        title=question_sets.ENGAGEMENT_SET_TITLE,
        source=question_sets.ENGAGEMENT_SET_SOURCE,
        licence=question_sets.ENGAGEMENT_SET_LICENCE,
        builtin=True,
    )
    survey.question_sets.append(builtin)
    question_sets.add_set_questions(
        survey,
        builtin,
        [
            {"key": k, "kind": "scale", "prompt": p}
            for k, p, _ in question_sets.ENGAGEMENT_QUESTIONS
        ],
    )
    db.session.flush()
    heard = next(q for q in survey.questions if q.key == "engagement_heard")
    # 20 answers: 2 strongly disagree (a small count), 18 agree.
    for response, value in zip(
        db.session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)),
        ["1", "1", *["4"] * 18],
        strict=True,
    ):
        db.session.add(SurveyAnswer(response_id=response.id, question_id=heard.id, value=value))
    db.session.commit()
    now = datetime(2026, 11, 26, 18, tzinfo=UTC)

    committee = services.build_report(report_gathering, variant="committee", now=now)
    shareable = services.build_report(report_gathering, variant="shareable", now=now)
    for built in (committee, shareable):
        _, text = pdf_text(built.pdf)
        assert "Quality of engagement" in text
        assert "Quality of engagement and cultural safety" in text
        assert question_sets.ENGAGEMENT_SET_SOURCE in text
        assert "My views were heard and respected." in text

    def heard_cells(html: str) -> list[str]:
        section = html[html.index('id="engagement"') :]
        row = re.search(r"My views were heard and respected.</th>(.*?)</tr>", section).group(1)
        return re.findall(r'<td class="num">(.*?)</td>', row)

    assert heard_cells(committee.html) == ["2", "0", "0", "18", "0", "20", "90%"]
    masked = heard_cells(shareable.html)
    assert masked[0] == "&lt;5" and "2" not in masked[:3]
