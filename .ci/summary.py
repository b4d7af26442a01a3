"""Print what CI ran: counts per database, the browser, accessibility, load, migration and
security tests run or skipped (with why), failures, time, the load figures, and the axe
results per page."""

import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

AXE_RESULTS = Path(__file__).resolve().parent.parent / "tests/browser/artifacts/axe-results.json"
KINDS = (
    ("accessibility", "tests.browser.test_accessibility"),
    ("browser", "tests.browser"),
    ("load", "tests.test_load"),
    ("migrations", "tests.test_migrations"),
    ("security", "tests.test_security"),
)


def kind_of(classname: str) -> str:
    for kind, prefix in KINDS:
        if classname.startswith(prefix):
            return kind
    return "other"


def summarise(path: str) -> tuple[Counter, dict[str, str], list[str], float, list[str]]:
    counts: Counter = Counter()
    skipped: dict[str, str] = {}
    failed: list[str] = []
    root = ET.parse(path).getroot()  # noqa: S314 - our own pytest output
    seconds = sum(float(suite.get("time", 0)) for suite in root.iter("testsuite"))
    figures = [
        prop.get("value", "")
        for prop in root.iter("property")
        if prop.get("name", "").startswith("figures")
    ]
    for case in root.iter("testcase"):
        classname = case.get("classname", "")
        name = f"{classname}::{case.get('name', '?')}"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped":
                outcome = "skipped"
                skipped[name] = child.get("message", "")
        if outcome == "failed":
            failed.append(name)
        counts[(kind_of(classname), outcome)] += 1
    return counts, skipped, failed, seconds, figures


def line(counts: Counter, kind: str) -> str:
    return (
        f"{counts[(kind, 'passed')]} passed, {counts[(kind, 'failed')]} failed, "
        f"{counts[(kind, 'skipped')]} skipped"
    )


for path, label in zip(sys.argv[1:], ("SQLite", "PostgreSQL"), strict=False):
    try:
        counts, skipped, failed, seconds, figures = summarise(path)
    except (OSError, ET.ParseError):
        print(f"{label}: no results")
        continue
    total = Counter()
    for (_, outcome), n in counts.items():
        total[("all", outcome)] += n
    print(f"{label}: {line(total, 'all')} in {seconds:.0f}s")
    for kind, _ in KINDS:
        print(f"  {kind:<14} {line(counts, kind)}")
    for name, why in sorted(skipped.items())[:15]:
        print(f"  skipped {name}: {why}")
    for name in failed[:15]:
        print(f"  FAILED {name}")
    for figure in figures:
        print(f"  {figure}")

try:
    results = json.loads(AXE_RESULTS.read_text())
except (OSError, ValueError):
    print("axe: no results (browser tests did not run)")
else:
    pages = {name: v for name, v in results.items() if name != "canary"}
    clean = sum(1 for v in pages.values() if not v)
    print(f"axe (WCAG 2.1 A/AA, last run): {clean} of {len(pages)} pages without violations")
    print("  checked: " + ", ".join(sorted(pages)))
    for name, violations in sorted(pages.items()):
        if violations:
            print(f"  {name}: " + ", ".join(sorted({v["id"] for v in violations})))
