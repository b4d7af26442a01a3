"""Survey answers tallied once, for the organiser's results page and the report alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.models.evaluation import NOT_APPLICABLE, NOT_APPLICABLE_LABEL, SCALE_LABELS, QuestionKind

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class QuestionTally:
    id: int
    key: str
    kind: str
    prompt: str
    n: int  # people who answered this question
    rows: list[tuple[str, int]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    not_applicable: int = 0  # of n, those who chose "Not applicable"

    @property
    def base(self) -> int:
        """What every share of this question is a share of, on the results page and in
        the report alike: the people who answered it, less "Not applicable"."""
        return self.n - self.not_applicable

    def percent(self, count: int) -> int:
        return round(100 * count / self.base) if self.base else 0


def _rows(question: dict, values: pd.Series) -> list[tuple[str, int]]:
    counts = values.value_counts()
    if question["kind"] == QuestionKind.SCALE:
        rows = [
            (f"{n} {label}", int(counts.get(str(n), 0)))
            for n, label in enumerate(SCALE_LABELS, start=1)
        ]
        if question["allow_not_applicable"]:
            rows.append((NOT_APPLICABLE_LABEL, int(counts.get(NOT_APPLICABLE, 0))))
        return rows
    options = list(question["options"])
    # An option removed after people chose it still counts: keep it, after the others.
    options += sorted(set(counts.index) - set(options))
    return [(option, int(counts.get(option, 0))) for option in options]


def tally(questions: list[dict], answers: pd.DataFrame) -> list[QuestionTally]:
    """Per question in survey order: who answered, counts per option (or scale point),
    and the open answers as given."""
    by_question = {key: group for key, group in answers.groupby("question_id")}
    empty = answers.iloc[0:0]
    result = []
    for question in questions:
        given = by_question.get(question["id"], empty)
        text = question["kind"] == QuestionKind.TEXT
        scale = question["kind"] == QuestionKind.SCALE
        result.append(
            QuestionTally(
                id=question["id"],
                key=question["key"],
                kind=question["kind"],
                prompt=question["prompt"],
                n=int(given["response_id"].nunique()),
                rows=[] if text else _rows(question, given["value"]),
                texts=given["value"].tolist() if text else [],
                not_applicable=int((given["value"] == NOT_APPLICABLE).sum()) if scale else 0,
            )
        )
    return result


def ratings(answers: pd.DataFrame, questions: list[dict]) -> pd.DataFrame:
    """Scale answers as scores 1..5 in long form (question key, value); 'not
    applicable' is left out."""
    import pandas as pd

    keys = {q["id"]: q["key"] for q in questions}
    scale = answers[(answers["kind"] == QuestionKind.SCALE) & answers["value"].str.isdigit()]
    return pd.DataFrame(
        {
            "question": scale["question_id"].map(keys).tolist(),
            "value": scale["value"].astype(int).tolist(),
        },
        columns=["question", "value"],
    )
