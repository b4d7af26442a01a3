"""The 2022 demo's report, read as a committee member would: key messages first,
at most 26 pages, the agreement headline kept in the shareable version, one value for
each of registered, attended, walk-ins and took part. One demo and one pair of PDFs for
the whole module (seeding and laying out take most of the time)."""

import io
import re
from datetime import UTC, datetime

from pypdf import PdfReader
from sqlalchemy import select

from app.demo import DEMO_SLUG, seed_demo
from app.extensions import db
from app.models import Gathering
from app.reporting import aggregate, services
from app.reporting.load import load_report_data

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)


def page_texts(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def test_the_demo_report(app):
    """One test, three readings of the same two PDFs."""
    seed_demo(126, now=NOW)
    db.session.commit()
    gathering = db.session.scalar(select(Gathering).where(Gathering.slug == DEMO_SLUG))
    committee = services.build_report(gathering, variant="committee", now=NOW)
    shareable = services.build_report(gathering, variant="shareable", now=NOW)
    demo = gathering, committee, shareable
    concise_paced_and_honest_about_its_version(demo)
    shareable_states_the_agreement_share_the_committee_counts_give(demo)
    one_value_per_word_in_both_versions(demo)
    reviewed_and_dated_then(demo)
    key_messages_agree_with_the_body(demo)


def concise_paced_and_honest_about_its_version(demo):
    gathering, committee, shareable = demo
    committee_pages = page_texts(committee.pdf)
    shareable_pages = page_texts(shareable.pdf)
    assert len(committee_pages) <= 26  # with the sections added since (engagement, people, polls)
    for pages, label in (
        (committee_pages, "Committee version: for the steering committee only"),
        (shareable_pages, "Shareable version: for participants, partners and the public"),
    ):
        key_page = next(
            i
            for i, text in enumerate(pages, start=1)
            if "Key messages" in text and "At a glance" in text
        )
        assert key_page in (2, 3)
        assert all(label in text for text in pages[1:]), label  # every running footer
        whole = " ".join(pages)
        assert whole.count("KUU-US Crisis Line Society") == 1
        assert "Presentations" not in whole  # the agenda appendix holds them, once
    assert "Prepared for the steering committee" in committee_pages[0]
    assert "Prepared for the steering committee" not in " ".join(shareable_pages)
    # One name per breakout: the agenda title, never the short area names beside it.
    whole = " ".join(committee_pages)
    assert "Access to primary care" not in whole
    assert "A primary care provider for every mother-baby dyad" in whole


def shareable_states_the_agreement_share_the_committee_counts_give(demo):
    gathering, committee, shareable = demo
    data = load_report_data(gathering)
    survey = data.evaluation
    results = [r for r in aggregate.likert(survey.ratings, survey.questions, survey.scale) if r.n]
    assert len(results) >= 3
    text = " ".join(page_texts(shareable.pdf))
    committee_text = " ".join(page_texts(committee.pdf))
    for result in results:
        if f"{' '.join(result.question.split())} Agree or strongly agree:" not in committee_text:
            continue  # not an evaluation headline (another section reports it)
        agree = result.counts[3] + result.counts[4]
        share = round(100 * agree / result.n)
        question = re.escape(" ".join(result.question.split()))
        assert re.search(rf"{question} Agree or strongly agree: {share}%", text), result.question
    # The chart draws the collapsed categories: its legend names them.
    shareable_html = shareable.html
    assert "Agree or strongly agree" in shareable_html
    assert "collapsed_chart" not in shareable_html


WORD = r"(registered|attended|walk-ins?|took part)"
VALUE = r"(?<![\d,+-])((?:more than )?\d[\d,]*(?<!,)|<\d+)"
# A value and its word side by side: "147 people who registered", "126 attended",
# "4 walk-ins", "more than 126 took part", and the tiles ("TOOK PART 130").
BEFORE = re.compile(rf"{VALUE} (?:people )?(?:who )?{WORD}\b")
AFTER = re.compile(r"\b(REGISTERED|ATTENDED|WALK-INS|TOOK PART) ((?:more than )?[\d,]+|<\d+)\b")


def values_by_word(text: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for value, word in BEFORE.findall(text):
        found.setdefault(word.lower().rstrip("s").replace("walk-in", "walk-ins"), set()).add(value)
    for word, value in AFTER.findall(text):
        found.setdefault(word.lower(), set()).add(value)
    return found


def one_value_per_word_in_both_versions(demo):
    """Registered, attended, walk-ins and took part: one value each, in every sentence,
    tile and table of each version, and the values the read model gives."""
    from app.facts import gathering_facts

    gathering, committee, shareable = demo
    counts = gathering_facts(gathering).headcount()
    assert 0 < counts.walk_ins < 5  # the demo has a small number of walk-ins
    expected = {
        "committee": {
            "registered": {f"{counts.registered}"},
            "attended": {f"{counts.attended}"},
            "walk-ins": {f"{counts.walk_ins}"},
            "took part": {f"{counts.took_part}"},
        },
        "shareable": {
            "registered": {f"{counts.registered}"},
            "attended": {f"{counts.attended}"},
            "walk-ins": {"<5"},
            "took part": {f"more than {counts.attended}"},
        },
    }
    for variant, built in (("committee", committee), ("shareable", shareable)):
        text = " ".join(page_texts(built.pdf))
        assert values_by_word(text) == expected[variant], variant
        # Every table of who took part adds up to the same registered and attended.
        section = built.html[built.html.index('id="who-took-part"') :]
        section = section[: section.index('id="organisation-by-region"')]
        totals = re.findall(
            r'<tr class="total"><th scope="row">Total</th>'
            r'<td class="num">([^<]+)</td><td class="num">([^<]+)</td></tr>',
            section,
        )
        assert totals == [(f"{counts.registered}", f"{counts.attended}")] * 3, variant
        assert f"Response rate: {counts.response_rate:.0%}" in text
    shareable_text = " ".join(page_texts(shareable.pdf))
    assert f"{counts.took_part}" not in re.findall(r"[\d,]+", shareable_text)


def reviewed_and_dated_then(demo):
    """seed-demo reviews its own report: approved key messages, accepted themes, and
    every date in the report (but the day it was generated) in 2021 or 2022."""
    _, committee, shareable = demo
    for built in (committee, shareable):
        text = " ".join(page_texts(built.pdf))
        assert "not been approved" not in text and "not approved" not in text
        assert "not reviewed" not in text.lower() and "Not reviewed yet" not in text
        assert "Themes across breakouts" in text
        undated = re.sub(r"Generated \w+, \d+ \w+ \d{4}", "", text)
        years = {int(y) for y in re.findall(r"\b(20\d\d)\b", undated)}
        assert years and years <= {2021, 2022, 2023}, years  # 2023: a recommendation's due date


def key_messages_agree_with_the_body(demo):
    """Every number in the key messages is printed in the body, and the themes they name
    are the accepted themes that lead the themes table."""
    gathering, committee, _ = demo
    data = load_report_data(gathering)
    lines = data.key_messages.lines
    text = " ".join(page_texts(committee.pdf))
    body = text[text.index("At a glance") :]
    for line in lines:
        for number in re.findall(r"\d[\d,]*%?", line):
            assert re.search(rf"(?<![\d,]){re.escape(number)}(?![\d,])", body), (number, line)
    themes_line = next(line for line in lines if "themes raised" in line or "theme raised" in line)
    from app.reporting.sections import ranked_themes

    ranked = ranked_themes(data.themes)
    top = len(ranked[0].breakouts)
    for theme in [t for t in ranked if len(t.breakouts) == top][:4]:
        assert theme.label.lower() in themes_line.lower(), theme.label
