"""How much say participants have: each agenda item's IAP2 level, in plain words in public."""

import re

from sqlalchemy import select

from app.choices import ENGAGEMENT_LEVEL_PROMISE, EngagementLevel
from app.extensions import db
from app.models import AgendaItem

ITEM = {
    "kind": "plenary",
    "priority_area": "",
    "title": "Designing the newborn care path together",
    "starts_at": "2024-03-10T10:00",
    "ends_at": "2024-03-10T11:00",
}


def _item(title: str) -> AgendaItem:
    return db.session.scalar(select(AgendaItem).where(AgendaItem.title == title))


def test_each_agenda_item_stores_its_level_and_the_public_agenda_says_it_plainly(
    organiser_client, client, make_gathering
):
    gathering = make_gathering(breakouts=False)
    base = f"/organiser/g/{gathering.slug}/agenda"
    form = organiser_client.get(f"{base}/new").get_data(as_text=True)
    assert 'name="engagement_level"' in form and "Collaborate: we will work out" in form

    response = organiser_client.post(
        f"{base}/new", data={**ITEM, "engagement_level": "collaborate"}
    )
    assert response.status_code == 303
    item = _item(ITEM["title"])
    assert item.engagement_level == EngagementLevel.COLLABORATE

    # Left to its kind: a plenary informs, a breakout asks for views.
    organiser_client.post(f"{base}/new", data={**ITEM, "title": "Opening"})
    organiser_client.post(
        f"{base}/new",
        data={**ITEM, "kind": "breakout", "title": "Room A", "priority_area": "education"},
    )
    assert _item("Opening").engagement_level == EngagementLevel.INFORM
    assert _item("Room A").engagement_level == EngagementLevel.CONSULT

    response = organiser_client.post(
        f"{base}/{item.id}/edit", data={**ITEM, "engagement_level": "empower"}
    )
    assert response.status_code == 303
    db.session.refresh(item)
    assert item.engagement_level == EngagementLevel.EMPOWER

    page = client.get(f"/g/{gathering.slug}/").get_data(as_text=True)
    assert ENGAGEMENT_LEVEL_PROMISE[EngagementLevel.EMPOWER] in page
    assert "We will share information with you" in page  # the opening
    assert "We will ask for your views" in page  # the breakout room


def test_an_unknown_level_is_refused_beside_the_field(organiser_client, make_gathering):
    gathering = make_gathering(breakouts=False)
    response = organiser_client.post(
        f"/organiser/g/{gathering.slug}/agenda/new", data={**ITEM, "engagement_level": "decide"}
    )
    assert response.status_code == 422
    assert _item(ITEM["title"]) is None


def _report_html(gathering, variant: str) -> str:
    from datetime import UTC, datetime

    from app.documents.render import render_html
    from app.reporting.context import build_context
    from app.reporting.load import load_report_data

    context = build_context(
        load_report_data(gathering),
        variant=variant,
        threshold=5,
        page_size="letter",
        now=datetime(2026, 11, 26, 18, tzinfo=UTC),
        draw=False,
    )
    return render_html(context)


def test_the_report_shows_the_agenda_across_the_spectrum(make_gathering):
    gathering = make_gathering()
    # Welcome and next steps inform (30 minutes each); seven breakouts side by side consult
    # for one hour, which counts once.
    html = _report_html(gathering, "committee")
    section = html[html.index('id="engagement"') :]
    section = section[: section.index("</section>")]
    assert "Quality of engagement" in section
    assert "50% of the agenda's time (60 of 120 minutes)" in " ".join(section.split())
    rows = dict(
        re.findall(
            r'<th scope="row">(\w+)</th>.*?<td class="num">\d+</td><td class="num">(\d+)<', section
        )
    )
    assert rows == {
        "Inform": "60",
        "Consult": "60",
        "Involve": "0",
        "Collaborate": "0",
        "Empower": "0",
    }


def test_the_demo_2022_report_shows_engagement_quality_and_what_came_of_2021(app):
    """The demo seeds IAP2 levels, engagement answers for both years and 2021's follow-up:
    the 2022 report shows them in both versions, small counts masked in the shareable."""
    from datetime import UTC, datetime

    from app.demo import DEMO_SLUG, INAUGURAL_SLUG, seed_demo
    from app.demo.value import STORIES
    from app.models import Gathering, Registration
    from app.reporting import services
    from tests.test_report_pdf import pdf_text

    now = datetime(2026, 11, 26, 18, tzinfo=UTC)
    seed_demo(126, now=now)
    db.session.commit()
    seed_demo(126, now=now)  # a second run adds nothing
    db.session.commit()
    gathering = db.session.scalar(select(Gathering).where(Gathering.slug == DEMO_SLUG))
    inaugural = db.session.scalar(select(Gathering).where(Gathering.slug == INAUGURAL_SLUG))
    assert {i.engagement_level for i in gathering.breakouts} == {EngagementLevel.INVOLVE}

    committee = services.build_report(gathering, variant="committee", now=now)
    shareable = services.build_report(gathering, variant="shareable", now=now)
    names = [n for (n,) in db.session.execute(select(Registration.name)) if n]
    for built in (committee, shareable):
        _, text = pdf_text(built.pdf)
        assert "Quality of engagement" in text and "How much say participants had" in text
        assert "I felt culturally safe taking part." in text
        assert f"What came of {inaugural.title}, months later" in text
        assert "value stories" in text.lower()
        assert any(story[:50] in text for story in STORIES)  # consented ones
        assert "What came of each gathering, months later" in text
        assert not [n for n in names if n in text]
        spectrum = built.html[built.html.index('id="engagement-spectrum"') :]
        assert re.search(r'Involve</th>.*?<td class="num">[1-9]', spectrum, re.S)
    # The engagement questions are followed from 2021 to 2022 in their own table.
    quality = committee.html[committee.html.index('id="engagement"') :]
    quality = quality[: quality.index("</table>", quality.index("I know what will happen"))]
    assert "Agree, November 2021" in quality
    row = re.search(r"I know what will happen with my input.</th>(.*?)</tr>", quality).group(1)
    assert re.findall(r'<td class="num">(\d+%)</td>', row)[-2:]  # now and in 2021
    # Small counts: the committee sees them, the shareable masks them.
    value = shareable.html[shareable.html.index('id="since-last-value"') :]
    value = value[: value.index("</table>")]
    committee_value = committee.html[committee.html.index('id="since-last-value"') :]
    committee_value = committee_value[: committee_value.index("</table>")]
    small = re.findall(r'<td class="num">([1-4])</td>', committee_value)
    assert small, "the demo's follow-up should have a small count to mask"
    assert not re.findall(r'<td class="num">([1-4])</td>', value)
    assert "&lt;5" in value
