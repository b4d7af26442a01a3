"""Question sets: the built-in engagement-quality and cultural-safety questions, and sets an
organisation imports from a CSV or JSON file (the format is in docs/question-sets.md).

A set keeps its title, source and licence, which every page that shows its questions
prints beside them. Nothing licensed is bundled: the built-in set is in our own words."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field

from app.evaluation.setup import (
    MAX_OPTIONS,
    OPTION_LIMIT,
    PROMPT_LIMIT,
    SurveyError,
    questions_locked,
)
from app.models.evaluation import QuestionKind, Survey, SurveyQuestion, SurveyQuestionSet

ENGAGEMENT_SET_CODE = "engagement"
ENGAGEMENT_SET_TITLE = "Quality of engagement and cultural safety"
ENGAGEMENT_SET_SOURCE = "Built in: written for this tool in its own words"
ENGAGEMENT_SET_LICENCE = "Free to use, change and share"

# Keys stay the same from gathering to gathering, so the report can follow them over time.
ENGAGEMENT_QUESTIONS = (
    ("engagement_time", "There was enough time for me to share my views.", ""),
    ("engagement_heard", "My views were heard and respected.", ""),
    ("engagement_purpose", "The purpose of the discussions was clear to me.", ""),
    (
        "engagement_culturally_safe",
        "I felt culturally safe taking part.",
        "Culturally safe: free of racism and discrimination, with who you are and your ways "
        "of knowing respected.",
    ),
    ("engagement_next", "I know what will happen with my input.", ""),
)

MAX_FILE_BYTES = 200 * 1024
MAX_QUESTIONS = 40
TITLE_LIMIT = 200
SOURCE_LIMIT = 500
LICENCE_LIMIT = 200
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,29}")
CSV_COLUMNS = ("key", "kind", "prompt", "help_text", "options", "required")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


class QuestionSetError(SurveyError):
    """A file that cannot be imported; `problems` lists every reason, row by row."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "The file cannot be imported.")
        self.problems = problems


@dataclass
class ParsedSet:
    title: str = ""
    source: str = ""
    licence: str = ""
    questions: list[dict] = field(default_factory=list)


def _require_editable(survey: Survey) -> None:
    reason = questions_locked(survey)
    if reason:
        raise SurveyError(reason)


def add_set_questions(survey: Survey, question_set: SurveyQuestionSet, specs: list[dict]) -> None:
    """The set's questions at the end of the survey. No lock: callers check it (the demo
    adds the set to a survey that is already closed)."""
    taken = {q.key for q in survey.questions}
    clashes = [spec["key"] for spec in specs if spec["key"] in taken]
    if clashes:
        raise QuestionSetError(
            [f"The survey already has a question with the key “{key}”." for key in clashes]
        )
    position = max((q.position for q in survey.questions), default=0)
    for spec in specs:
        position += 1
        question = SurveyQuestion(
            key=spec["key"],
            position=position,
            kind=spec["kind"],
            prompt=spec["prompt"],
            help_text=spec.get("help_text", ""),
            required=spec.get("required", False),
            allow_not_applicable=spec["kind"] == QuestionKind.SCALE,
        )
        question.options = spec.get("options", [])
        question.question_set = question_set
        survey.questions.append(question)


def set_starts(survey: Survey) -> dict[int, SurveyQuestionSet]:
    """The question that begins each run of a set's questions, with its set: the pages put
    the set's source and licence there."""
    starts: dict[int, SurveyQuestionSet] = {}
    previous = None
    for question in survey.questions:
        if question.question_set is not None and question.question_set_id != previous:
            starts[question.id] = question.question_set
        previous = question.question_set_id
    return starts


def add_engagement_set(survey: Survey) -> SurveyQuestionSet:
    """The built-in engagement-quality and cultural-safety questions, all optional."""
    _require_editable(survey)
    if any(s.code == ENGAGEMENT_SET_CODE for s in survey.question_sets):
        raise SurveyError("The survey already has the engagement quality questions.")
    question_set = SurveyQuestionSet(
        code=ENGAGEMENT_SET_CODE,
        title=ENGAGEMENT_SET_TITLE,
        source=ENGAGEMENT_SET_SOURCE,
        licence=ENGAGEMENT_SET_LICENCE,
        builtin=True,
    )
    survey.question_sets.append(question_set)
    add_set_questions(
        survey,
        question_set,
        [
            {"key": key, "kind": QuestionKind.SCALE.value, "prompt": prompt, "help_text": hint}
            for key, prompt, hint in ENGAGEMENT_QUESTIONS
        ],
    )
    return question_set


def import_set(survey: Survey, parsed: ParsedSet) -> SurveyQuestionSet:
    """Adds a parsed set to a draft survey; its title, source and licence are required."""
    _require_editable(survey)
    problems = [
        message
        for value, message in (
            (parsed.title, "Give the question set a title."),
            (parsed.source, "Say where the questions come from (their source)."),
            (parsed.licence, "Give the licence the questions are used under."),
        )
        if not value
    ]
    if problems:
        raise QuestionSetError(problems)
    code = _code_for(survey, parsed.title)
    question_set = SurveyQuestionSet(
        code=code, title=parsed.title, source=parsed.source, licence=parsed.licence
    )
    survey.question_sets.append(question_set)
    add_set_questions(survey, question_set, parsed.questions)
    return question_set


def remove_set(survey: Survey, question_set: SurveyQuestionSet) -> None:
    _require_editable(survey)
    for question in [q for q in survey.questions if q.question_set is question_set]:
        survey.questions.remove(question)
    survey.question_sets.remove(question_set)
    for position, question in enumerate(survey.questions, start=1):
        question.position = position


def _code_for(survey: Survey, title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:30] or "set"
    taken = {s.code for s in survey.question_sets}
    code, number = base, 2
    while code in taken:
        code = f"{base}-{number}"
        number += 1
    return code


def _one_line(value, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit] if value is not None else ""


def parse_file(filename: str, content: bytes) -> ParsedSet:
    """A question set from a .csv or .json file; every problem found is reported at once."""
    if len(content) > MAX_FILE_BYTES:
        raise QuestionSetError([f"The file is larger than {MAX_FILE_BYTES // 1024} KB."])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise QuestionSetError(["The file is not UTF-8 text."]) from None
    if "\x00" in text:
        raise QuestionSetError(["The file is not UTF-8 text."])
    name = (filename or "").lower()
    if name.endswith(".json"):
        parsed = _parse_json(text)
    elif name.endswith(".csv"):
        parsed = _parse_csv(text)
    else:
        raise QuestionSetError(["Upload a .csv or .json file."])
    return parsed


def _parse_json(text: str) -> ParsedSet:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise QuestionSetError(
            [f"The file is not valid JSON ({error.msg}, line {error.lineno})."]
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("questions"), list):
        raise QuestionSetError(["The JSON file needs an object with a “questions” list."])
    rows = []
    for item in document["questions"]:
        rows.append(item if isinstance(item, dict) else {})
    parsed = ParsedSet(
        title=_one_line(document.get("title"), TITLE_LIMIT),
        source=_one_line(document.get("source"), SOURCE_LIMIT),
        licence=_one_line(document.get("licence") or document.get("license"), LICENCE_LIMIT),
    )
    parsed.questions = _questions(rows, label="Question")
    return parsed


def _parse_csv(text: str) -> ParsedSet:
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("key", "kind", "prompt") if c not in header]
    if missing:
        raise QuestionSetError(
            [
                f"The CSV file's first row needs the columns {', '.join(CSV_COLUMNS)}; "
                f"missing: {', '.join(missing)}."
            ]
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        item = {k: v for k, v in row.items() if k}
        options = item.get("options") or ""
        item["options"] = [o for o in (part.strip() for part in options.split("|")) if o]
        rows.append(item)
    return ParsedSet(questions=_questions(rows, label="Row", first=2))


def _questions(rows: list[dict], *, label: str, first: int = 1) -> list[dict]:
    problems: list[str] = []
    questions: list[dict] = []
    seen: set[str] = set()
    if not rows:
        raise QuestionSetError(["The file has no questions."])
    if len(rows) > MAX_QUESTIONS:
        raise QuestionSetError([f"A question set can have at most {MAX_QUESTIONS} questions."])
    kinds = {k.value for k in QuestionKind}
    for number, row in enumerate(rows, start=first):
        where = f"{label} {number}"
        key = _one_line(row.get("key"), 100)
        kind = _one_line(row.get("kind"), 40).lower()
        prompt = _one_line(row.get("prompt"), PROMPT_LIMIT + 1)
        help_text = _one_line(row.get("help_text"), PROMPT_LIMIT + 1)
        options = row.get("options") or []
        required = row.get("required")
        if not KEY_PATTERN.fullmatch(key):
            problems.append(
                f"{where}: the key must start with a lower-case letter and use only a-z, 0-9 "
                "and _ (at most 30 characters)."
            )
        elif key in seen:
            problems.append(f"{where}: the key “{key}” is used twice.")
        seen.add(key)
        if kind not in kinds:
            problems.append(f"{where}: the kind must be one of {', '.join(sorted(kinds))}.")
        if not prompt:
            problems.append(f"{where}: the question text (prompt) is empty.")
        elif len(prompt) > PROMPT_LIMIT:
            problems.append(f"{where}: keep the question to {PROMPT_LIMIT} characters.")
        if len(help_text) > PROMPT_LIMIT:
            problems.append(f"{where}: keep the hint to {PROMPT_LIMIT} characters.")
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            problems.append(f"{where}: options must be a list of texts.")
            options = []
        options = list(dict.fromkeys(_one_line(o, OPTION_LIMIT + 1) for o in options if o.strip()))
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            if len(options) < 2 or len(options) > MAX_OPTIONS:
                problems.append(f"{where}: a choice question needs 2 to {MAX_OPTIONS} options.")
            if any(len(o) > OPTION_LIMIT for o in options):
                problems.append(f"{where}: keep each option to {OPTION_LIMIT} characters.")
        else:
            options = []
        if isinstance(required, bool):
            is_required = required
        elif str(required or "").strip().lower() in YES | NO:
            is_required = str(required or "").strip().lower() in YES
        else:
            problems.append(f"{where}: required must be yes or no.")
            is_required = False
        questions.append(
            {
                "key": key,
                "kind": kind,
                "prompt": prompt,
                "help_text": help_text,
                "options": options,
                "required": is_required,
            }
        )
    if problems:
        raise QuestionSetError(problems)
    return questions
