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
