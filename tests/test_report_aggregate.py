"""The pure pandas functions, on small hand-made frames."""

import pandas as pd
import pytest

from app.choices import HealthRegion, OrganisationType, Role
from app.documents import charts
from app.facts import rules
from app.reporting import aggregate


def regs(rows):
    columns = [
        "id",
        "status",
        "role",
        "organisation_type",
        "health_region",
        "indigenous_identity",
        "assigned_breakout_id",
        "present",
    ]
    return pd.DataFrame(rows, columns=columns)


PEOPLE = regs(
    [
        (1, "confirmed", "nurse", "division", "fraser", "", 10, True),
        (2, "confirmed", "nurse", "division", "fraser", "first_nations metis", 10, True),
        (3, "confirmed", "midwife", "health_authority", "northern", "not_indigenous", 11, False),
        (4, "confirmed", "family_physician", "pcn", "island", "prefer_not", 11, True),
        (5, "waitlisted", "nurse", "pcn", "island", "", None, True),
        (6, "cancelled", "nurse", "pcn", "vch", "", None, True),
        (7, "confirmed", "other", "other", "outside_bc", "inuit", 12, False),
    ]
)


def test_registered_counts_confirmed_and_attended_counts_only_the_registered_present():
    assert list(aggregate.registered(PEOPLE)["id"]) == [1, 2, 3, 4, 7]
    # 5 (waitlisted) and 6 (cancelled) were present without a place: not attended.
    assert list(aggregate.attended(PEOPLE)["id"]) == [1, 2, 4]


def test_registered_vs_attended_in_choice_order_with_labels():
    table = aggregate.registered_vs_attended(PEOPLE, "health_region", HealthRegion)
    assert list(table.index) == [
        "Fraser Health",
        "Island Health (Vancouver Island)",
        "Northern Health",
        "Outside BC",
    ]
    assert table.loc["Fraser Health"].tolist() == [2, 2]
    assert table.loc["Island Health (Vancouver Island)"].tolist() == [1, 1]
    assert table.loc["Northern Health"].tolist() == [1, 0]
    assert "Vancouver Coastal Health" not in table.index  # only a cancelled person


def test_crosstab_counts_confirmed_people_by_two_categories():
    table = aggregate.crosstab(
        PEOPLE, "organisation_type", "health_region", OrganisationType, HealthRegion
    )
    assert table.loc["Division of Family Practice", "Fraser Health"] == 2
    assert table.to_numpy().sum() == 5
    assert list(table.columns)[0] == "Fraser Health"


def test_at_a_glance_figures_and_change_against_previous():
    previous = aggregate.Glance(
        registered=3, attended=2, rate=None, regions=1, organisation_types=1, breakouts_held=0
    )
    glance = aggregate.at_a_glance(
        PEOPLE, breakouts_held=3, has_attendance=True, previous=previous, previous_title="2021"
    )
    assert glance.registered == 5
    assert glance.attended == 3
    assert glance.rate == pytest.approx(0.6)
    assert glance.regions == 2  # fraser, island among attendees
    assert glance.organisation_types == 2  # division, pcn
    assert glance.registered_change == 2
    assert glance.attended_change == 1


def test_at_a_glance_without_attendance_says_none_not_zero():
    glance = aggregate.at_a_glance(PEOPLE, breakouts_held=0, has_attendance=False)
    assert glance.attended is None and glance.rate is None
    assert glance.regions == 3  # outside BC is not a region


def test_themes_across_breakouts_match_case_and_spacing():
    notes = pd.DataFrame(
        {
            "agenda_item_id": [10, 11, 12],
            "themes": [["Rural access", "Workforce"], ["rural  ACCESS"], ["Workforce", "Data"]],
        }
    )
    table = aggregate.themes_across(notes, {10: "A", 11: "B", 12: "C"})
    assert table.iloc[0].to_dict() == {"theme": "Rural access", "breakouts": 2, "rooms": ["A", "B"]}
    assert table.set_index("theme").loc["Data", "breakouts"] == 1
    assert len(table) == 3


def test_steering_actions_only_flagged_in_agenda_order():
    notes = pd.DataFrame(
        {
            "agenda_item_id": [12, 10],
            "actions": [
                [{"text": "Late", "steering": True}],
                [{"text": "Early", "steering": True}, {"text": "Local", "steering": False}],
            ],
        }
    )
    actions = aggregate.steering_actions(notes, {10: "A", 12: "C"}, [10, 11, 12])
    assert [(a.room, a.text) for a in actions] == [("A", "Early"), ("C", "Late")]


def test_likert_distribution_ignores_out_of_scale_answers():
    ratings = pd.DataFrame({"question": ["q"] * 6 + ["r"], "value": [1, 5, 5, 4, 9, None, 3]})
    [q, r] = aggregate.likert(ratings, [("q", "Q?"), ("r", "R?")], ["1", "2", "3", "4", "5"])
    assert q.counts == [1, 0, 0, 1, 2] and q.n == 4
    assert q.percents[4] == pytest.approx(50.0)
    assert q.mean == pytest.approx(3.75)
    assert r.n == 1


def test_indigenous_identity_is_one_aggregate_never_split():
    groups = aggregate.indigenous_identity_groups(PEOPLE)
    assert groups.to_dict() == {
        aggregate.INDIGENOUS: 2,
        aggregate.NOT_INDIGENOUS: 1,
        aggregate.UNKNOWN: 2,
    }
    assert "Métis" not in groups.index and "Inuit" not in groups.index


def test_room_attendance_prefers_records_then_head_count():
    agenda = pd.DataFrame({"id": [1, 10, 11, 12], "kind": ["plenary"] + ["breakout"] * 3})
    records = pd.DataFrame({"agenda_item_id": [10, 10, 10], "registration_id": [1, 2, 2]})
    notes = pd.DataFrame({"agenda_item_id": [10, 11], "head_count": [30, 8]})
    counts = aggregate.room_attendance(agenda, PEOPLE, records, notes)
    assert counts.to_dict() == {10: 2, 11: 8, 12: 0}
    assert aggregate.breakouts_held(agenda, counts) == 2


def test_attended_means_checked_in_or_long_enough_in_one_session():
    attendance = pd.DataFrame(
        {
            "registration_id": [1, 1, 2, 2, 3, 4],
            "agenda_item_id": [None, None, 10, 11, 10, None],
            "source": ["zoom", "teams", "zoom", "zoom", "zoom", "checkin"],
            "minutes": [6, 9, 5, 5, 12, None],
        }
    )
    # Person 2's two short sessions do not add up: the rule is per session.
    assert rules.present_ids(attendance, 10) == {3, 4}
    assert rules.present_ids(attendance, 9) == {1, 3, 4}


def test_response_rate_against_people_with_a_link():
    assert aggregate.response_rate(30, 60) == "30 of 60 (50%)"
    assert aggregate.response_rate(0, 0) == "0 responses"


def test_charts_are_small_text_svgs_with_titles():
    svg = charts.paired_bars(
        ["Fraser Health", "Northern Health"],
        [("Registered", [12, None], ["12", "<5"]), ("Attended", [10, None], ["10", "x"])],
        "Health region: registered and attended",
    )
    assert svg.startswith("<svg")
    assert "Health region: registered and attended" in svg
    assert "&lt;5" in svg and "<path" in svg
    assert "@font-face" not in svg and "glyph" not in svg
    assert len(svg) < 60_000
    likert = charts.likert_stacked(
        ["Worthwhile"], ["Low", "Mid", "High"], [[10.0, None, 60.0]], "Ratings"
    )
    assert "Small numbers, not shown" in likert
    assert charts.data_uri(svg).startswith("data:image/svg+xml;base64,")


def test_role_labels_come_from_choices():
    table = aggregate.registered_vs_attended(PEOPLE, "role", Role)
    assert "Family physician" in table.index


def test_open_answers_grouped_by_wording_most_frequent_first():
    grouped = aggregate.group_answers(
        ["More time", "Fewer slides", "more  time", "", "More time", "Fewer slides", "Food"]
    )
    assert grouped == ["More time (said by 3 people)", "Fewer slides (said by 2 people)", "Food"]


def _contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_palette_meets_wcag_contrast():
    for colour in (*charts.LIKERT_COLOURS, charts.REGISTERED_COLOUR, charts.ATTENDED_COLOUR):
        assert _contrast(colour, "#ffffff") >= 3, colour
        label = "#ffffff" if colour in charts._DARK else charts.INK
        if colour in charts.LIKERT_COLOURS:
            assert _contrast(colour, label) >= 4.5, colour
    assert _contrast(charts.INK, "#ffffff") >= 4.5 and _contrast(charts.MUTED, "#ffffff") >= 4.5


def test_choice_tables_suppress_single_choice_with_its_total_and_multiple_alone():
    from app.reporting.sections import choice_table as _choice_table

    single = {
        "question": "Room?",
        "multiple": False,
        "respondents": 32,
        "counts": [("A", 3), ("B", 20), ("C", 9)],
    }
    table = _choice_table(single, 5)
    assert [r["count"] for r in table["rows"]] == ["<5", "20", "x"]
    assert table["total"] == "32" and table["hidden"]
    assert [r["count"] for r in _choice_table(single, None)["rows"]] == ["3", "20", "9"]
    multiple = {**single, "multiple": True}
    assert [r["count"] for r in _choice_table(multiple, 5)["rows"]] == ["<5", "20", "9"]
