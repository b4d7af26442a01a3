"""Two organisers editing the same thing from pages opened at the same time: the later save
from the older page is refused with a "changed since you opened it" page that keeps what
was typed, and nothing of the other person's save is lost; saving again from that page
goes through. Each edit page is read and posted back as a browser would."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import event, func, insert, select

from app.extensions import db
from app.models import AttendanceRecord, Gathering, Registration
from app.models.community import Recommendation
from app.models.report_review import KeyMessageSet
from tests.conftest import login


class FormReader(HTMLParser):
    """The fields of the form posting to `action`, as a browser would send them."""

    def __init__(self, action: str, page: str = "") -> None:
        super().__init__()
        self.action = action
        self.page = page
        self.inside = False
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            posts_to = (attrs.get("action") or self.page).split("?")[0]
            self.inside = posts_to.endswith(self.action) and attrs.get("method") == "post"
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value", "y")
            elif kind not in ("submit", "button"):
                self.fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self.select:
            if "selected" in attrs:
                self.fields[self.select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += (
                data.removeprefix("\n") if not self.fields[self.textarea] else data
            )


def read_form(client, page: str, action: str) -> dict[str, str]:
    response = client.get(page)
    assert response.status_code == 200, page
    reader = FormReader(action, page)
    reader.feed(response.get_data(as_text=True))
    assert any(name.endswith("opened_version") for name in reader.fields), page
    return reader.fields


@pytest.fixture
def two_organisers(app, make_user):
    first, second = app.test_client(), app.test_client()
    login(first, make_user("organiser"))
    login(second, make_user("organiser"))
    return first, second


def race(two_organisers, page, target, field, theirs, mine, **extra):
    """Both open the page; the second saves `theirs`; the first then saves `mine` from the
    page it opened earlier. Returns the first one's answer and a function that saves
    again from the page that answer shows."""
    me, other = two_organisers
    extra = {"announce": "quiet", **extra}  # save without emailing anyone
    my_form = read_form(me, page, target)
    their_form = read_form(other, page, target)
    saved = other.post(target, data={**their_form, **extra, field: theirs})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:2000]
    refused = me.post(target, data={**my_form, **extra, field: mine})

    def save_again():
        reader = FormReader(target, target)
        reader.feed(refused.get_data(as_text=True))
        return me.post(target, data={**reader.fields, **extra, field: mine})

    return refused, save_again


def assert_refused(refused, mine: str) -> None:
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "Changed since you opened it" in html
    assert mine in html  # what was typed is kept


def test_key_messages(two_organisers, make_gathering):
    gathering = make_gathering()
    url = f"/organiser/g/{gathering.slug}/report/key-messages"
    refused, again = race(
        two_organisers,
        url,
        url,
        "text",
        "Their approved message.",
        "My older draft.",
        action="approve",
    )
    assert_refused(refused, "My older draft.")
    assert "Their approved message." in refused.get_data(as_text=True)
    assert db.session.scalar(select(KeyMessageSet.text)) == "Their approved message."
    assert again().status_code == 303
    assert db.session.scalar(select(KeyMessageSet.text)) == "My older draft."


def test_key_messages_both_opened_before_any_existed(two_organisers, make_gathering):
    gathering = make_gathering()
    url = f"/organiser/g/{gathering.slug}/report/key-messages"
    refused, _ = race(two_organisers, url, url, "text", "First.", "Second.", action="save")
    assert_refused(refused, "Second.")
    assert db.session.scalar(select(KeyMessageSet.text)) == "First."


def test_gathering_details(two_organisers, make_gathering):
    gathering = make_gathering()
    url = f"/organiser/g/{gathering.slug}/edit"
    refused, again = race(two_organisers, url, url, "contact_name", "Theirs", "Mine")
    assert_refused(refused, "Mine")
    assert db.session.scalar(select(Gathering.contact_name)) == "Theirs"
    assert again().status_code == 303
    assert db.session.scalar(select(Gathering.contact_name)) == "Mine"


def test_registrant_on_their_behalf(two_organisers, make_gathering, make_registration):
    gathering = make_gathering()
    person = make_registration(gathering)
    url = f"/organiser/g/{gathering.slug}/registrants/{person.id}/edit"
    refused, again = race(
        two_organisers, url, url, "accessibility_needs", "Captions", "ASL interpretation"
    )
    assert_refused(refused, "ASL interpretation")
    assert db.session.scalar(select(Registration.accessibility_needs)) == "Captions"
    assert again().status_code == 303
    assert db.session.scalar(select(Registration.accessibility_needs)) == "ASL interpretation"


def test_agenda_item(two_organisers, make_gathering):
    gathering = make_gathering()
    item = gathering.agenda_items[0]
    url = f"/organiser/g/{gathering.slug}/agenda/{item.id}/edit"
    refused, again = race(two_organisers, url, url, "title", "Their welcome", "My welcome")
    assert_refused(refused, "My welcome")
    assert again().status_code == 303


def test_recommendation(two_organisers, make_gathering):
    gathering = make_gathering()
    recommendation = Recommendation(gathering_id=gathering.id, text="Fund doulas in rural areas")
    db.session.add(recommendation)
    db.session.commit()
    page = f"/community/g/{gathering.slug}/recommendations"
    action = f"/community/g/{gathering.slug}/recommendations/{recommendation.id}"
    field = f"r{recommendation.id}-owner"
    refused, again = race(two_organisers, page, action, field, "Their owner", "My owner")
    assert_refused(refused, "My owner")
    assert db.session.scalar(select(Recommendation.owner)) == "Their owner"
    assert again().status_code == 303
    assert db.session.scalar(select(Recommendation.owner)) == "My owner"


# --- marking attended twice at once ---------------------------------------------------------


def test_marking_attended_from_two_pages_at_once(
    organiser_client, make_gathering, make_registration
):
    """The other organiser's mark is committed between this request's look for one and its
    insert (as when both press the button at once): this request answers as usual."""
    from app.organiser.people import _manual_key

    gathering = make_gathering()
    person = make_registration(gathering)
    key = _manual_key(person)
    session = db.session()

    done = []

    def the_other_organiser_first(*_args) -> None:
        if done:
            return
        done.append(True)
        now = datetime.now(UTC)
        with db.engine.begin() as other:
            other.execute(
                insert(AttendanceRecord).values(
                    gathering_id=gathering.id,
                    registration_id=person.id,
                    source="manual",
                    minutes=210,
                    dedupe_key=key,
                    created_at=now,
                    updated_at=now,
                )
            )

    event.listen(session, "before_flush", the_other_organiser_first)
    url = f"/organiser/g/{gathering.slug}/registrants/{person.id}/act"
    try:
        response = organiser_client.post(url, data={"action": "attended"})
    finally:
        event.remove(session, "before_flush", the_other_organiser_first)
    assert done and response.status_code == 303
    count = select(func.count(AttendanceRecord.id)).where(
        AttendanceRecord.registration_id == person.id
    )
    assert db.session.scalar(count) == 1


def test_participant_page_after_an_organiser_edit(
    two_organisers, app, make_gathering, make_registration
):
    """The participant opened their page; an organiser then edited their registration."""
    gathering = make_gathering()
    person = make_registration(gathering)
    participant = app.test_client()
    page = f"/r/{person.token}"
    mine = read_form(participant, page, page)
    organiser, _ = two_organisers
    url = f"/organiser/g/{gathering.slug}/registrants/{person.id}/edit"
    theirs = read_form(organiser, url, url)
    saved = organiser.post(url, data={**theirs, "announce": "quiet", "territory": "Syilx"})
    assert saved.status_code == 303
    refused = participant.post(page, data={**mine, "accessibility_needs": "Captions"})
    assert_refused(refused, "Captions")
    assert db.session.scalar(select(Registration.territory)) == "Syilx"
