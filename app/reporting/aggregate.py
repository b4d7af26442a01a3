"""Pure pandas: the frames that load.py reads in, the tables and figures the report shows.

Nothing here touches the database, Flask or the clock, so every function can be tested
on a few hand-made rows.

Frames expected:
- registrations: id, status, role, organisation_type, health_region,
  indigenous_identity (space-separated codes), assigned_breakout_id, present (bool:
  met the attendance rule; app.facts.rules says who counts as registered and attended)
- agenda: id, kind, title, presenter, priority_area, starts_at, ends_at
- breakout_attendance: agenda_item_id, registration_id (one row per person per room)
- notes: agenda_item_id, themes (list[str]), actions (list[dict text/steering]),
  quotes (list[str]), head_count (int | None)
- ratings: response_id, question, value (1..scale)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.choices import (
    INDIGENOUS_IDENTITIES,
    Choice,
    HealthRegion,
    IndigenousIdentity,
)
from app.facts.rules import attended, rate, registered

if TYPE_CHECKING:
    import pandas as pd

REGISTERED = "Registered"
ATTENDED = "Attended"

# Regions that say nothing about where in BC someone works.
NOT_A_REGION = {HealthRegion.OUTSIDE_BC.value, HealthRegion.PREFER_NOT.value}


def registered_vs_attended(
    registrations: pd.DataFrame, column: str, choices: type[Choice]
) -> pd.DataFrame:
    """Counts per category in the order of the choice list, with human labels.

    Categories nobody chose are left out; codes that are no longer in the choice list
    keep their code as label rather than vanishing.
    """
    import pandas as pd

    reg = registered(registrations)[column].value_counts()
    att = attended(registrations)[column].value_counts()
    codes = [member.value for member in choices]
    extra = sorted(set(reg.index).union(att.index) - set(codes))
    table = pd.DataFrame(
        {
            REGISTERED: reg.reindex(codes + extra, fill_value=0),
            ATTENDED: att.reindex(codes + extra, fill_value=0),
        }
    ).astype(int)
    table = table[(table[REGISTERED] > 0) | (table[ATTENDED] > 0)]
    table.index = [choices.label_for(code) for code in table.index]
    table.index.name = column
    return table


def crosstab(
    registrations: pd.DataFrame,
    rows: str,
    columns: str,
    row_choices: type[Choice],
    column_choices: type[Choice],
    *,
    column_labels: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Confirmed registrations counted by two categories, without totals (suppression
    adds them so that they always agree with the cells)."""
    import pandas as pd

    frame = registered(registrations)
    table = pd.crosstab(frame[rows], frame[columns])
    row_order = [m.value for m in row_choices if m.value in table.index]
    col_order = [m.value for m in column_choices if m.value in table.columns]
    row_order += sorted(set(table.index) - set(row_order))
    col_order += sorted(set(table.columns) - set(col_order))
    table = table.reindex(index=row_order, columns=col_order, fill_value=0).astype(int)
    table.index = [row_choices.label_for(code) for code in table.index]
    short = column_labels or {}
    table.columns = [short.get(code) or column_choices.label_for(code) for code in table.columns]
    return table


@dataclass(frozen=True)
class Glance:
    registered: int
    attended: int | None
    rate: float | None
    regions: int
    organisation_types: int
    breakouts_held: int
    previous_title: str | None = None
    registered_change: int | None = None
    attended_change: int | None = None
    walk_ins: int = 0

    @property
    def took_part(self) -> int | None:
        """Registered people who attended, and walk-ins."""
        return None if self.attended is None else self.attended + self.walk_ins


def at_a_glance(
    registrations: pd.DataFrame,
    *,
    breakouts_held: int,
    has_attendance: bool,
    previous: Glance | None = None,
    previous_title: str | None = None,
    walk_ins: int = 0,
) -> Glance:
    """The headline figures. Without attendance data, attended and rate are None so the
    report can say so instead of printing a misleading zero. The rate is of registered
    people only; walk-ins are counted beside it, in who took part."""
    reg = registered(registrations)
    att = attended(registrations) if has_attendance else None
    base = att if att is not None and len(att) else reg
    regions = base.loc[~base["health_region"].isin(NOT_A_REGION), "health_region"].nunique()
    org_types = base["organisation_type"].nunique()
    n_reg = len(reg)
    n_att = len(att) if att is not None else None
    return Glance(
        registered=n_reg,
        attended=n_att,
        rate=rate(n_att, n_reg) if n_att is not None else None,
        regions=int(regions),
        organisation_types=int(org_types),
        breakouts_held=breakouts_held,
        previous_title=previous_title if previous else None,
        registered_change=(n_reg - previous.registered) if previous else None,
        attended_change=(
            n_att - previous.attended
            if previous and n_att is not None and previous.attended is not None
            else None
        ),
        walk_ins=int(walk_ins) if att is not None else 0,
    )


def breakouts_held(agenda: pd.DataFrame, room_counts: pd.Series) -> int:
    """Breakouts on the agenda that someone actually attended (or had notes taken)."""
    rooms = agenda[agenda["kind"] == "breakout"]
    return int(room_counts.reindex(rooms["id"], fill_value=0).gt(0).sum())


def room_attendance(
    agenda: pd.DataFrame,
    registrations: pd.DataFrame,
    breakout_attendance: pd.DataFrame,
    notes: pd.DataFrame,
) -> pd.Series:
    """People per breakout room: attendance records if any, else the facilitator's head
    count, else nothing. Indexed by agenda item id."""
    import pandas as pd

    rooms = agenda.loc[agenda["kind"] == "breakout", "id"]
    counts = pd.Series(0, index=rooms.to_numpy(), dtype=int)
    if len(breakout_attendance):
        by_room = breakout_attendance.groupby("agenda_item_id")["registration_id"].nunique()
        counts = counts.add(by_room.reindex(counts.index, fill_value=0), fill_value=0)
    if len(notes) and "head_count" in notes:
        heads = notes.dropna(subset=["head_count"]).set_index("agenda_item_id")["head_count"]
        for item_id, head in heads.items():
            if item_id in counts.index and counts[item_id] == 0:
                counts[item_id] = int(head)
    return counts.astype(int)


def normalise_theme(theme: str) -> str:
    return " ".join(str(theme).split()).casefold()


def themes_across(notes: pd.DataFrame, room_names: dict[int, str]) -> pd.DataFrame:
    """Which themes came up in how many breakouts, most widespread first.

    Themes are matched case- and space-insensitively; the first spelling seen is kept.
    Columns: theme, breakouts (count), rooms (list of room names).
    """
    import pandas as pd

    if not len(notes):
        return pd.DataFrame(columns=["theme", "breakouts", "rooms"])
    exploded = notes[["agenda_item_id", "themes"]].explode("themes").dropna(subset=["themes"])
    exploded = exploded[exploded["themes"].astype(str).str.strip() != ""]
    if not len(exploded):
        return pd.DataFrame(columns=["theme", "breakouts", "rooms"])
    exploded["key"] = exploded["themes"].map(normalise_theme)
    grouped = exploded.groupby("key", sort=False).agg(
        theme=("themes", lambda s: " ".join(str(s.iloc[0]).split())),
        breakouts=("agenda_item_id", "nunique"),
        rooms=(
            "agenda_item_id",
            lambda s: [room_names.get(i, str(i)) for i in dict.fromkeys(s)],
        ),
    )
    grouped = grouped.sort_values(["breakouts", "theme"], ascending=[False, True])
    return grouped.reset_index(drop=True)


@dataclass(frozen=True)
class SteeringAction:
    room: str
    text: str


def steering_actions(
    notes: pd.DataFrame, room_names: dict[int, str], order: Sequence[int]
) -> list[SteeringAction]:
    """Actions facilitators flagged for the steering committee, in agenda order."""
    if not len(notes):
        return []
    position = {item_id: i for i, item_id in enumerate(order)}
    rows = notes.assign(pos=notes["agenda_item_id"].map(position).fillna(len(order)))
    actions: list[SteeringAction] = []
    for _, row in rows.sort_values("pos").iterrows():
        for action in row["actions"] or []:
            if action.get("steering") and str(action.get("text", "")).strip():
                actions.append(
                    SteeringAction(
                        room=room_names.get(row["agenda_item_id"], ""),
                        text=str(action["text"]).strip(),
                    )
                )
    return actions


@dataclass(frozen=True)
class LikertResult:
    question: str
    n: int
    counts: list[int]
    percents: list[float]
    mean: float | None
    labels: list[str] = field(default_factory=list)


def likert(
    ratings: pd.DataFrame, questions: Iterable[tuple[str, str]], labels: Sequence[str]
) -> list[LikertResult]:
    """Distribution of each rating question on a 1..len(labels) scale.

    `questions` pairs each question code with its printed text. Answers outside the
    scale are ignored (a skipped question is simply absent). The answers are counted
    once for all the questions: a report asks this of the same ratings several times,
    and filtering tens of thousands of rows once per question was most of its cost.
    """
    import pandas as pd

    scale = range(1, len(labels) + 1)
    given = pd.DataFrame(
        {"question": ratings["question"], "value": pd.Series(ratings["value"], dtype="float")}
        if len(ratings)
        else {"question": [], "value": []}
    ).dropna(subset=["value"])
    tallies = given.assign(value=given["value"].astype(int)).value_counts().to_dict()
    results = []
    for code, text in questions:
        counts = [int(tallies.get((code, point), 0)) for point in scale]
        n = sum(counts)
        percents = [(100.0 * c / n) if n else 0.0 for c in counts]
        results.append(
            LikertResult(
                question=text,
                n=n,
                counts=counts,
                percents=percents,
                mean=sum(point * c for point, c in zip(scale, counts, strict=True)) / n
                if n
                else None,
                labels=list(labels),
            )
        )
    return results


INDIGENOUS = "First Nations, Métis and/or Inuit"
NOT_INDIGENOUS = IndigenousIdentity.NOT_INDIGENOUS.label
UNKNOWN = "Not sure, prefer not to answer, or skipped"


def indigenous_identity_groups(registrations: pd.DataFrame) -> pd.Series:
    """One aggregate only (never by Nation, never split among the three identities):
    confirmed registrants who identify as First Nations, Métis and/or Inuit, those who do
    not, and everyone else."""
    codes = registered(registrations)["indigenous_identity"].fillna("").str.split()

    def group(values: list[str]) -> str:
        if any(v in INDIGENOUS_IDENTITIES for v in values):
            return INDIGENOUS
        if IndigenousIdentity.NOT_INDIGENOUS.value in values:
            return NOT_INDIGENOUS
        return UNKNOWN

    counts = codes.map(group).value_counts()
    return counts.reindex([INDIGENOUS, NOT_INDIGENOUS, UNKNOWN], fill_value=0).astype(int)


def response_rate(respondents: int, invited: int) -> str:
    """ "n of N (p%)": answers sent against survey links held (app.facts.rules)."""
    share = rate(respondents, invited)
    if share is None:
        return f"{respondents} responses"
    return f"{respondents} of {invited} ({share:.0%})"


def group_answers(answers: Sequence[str]) -> list[str]:
    """Open answers with identical wording grouped, most frequent first, so that a
    point many people made reads as such ("... (said by 4 people)")."""
    seen: dict[str, list] = {}
    for answer in answers:
        text = " ".join(str(answer).split())
        if text:
            seen.setdefault(text.casefold(), [text, 0])[1] += 1
    ranked = sorted(seen.values(), key=lambda item: -item[1])  # stable: first seen first
    return [text + (f" (said by {n} people)" if n > 1 else "") for text, n in ranked]
