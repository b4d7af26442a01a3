"""The import works on whole columns; these check, on generated inputs, that each
column-at-a-time step gives exactly what the plain one-value-at-a-time rule gives."""

from collections import defaultdict
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.addresses import normalise_email
from app.attendance.importers import AttendanceRow, rows_frame
from app.attendance.importers.tables import clean_people
from app.attendance.matching import Candidate, match_frame, merged_seconds_by_person
from app.attendance.names import (
    email_keys,
    name_key,
    name_keys,
    walk_in_key,
    walk_in_keys,
)
from app.cleaning import one_line

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters that make names and cells unusual: accents (composed and combining),
# letters with no decomposition, apostrophes, brackets, separators, controls, breaks.
ODD = (
    "ÉéèçñøØłßæœđÐþıÀÔüÜ\u0301\u0327\u034fσΣς한国ИвИ\uff21\uff20\u00a0\u3000\u2028\u2029\x85"
    "'’‘`´ʼ-_.,()[]{}/|–—@\t\r\n\x00\x01\x1f\x7f\x9f\ue000"
)
FIRST = ["Amara", "Émilie", "Thi", "Jordan", "Mary-Anne", "Zoë", "Siobhán", "Bjørn", "Sam"]
LAST = ["Singh", "Côté", "Nguyen", "O'Neill", "O’Neill", "Łukasz", "Ødegård", "Wu", "MacDonald"]
BEFORE = ["", "", "Dr. ", "Dr ", "Elder ", "Chief ", "mr "]
AFTER = ["", "", " MD", ", MD", " RN PhD", " (she/her)", " she/they", " - Fraser Health", " | PSBC"]

odd_text = st.text(alphabet=st.sampled_from(list(ODD) + list("ab AB09")), max_size=12)
names = st.one_of(
    st.builds(
        lambda before, first, last, after, comma, spaces: (
            f"{before}{last}, {first}{after}" if comma else f"{before}{first}{spaces}{last}{after}"
        ),
        st.sampled_from(BEFORE),
        st.sampled_from(FIRST),
        st.sampled_from(LAST),
        st.sampled_from(AFTER),
        st.booleans(),
        st.sampled_from([" ", "  ", " - ", "-", "\t"]),
    ),
    odd_text,
    st.text(max_size=10),
)
domains = st.sampled_from(
    ["health.example", "Health.EXAMPLE", "b.c.", "bücher.example", "xn--bcher-kva.example", "a..b"]
)
addresses = st.one_of(
    st.builds(
        lambda local, at, domain, pad: f"{pad}{local}{at}{domain}{pad}",
        st.sampled_from(["amara", "AMARA.Singh", "émilie", "x_y", ""]),
        st.sampled_from(["@", "@", "＠", "", "@@"]),
        domains,
        st.sampled_from(["", " ", "\t"]),
    ),
    odd_text,
)


@SETTINGS
@given(st.lists(names, max_size=30))
def test_name_keys_of_a_column_are_each_names_key(values):
    assert name_keys(values) == [name_key(value) for value in values]


@SETTINGS
@given(st.lists(addresses, max_size=30))
def test_email_keys_of_a_column_are_each_addresses_key(values):
    assert email_keys(values) == [normalise_email(value) for value in values]


@SETTINGS
@given(st.lists(st.tuples(names, addresses), max_size=30))
def test_walk_in_keys_of_a_column_are_each_walk_ins_key(pairs):
    expected = [walk_in_key(name, email) for name, email in pairs]
    assert walk_in_keys([name for name, _ in pairs], [email for _, email in pairs]) == expected


@SETTINGS
@given(st.lists(st.one_of(names, addresses, odd_text), max_size=30))
def test_people_cells_cleaned_as_a_column_are_each_cleaned_alone(values):
    assert clean_people(values) == [one_line(value) for value in values]


def test_plain_columns_keep_their_fast_results():
    plain = ["Amara Singh", "thi nguyen", "Dr. Émilie Côté", "Mary-Anne O'Neill RN"]
    assert name_keys(plain) == ["amara singh", "nguyen thi", "cote emilie", "anne mary oneill"]
    assert email_keys([" A@Health.Example ", "b@b.c."]) == ["a@health.example", "b@b.c"]
    assert clean_people([" Ana  Lu ", "Bo\tBe\u0301"]) == ["Ana Lu", "Bo Bé"]


# --- merging each person's intervals ------------------------------------------------------

T0 = datetime(2022, 10, 20, 9, 0)
intervals = st.lists(
    st.tuples(
        st.integers(0, 4),  # person
        st.one_of(st.none(), st.integers(0, 600)),  # join, minutes after T0
        st.integers(0, 300),  # minutes present
        st.integers(0, 59),  # and seconds
        st.integers(-60, 120),  # the report's duration minus the span, in seconds
    ),
    max_size=40,
)


def reference_seconds(rows: list[tuple[int, int | None, int, int, int]]) -> dict[int, int]:
    """One person at a time, in plain Python: the report's durations added up, less
    each interval's overlap with the latest leave before it (intervals by join)."""
    result = {}
    for person in {row[0] for row in rows}:
        own = [row for row in rows if row[0] == person]
        durations = [max(span * 60 + extra + second, 0) for _, _, span, second, extra in own]
        total = sum(durations)
        timed = sorted(
            (join * 60, join * 60 + span * 60 + second)
            for _, join, span, second, _ in own
            if join is not None
        )
        latest = None
        for start, end in timed:
            if latest is not None and start < latest:
                total -= min(end, latest) - start
            latest = end if latest is None else max(latest, end)
        result[person] = max(total, max(durations))
    return result


def _columns(rows):
    import numpy as np

    person = np.array([row[0] for row in rows], dtype="int64")
    joins = np.array(
        [T0 + timedelta(minutes=join) if join is not None else None for _, join, *_ in rows],
        dtype="datetime64[s]",
    )
    leaves = np.array(
        [
            T0 + timedelta(minutes=join + span, seconds=second) if join is not None else None
            for _, join, span, second, _ in rows
        ],
        dtype="datetime64[s]",
    )
    seconds = np.array(
        [max(span * 60 + extra + second, 0) for _, _, span, second, extra in rows], dtype="int64"
    )
    return person, joins, leaves, seconds


@SETTINGS
@given(intervals)
def test_merged_time_matches_the_plain_rule_for_each_person(rows):
    person, joins, leaves, seconds = _columns(rows)
    count = int(person.max()) + 1 if len(rows) else 0
    merged = merged_seconds_by_person(person, joins, leaves, seconds, count)
    expected = reference_seconds(rows)
    assert {who: int(merged[who]) for who in expected} == expected


@SETTINGS
@given(intervals)
def test_exact_durations_add_up_to_the_time_covered(rows):
    """When every row's duration is its span, a person's time is the length of the
    union of their intervals, counted minute by minute here."""
    rows = [(who, join if join is not None else 0, span, 0, 0) for who, join, span, _, _ in rows]
    person, joins, leaves, seconds = _columns(rows)
    count = int(person.max()) + 1 if len(rows) else 0
    merged = merged_seconds_by_person(person, joins, leaves, seconds, count)
    covered = defaultdict(set)
    for who, join, span, _, _ in rows:
        covered[who].update(range(join, join + span))
    assert {who: int(merged[who]) for who in covered} == {
        who: len(minutes) * 60 for who, minutes in covered.items()
    }


def test_merged_time_over_two_centuries_of_eight_hundred_people():
    """Leaves two centuries apart for 800 people are too far apart to offset each
    person's past the one before in 64 bits: their ranks are offset instead."""
    import random

    import numpy as np

    rng = random.Random(7)
    rows = [
        (
            who,
            rng.choice([0, 100 * 365 * 24 * 60 * 2]) + rng.randrange(0, 600),
            rng.randrange(0, 90),
            0,
            0,
        )
        for who in range(800)
        for _ in range(3)
    ]
    person, joins, leaves, seconds = _columns(rows)
    span = int((leaves.max() - leaves.min()).astype("timedelta64[us]").astype(np.int64))
    assert span * 800 >= 2**62
    merged = merged_seconds_by_person(person, joins, leaves, seconds, 800)
    assert {who: int(merged[who]) for who in range(800)} == reference_seconds(rows)


# --- matching a report to the registrations -----------------------------------------------

POOL_NAMES = ["Sam Wu", "Wu, Sam", "Dr. Sam Wu", "Émilie Côté", "Emilie Cote", "Thi Nguyen", ""]
POOL_EMAILS = ["", "", "sam@a.example", "SAM@A.example", "emilie@b.example", "thi@c.example"]
candidates = st.lists(
    st.builds(
        Candidate,
        st.integers(1, 12),
        st.sampled_from(POOL_NAMES),
        st.sampled_from(POOL_EMAILS),
    ),
    max_size=10,
)
report_rows = st.lists(
    st.tuples(
        st.sampled_from([*POOL_NAMES, "iPhone (2)", "Guest"]),
        st.sampled_from(POOL_EMAILS),
        st.sampled_from(["", "", "sam@a.example", "thi@c.example"]),
        st.integers(0, 200),
        st.integers(0, 90),
    ),
    min_size=1,
    max_size=25,
)


def reference_people(rows: list[AttendanceRow], registered: list[Candidate]) -> list[dict]:
    """Row by row with dictionaries: email, then UPN, then name key; each identity's
    person key; people in order of first row, the matched first."""
    by_email, by_name = defaultdict(list), defaultdict(list)
    for candidate in registered:
        for index, key in (
            (by_email, normalise_email(candidate.email)),
            (by_name, name_key(candidate.name)),
        ):
            if key and candidate.id not in index[key]:
                index[key].append(candidate.id)
    people: dict[str, dict] = {}
    first_line: dict[tuple[str, str, str], int] = {}
    for row in rows:
        # Rows of one (name, email, UPN) are one identity: a blank one is keyed by its
        # first line.
        line = first_line.setdefault((row.name, row.email, row.upn), row.line)
        email, upn = normalise_email(row.email), normalise_email(row.upn)
        found, how = [], None
        for key, index, label in ((email, by_email, "email"), (upn, by_email, "upn")):
            if not found and key in index:
                found, how = index[key], label
        name = name_key(row.name) if not found or (len(found) > 1 and not email) else ""
        if not found and name in by_name:
            found, how = by_name[name], "name"
        ids = ",".join(map(str, found))
        if len(found) == 1:
            key, status = f"r:{found[0]}", "matched"
        elif found:
            key, status = f"a:{ids}:{email or name}", "ambiguous"
        else:
            key, status = f"u:{email or upn or name or f'line{line}'}", "unmatched"
        person = people.setdefault(
            key,
            {
                "key": key,
                "status": status,
                "name": row.name,
                "registration_id": found[0] if status == "matched" else None,
                "candidate_ids": ids if status == "ambiguous" else "",
                "lines": [],
                "hows": [],
            },
        )
        person["lines"].append(row.line)
        person["hows"].append(how)
    for person in people.values():
        hows = person.pop("hows")
        if person["status"] == "matched":
            person["matched_by"] = "email" if "email" in hows else hows[-1]
        else:
            person["matched_by"] = hows[0]
    order = {"matched": 0, "ambiguous": 1, "unmatched": 2}
    return sorted(people.values(), key=lambda person: order[person["status"]])


@SETTINGS
@given(report_rows, candidates)
def test_matching_agrees_with_the_row_by_row_rule(raw, registered):
    rows = [
        AttendanceRow(
            line=line,
            name=name,
            email=email,
            upn=upn,
            join=T0 + timedelta(minutes=start),
            leave=T0 + timedelta(minutes=start + minutes),
            seconds=minutes * 60,
        )
        for line, (name, email, upn, start, minutes) in enumerate(raw, start=2)
    ]
    people = match_frame(rows_frame(rows), registered, with_lines=True)
    found = [
        {
            "key": person.key,
            "status": person.status,
            "name": person.name,
            "registration_id": None if person.registration_id is None else person.registration_id,
            "candidate_ids": person.candidate_ids,
            "lines": person.lines,
            "matched_by": person.matched_by,
        }
        for person in people.astype(object).where(people.notna(), None).itertuples()
    ]
    assert found == reference_people(rows, registered)


# --- a column of times -------------------------------------------------------------------

LAYOUTS = {
    "mdy": [
        "{mo:02d}/{d:02d}/{y} {h12:02d}:{mi:02d}:{s:02d} {ampm}",
        "{mo}/{d}/{y} {h12}:{mi:02d} {ampm}",
        "{mo:02d}/{d:02d}/{y2:02d}, {h12:02d}:{mi:02d} {ampm}",
        "{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}",
        "{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}",
    ],
    "dmy": [
        "{d:02d}/{mo:02d}/{y} {h:02d}:{mi:02d}:{s:02d}",
        "{d:02d}.{mo:02d}.{y} {h:02d}:{mi:02d}",
    ],
}
stamps = st.builds(
    dict,
    y=st.integers(1995, 2040),
    mo=st.integers(1, 13),  # 13: not a month, so some values are refused
    d=st.integers(1, 31),
    h=st.integers(0, 23),
    mi=st.integers(0, 59),
    s=st.integers(0, 59),
)


def _formatted(parts: dict, layout: str) -> str:
    hour = parts["h"]
    return layout.format(
        **parts,
        y2=parts["y"] % 100,
        h12=hour % 12 or 12,
        ampm=["AM", "PM", "am", "pm"][(hour >= 12) + 2 * (parts["s"] % 2)],
    )


@SETTINGS
@given(
    st.sampled_from(["mdy", "dmy"]).flatmap(
        lambda order: st.tuples(
            st.just(order),
            st.lists(
                st.tuples(stamps, st.sampled_from(LAYOUTS[order])),
                min_size=1,
                max_size=30,
            ),
        )
    )
)
def test_a_column_of_times_reads_as_each_time_alone(case):
    """The whole-column reader (fixed-width digits, then one format, then one value at
    a time) gives each value what the one-value reader gives, or its error."""
    import numpy as np

    from app.attendance.importers import AttendanceFileError
    from app.attendance.importers.times import TimeParser, parse_time_column

    order, drawn = case
    values = [_formatted(parts, layout) for parts, layout in drawn]
    lines = np.arange(2, len(values) + 2)
    expected, failure = [], None
    for value, line in zip(values, lines.tolist(), strict=True):
        try:
            expected.append(TimeParser(order)(value, line, "join"))
        except AttendanceFileError as error:
            failure = failure or (error.line, error.problem)
    try:
        parsed = parse_time_column(np.array(values, dtype=object), lines, TimeParser(order), "join")
    except AttendanceFileError as error:
        assert failure is not None
        assert (error.line, error.problem) == failure
    else:
        assert failure is None
        assert parsed.astype(object).tolist() == expected
