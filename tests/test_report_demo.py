"""The 2022 demo's report, read as a committee member would: key messages first,
at most 18 pages, the agreement headline kept in the shareable version, walk-ins
counted. One demo and one pair of PDFs for the whole module (seeding and laying out
take most of the time)."""

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
    walk_ins_are_counted_in_who_took_part(demo)


def concise_paced_and_honest_about_its_version(demo):
    gathering, committee, shareable = demo
    committee_pages = page_texts(committee.pdf)
    shareable_pages = page_texts(shareable.pdf)
    assert len(committee_pages) <= 18
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
    for result in results:
        agree = result.counts[3] + result.counts[4]
        share = round(100 * agree / result.n)
        question = re.escape(" ".join(result.question.split()))
        assert re.search(rf"{question} Agree or strongly agree: {share}%", text), result.question
    # The chart draws the collapsed categories: its legend names them.
    shareable_html = shareable.html
    assert "Agree or strongly agree" in shareable_html
    assert "collapsed_chart" not in shareable_html


def walk_ins_are_counted_in_who_took_part(demo):
    from app.facts import gathering_facts

    gathering, committee, _ = demo
    walk_ins = gathering_facts(gathering).walk_ins
    assert walk_ins > 0
    text = " ".join(page_texts(committee.pdf))
    data = load_report_data(gathering)
    attended = len(aggregate.attended(data.registrations))
    took_part = attended + walk_ins
    assert re.search(rf"TOOK PART {took_part}\s*who attended, and {walk_ins} walk-ins", text)
    assert re.search(rf"Walk-in \(not registered\) 0 {walk_ins}\b", text)
    assert re.search(rf"Total {len(aggregate.registered(data.registrations))} {took_part}\b", text)
    assert f"who registered, {attended} took part" in text
    assert f"with {walk_ins} who joined without registering, {took_part} people took part" in text
