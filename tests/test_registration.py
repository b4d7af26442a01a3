"""Registration through the test client on a real database: the happy path, the waitlist,
the manage page and bad input."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.choices import RegistrationStatus
from app.extensions import db
from app.models import ManageToken, Registration
from app.models.mail import OutboundEmail
from app.outbound.tokens import hash_token
from app.registration import services


def form_data(gathering, **overrides) -> dict:
    breakouts = gathering.breakouts
    data = {
        "name": "Amara Singh",
        "email": "Amara.Singh@FraserHealth.example",
        "role": "family_physician",
        "organisation_name": "Fraser Northwest Division of Family Practice",
        "organisation_type": "division",
        "health_region": "fraser",
        "hsda": "22",
        "first_choice": str(breakouts[0].id),
        "second_choice": str(breakouts[2].id),
        "accessibility_needs": "Live captions, please.",
        "indigenous_identity": ["first_nations", "metis"],
        "territory": "",
        "consent_collection": "y",
        "consent_followup": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def register(client, gathering, **overrides):
    return client.post(f"/g/{gathering.slug}/register", data=form_data(gathering, **overrides))


def token_from(response) -> str:
    """The private link of the registration just made: the page only says to check the
    email (as it does for an address already registered), so it comes from the email."""
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/check-your-email")
    email = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
    return email.render_args["token"]


def test_register_confirms_and_stores_only_the_token_hash(client, make_gathering):
    gathering = make_gathering()
    response = register(client, gathering)
    assert response.status_code == 303
    token = token_from(response)
    assert len(token) >= 22  # at least 128 bits in URL-safe base64

    registration = db.session.scalar(select(Registration))
    assert registration.email == "amara.singh@fraserhealth.example"
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.identity_codes == ["first_nations", "metis"]
    assert registration.consent_followup_at is not None
    stored = db.session.scalars(select(ManageToken.token_hash)).all()
    assert stored == [hash_token(token)]
    assert token not in stored

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Check your email" in page.get_data(as_text=True)
    assert token not in page.get_data(as_text=True)
    assert "You are registered" in client.get(f"/r/{token}").get_data(as_text=True)


def test_confirmation_and_manage_pages_are_private(client, make_gathering):
    gathering = make_gathering()
    token = token_from(register(client, gathering))
    manage = client.get(f"/r/{token}")
    assert manage.status_code == 200
    assert manage.headers["Referrer-Policy"] == "no-referrer"
    assert manage.headers["Cache-Control"] == "no-store"
    assert client.get("/r/" + "x" * 43).status_code == 404
    assert client.get("/r/short").status_code == 404


def test_full_gathering_waitlists_in_order_and_cancellation_promotes(client, make_gathering):
    gathering = make_gathering(capacity=1)
    first = token_from(register(client, gathering, email="one@example.org"))
    second = token_from(register(client, gathering, email="two@example.org"))
    third = token_from(register(client, gathering, email="three@example.org"))

    page = client.get(f"/r/{third}").get_data(as_text=True)
    assert "waitlist" in page and "number 2 in line" in page
    waitlisted = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
    assert waitlisted.kind == "registration_waitlisted"

    response = client.post(f"/r/{first}/cancel", data={"confirmed": "yes"})
    assert response.status_code == 303
    statuses = dict(db.session.execute(select(Registration.email, Registration.status)).all())
    assert statuses == {
        "one@example.org": "cancelled",
        "two@example.org": "confirmed",
        "three@example.org": "waitlisted",
    }
    assert "number 1 in line" in client.get(f"/r/{third}").get_data(as_text=True)
    assert "Your place is confirmed" in client.get(f"/r/{second}").get_data(as_text=True)


def test_capacity_increase_promotes_as_many_as_fit(app, make_gathering, make_registration):
    gathering = make_gathering(capacity=1)
    make_registration(gathering)
    waiting = [
        make_registration(
            gathering, status="waitlisted", waitlisted_at=datetime.now(UTC) + timedelta(seconds=i)
        )
        for i in range(3)
    ]
    from app.organiser import services as organiser_services
    from tests.test_organiser import gathering_data

    organiser_services.update_gathering(
        gathering, gathering_data(gathering, capacity=3), now=datetime.now(UTC)
    )
    db.session.commit()
    assert [r.status for r in waiting] == ["confirmed", "confirmed", "waitlisted"]


def test_full_without_waitlist_says_so(client, make_gathering, make_registration):
    gathering = make_gathering(capacity=1, waitlist_enabled=False)
    make_registration(gathering)
    response = register(client, gathering)
    assert response.status_code == 409
    assert "full and has no waitlist" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Registration.id))) == 1


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"registration_opens_at": datetime.now(UTC) + timedelta(days=2)}, "has not opened yet"),
        ({"registration_closes_at": datetime.now(UTC) - timedelta(minutes=1)}, "is closed"),
    ],
)
def test_registration_window(client, make_gathering, window, message):
    gathering = make_gathering(**window)
    assert message in client.get(f"/g/{gathering.slug}/register").get_data(as_text=True)
    response = register(client, gathering)
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_same_email_twice_offers_the_link_again(client, make_gathering):
    gathering = make_gathering()
    register(client, gathering)
    response = register(client, gathering, email="  AMARA.SINGH@fraserhealth.example ")
    # The page does not say so (tests/test_enumeration.py); the link is emailed.
    assert response.status_code == 303
    assert response.headers["Location"] == f"/g/{gathering.slug}/check-your-email"
    assert db.session.scalar(select(func.count(Registration.id))) == 1

    resend = client.post(
        f"/g/{gathering.slug}/resend-link", data={"email": "amara.singh@fraserhealth.example"}
    )
    assert resend.status_code == 303
    sent = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.kind == "manage_link")
    ).all()
    assert [m.to_address for m in sent] == ["amara.singh@fraserhealth.example"] * 2
    assert db.session.scalar(select(func.count(ManageToken.id))) == 3

    unknown = client.post(f"/g/{gathering.slug}/resend-link", data={"email": "who@example.org"})
    assert unknown.status_code == 303  # same answer, so the form reveals nothing


def test_cancelled_person_may_register_again(client, make_gathering, make_registration):
    gathering = make_gathering()
    old = make_registration(gathering, email="back@example.org", status="cancelled")
    response = register(client, gathering, email="back@example.org")
    # "Check your email", as for anyone: the link goes only there.
    assert response.headers["Location"] == f"/g/{gathering.slug}/check-your-email"
    db.session.refresh(old)
    assert old.status == "confirmed"
    assert db.session.scalar(select(func.count(Registration.id))) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Enter your full name."),
        ({"email": "not-an-email"}, "email", "Enter an email address like"),
        ({"email": ""}, "email", "Enter your email address."),
        ({"role": "astronaut"}, "role", "Not a valid choice"),
        ({"organisation_type": ""}, "organisation_type", "Choose the type of organisation."),
        ({"health_region": ""}, "health_region", "Choose the health region"),
        ({"hsda": "51"}, "hsda", "not in the health region"),
        ({"hsda": "99"}, "hsda", "Not a valid choice"),
        ({"first_choice": ""}, "first_choice", "Choose your first breakout."),
        ({"first_choice": "999999"}, "first_choice", "Not a valid choice"),
        ({"consent_collection": None}, "consent_collection", "agree to the collection notice"),
        ({"name": "x" * 201}, "name", "Field cannot be longer than 200"),
        ({"accessibility_needs": "x" * 2001}, "accessibility_needs", "longer than 2000"),
        (
            {"indigenous_identity": ["first_nations", "not_indigenous"]},
            "indigenous_identity",
            "stand alone",
        ),
    ],
)
def test_bad_input_is_explained_and_keeps_what_was_typed(
    client, make_gathering, overrides, field, message
):
    gathering = make_gathering()
    response = register(client, gathering, **overrides)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert f'href="#{field}"' in body  # the error summary links to the field
    assert 'id="error-summary-title"' in body
    if field != "organisation_name":
        assert 'value="Fraser Northwest Division of Family Practice"' in body
    if field != "accessibility_needs":
        assert "Live captions, please." in body
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_second_choice_must_differ(client, make_gathering):
    gathering = make_gathering()
    first = str(gathering.breakouts[0].id)
    response = register(client, gathering, first_choice=first, second_choice=first)
    assert response.status_code == 422
    assert "different breakout" in response.get_data(as_text=True)


def test_typed_markup_is_escaped(client, make_gathering):
    gathering = make_gathering()
    payload = '<script>alert("x")</script>'
    token = token_from(register(client, gathering, name=payload, accessibility_needs=payload))
    body = client.get(f"/r/{token}").get_data(as_text=True)
    assert payload not in body
    assert "&lt;script&gt;" in body


def test_manage_page_edits_and_reissues_on_new_room(client, make_gathering):
    gathering = make_gathering()
    token = token_from(register(client, gathering))
    registration = db.session.scalar(select(Registration))
    sequence = registration.calendar_sequence
    new_room = str(gathering.breakouts[3].id)
    response = client.post(
        f"/r/{token}",
        data=form_data(
            gathering, name="Amara K. Singh", first_choice=new_room, consent_collection=None
        ),
    )
    assert response.status_code == 303
    db.session.refresh(registration)
    assert registration.name == "Amara K. Singh"
    assert registration.first_choice_id == int(new_room)
    assert registration.calendar_sequence == sequence + 1


def test_manage_edit_cannot_take_another_persons_email(client, make_gathering, make_registration):
    gathering = make_gathering()
    make_registration(gathering, email="taken@example.org")
    token = token_from(register(client, gathering))
    response = client.post(
        f"/r/{token}", data=form_data(gathering, email="taken@example.org", consent_collection=None)
    )
    assert response.status_code == 422
    assert "already uses this email" in response.get_data(as_text=True)


def test_cancel_asks_first_then_offers_to_register_again(client, make_gathering):
    gathering = make_gathering(capacity=1)
    token = token_from(register(client, gathering))
    manage = client.get(f"/r/{token}").get_data(as_text=True)
    assert f'href="/r/{token}/cancel"' in manage  # a link to a page that asks: no script
    asked = client.get(f"/r/{token}/cancel")
    assert asked.status_code == 200 and "Yes, cancel my registration" in asked.get_data(
        as_text=True
    )
    # One tap on a stale form, or a crafted POST, asks too; nothing changes.
    assert client.post(f"/r/{token}/cancel").status_code == 200
    assert db.session.scalar(select(Registration.status)) == "confirmed"

    assert client.post(f"/r/{token}/cancel", data={"confirmed": "yes"}).status_code == 303
    body = client.get(f"/r/{token}").get_data(as_text=True)
    assert "This registration is cancelled" in body
    assert "Save changes" not in body
    assert "Places are still free" in body and f"again={token}" in body
    assert client.post(f"/r/{token}", data=form_data(gathering)).status_code == 409

    # Registering again starts from their details; the same address takes the place back.
    again = client.get(f"/g/{gathering.slug}/register?again={token}").get_data(as_text=True)
    assert 'value="amara.singh@fraserhealth.example"' in again
    assert "Live captions, please." in again
    # Taken up again; the private link goes to the address (whoever typed it may not own it).
    again = client.post(f"/g/{gathering.slug}/register", data=form_data(gathering))
    assert again.status_code == 303
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Check your email" in page and token not in page
    assert db.session.scalar(select(Registration.status)) == "confirmed"


def test_the_cancelled_page_offers_the_waitlist_when_full(client, make_gathering):
    gathering = make_gathering(capacity=1)
    token = token_from(register(client, gathering, email="one@example.org"))
    register(client, gathering, email="two@example.org")
    client.post(f"/r/{token}/cancel", data={"confirmed": "yes"})
    register(client, gathering, email="three@example.org")  # the freed place is taken
    body = client.get(f"/r/{token}").get_data(as_text=True)
    assert "you can join the waitlist again" in body
    gathering.waitlist_enabled = False
    db.session.commit()
    assert "Register again" not in client.get(f"/r/{token}").get_data(as_text=True)


def test_unknown_slug_is_a_friendly_404(client):
    response = client.get("/g/no-such-gathering/register")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_oversized_post_is_413(client, make_gathering):
    gathering = make_gathering()
    response = client.post(
        f"/g/{gathering.slug}/register",
        data=b"name=" + b"x" * (17 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413


def test_malformed_post_is_not_a_500(client, make_gathering):
    gathering = make_gathering()
    response = client.post(
        f"/g/{gathering.slug}/register", data=b"\xff\xfe%%%", content_type="multipart/form-data"
    )
    assert response.status_code in (400, 422)


def test_csrf_is_required(csrf_app, make_gathering):
    gathering = make_gathering()
    client = csrf_app.test_client()
    response = client.post(f"/g/{gathering.slug}/register", data=form_data(gathering))
    assert response.status_code == 400
    assert "expired or was not sent from our site" in response.get_data(as_text=True)


def test_services_refuse_without_consent(app, make_gathering):
    gathering = make_gathering()
    data = services.RegistrationData(
        name="A",
        email="a@example.org",
        role="nurse",
        organisation_name="X",
        organisation_type="other",
        health_region="fraser",
    )
    with pytest.raises(ValueError, match="consent"):
        services.register(gathering, data, now=datetime.now(UTC))


def test_waitlist_follows_the_order_of_the_lock_not_of_the_clock(app, make_gathering):
    gathering = make_gathering(capacity=1)
    now = datetime.now(UTC)

    def data(email):
        return services.RegistrationData(
            name="A",
            email=email,
            role="nurse",
            organisation_name="X",
            organisation_type="other",
            health_region="fraser",
            consent_collection=True,
        )

    services.register(gathering, data("first@example.org"), now=now)
    late = services.register(gathering, data("second@example.org"), now=now)
    # This request read the clock earlier but reached the lock later: it goes behind.
    early_clock = services.register(
        gathering, data("third@example.org"), now=now - timedelta(seconds=1)
    )
    db.session.commit()
    assert services.waitlist_position(late.registration) == 1
    assert services.waitlist_position(early_clock.registration) == 2
