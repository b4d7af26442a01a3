"""Pages say exactly what is true: what each report version shows, what a past
gathering still offers, and what the dashboard's cross table counts."""

import html
import re

from app.evaluation import links
from app.extensions import db

pytest_plugins = ["tests.fixtures_evaluation"]


def text_of(response) -> str:
    page = html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return " ".join(page.split())


def test_collection_notice_says_what_each_report_version_shows(client, make_gathering, app):
    app.config["SUPPRESSION_THRESHOLD"] = 6
    gathering = make_gathering()
    page = text_of(client.get(f"/g/{gathering.slug}/register"))
    assert "The steering committee's internal version shows exact counts" in page
    assert 'any version shared beyond the committee shows counts below 6 as "<6"' in page
    assert "small numbers are hidden" not in page


def test_survey_page_says_what_each_report_version_shows(
    client, open_survey, past_gathering, make_registration
):
    invitation = links.ensure_invitation(open_survey, make_registration(past_gathering))
    db.session.commit()
    page = text_of(client.get(f"/s/{links.invitation_token(invitation)}"))
    assert "internal version of the summary report shows exact counts" in page
    assert "any version shared beyond the committee hides counts below 5" in page
    assert "groups of fewer than five" not in page


def test_past_gathering_offers_neither_registration_nor_calendar(
    client, past_gathering, make_gathering
):
    page = client.get(f"/g/{past_gathering.slug}/").get_data(as_text=True)
    assert "This gathering took place on" in page
    assert "/register" not in page and "calendar.ics" not in page and "webcal://" not in page
    upcoming = client.get(f"/g/{make_gathering().slug}/").get_data(as_text=True)
    assert "/register" in upcoming and "webcal://" in upcoming


def test_dashboard_cross_table_says_rows_and_columns_the_same_way(
    organiser_client, make_gathering, make_registration
):
    gathering = make_gathering()
    make_registration(gathering)
    page = organiser_client.get(f"/organiser/g/{gathering.slug}/").get_data(as_text=True)
    start = page.index('id="cross-title"')
    table = page[start : page.index("</table>", start)]
    heading = re.search(r'id="cross-title">([^<]+)<', table).group(1)
    caption = re.search(r"<caption>([^<]+)</caption>", table).group(1)
    assert heading == "Confirmed registrations by organisation type and health region"
    assert caption.startswith("Organisation type in rows, health region in columns")
    assert '<th scope="colgroup"' in table and ">Health region</th>" in table
    assert '<th scope="col">Organisation type</th>' in table
