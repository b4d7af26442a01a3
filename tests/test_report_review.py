"""Themes found, then reviewed; key messages edited and approved. Only what an organiser
accepted or approved reaches the report."""

import re
from datetime import UTC, datetime

from app.extensions import db
from app.models.report_review import ReportTheme, ThemeStatus
from app.report_review import services
from app.reporting import services as report_services
from app.reporting.themes import Passage, suggest_themes

pytest_plugins = ["tests.fixtures_report"]

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)

PLANTED = {
    "Rural and remote access": [
        "Families in rural and remote communities travel for hours to reach care",
        "Remote access to a clinic is the hardest part for rural families",
        "Rural families asked for remote visits so access does not mean travel",
        "Access in remote and rural places depends on one clinic",
    ],
    "Postpartum mental health": [
        "Postpartum mental health screening happens but the waits are long",
        "Mothers with postpartum depression wait months for mental health support",
        "Mental health after birth is the gap: postpartum anxiety goes unseen",
        "Ask about postpartum mental health at every visit",
    ],
    "Shared electronic records": [
        "Hospital and clinic records are not shared; an electronic record would help",
        "Electronic records should be shared between midwives and physicians",
        "Nobody can see the shared record, so the electronic summary is faxed",
        "One shared electronic record for mother and baby",
    ],
}
SEEDS = [
    "Rural and remote access",
    "Postpartum mental health",
    "Shared electronic records",
    "Funding and compensation",
    "Newborn screening and referrals",
]


def planted_passages():
    passages = []
    for room, (_, texts) in enumerate(PLANTED.items(), start=1):
        passages += [Passage("summary", text, room) for text in texts]
    passages += [
        Passage("answer", "The coffee break was too short"),
        Passage("answer", "Zoom audio was fine"),
    ]
    return passages


def test_theme_suggestion_recovers_the_planted_themes_deterministically():
    passages = planted_passages()
    themes = suggest_themes(passages, SEEDS)
    found = {theme.label: theme for theme in themes}
    for room, (label, texts) in enumerate(PLANTED.items(), start=1):
        assert label in found, [t.label for t in themes]
        behind = {passages[i].text for i, _ in found[label].passages}
        assert len(behind & set(texts)) >= 3, (label, behind)
        assert {passages[i].breakout for i, _ in found[label].passages} == {room}
    assert "Funding and compensation" not in found  # no text speaks of it
    again = suggest_themes(passages, SEEDS)
    assert [(t.label, t.passages) for t in again] == [(t.label, t.passages) for t in themes]


def test_only_accepted_themes_reach_the_pdf_and_rejected_never_do(report_gathering):
    from tests.fixtures_report import add_note

    rooms = report_gathering.breakouts
    add_note(
        rooms[0],
        summary="Rural and remote families travel far.\n\nRemote access is the hardest part.",
        quotes=[{"text": "Rural access means a four-hour drive for us.", "consent": True}],
    )
    add_note(
        rooms[1],
        summary="Postpartum mental health waits are long.\n\nMental health support after birth.",
        actions=[{"text": "Fund postpartum mental health", "owner": "", "for_steering": True}],
    )
    rows = services.suggest(report_gathering, now=NOW)
    db.session.commit()
    assert rows
    keep, drop = rows[0], rows[1] if len(rows) > 1 else None
    services.decide(
        report_gathering,
        keep,
        decision="rename",
        label="Reaching rural families",
        user=None,
        now=NOW,
    )
    if drop is not None:
        services.decide(report_gathering, drop, decision="reject", user=None, now=NOW)
    for other in rows[2:]:
        services.decide(report_gathering, other, decision="reject", user=None, now=NOW)
    db.session.commit()
    built = report_services.build_report(report_gathering, variant="shareable", now=NOW)
    themes = built.html[built.html.index('id="themes-across"') :]
    themes = themes[: themes.index("</section>")]
    assert "Reaching rural families" in themes
    for rejected in rows[1:]:
        assert f">{rejected.label}<" not in themes
    assert re.search(r"Reaching rural families</th><td class=\"num\">\d+</td>", themes)


def test_merge_counts_towards_the_target_and_cannot_cross_gatherings(
    report_gathering, make_gathering
):
    rows = [
        ReportTheme(
            gathering_id=report_gathering.id,
            position=i,
            suggested_label=f"Theme {i}",
            label=f"Theme {i}",
            terms=["a"],
            passages=[{"kind": "summary", "breakout": room.id, "text": f"t{i}", "weight": 1.0}],
        )
        for i, room in enumerate(report_gathering.breakouts[:2])
    ]
    db.session.add_all(rows)
    db.session.commit()
    services.decide(report_gathering, rows[0], decision="accept", user=None, now=NOW)
    services.decide(
        report_gathering, rows[1], decision="merge", merge_into=rows[0].id, user=None, now=NOW
    )
    db.session.commit()
    from app.reporting.load import load_reviewed_themes

    (theme,) = load_reviewed_themes(report_gathering.id)
    assert theme.label == "Theme 0" and len(theme.breakouts) == 2
    assert rows[1].status == ThemeStatus.MERGED
    other = make_gathering(title="Other")
    try:
        services.decide(other, rows[0], decision="reject", user=None, now=NOW)
    except services.ReviewError:
        pass
    else:
        raise AssertionError("a theme of another gathering was decided")


def test_key_messages_page_edits_approves_and_the_report_uses_them(
    organiser_client, report_gathering
):
    url = f"/organiser/g/{report_gathering.slug}/report/key-messages"
    page = organiser_client.get(url)
    assert page.status_code == 200
    assert "Suggested from the data" in page.get_data(as_text=True)
    assert "attended" in page.get_data(as_text=True)
    empty = organiser_client.post(url, data={"text": "  ", "action": "approve"})
    assert empty.status_code == 422
    assert "Write at least one key message." in empty.get_data(as_text=True)
    text = "Many people came.\nThe committee should act on attachment."
    saved = organiser_client.post(url, data={"text": text, "action": "approve"})
    assert saved.status_code == 303
    built = report_services.build_report(report_gathering, variant="committee", now=NOW)
    messages = built.html[built.html.index('id="key-messages"') :]
    messages = messages[: messages.index("At a glance")]
    assert "Many people came." in messages and "not been approved" not in messages
    organiser_client.post(url, data={"text": text + "\nA draft line.", "action": "save"})
    built = report_services.build_report(report_gathering, variant="committee", now=NOW)
    assert "These key messages have not been approved yet" in built.html


def test_themes_page_suggests_and_decides(organiser_client, report_gathering):
    from tests.fixtures_report import add_note

    for room in report_gathering.breakouts[:2]:
        add_note(
            room,
            summary="Rural and remote families travel far.\n\nRemote access is the hardest part.",
        )
    base = f"/organiser/g/{report_gathering.slug}/report/themes"
    assert organiser_client.post(base + "/suggest", data={}).status_code == 303
    page = organiser_client.get(base)
    assert page.status_code == 200 and "Top terms" in page.get_data(as_text=True)
    theme = db.session.scalars(
        db.select(ReportTheme).where(ReportTheme.gathering_id == report_gathering.id)
    ).first()
    bad = organiser_client.post(
        f"{base}/{theme.id}", data={f"t{theme.id}-decision": "rename", f"t{theme.id}-label": ""}
    )
    assert bad.status_code == 422 and "Give the theme a name." in bad.get_data(as_text=True)
    ok = organiser_client.post(f"{base}/{theme.id}", data={f"t{theme.id}-decision": "accept"})
    assert ok.status_code == 303
    db.session.refresh(theme)
    assert theme.status == ThemeStatus.ACCEPTED


def test_small_numbers_in_sentences_and_walk_ins_are_refused_or_masked(
    organiser_client, report_gathering
):
    """A key message saying "3 Elders" cannot be approved for both versions; kept for
    the committee, it is in the committee's version only. Four walk-ins are "<5" in the
    shareable version, in every tile, table and sentence; zero prints as 0."""
    from app.attendance import checkin
    from app.reporting import free_text

    room = report_gathering.breakouts[0]
    for n in range(4):
        checkin.add_walk_in(
            report_gathering, room, name=f"Walker Number{n}", email="", user=None, now=NOW
        )
    db.session.commit()
    url = f"/organiser/g/{report_gathering.slug}/report/key-messages"
    # The suggestions never hold a small number, walk-ins included.
    suggested = services.suggested_messages(report_gathering, threshold=5)
    assert suggested and all(not free_text.small_numbers(line, 5) for line in suggested)
    assert "a few people joined without registering" in suggested[0]
    typed = suggested[0] + "\n3 Elders and Knowledge Keepers joined us."
    refused = organiser_client.post(url, data={"text": typed, "action": "approve"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert (
        "\u20183 Elders\u2019 is below the threshold of 5: reword, or keep it for the "
        "committee version only." in page
    )
    assert "3 Elders and Knowledge Keepers joined us." in page  # what was typed is kept
    assert services.key_messages(report_gathering) is None
    # A draft may hold it (the page says so beside the form); approving needs it moved.
    draft = organiser_client.post(url, data={"text": typed, "action": "save"})
    assert draft.status_code == 303
    assert "is below the threshold of 5" in organiser_client.get(url).get_data(as_text=True)
    approved = organiser_client.post(
        url,
        data={
            "text": suggested[0],
            "committee_text": "3 Elders and Knowledge Keepers joined us.",
            "action": "approve",
        },
    )
    assert approved.status_code == 303
    # A theme name typed with a small number is masked in the shareable version.
    theme = ReportTheme(
        gathering_id=report_gathering.id,
        suggested_label="x",
        label="What 2 midwives asked for",
        status=ThemeStatus.ACCEPTED.value,
        passages=[{"kind": "summary", "breakout": room.id, "text": "t", "weight": 1.0}],
    )
    db.session.add(theme)
    db.session.commit()
    committee = report_services.build_report(report_gathering, variant="committee", now=NOW)
    shareable = report_services.build_report(report_gathering, variant="shareable", now=NOW)
    assert "3 Elders and Knowledge Keepers joined us." in committee.html
    assert "Elders and Knowledge Keepers" not in shareable.html
    assert "What 2 midwives asked for" in committee.html
    assert "What &lt;5 midwives asked for" in shareable.html
    tiles = r'<dt>Walk-ins</dt><dd><span class="tile-value">([^<]+)</span>'
    assert re.search(tiles, committee.html).group(1) == "4"
    assert re.search(tiles, shareable.html).group(1) == "&lt;5"
    took_part = r'<dt>Took part</dt><dd><span class="tile-value">([^<]+)</span>'
    assert re.search(took_part, committee.html).group(1) == "34"
    assert re.search(took_part, shareable.html).group(1) == "more than 30"
    assert "&lt;5 walk-ins and 30 attended, so more than 30 took part" in shareable.html
    text = " ".join(
        " ".join((page.extract_text() or "").split())
        for page in __import__("pypdf").PdfReader(__import__("io").BytesIO(shareable.pdf)).pages
    )
    assert not re.search(r"(?<![\d,.:<])4 walk-in", text) and "34" not in text.split()


def test_themes_page_takes_bulk_decisions_in_one_request(organiser_client, report_gathering):
    from tests.fixtures_report import add_note

    for room in report_gathering.breakouts[:3]:
        add_note(
            room,
            summary="Rural and remote families travel far.\n\nRemote access is the hardest part."
            "\n\nPostpartum mental health waits are long.",
        )
    base = f"/organiser/g/{report_gathering.slug}/report/themes"
    organiser_client.post(base + "/suggest", data={})
    rows = services.themes_of(report_gathering)
    assert len(rows) >= 2
    page = organiser_client.get(base).get_data(as_text=True)
    assert 'name="themes"' in page and "Accept the ticked themes" in page
    none = organiser_client.post(base + "/bulk", data={"decision": "accept"})
    assert none.status_code == 422 and "Tick at least one theme." in none.get_data(as_text=True)
    ids = [str(row.id) for row in rows]
    done = organiser_client.post(base + "/bulk", data={"decision": "accept", "themes": ids[:-1]})
    assert done.status_code == 303
    rejected = organiser_client.post(
        base + "/bulk", data={"decision": "reject", "themes": ids[-1:]}
    )
    assert rejected.status_code == 303
    for row in services.themes_of(report_gathering):
        db.session.refresh(row)
    statuses = [row.status for row in services.themes_of(report_gathering)]
    assert statuses[:-1] == [ThemeStatus.ACCEPTED] * (len(ids) - 1)
    assert statuses[-1] == ThemeStatus.REJECTED
    bad = organiser_client.post(base + "/bulk", data={"decision": "accept", "themes": ["999999"]})
    assert bad.status_code == 422
