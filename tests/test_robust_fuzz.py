"""Hypothesis sends junk to every form of the URL map, as each role (issue 11, item 5).

For every POST route, as anonymous, participant (real manage and survey tokens),
facilitator, steering and organiser: a valid-looking baseline with a drawn subset of
fields replaced by junk (control characters, NUL, huge and negative numbers, far dates,
lists, unknown checkbox values, long text) and sometimes an id in the path beyond what the
database holds. Never a 5xx; a refused form (4xx) saves no row in any table.

Bounded for CI: a few examples per role, each one request to every POST route; derandomized
when CI=true. FUZZ_EXAMPLES raises the count for a longer local run. Counts are printed
with -s and recorded in the JUnit XML."""

import os
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from wtforms.fields.core import UnboundField

from app.breakouts.staffing import add_staff
from app.evaluation import answers, links, setup
from app.extensions import db
from app.forms_common import BaseForm, BaseSubform
from tests.conftest import login

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
ROLES = ["anonymous", "participant", "facilitator", "steering", "organiser"]
SIGNED_OUT_BY = {"auth.logout"}
# Names some routes read from request.form directly, beside their form.
READ_FROM_REQUEST = {"action", "d0", "d1", "expected", "back", "ids", "selected", "q"}
# A refused sign-in is counted on purpose (the lock per address and network): the one row a
# refusal may write.
COUNTED_WHEN_REFUSED = {("auth.login", 401): {"sign_in_failures"}}

JUNK_TEXT = [
    "",
    " ",
    "\x00",
    "Amara\x00Singh",
    "\x01\x02\x1b[31m\x7f\x9b",
    "line one\r\nline two\u2028three",
    "\t \u00a0\u200b",
    "0",
    "-1",
    "1.5",
    str(2**31),
    str(2**63),
    str(-(2**63) - 1),
    str(10**40),
    "1e309",
    "NaN",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "2024-02-30T25:61",
    "false",
    "off",
    "n",
    "True",
    "y",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "ｊｏｓé＠Ｅｘａｍｐｌｅ．ｃａ",
    "josé@bücher.example",
    "a" * 5000,
    "../../etc/passwd",
    "²",
    "١٢",
    "--5",
    "reg:²",
    "send",
    "undo",
    "submit",
    "\ud7ff\ue000\U0010ffff",
]


def _junk():
    return st.one_of(
        st.sampled_from(JUNK_TEXT),
        st.text(max_size=40),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.lists(st.sampled_from(JUNK_TEXT[:12] + ["Beta"] * 3), min_size=2, max_size=30),
    )


def form_field_names() -> list[str]:
    """Every field name that any page form declares (sub-rows as name-0-sub)."""
    names: set[str] = set()

    def classes(root):
        for cls in root.__subclasses__():
            yield cls
            yield from classes(cls)

    def fields_of(cls):
        for name in dir(cls):
            value = getattr(cls, name, None)
            if isinstance(value, UnboundField):
                yield name, value

    for cls in [*classes(BaseForm), *classes(BaseSubform)]:
        for name, unbound in fields_of(cls):
            names.add(name)
            inner = unbound.args[0] if unbound.args else None
            if isinstance(inner, UnboundField) and inner.args:
                for sub, _ in fields_of(inner.args[0]):
                    names.add(f"{name}-0-{sub}")
    return sorted(names)


def row_counts() -> dict[str, int]:
    tables = [t.name for t in db.metadata.sorted_tables]
    query = " UNION ALL ".join(f"SELECT '{name}', COUNT(*) FROM \"{name}\"" for name in tables)
    return dict(db.session.execute(text(query)).all())


@pytest.fixture
def world(app, make_gathering, make_registration, make_user):
    now = datetime.now(UTC)
    # Under way: registration, check-in and the survey are all open, so junk reaches every
    # form's own checks rather than a "not yet" refusal (the survey opens at the start).
    gathering = make_gathering(
        capacity=30,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
        registration_closes_at=None,
    )
    registration = make_registration(gathering)
    users = {role: make_user(role) for role in ("facilitator", "steering", "organiser")}
    room = gathering.breakouts[0]
    add_staff(room, users["facilitator"], "facilitator")
    survey = setup.create_survey(gathering, now=now)
    db.session.flush()
    question = survey.questions[0]
    setup.open_survey(survey, now=now)
    invitation = links.ensure_invitation(survey, registration)
    db.session.commit()
    values = {
        "slug": gathering.slug,
        "item_id": str(room.id),
        "registration_id": str(registration.id),
        "question_id": str(question.id),
        "fmt": "csv",
        "key": "confirmation",
    }
    participant = {
        **values,
        "token": registration.token,
        "key": links.invitation_token(invitation),
    }
    baseline = {
        "name": "Amara Singh",
        "email": "amara.fuzz@example.org",
        "role": "nurse",
        "organisation_name": "Fraser Health",
        "organisation_type": "health_authority",
        "health_region": "fraser",
        "first_choice": str(room.id),
        "consent_collection": "y",
        "title": "Fuzzed title",
        "slug": "fuzzed-gathering",
        "starts_at": (now + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(days=40, hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "kind": "plenary",
        "prompt": "A fuzzed question?",
        "minutes": "10",
        "summary": "A summary.",
        **{answers.field_name(q): "3" for q in survey.questions},
    }
    clients = {"anonymous": app.test_client(), "participant": app.test_client()}
    for role, user in users.items():
        clients[role] = app.test_client()
        login(clients[role], user)
    return {
        "clients": clients,
        "values": {"participant": participant},
        "default_values": values,
        "baseline": baseline,
        "names": sorted(set(form_field_names()) | set(baseline) | READ_FROM_REQUEST),
    }


def post_routes(app) -> list:
    return sorted(
        (r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint != "static"),
        key=lambda r: r.rule,
    )


FIELD_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"')


def page_fields(client, rule, values: dict[str, str]) -> list[str]:
    """The fields the route's own page offers (when it has a page), so that most junk
    lands in fields the form reads; the union of all names still reaches the others."""
    if "GET" not in rule.methods:
        return []
    path = rule.rule
    for argument in rule.arguments:
        path = re.sub(rf"<(?:[^<>]*:)?{argument}>", values.get(argument, "1"), path)
    response = client.get(path)
    names = set(FIELD_NAME.findall(response.get_data(as_text=True)))
    response.close()
    db.session.rollback()
    return sorted((names - {"csrf_token"}) | READ_FROM_REQUEST) if names else []


def fill(rule, values: dict[str, str], data) -> str:
    path = rule.rule
    for argument in rule.arguments:
        value = values.get(argument, "1")
        if argument.endswith("_id") and data.draw(st.booleans(), label="junk id"):
            value = data.draw(st.sampled_from(["0", str(2**31), str(2**64), str(10**30)]))
        path = re.sub(rf"<(?:[^<>]*:)?{argument}>", value, path)
    return path


@pytest.mark.parametrize("role", ROLES)
def test_junk_in_every_form_is_never_a_server_error(app, world, role, record_testsuite_property):
    routes = [
        rule
        for rule in post_routes(app)
        if not (role in ("facilitator", "steering", "organiser") and rule.endpoint in SIGNED_OUT_BY)
    ]
    client = world["clients"][role]
    values = world["values"].get(role, world["default_values"])
    statuses: Counter = Counter()
    own_fields = {rule.endpoint: page_fields(client, rule, values) for rule in routes}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=os.environ.get("CI") == "true",
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def every_form(data) -> None:
        for rule in routes:
            path = fill(rule, values, data)
            names = own_fields[rule.endpoint] or world["names"]
            junk = data.draw(
                st.dictionaries(st.sampled_from(names), _junk(), max_size=8), label=rule.endpoint
            )
            dropped = data.draw(st.sets(st.sampled_from(sorted(world["baseline"])), max_size=4))
            form = {k: v for k, v in world["baseline"].items() if k not in dropped} | junk
            before = row_counts()
            response = client.post(path, data=form)
            response.get_data()
            response.close()
            statuses[response.status_code] += 1
            assert response.status_code < 500, (role, rule.endpoint, path, form)
            if 400 <= response.status_code < 500:
                counted = COUNTED_WHEN_REFUSED.get((rule.endpoint, response.status_code), set())
                changed = {
                    name: (count, after)
                    for name, after in row_counts().items()
                    if (count := before.get(name)) != after and name not in counted
                }
                assert not changed, (role, rule.endpoint, response.status_code, changed, form)
            db.session.rollback()

    every_form()
    figures = (
        f"fuzz {role}: {len(routes)} forms x {EXAMPLES} examples = {sum(statuses.values())} "
        f"requests, statuses {dict(sorted(statuses.items()))}"
    )
    print("\n" + figures)
    record_testsuite_property(f"figures: fuzz {role}", figures)
    assert sum(statuses.values()) >= len(routes) * EXAMPLES
