"""Staff accounts: invitations by email with a one-time link, forgotten and changed
passwords, password rules, sessions that end on the server, and a sign-in lock that holds
when guesses arrive together."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.links import LIFETIMES, find_link
from app.auth.passwords import common_passwords, password_problems
from app.auth.services import find_user
from app.extensions import db
from app.models import (
    AccountToken,
    BreakoutStaff,
    OutboundEmail,
    SignInFailures,
    TokenPurpose,
    User,
)
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "quiet river under cedar"
LINK = re.compile(r"https?://[^\s\"<>]+/a/([A-Za-z0-9_-]{40,})")


def last_link(to: str) -> str:
    email = db.session.scalars(
        select(OutboundEmail)
        .where(OutboundEmail.to_address == to)
        .order_by(OutboundEmail.id.desc())
    ).first()
    assert email is not None, f"no email to {to}"
    found = LINK.search(email.text_body)
    assert found, email.text_body
    assert found.group(1) in email.html_body
    return found.group(1)


def emails_to(to: str) -> list[OutboundEmail]:
    return list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.to_address == to)))


def choose(client, token: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(f"/a/{token}", data={"password": password, "confirm": confirm or password})


# --- invitations ---------------------------------------------------------------------


def test_organiser_invites_a_facilitator_with_rooms(app, organiser_client, make_gathering):
    gathering = make_gathering()
    room = gathering.breakouts[0]
    response = organiser_client.post(
        "/organiser/accounts/invite",
        data={
            "name": "Fay Facilitator",
            "email": " Fay@Example.org ",
            "role": "facilitator",
            "rooms": [str(room.id)],
            "room_role": "facilitator",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    user = find_user("fay@example.org")
    assert user.role == "facilitator" and user.password_hash == ""
    assert (
        db.session.scalar(
            select(BreakoutStaff.agenda_item_id).where(BreakoutStaff.user_id == user.id)
        )
        == room.id
    )
    (email,) = emails_to("fay@example.org")
    assert email.kind == "invitation"
    assert room.title in email.text_body and "72 hours" in email.text_body
    token = last_link("fay@example.org")
    stored = db.session.scalar(select(AccountToken.token_hash))
    assert token not in stored and len(stored) == 64  # only the hash is kept

    page = organiser_client.get("/organiser/accounts/").get_data(as_text=True)
    assert "fay@example.org" in page and "Invited, no password yet" in page
    assert room.title in page

    # An invited account cannot sign in before it has a password.
    other = app.test_client()
    refused = other.post("/sign-in", data={"email": "fay@example.org", "password": ""})
    assert refused.status_code == 422
    form = other.get(f"/a/{token}")
    assert form.status_code == 200 and "Choose your password" in form.get_data(as_text=True)
    assert "no-store" in form.headers["Cache-Control"]
    assert choose(other, token).status_code == 303
    login(other, user, NEW_PASSWORD)
    rooms = other.get("/breakouts/").get_data(as_text=True)
    assert room.title in rooms
    assert "Signed in as" in rooms and "Fay Facilitator" in rooms and "(Facilitator)" in rooms
    # The link works once.
    assert other.get(f"/a/{token}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-address"}, "Enter an email address"),
        ({"role": ""}, "Choose a role"),
        ({"role": "boss"}, "Not a valid choice"),
        ({"name": "  "}, "Enter the person"),
        ({"role": "steering", "rooms": "ROOM"}, "Only facilitators are given breakout rooms"),
    ],
)
def test_invitation_form_refuses_bad_input(organiser_client, make_gathering, fields, message):
    room = make_gathering().breakouts[0]
    data = {"name": "Sam", "email": "sam@example.org", "role": "facilitator"}
    data.update({k: (str(room.id) if v == "ROOM" else v) for k, v in fields.items()})
    response = organiser_client.post("/organiser/accounts/invite", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "error-summary" in html
    assert db.session.scalar(select(func.count(User.id))) == 1  # only the organiser
    assert db.session.scalar(select(func.count(OutboundEmail.id))) == 0


def test_an_address_with_an_account_is_not_invited_twice(organiser_client, make_user):
    make_user("steering", email="sita@example.org")
    response = organiser_client.post(
        "/organiser/accounts/invite",
        data={"name": "Sita", "email": "SITA@example.org", "role": "steering"},
    )
    assert response.status_code == 422
    assert "already an account" in response.get_data(as_text=True)


def test_resend_replaces_the_link_and_it_expires_after_72_hours(app, organiser_client):
    organiser_client.post(
        "/organiser/accounts/invite",
        data={"name": "Sol", "email": "sol@example.org", "role": "steering"},
    )
    first = last_link("sol@example.org")
    user = find_user("sol@example.org")
    assert organiser_client.post(f"/organiser/accounts/{user.id}/resend").status_code == 303
    second = last_link("sol@example.org")
    assert first != second
    assert len(emails_to("sol@example.org")) == 2
    assert app.test_client().get(f"/a/{first}").status_code == 404
    now = datetime.now(UTC)
    assert LIFETIMES[TokenPurpose.INVITATION] == timedelta(hours=72)
    assert find_link(second, now=now + timedelta(hours=71)) is not None
    assert find_link(second, now=now + timedelta(hours=72, minutes=1)) is None


def test_resend_is_refused_for_accounts_with_a_password(organiser_client, make_user):
    user = make_user("steering")
    response = organiser_client.post(f"/organiser/accounts/{user.id}/resend")
    assert response.status_code == 303
    assert "Only invited accounts" in organiser_client.get("/organiser/accounts/").get_data(
        as_text=True
    )
    assert emails_to(user.email) == []


def test_adding_an_unknown_address_to_a_room_invites_a_facilitator(
    organiser_client, make_gathering, make_user
):
    gathering = make_gathering()
    room = gathering.breakouts[2]
    path = f"/organiser/g/{gathering.slug}/breakouts/{room.id}/invite"
    assert organiser_client.get(path).status_code == 200
    room_page = organiser_client.get(f"/organiser/g/{gathering.slug}/breakouts/{room.id}")
    assert path in room_page.get_data(as_text=True)

    response = organiser_client.post(
        path, data={"email": "newfac@example.org", "name": "New Fac", "room_role": "note_taker"}
    )
    assert response.status_code == 303
    user = find_user("newfac@example.org")
    assert user.role == "facilitator"
    staff = db.session.scalar(select(BreakoutStaff).where(BreakoutStaff.user_id == user.id))
    assert staff.agenda_item_id == room.id and staff.role == "note_taker"
    assert len(emails_to("newfac@example.org")) == 1

    existing = make_user("facilitator", email="known@example.org")
    organiser_client.post(path, data={"email": "known@example.org", "room_role": "facilitator"})
    assert emails_to("known@example.org") == []  # has an account: simply added
    assert (
        db.session.scalar(
            select(func.count(BreakoutStaff.id)).where(BreakoutStaff.user_id == existing.id)
        )
        == 1
    )

    make_user("steering", email="steer@example.org")
    refused = organiser_client.post(path, data={"email": "steer@example.org", "room_role": "x"})
    assert refused.status_code == 422


def test_role_change_ends_sessions_and_leaves_rooms(
    app, organiser_client, make_gathering, make_user
):
    gathering = make_gathering()
    facilitator = make_user("facilitator")
    from app.breakouts.staffing import add_staff

    add_staff(gathering.breakouts[0], facilitator, "facilitator")
    db.session.commit()
    theirs = app.test_client()
    login(theirs, facilitator)
    assert theirs.get("/breakouts/").status_code == 200
    response = organiser_client.post(
        f"/organiser/accounts/{facilitator.id}", data={"name": "Now steering", "role": "steering"}
    )
    assert response.status_code == 303
    assert theirs.get("/breakouts/").status_code == 302  # signed out
    assert (
        db.session.scalar(
            select(func.count(BreakoutStaff.id)).where(BreakoutStaff.user_id == facilitator.id)
        )
        == 0
    )


def test_organisers_cannot_lock_themselves_out(organiser_client, organiser):
    demote = organiser_client.post(
        f"/organiser/accounts/{organiser.id}", data={"name": "Me", "role": "steering"}
    )
    assert demote.status_code == 422
    assert "your own organiser role" in demote.get_data(as_text=True)
    organiser_client.post(f"/organiser/accounts/{organiser.id}/deactivate")
    db.session.refresh(organiser)
    assert organiser.active and organiser.role == "organiser"


def test_deactivation_ends_every_session_at_once(app, organiser_client, make_user):
    steering = make_user("steering")
    first, second = app.test_client(), app.test_client()
    login(first, steering)
    login(second, steering)
    assert first.get("/reports/").status_code == 200
    assert organiser_client.post(f"/organiser/accounts/{steering.id}/deactivate").status_code == 303
    assert first.get("/reports/").status_code == 302
    assert second.get("/reports/").status_code == 302
    again = app.test_client().post("/sign-in", data={"email": steering.email, "password": PASSWORD})
    assert again.status_code == 401
    organiser_client.post(f"/organiser/accounts/{steering.id}/reactivate")
    login(app.test_client(), steering)


# --- passwords -----------------------------------------------------------------------


def test_forgotten_password_answers_the_same_for_unknown_addresses(app, client, make_user):
    user = make_user("steering", email="sam@example.org")
    page = client.get("/sign-in").get_data(as_text=True)
    assert "/forgotten-password" in page and "Forgotten your password?" in page
    known = client.post("/forgotten-password", data={"email": "SAM@example.org"})
    unknown = client.post("/forgotten-password", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert emails_to("nobody@example.org") == []
    (email,) = emails_to("sam@example.org")
    assert email.kind == "password_reset"

    token = last_link("sam@example.org")
    assert choose(client, token, "password2024!").status_code == 422
    assert choose(client, token).status_code == 303
    refused = app.test_client().post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 401  # the old password stops working
    login(app.test_client(), user, NEW_PASSWORD)
    assert client.get(f"/a/{token}").status_code == 404


def test_a_reset_ends_sessions_signed_in_with_the_old_password(app, client, make_user):
    user = make_user("organiser")
    elsewhere = app.test_client()
    login(elsewhere, user)
    client.post("/forgotten-password", data={"email": user.email})
    choose(client, last_link(user.email))
    assert elsewhere.get("/organiser/").status_code == 302


def test_deactivated_accounts_get_no_reset_email(client, make_user):
    user = make_user("steering")
    user.active = False
    db.session.commit()
    assert client.post("/forgotten-password", data={"email": user.email}).status_code == 200
    assert emails_to(user.email) == []


def test_change_own_password(app, client, make_user):
    user = make_user("facilitator")
    login(client, user)
    other = app.test_client()
    login(other, user)
    assert client.get("/account/password").status_code == 200
    wrong = client.post(
        "/account/password",
        data={"current": "nope", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    mismatch = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": "something else"},
    )
    assert mismatch.status_code == 422 and "not the same" in mismatch.get_data(as_text=True)
    done = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert done.status_code == 303
    assert client.get("/breakouts/").status_code == 200  # this session carries on
    assert other.get("/breakouts/").status_code == 302  # every other one has ended
    login(app.test_client(), user, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 10"),
        ("aaaaaaaaaaaa", "more different"),
        ("password123", "most common"),
        ("Password2024!", "most common"),
        ("qwertyuiop", "most common"),
        ("iloveyouiloveyou", "most common"),
        ("Canucks2023", "most common"),
        ("sam.jones-garden", "name or email"),
        ("x" * 201, "at most 200"),
    ],
)
def test_password_rules(password, problem):
    (message,) = password_problems(password, email="sam.jones@example.org", name="Sam Jones")
    assert problem in message


def test_good_passwords_pass_and_the_common_list_is_shipped():
    assert password_problems(NEW_PASSWORD, email="sam@example.org") == []
    assert password_problems(PASSWORD, email="x@example.org") == []
    assert len(common_passwords()) > 3000
    assert "password" in common_passwords() and "123456789" in common_passwords()


# --- sessions ------------------------------------------------------------------------


def test_a_session_cookie_copied_before_sign_out_is_refused_after_it(app, client, make_user):
    user = make_user("organiser")
    login(client, user)
    copied = client.get_cookie("session", domain="gathering.test").value
    thief = app.test_client()
    thief.set_cookie("session", copied, domain="gathering.test")
    assert thief.get("/organiser/").status_code == 200
    assert client.post("/sign-out").status_code == 303
    refused = thief.get("/organiser/")
    assert refused.status_code == 302 and "/sign-in" in refused.headers["Location"]


def test_an_old_style_session_id_is_refused(app, client, make_user):
    from app.auth.routes import load_user

    user = make_user("organiser")
    assert load_user(str(user.id)) is None
    assert load_user(f"{user.id}.{user.session_version}") == user
    assert load_user(f"{user.id}.{user.session_version + 1}") is None
    assert load_user("x.y") is None


def test_the_header_says_who_is_signed_in(client, make_user):
    anonymous = client.get("/").get_data(as_text=True)
    assert "Staff sign-in" in anonymous and "Organiser sign-in" not in anonymous
    page = client.get("/sign-in").get_data(as_text=True)
    assert "facilitators" in page and "steering committee" in page
    user = make_user("steering", email="reader@example.org")
    login(client, user)
    html = client.get("/reports/").get_data(as_text=True)
    assert "Signed in as" in html and "reader@example.org" in html and "(Steering committee" in html


# --- the lock under concurrency --------------------------------------------------------


def test_eight_guesses_sent_together_cannot_pass_the_lock(app, make_user):
    """Each guess checks the password (slow on purpose) and then counts the failure in one
    UPDATE; of eight sent at once, only the first LOGIN_MAX_FAILURES - 1 get a plain
    "wrong password", the rest find the account locked."""
    make_user("organiser", email="target@example.org")
    limit = app.config["LOGIN_MAX_FAILURES"]
    barrier = threading.Barrier(8)
    statuses: list[int] = []
    lock = threading.Lock()

    def guess(n: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/sign-in", data={"email": "target@example.org", "password": f"guess {n}"}
        )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [401] * (limit - 1) + [429] * (8 - limit + 1), statuses
    db.session.expire_all()
    (locked,) = db.session.scalars(select(SignInFailures)).all()
    assert locked.locked_until is not None and locked.failures == 0


def test_the_accounts_page_shows_an_address_locked_out_and_from_how_many_networks(
    app, organiser_client, make_user
):
    """Locks fall on an address typed from one network (tests/test_enumeration.py), so
    the organisers' page says so, and shows nothing for the same address elsewhere."""
    helper = make_user("facilitator", email="fran@example.org")
    limit = app.config["LOGIN_MAX_FAILURES"]
    guesser = app.test_client()
    for network in ("203.0.113.9", "198.51.100.7"):
        for _ in range(limit):
            guesser.post(
                "/sign-in",
                data={"email": "Fran@Example.org", "password": "wrong"},
                environ_base={"REMOTE_ADDR": network},
            )
    for _ in range(limit):  # an address without an account locks the same way
        guesser.post("/sign-in", data={"email": "nobody@example.org", "password": "wrong"})
    page = organiser_client.get("/organiser/accounts/").get_data(as_text=True)
    row = page.split("fran@example.org", 1)[1].split("</tr>", 1)[0]
    assert "Locked from 2 networks after wrong passwords" in row
    single = organiser_client.get(f"/organiser/accounts/{helper.id}").get_data(as_text=True)
    assert "Locked from 2 networks" in single
    assert "nobody@example.org" not in page
    # The owner still signs in from their own network; the page says when the lock lifts.
    owner = app.test_client()
    response = owner.post(
        "/sign-in",
        data={"email": "fran@example.org", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.50"},
    )
    assert response.status_code == 303
    later = datetime.now(UTC) + timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1)
    from app.staff.services import account_rows

    (fran,) = [row for row in account_rows(now=later) if row.email == "fran@example.org"]
    assert fran.status == "active"
