"""Small numbers in sentences: suppression for text that people write.

Counts in tables are suppressed cell by cell (app.documents.suppression); a sentence
someone typed ("3 Elders and Knowledge Keepers joined us") can give away the same small
count. Any number from 1 to threshold-1 in a sentence, in digits or as a word from two
to nine, is taken for a count of people unless it reads as a time, a date, a measure
or a label ("6 weeks", "3 October", "priority area 4", "9:00", "2%"). The review pages
name each one to the organiser (`small_numbers`); the shareable version prints "<5"
in its place (`mask`), the only mask it uses.
"""

from __future__ import annotations

import re

from markupsafe import Markup

WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
# Words after a number that make it a time, a date or a measure rather than a count.
UNITS = {
    "second", "seconds", "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs",
    "day", "days", "week", "weeks", "month", "months", "year", "years", "am", "pm", "a.m",
    "p.m", "percent", "per", "times", "km", "kg", "g", "cm", "mm", "ml", "l", "x",
    "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}  # fmt: skip
# Words before a number that make it a label ("priority area 3", "appendix 2").
LABELS = {
    "area", "areas", "appendix", "page", "pages", "question", "questions", "step", "phase",
    "level", "tier", "grade", "round", "version", "item", "chapter", "section", "room",
    "no", "number", "wave", "stage", "part", "table", "figure", "option", "day", "week",
    "year", "bill", "recommendation", "action", "hsda", "line", "stream",
}  # fmt: skip
NUMBER = re.compile(
    r"(?<![\w.,:/#$+\-–])"
    r"(?P<number>\d+|" + "|".join(WORDS) + r")"
    r"(?![\w%]|[.,:/]\d|[\-–]\w|\s*%)",
    re.IGNORECASE,
)
WORD_AFTER = re.compile(r"\s+([A-Za-z][\w'’.\-]*)")
WORD_BEFORE = re.compile(r"([A-Za-z][\w'’\-]*)\.?\s+$")


def _value(token: str) -> int:
    return int(token) if token.isdigit() else WORDS[token.lower()]


def _counts(text: str, threshold: int):
    """(start, end, phrase) of every small count in `text`."""
    for match in NUMBER.finditer(text):
        value = _value(match.group("number"))
        if not 0 < value < threshold:
            continue
        after = WORD_AFTER.match(text, match.end())
        next_word = after.group(1) if after else ""
        if next_word.lower().rstrip(".") in UNITS:
            continue
        before = WORD_BEFORE.search(text[max(0, match.start() - 30) : match.start()])
        if before and before.group(1).lower() in LABELS:
            continue
        phrase = f"{match.group('number')} {next_word}".strip()
        yield match.start(), match.end(), phrase


def small_numbers(text: str, threshold: int) -> list[str]:
    """The small counts in a sentence as they read: ["3 Elders"]."""
    return [phrase for _, _, phrase in _counts(str(text or ""), threshold)]


def warning(phrase: str, threshold: int) -> str:
    return (
        f"\u2018{phrase}\u2019 is below the threshold of {threshold}: reword, or keep it for "
        "the committee version only."
    )


def mask(text: str, threshold: int, *, marker: str | None = None) -> str:
    """The text with every small count printed as "<threshold" (or `marker`)."""
    text = str(text or "")
    marker = f"<{threshold}" if marker is None else marker
    out, last = [], 0
    for start, end, _ in _counts(text, threshold):
        out.append(text[last:start])
        out.append(marker)
        last = end
    out.append(text[last:])
    return "".join(out)


TAG = re.compile(r"(<[^>]*>)")


def mask_html(html: Markup | str, threshold: int) -> Markup:
    """`mask` for the text between the tags of sanitised HTML (a breakout summary): the
    text there is escaped already, and an entity's digits follow "#", never a count."""
    parts = TAG.split(str(html))
    masked = "".join(
        part if part.startswith("<") else mask(part, threshold, marker=f"&lt;{threshold}")
        for part in parts
    )
    return Markup(masked)  # noqa: S704 - sanitised HTML in, only "&lt;5" added
