"""Key messages and theme review: plain functions, no request, nothing committed."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape

from sqlalchemy import delete, select

from app.breakouts.themes import themes_for
from app.extensions import db
from app.models import Gathering, User
from app.models.report_review import KeyMessageSet, ReportTheme, ThemeStatus
from app.reporting import context as report_context
from app.reporting import free_text, messages
from app.reporting.load import load_report_data
from app.reporting.themes import Passage, suggest_themes

MAX_MESSAGES = 6
MAX_MESSAGE_LENGTH = 400


class ReviewError(ValueError):
    """A decision that cannot be applied (the message says why, for the page)."""


def suggested_messages(gathering: Gathering, *, threshold: int) -> list[str]:
    data = load_report_data(gathering)
    room_counts = report_context.room_counts_of(data)
    summary = report_context.glance_of(data, room_counts)
    return messages.suggest(data, summary, threshold=threshold)


def key_messages(gathering: Gathering) -> KeyMessageSet | None:
    return db.session.scalar(
        select(KeyMessageSet).where(KeyMessageSet.gathering_id == gathering.id)
    )


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


def small_number_warnings(text: str, *, threshold: int) -> list[str]:
    """One sentence for each count below the threshold in key messages meant for both
    versions ("'3 Elders' is below the threshold of 5: ...")."""
    return [
        free_text.warning(phrase, threshold)
        for line in _lines(text)
        for phrase in free_text.small_numbers(line, threshold)
    ]


def save_key_messages(
    gathering: Gathering,
    *,
    text: str,
    approve: bool,
    user: User | None,
    now: datetime,
    committee_text: str = "",
    threshold: int = 5,
) -> KeyMessageSet:
    """Store the edited messages; approving stamps who and when, saving a draft clears
    an earlier approval (the text may have changed). Messages for both versions are
    approved only without a count below the threshold: those belong in the
    committee-only lines."""
    lines = _lines(text)
    committee_lines = _lines(committee_text)
    if not lines:
        raise ReviewError("Write at least one key message.")
    if len(lines) + len(committee_lines) > MAX_MESSAGES:
        raise ReviewError(f"Keep to at most {MAX_MESSAGES} key messages, one per line.")
    if any(len(line) > MAX_MESSAGE_LENGTH for line in lines + committee_lines):
        raise ReviewError(f"Keep each key message under {MAX_MESSAGE_LENGTH} characters.")
    warnings = small_number_warnings(text, threshold=threshold)
    if approve and warnings:
        raise ReviewError(" ".join(warnings))
    row = key_messages(gathering)
    if row is None:
        row = KeyMessageSet(gathering_id=gathering.id)
        db.session.add(row)
    row.text = "\n".join(lines)
    row.committee_text = "\n".join(committee_lines)
    row.updated_at = now
    row.approved_at = now if approve else None
    row.approved_by_id = user.id if (approve and user is not None) else None
    return row


TAG = re.compile(r"<[^>]*>")


def _paragraphs(html: str) -> list[str]:
    """The rendered summary's paragraphs as plain text (the HTML was built by the notes
    feature from its own Markdown; tags are dropped, entities read back)."""
    parts = re.split(r"</p>|<br\s*/?>|\n\s*\n", str(html))
    texts = [" ".join(unescape(TAG.sub(" ", part)).split()) for part in parts]
    return [text for text in texts if text]


def passages_for(gathering: Gathering) -> list[Passage]:
    """Breakout summaries (paragraph by paragraph), actions, consented quotes and open
    survey answers: the texts themes are found in."""
    data = load_report_data(gathering)
    found: list[Passage] = []
    for note in data.notes.itertuples():
        room = int(note.agenda_item_id)
        for paragraph in _paragraphs(note.summary_html or ""):
            found.append(Passage("summary", paragraph, room))
        for action in note.actions or []:
            if str(action.get("text", "")).strip():
                found.append(Passage("action", str(action["text"]).strip(), room))
        for quote in note.quotes or []:
            if str(quote).strip():
                found.append(Passage("quote", str(quote).strip(), room))
    if data.evaluation is not None:
        for _, answers in data.evaluation.open_answers:
            found.extend(Passage("answer", str(a).strip()) for a in answers if str(a).strip())
    return found


def seeds_for(gathering: Gathering) -> list[str]:
    """Each breakout's priority-area theme list (and the common themes), once each."""
    areas = [item.priority_area for item in gathering.breakouts]
    return list(dict.fromkeys(theme for area in areas for theme in themes_for(area)))


def suggest(gathering: Gathering, *, now: datetime) -> list[ReportTheme]:
    """Replace the gathering's themes by fresh suggestions (decisions start again)."""
    passages = passages_for(gathering)
    suggestions = suggest_themes(passages, seeds_for(gathering))
    db.session.execute(
        ReportTheme.__table__.update()
        .where(ReportTheme.gathering_id == gathering.id)
        .values(merged_into_id=None)
    )
    db.session.execute(delete(ReportTheme).where(ReportTheme.gathering_id == gathering.id))
    rows = []
    for position, theme in enumerate(suggestions):
        row = ReportTheme(
            gathering_id=gathering.id,
            position=position,
            suggested_label=theme.label[:200],
            label=theme.label[:200],
            status=ThemeStatus.SUGGESTED.value,
            terms=theme.terms,
            passages=[
                {
                    "kind": passages[index].kind,
                    "breakout": passages[index].breakout,
                    "text": passages[index].text,
                    "weight": round(weight, 6),
                }
                for index, weight in theme.passages
            ],
            created_at=now,
        )
        db.session.add(row)
        rows.append(row)
    return rows


def themes_of(gathering: Gathering) -> list[ReportTheme]:
    return list(
        db.session.scalars(
            select(ReportTheme)
            .where(ReportTheme.gathering_id == gathering.id)
            .order_by(ReportTheme.position, ReportTheme.id)
        )
    )


DECISIONS = ("accept", "rename", "merge", "reject")


def decide(
    gathering: Gathering,
    theme: ReportTheme,
    *,
    decision: str,
    label: str = "",
    merge_into: int | None = None,
    user: User | None,
    now: datetime,
) -> None:
    """Accept, rename (and accept), merge into another theme, or reject."""
    if theme.gathering_id != gathering.id:
        raise ReviewError("This theme belongs to another gathering.")
    if decision not in DECISIONS:
        raise ReviewError("Choose accept, rename, merge or reject.")
    theme.merged_into_id = None
    if decision == "accept":
        theme.status = ThemeStatus.ACCEPTED.value
    elif decision == "rename":
        name = " ".join(label.split())
        if not name:
            raise ReviewError("Give the theme a name.")
        if len(name) > 200:
            raise ReviewError("Keep the name under 200 characters.")
        theme.label = name
        theme.status = ThemeStatus.ACCEPTED.value
    elif decision == "merge":
        target = db.session.get(ReportTheme, merge_into) if merge_into else None
        if target is None or target.gathering_id != gathering.id or target.id == theme.id:
            raise ReviewError("Choose another theme of this gathering to merge into.")
        if target.status == ThemeStatus.MERGED:
            raise ReviewError("That theme is itself merged; merge into the one it joined.")
        theme.status = ThemeStatus.MERGED.value
        theme.merged_into_id = target.id
        for child in themes_of(gathering):
            if child.merged_into_id == theme.id:
                child.merged_into_id = target.id
    else:
        theme.status = ThemeStatus.REJECTED.value
    theme.decided_at = now
    theme.decided_by_id = user.id if user is not None else None


def decide_many(
    gathering: Gathering, theme_ids: list[int], *, decision: str, user: User | None, now: datetime
) -> int:
    """Accept or reject several themes of this gathering at once; all or none."""
    if decision not in ("accept", "reject"):
        raise ReviewError("Choose accept or reject.")
    rows = db.session.scalars(
        select(ReportTheme).where(
            ReportTheme.gathering_id == gathering.id, ReportTheme.id.in_(theme_ids)
        )
    ).all()
    if len(rows) != len(set(theme_ids)):
        raise ReviewError("Some of these themes are not this gathering's; reload the page.")
    for row in rows:
        decide(gathering, row, decision=decision, user=user, now=now)
    return len(rows)
