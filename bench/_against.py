"""Every benchmark here against the same benchmark in another checkout, side by side in one
run: the two take turns (other, this, other, this... for --rounds rounds), each with its own
checkout's .venv and folder, and the table shows each figure's median on both sides, the
ratio this / other, and whether it stayed within 10%.

    .venv/bin/python -m bench._against /path/to/other/checkout [bench ...] \\
        [--rounds 2] [--args 'report=--sizes 126 --repeats 2'] [--keep DIR]

The other checkout needs its own .venv with its test extras (its `make setup-test`). Only
benchmarks present in both are run (bench/*.py not starting with "_"); --args passes a
benchmark's own size arguments to both sides, and BENCH_* environment variables reach both
sides as they are. The figures are read from each benchmark's printed lines, the same in
both checkouts: every "number unit" pair (ms, s, ms/req, MB, KB, x lower is better; req/s,
invites/s, invites per CPU-second, % higher is better), named by the words before it, by
the column it sits under in a table, and by the unindented heading above indented lines.
"(target ...)" remarks are not figures. Each run's output is kept in --keep (default a new
temporary folder) so that a name the parser got wrong can be checked against the text.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
LIMIT = 0.10
LOWER_IS_BETTER = ("ms/req", "ms", "s", "MB", "KB", "x")
HIGHER_IS_BETTER = ("req/s", "invites/s", "invites per CPU-second", "%")
UNITS = sorted(LOWER_IS_BETTER + HIGHER_IS_BETTER, key=len, reverse=True)
VALUE = re.compile(
    r"(?<![\w.,/])(-?\d[\d,]*(?:\.\d+)?) ?(" + "|".join(re.escape(u) for u in UNITS) + r")(?![\w/])"
)
TARGET = re.compile(r"\([^()]*target[^()]*\)")
PUNCTUATION = " \t:;,=()"


@dataclass(frozen=True)
class Figure:
    section: str
    name: str
    unit: str


def _clean(text: str) -> str:
    text = " ".join(text.split()).strip(PUNCTUATION)
    if text.count(")") > text.count("("):
        text = text.rstrip(")").strip(PUNCTUATION)
    if text.count("(") > text.count(")") and text.startswith("("):
        text = text.lstrip("(").strip(PUNCTUATION)
    return text + ")" * (text.count("(") - text.count(")"))


def _clauses(text: str) -> list[str]:
    """The text split at "; ", ", " and wide gaps outside parentheses, cleaned."""
    parts, depth, start = [], 0, 0
    for at, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        gap = text[at : at + 2] in ("; ", ", ", "  ")
        if depth <= 0 and gap:
            parts.append(text[start:at])
            start = at + 1
    parts.append(text[start:])
    return [clean for part in parts if (clean := _clean(part))]


def _last_clause(text: str) -> str:
    return (_clauses(text) or [""])[-1]


def _line_label(text: str) -> str:
    label = text.split(":", 1)[0]
    if len(label) > 40:
        label = re.split(r" \(|, ", label, maxsplit=1)[0]
    return _clean(label)


def _header_words(line: str) -> list[tuple[int, str]] | None:
    """A table header's words by where each ends, if the line looks like one: no figures
    and at least three titles set apart by two or more spaces."""
    if len(re.findall(r"\S+(?: \S+)*", line)) < 3:
        return None
    return [(m.end(), m.group()) for m in re.finditer(r"\S+", line)]


def _titles(header: list[tuple[int, str]], line: str, values: list[re.Match]) -> list[str]:
    """The header words over each value's column (from the end of the previous value, or of
    the row's label, to this value's end, give or take one character): empty if any value
    has none, so that the line is not a row of this table."""
    titles, start = [], len(line[: values[0].start()].rstrip())
    for value in values:
        words = [word for end, word in header if start < end <= value.end() + 1]
        if not words:
            return []
        titles.append(_clean(" ".join(words)))
        start = value.end() + 1
    return titles


def figures(output: str) -> dict[Figure, float]:
    """Every "number unit" a benchmark printed, each named by where it stands."""
    found: dict[Figure, float] = {}
    section = ""
    header: list[tuple[int, str]] | None = None
    last_titles: list[str] = []
    for raw in output.splitlines():
        line = TARGET.sub(lambda m: " " * len(m.group()), raw.rstrip())
        if re.fullmatch(r"\s*\(.*\)", line):  # a remark in parentheses: read inside them
            line = line.replace("(", " ", 1)[::-1].replace(")", " ", 1)[::-1]
        values = list(VALUE.finditer(line))
        if not values:
            header = _header_words(line)
            last_titles = []
            if line and not line[0].isspace() and header is None:
                section = _clean(line.split(";", 1)[0]) if not line.startswith("==") else ""
            continue
        indented = line[0].isspace()
        scope = section if indented else ""
        titles = _titles(header, line, values) if header else []
        if header and not titles and len(last_titles) == len(values):
            titles = last_titles  # a row whose long label pushed its columns along
        if titles:
            last_titles = titles
            row = _clean(line[: values[0].start()])
            if re.fullmatch(r"[\d,. ]+", row):
                row = row.split()[0]
        else:
            header = None
            row = _line_label(line[: values[0].start()])
        previous_end, previous_name = 0, row
        for index, value in enumerate(values):
            number, unit = value.group(1), value.group(2)
            local = titles[index] if titles else _last_clause(line[previous_end : value.start()])
            if not local:
                local = f"{previous_name} ({unit})"
            if local == row or row.endswith(local) or local.startswith(f"{row} ("):
                name = local if local.startswith(row) else row
            else:
                name = f"{row} | {local}" if row else local
            figure = Figure(scope, name, unit)
            repeat = 2
            while figure in found:
                figure = Figure(scope, f"{name} #{repeat}", unit)
                repeat += 1
            found[figure] = float(number.replace(",", ""))
            previous_end, previous_name = value.end(), local
        if not indented:
            section = ""
    return found


def benches(checkout: Path) -> list[str]:
    return sorted(p.stem for p in (checkout / "bench").glob("*.py") if not p.stem.startswith("_"))


def run(checkout: Path, bench: str, args: list[str], keep: Path, label: str) -> str:
    python = checkout / ".venv" / "bin" / "python"
    env = {**os.environ, "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    began = time.perf_counter()
    result = subprocess.run(
        [str(python), "-m", f"bench.{bench}", *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - began
    (keep / f"{label}.out").write_text(result.stdout)
    (keep / f"{label}.err").write_text(result.stderr)
    note = "" if result.returncode == 0 else f" (exit {result.returncode}, see {label}.err)"
    print(f"  {label}: {seconds:.0f} s, load average {load_average()}{note}", file=sys.stderr)
    return result.stdout


def load_average() -> str:
    with open("/proc/loadavg") as averages:
        return " ".join(averages.read().split()[:3])


def verdict(unit: str, ratio: float | None) -> str:
    if ratio is None:
        return "n/a"
    worse = ratio > 1 + LIMIT if unit in LOWER_IS_BETTER else ratio < 1 - LIMIT
    better = ratio < 1 - LIMIT if unit in LOWER_IS_BETTER else ratio > 1 + LIMIT
    return "WORSE" if worse else "better" if better else "within 10%"


def table(bench: str, old: list[dict[Figure, float]], new: list[dict[Figure, float]]) -> None:
    order = list(dict.fromkeys(f for run_ in new + old for f in run_))
    print(f"\n== bench/{bench}.py")
    rows = [("figure", "unit", "better", "old median", "new median", "new/old", "")]
    section = None
    for figure in order:
        if figure.section != section:
            section = figure.section
            if section:
                rows.append((f"[{section}]", "", "", "", "", "", ""))
        before = [r[figure] for r in old if figure in r]
        after = [r[figure] for r in new if figure in r]
        direction = "lower" if figure.unit in LOWER_IS_BETTER else "higher"
        if not before or not after:
            shown = statistics.median(before or after)
            rows.append(
                (
                    figure.name,
                    figure.unit,
                    direction,
                    f"{shown:g}" if before else "",
                    f"{shown:g}" if after else "",
                    "",
                    "gone" if before else "new",
                )
            )
            continue
        was, now = statistics.median(before), statistics.median(after)
        ratio = now / was if was else None
        rows.append(
            (
                figure.name,
                figure.unit,
                direction,
                f"{was:g}",
                f"{now:g}",
                f"{ratio:.2f}" if ratio is not None else "n/a",
                verdict(figure.unit, ratio),
            )
        )
    widths = [min(70, max(len(row[i]) for row in rows)) for i in range(7)]
    for row in rows:
        cells = [row[0][:70].ljust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2])]
        cells += [cell.rjust(width) for cell, width in zip(row[3:6], widths[3:6], strict=True)]
        print("  ".join(cells + [row[6]]).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", type=Path, help="the other checkout (the 'old' side)")
    parser.add_argument("bench", nargs="*", help="benchmarks to run (default: all in both)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--args",
        action="append",
        default=[],
        metavar="BENCH=ARGS",
        help="arguments for one benchmark on both sides, e.g. 'report=--sizes 126'",
    )
    parser.add_argument("--keep", type=Path, help="folder for each run's output")
    parser.add_argument(
        "--read",
        action="store_true",
        help="make the tables from the outputs already in --keep instead of running",
    )
    options = parser.parse_args()
    other = options.other.resolve()
    if not (other / ".venv" / "bin" / "python").exists():
        parser.error(f"{other} has no .venv: run its `make setup-test` first")
    shared = [b for b in benches(HERE) if b in benches(other)]
    chosen = options.bench or shared
    missing = [b for b in chosen if b not in shared]
    if missing:
        parser.error(f"not in both checkouts: {', '.join(missing)} (in both: {', '.join(shared)})")
    extra = {}
    for item in options.args:
        bench, _, args = item.partition("=")
        extra[bench] = shlex.split(args)
    if options.read and not options.keep:
        parser.error("--read needs --keep")
    keep = options.keep or Path(tempfile.mkdtemp(prefix="bench-against-"))
    keep.mkdir(parents=True, exist_ok=True)
    print(
        f"old: {other}\nnew: {HERE}\n{options.rounds} rounds, in turns (old, new); outputs in "
        f"{keep}; load average {load_average()} at the start",
    )
    for bench in chosen:
        old, new = [], []
        for round_ in range(1, options.rounds + 1):
            args = extra.get(bench, [])
            for side, checkout, runs in (("old", other, old), ("new", HERE, new)):
                label = f"{bench}.{side}.{round_}"
                if options.read:
                    saved = keep / f"{label}.out"
                    output = saved.read_text() if saved.exists() else ""
                else:
                    output = run(checkout, bench, args, keep, label)
                runs.append(figures(output))
        table(bench, old, new)
        sys.stdout.flush()
    print(f"\nload average {load_average()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
