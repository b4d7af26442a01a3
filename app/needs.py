"""Accessibility and accommodation needs, as people typed them, sorted into the few kinds
an organiser has to arrange (captions, ASL, plain-language materials) and "other"."""

import re
from collections import Counter

NEED_KINDS = {
    "captions": "Captions",
    "asl": "ASL interpretation",
    "plain_language": "Plain-language materials",
    "other": "Other needs",
}
_PATTERNS = {
    "captions": re.compile(r"caption|subtit|\bcart\b|transcri", re.I),
    "asl": re.compile(r"\basl\b|sign language|signing|interpret", re.I),
    "plain_language": re.compile(
        r"plain[- ]language|plain english|easy[- ]read|simple language", re.I
    ),
}


def need_kinds(text: str) -> list[str]:
    """The kinds one answer mentions; an answer that names none of them is "other"."""
    if not text or not text.strip():
        return []
    kinds = [kind for kind, pattern in _PATTERNS.items() if pattern.search(text)]
    return kinds or ["other"]


def needs_labels(text: str) -> list[str]:
    return [NEED_KINDS[kind] for kind in need_kinds(text)]


def needs_summary(answers: list[str]) -> dict[str, int]:
    """How many people asked for each kind, plus "any" (people with any need)."""
    counts: Counter[str] = Counter()
    for text in answers:
        kinds = need_kinds(text)
        counts.update(kinds)
        if kinds:
            counts["any"] += 1
    return {kind: counts.get(kind, 0) for kind in (*NEED_KINDS, "any")}
