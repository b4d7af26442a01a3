"""Zoom's poll report and Q&A report, read into what we keep: for polls, how many people
gave each answer to each question; for Q&A, the questions and answers without who asked.
Names and addresses in the files are read past and never stored.

Both reports start with a few lines about the report and the meeting, then a header row
and one row per submission. The poll report comes in two layouts: one row per answer
(`Poll`/`Question`/`Answer` columns) or one row per person with a column per question.
A person who picked several options has them joined by semicolons."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field

MAX_BYTES = 10 * 1024 * 1024
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PERSON_COLUMNS = re.compile(
    r"^(#|user ?name|name|user email|email|email address|submitted date and time.*|"
    r"submitted.*|ip address|location|source)$",
    re.I,
)


class ReportError(ValueError):
    """The file is not a Zoom poll or Q&A report we can read; the message says why."""


@dataclass
class PollQuestion:
    poll: str
    question: str
    respondents: int = 0
    answers: Counter = field(default_factory=Counter)
    order: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        picked = [part.strip() for part in text.split(";") if part.strip()]
        if not picked:
            return
        self.respondents += 1
        for answer in picked:
            if answer not in self.answers:
                self.order.append(answer)
            self.answers[answer] += 1


@dataclass
class QaItem:
    question: str
    answer: str


def _rows(content: bytes) -> list[list[str]]:
    if len(content) > MAX_BYTES:
        raise ReportError("The file is over 10 MB; a Zoom report is far smaller.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise ReportError(
            f"Line {line} is not UTF-8 text. Download the report from Zoom again "
            "and upload it without opening it in a spreadsheet first."
        ) from None
    reader = csv.reader(io.StringIO(text))
    return [[cell.replace("\x00", "").strip() for cell in row] for row in reader]


def kind_of(content: bytes) -> str:
    """'poll' or 'qa', by the report's header row."""
    for row in _rows(content)[:40]:
        lowered = [cell.lower() for cell in row]
        if "question" in lowered and any(c.startswith("asker") for c in lowered):
            return "qa"
        if any(c in ("user name", "name", "user email", "email", "email address") for c in lowered):
            return "poll"
    raise ReportError(
        "This is not a Zoom poll report or Q&A report: no row names the people's "
        "columns (“User Name”, “Email”) or the question's asker (“Asker Name”)."
    )


def _clean(text: str) -> str:
    return _EMAIL.sub("[email removed]", " ".join(text.split()))


def read_polls(content: bytes) -> list[PollQuestion]:
    rows = _rows(content)
    questions: dict[tuple[str, str], PollQuestion] = {}
    header: list[str] | None = None
    poll_title = ""
    for row in rows:
        cells = list(row)
        if not any(cells):
            continue
        lowered = [c.lower() for c in cells]
        if any(c in ("user name", "name") for c in lowered) and any("email" in c for c in lowered):
            header = cells
            continue
        if header is None:
            if len([c for c in cells if c]) == 1 and cells[0].lower().startswith("poll"):
                poll_title = cells[0].split(":", 1)[-1].strip() or cells[0]
            continue
        values = dict(zip([h.lower() for h in header], cells, strict=False))
        if "question" in values and "answer" in values:
            poll = values.get("poll") or values.get("poll name") or poll_title
            key = (poll, values["question"])
            if not values["question"]:
                continue
            question = questions.setdefault(key, PollQuestion(poll, _clean(values["question"])))
            question.add(values["answer"])
            continue
        for title, answer in zip(header, cells, strict=False):
            if _PERSON_COLUMNS.match(title.strip()) or not title.strip():
                continue
            key = (poll_title, title)
            question = questions.setdefault(key, PollQuestion(poll_title, _clean(title)))
            question.add(answer)
    if not questions:
        raise ReportError("The report has no poll answers.")
    return list(questions.values())


def read_qa(content: bytes) -> list[QaItem]:
    rows = _rows(content)
    header: list[str] | None = None
    items: list[QaItem] = []
    for row in rows:
        lowered = [c.lower() for c in row]
        if "question" in lowered and any(c.startswith("asker") for c in lowered):
            header = lowered
            continue
        if header is None or not any(row):
            continue
        values = dict(zip(header, row, strict=False))
        question = _clean(values.get("question", ""))
        asker = values.get("asker name", "").strip()
        if len(asker) > 2:
            question = question.replace(asker, "[name removed]")
        if not question:
            continue
        answer = values.get("answer(s)") or values.get("answer") or values.get("answers") or ""
        items.append(QaItem(question=question[:2000], answer=_clean(answer)[:2000]))
    if not items:
        raise ReportError("The report has no questions.")
    return items
