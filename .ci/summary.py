"""Print what CI ran: counts per database, and browser tests run or skipped (with why)."""

import sys
import xml.etree.ElementTree as ET
from collections import Counter


def summarise(path: str) -> tuple[Counter, dict[str, str]]:
    counts: Counter = Counter()
    skipped: dict[str, str] = {}
    for case in ET.parse(path).iter("testcase"):
        browser = "tests.browser" in case.get("classname", "")
        kind = "browser" if browser else "other"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped":
                outcome = "skipped"
                skipped[case.get("name", "?")] = child.get("message", "")
        counts[(kind, outcome)] += 1
    return counts, skipped


for path, label in zip(sys.argv[1:], ("SQLite", "PostgreSQL"), strict=False):
    try:
        counts, skipped = summarise(path)
    except (OSError, ET.ParseError):
        print(f"{label}: no results")
        continue
    total = {o: counts[("browser", o)] + counts[("other", o)] for o in ("passed", "failed", "skipped")}
    print(
        f"{label}: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped "
        f"(browser tests: {counts[('browser', 'passed')]} passed, "
        f"{counts[('browser', 'skipped')]} skipped)"
    )
    for name, why in sorted(skipped.items())[:10]:
        print(f"  skipped {name}: {why}")
