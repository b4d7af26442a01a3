"""Themes suggested from what was said: TF-IDF and NMF over breakout summaries, actions,
consented quotes and open survey answers, seeded with each priority area's theme list.

Pure and deterministic (fixed initialisation, no randomness, nothing fetched): the
same texts always give the same suggestions, which an organiser then accepts, renames,
merges or rejects. Nothing here reaches the report unreviewed.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

WORD = re.compile(r"[a-z][a-z\-']+")
# Words that run through every text of this community and tell themes apart poorly,
# and the everyday verbs and fillers of spoken notes and survey answers, which name no
# theme ("did", "coming", "know", "week", "honestly").
DOMAIN_STOP_WORDS = frozenset(
    {
        "care", "perinatal", "participants", "participant", "group", "breakout", "people",
        "person", "gathering", "session", "discussion", "room", "day", "week", "month",
        "year", "time", "thing", "lot", "way", "did", "does", "doing", "done", "coming",
        "come", "came", "know", "knew", "known", "said", "say", "says", "told", "tell",
        "asked", "ask", "want", "wanted", "need", "needed", "like", "liked", "just",
        "really", "felt", "feel", "make", "made", "got", "get", "going", "goes", "went",
        "think", "thought", "honestly", "overall", "view", "also", "much", "many", "good",
        "better", "great", "goodbye", "okay", "everyone", "nobody", "somebody", "someone",
        "often", "still", "use", "used", "work", "working", "described", "named",
        "mentioned", "agreed", "stressed", "highlighted", "spoke", "suggested", "seen",
        "having", "idea", "changed", "start", "started", "different", "place", "showed",
        "following", "include", "new", "gather", "bring", "end", "one", "two", "three",
    }
)  # fmt: skip
# Plurals and forms the suffix rules below get wrong.
IRREGULAR = {
    "midwives": "midwife", "wives": "wife", "lives": "life", "children": "child",
    "women": "woman", "men": "man", "families": "family", "babies": "baby",
    "mothers": "mother", "nurses": "nurse", "practices": "practice", "services": "service",
    "resources": "resource", "communities": "community", "supports": "support",
    "needs": "need", "visits": "visit", "pathways": "pathway", "providers": "provider",
}  # fmt: skip


@functools.cache
def stop_words() -> frozenset[str]:
    # scikit-learn (with SciPy) is imported only when themes are looked for: it adds tens of
    # megabytes to every web worker and seconds to every command's start.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | DOMAIN_STOP_WORDS

KINDS = ("summary", "action", "quote", "answer")


@dataclass(frozen=True)
class Passage:
    kind: str
    text: str
    breakout: int | None = None


@dataclass
class SuggestedTheme:
    label: str
    seeded: bool
    terms: list[str]
    passages: list[tuple[int, float]] = field(default_factory=list)


def _stem(word: str) -> str:
    """A light lemmatiser: irregular plurals from a list ("midwives"/"midwife"), then
    "-ies" to "-y" and a plain plural "s" dropped ("supports"/"support"). Every result
    is a real word, since a theme may be named after it."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ics")):
        return word[:-1]
    return word


def analyse(text: str) -> list[str]:
    words = (
        _stem(w.strip("-'").removesuffix("'s")).strip("-'") for w in WORD.findall(text.lower())
    )
    stop = stop_words()
    return [w for w in words if len(w) > 2 and w not in stop]


def suggest_themes(
    passages: Sequence[Passage],
    seeds: Sequence[str],
    *,
    free_themes: int = 2,
    min_passages: int = 2,
    max_themes: int = 15,
    top_terms: int = 6,
    max_iter: int = 200,
) -> list[SuggestedTheme]:
    """Suggested themes, most widespread first, each with its top terms and its passages
    (index into `passages`, weight), strongest first.

    Each seed label starts one NMF component at its own TF-IDF vector; a few free
    components start at the passages the seeds explain least, so themes nobody listed
    can appear too. A component keeps its seed's label while it still resembles it,
    else it is named by its top terms. A passage belongs to every theme that carries at
    least half of its strongest weight."""
    import numpy as np
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not passages:
        return []
    vectorizer = TfidfVectorizer(analyzer=analyse, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([p.text for p in passages])
    except ValueError:  # no word survived the analyser
        return []
    vocabulary = np.array(vectorizer.get_feature_names_out())
    seed_rows = vectorizer.transform(list(seeds))
    seed_vectors = seed_rows.toarray()
    # A seed starts a component only where at least `min_passages` passages share its
    # words: fifty components over a hundred passages would each catch one stray text.
    support = np.asarray((matrix @ seed_rows.T > 0.1).sum(axis=0)).ravel()
    seeded = [i for i in range(seed_rows.shape[0]) if support[i] >= min_passages]
    labels = [seeds[i] for i in seeded]
    starts = seed_rows[seeded].toarray() if seeded else np.zeros((0, matrix.shape[1]))
    free = min(free_themes, max(0, matrix.shape[0] // 10))
    if free:
        explained = matrix @ starts.T if len(starts) else np.zeros((matrix.shape[0], 1))
        covered = np.asarray(explained).max(axis=1) if len(starts) else np.zeros(matrix.shape[0])
        least = np.argsort(covered, kind="stable")[:free]
        starts = np.vstack([starts, matrix[least].toarray()])
    if not len(starts):
        return []
    starts = starts + 1e-6
    weights0 = np.asarray(matrix @ starts.T) + 1e-6
    model = NMF(
        n_components=starts.shape[0], init="custom", max_iter=max_iter, tol=1e-4, random_state=0
    )
    with warnings.catch_warnings():
        # max_iter is fixed so the time is bounded and the result repeatable; a fit
        # that stops there is still a usable suggestion for a person to review.
        warnings.simplefilter("ignore", ConvergenceWarning)
        weights = model.fit_transform(matrix, W=weights0, H=starts.copy())
    components = model.components_
    strongest = weights.max(axis=1, keepdims=True)
    member = (weights >= 0.5 * strongest) & (weights > 1e-4)
    themes = []
    for k in range(components.shape[0]):
        rows = np.flatnonzero(member[:, k])
        if len(rows) < min_passages:
            continue
        order = np.argsort(-components[k], kind="stable")[:top_terms]
        terms = [str(vocabulary[i]) for i in order if components[k, i] > 0]
        label, is_seeded = _name(k, labels, starts, components, terms, seeds, seed_vectors)
        ranked = sorted(((int(r), float(weights[r, k])) for r in rows), key=lambda x: -x[1])
        themes.append(SuggestedTheme(label=label, seeded=is_seeded, terms=terms, passages=ranked))
    themes = _merge_same_label(themes)
    themes.sort(key=lambda t: (-_breadth(t, passages), t.label))
    return themes[:max_themes]


def _name(k, labels, starts, components, terms, seeds, seed_vectors) -> tuple[str, bool]:
    """A component keeps its own seed's name while it still resembles it; otherwise it
    takes the name of the priority-area theme it resembles most, when one fits; else
    it is named in plain words by its two strongest terms ("Hand-off and nurse")."""
    import numpy as np

    now = components[k] / (np.linalg.norm(components[k]) or 1.0)
    if k < len(labels):
        start = starts[k] / np.linalg.norm(starts[k])
        if float(start @ now) >= 0.3:
            return labels[k], True
    if len(seed_vectors):
        # Another priority-area theme that fits it well, and that no component started
        # from (that one keeps its own name).
        norms = np.linalg.norm(seed_vectors, axis=1)
        norms[norms == 0] = 1.0
        fit = (seed_vectors / norms[:, None]) @ now
        for best in np.argsort(-fit, kind="stable")[:3]:
            if float(fit[best]) >= 0.3 and seeds[int(best)] not in labels:
                return seeds[int(best)], True
    return (" and ".join(terms[:2]).capitalize() or "Unnamed theme"), False


def _merge_same_label(themes: list[SuggestedTheme]) -> list[SuggestedTheme]:
    by_label: dict[str, SuggestedTheme] = {}
    for theme in themes:
        kept = by_label.get(theme.label.casefold())
        if kept is None:
            by_label[theme.label.casefold()] = theme
            continue
        weights = dict(kept.passages)
        for row, weight in theme.passages:
            weights[row] = max(weight, weights.get(row, 0.0))
        kept.passages = sorted(weights.items(), key=lambda x: -x[1])
    return list(by_label.values())


def _breadth(theme: SuggestedTheme, passages: Sequence[Passage]) -> int:
    """Breakouts that raised it and answers that did: the order organisers review in."""
    rooms = {passages[r].breakout for r, _ in theme.passages if passages[r].breakout is not None}
    answers = sum(1 for r, _ in theme.passages if passages[r].kind == "answer")
    return len(rooms) * 10 + answers
