"""Benchmark: theme suggestion (app.reporting.themes.suggest_themes) on 2,000 texts
against scikit-learn's TfidfVectorizer and NMF alone on the same texts, in one run.

    .venv/bin/python -m bench.themes [--texts 2000] [--repeats 3]

The texts are built from the priority areas' theme lists with filler words, the way
breakout summaries and survey answers mix a topic with everyday wording. The baseline
fits the same number of components with scikit-learn's default initialisation. Target:
suggestion within 3x the baseline.
"""

from __future__ import annotations

import argparse
import random
import time
import warnings

from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer

from app.breakouts.themes import themes_for
from app.choices import PriorityArea
from app.reporting.themes import Passage, suggest_themes

TARGET = 3.0
FILLER = (
    "the group talked about how families and providers could work together on this in "
    "their own communities over the next year with help from the division"
)


def texts(count: int) -> tuple[list[Passage], list[str]]:
    rng = random.Random("bench-themes")
    seeds = list(dict.fromkeys(t for area in PriorityArea for t in themes_for(area.value)))
    passages = []
    for n in range(count):
        topic = seeds[n % len(seeds)]
        words = topic.lower().split() * 2 + rng.sample(FILLER.split(), 10)
        rng.shuffle(words)
        kind = "answer" if n % 3 == 0 else "summary"
        passages.append(Passage(kind, " ".join(words), None if kind == "answer" else n % 7))
    return passages, seeds


def best_of(repeats: int, run) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    passages, seeds = texts(args.texts)
    found = suggest_themes(passages, seeds)
    components = len(seeds) + 2

    def baseline():
        matrix = TfidfVectorizer(sublinear_tf=True).fit_transform([p.text for p in passages])
        with warnings.catch_warnings():  # the same bounded max_iter as suggest_themes
            warnings.simplefilter("ignore", ConvergenceWarning)
            NMF(n_components=components, max_iter=200, tol=1e-4, random_state=0).fit(matrix)

    ours = best_of(args.repeats, lambda: suggest_themes(passages, seeds))
    theirs = best_of(args.repeats, baseline)
    ratio = ours / theirs
    print(f"texts: {len(passages)}, seeds: {len(seeds)}, themes suggested: {len(found)}")
    print(f"suggest_themes:               {ours:.3f} s")
    print(f"TfidfVectorizer + NMF alone:  {theirs:.3f} s")
    print(
        f"ratio: {ratio:.2f}x (target <= {TARGET:.0f}x): {'met' if ratio <= TARGET else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
