"""The plain data the report is built from: what the loaders hand over, before any
section is built. No ORM object, name or email is held here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from app.reporting import aggregate

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class EvaluationData:
    """What the evaluation loader hands over: rating answers in long form, the rating
    questions in order, the scale's labels, open answers and the respondent count."""

    ratings: pd.DataFrame
    questions: list[tuple[str, str]]
    scale: list[str]
    open_answers: list[tuple[str, list[str]]]
    respondents: int
    invited: int = 0
    all_questions: list[str] = field(default_factory=list)
    # [{"question", "multiple", "counts": [(option, n)], "respondents"}]
    choices: list[dict] = field(default_factory=list)
    # [{"title", "source", "licence", "builtin", "questions": [(key, prompt)] (ratings)}]
    question_sets: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class KeyMessages:
    """The organiser's key messages for one gathering; approved_at None means draft."""

    lines: list[str]
    approved_at: datetime | None
    committee_lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewedTheme:
    """An accepted theme (with whatever was merged into it) and the passages behind it.

    `breakouts` are agenda item ids; `answers` counts open survey answers; `quotes` are
    consented breakout quotes, best first."""

    label: str
    breakouts: frozenset[int]
    answers: int
    quotes: list[str]


@dataclass(frozen=True)
class EarlierGathering:
    """One earlier gathering of the same community, as counts only."""

    title: str
    starts_at: datetime
    registrations: pd.DataFrame
    has_attendance: bool
    ratings: dict[str, list[int]] = field(default_factory=dict)
    # The follow-up months later (app.facts.value.ValueTally), when it was sent.
    value: object | None = None


@dataclass
class ReportData:
    gathering: dict
    registrations: pd.DataFrame
    agenda: pd.DataFrame
    breakout_attendance: pd.DataFrame
    notes: pd.DataFrame
    has_attendance: bool = False
    walk_ins: int = 0
    evaluation: EvaluationData | None = None
    previous: aggregate.Glance | None = None
    previous_title: str | None = None
    key_messages: KeyMessages | None = None
    themes: list[ReviewedTheme] | None = None
    earlier: list[EarlierGathering] = field(default_factory=list)
