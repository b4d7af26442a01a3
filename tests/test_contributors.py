"""Contributors: plans through their statuses, the honorarium schedule, who may see
amounts and payment details, the contributor's private link, the finance CSV and the
report's sections (real database, real WeasyPrint)."""

import csv
import io
from datetime import UTC, date, datetime

import pytest

from app.contributors import services
from app.extensions import db
from app.models import Contributor
from app.models.contributors import ContributorStatus
from app.outbound.tokens import hash_token
from app.reporting import services as reporting
from tests.conftest import login
from tests.test_report_pdf import pdf_text

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)


def plan(**overrides) -> services.PlanData:
    values = {
        "name": "Mary Jones",
        "role": "elder",
        "recognition": "honorarium",
        "honorarium_level": "ceremony",
        "minutes": 90,
        "preferred_name": "Elder Mary Jones",
        "nation": "Stó:lō Nation",
        "protocol_tobacco": True,
        "protocol_honorarium": True,
        "named_in_thanks": True,
    }
    values.update(overrides)
    return services.PlanData(**values)


@pytest.fixture
def gathering(make_gathering):
    return make_gathering(title="Perinatal gathering")


@pytest.fixture
def elder(gathering):
    contributor = services.save_plan(gathering, plan())
    db.session.commit()
    return contributor


def test_honorarium_comes_from_the_schedule_and_stays_as_agreed(gathering):
    services.save_rates(gathering, {"share": 3000, "advise": 4000, "lead": 6000, "ceremony": 12000})
    partner = services.save_plan(
        gathering,
        plan(name="Sam Lee", role="patient_partner", honorarium_level="share", minutes=150),
    )
    db.session.commit()
    assert partner.honorarium_cents == 7500  # $30/h for 2.5 h
    services.save_rates(gathering, {"share": 5000, "advise": 4000, "lead": 6000, "ceremony": 12000})
    services.save_plan(
        gathering,
        plan(
            name="Sam Lee (edited)", role="patient_partner", honorarium_level="share", minutes=150
        ),
        contributor=partner,
    )
    assert partner.honorarium_cents == 7500, "an agreed amount does not follow the schedule"
    services.save_plan(
        gathering,
        plan(name="Sam Lee", role="patient_partner", honorarium_level="share", minutes=60),
        contributor=partner,
    )
    assert partner.honorarium_cents == 5000
    declined = services.save_plan(
        gathering, plan(name="Ann", role="speaker", recognition="declined")
    )
    assert declined.honorarium_cents == 0 and declined.payable_cents == 0


def test_a_plan_moves_through_its_statuses(gathering, elder):
    assert elder.status == "agreed"
    with pytest.raises(services.PlanError):
        services.advance(elder, "paid", now=NOW)  # one step at a time
    services.advance(elder, "delivered", now=NOW)
    assert elder.status == "delivered" and elder.delivered_at == NOW
    with pytest.raises(services.PlanError, match="date"):
        services.advance(elder, "paid", now=NOW, payment_method="cheque")
    with pytest.raises(services.PlanError, match="how"):
        services.advance(elder, "paid", now=NOW, paid_on=date(2026, 11, 20))
    with pytest.raises(services.PlanError, match="future"):
        services.advance(
            elder, "paid", now=NOW, paid_on=date(2026, 12, 20), payment_method="cheque"
        )
    services.advance(
        elder,
        "paid",
        now=NOW,
        paid_on=date(2026, 11, 20),
        payment_method="cheque",
        payment_reference="CHQ 1042",
    )
    assert (elder.status, elder.paid_on, elder.payment_reference) == (
        "paid",
        date(2026, 11, 20),
        "CHQ 1042",
    )
    services.advance(elder, "thanked", now=NOW)
    assert elder.status == "thanked" and services.next_step(elder) is None
    with pytest.raises(services.PlanError, match="complete"):
        services.advance(elder, "thanked", now=NOW)


def test_nothing_owed_skips_paying(gathering):
    staff = services.save_plan(
        gathering, plan(name="Pat", role="facilitator", recognition="not_applicable")
    )
    services.advance(staff, "delivered", now=NOW)
    assert services.next_step(staff) == ContributorStatus.THANKED
    with_expenses = services.save_plan(
        gathering,
        plan(
            name="Kim",
            role="patient_partner",
            recognition="declined",
            expenses_claimed_cents=4250,
            expenses_approved_cents=4250,
        ),
    )
    services.advance(with_expenses, "delivered", now=NOW)
    assert services.next_step(with_expenses) == ContributorStatus.PAID


def test_organiser_adds_a_plan_through_the_page_and_bad_input_keeps_what_was_typed(
    organiser_client, gathering
):
    slug = gathering.slug
    bad = organiser_client.post(
        f"/organiser/g/{slug}/contributors/new",
        data={
            "name": "Sam Lee",
            "role": "patient_partner",
            "recognition": "honorarium",
            "honorarium_level": "share",
            "hours": "NaN",
            "expenses_claimed": "=1+1",
            "registration_id": "",
        },
    )
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "Enter hours as a number" in page and "Enter an amount in dollars" in page
    assert 'value="Sam Lee"' in page
    assert db.session.query(Contributor).count() == 0
    item = gathering.active_agenda[0]
    good = organiser_client.post(
        f"/organiser/g/{slug}/contributors/new",
        data={
            "name": "Sam Lee",
            "role": "patient_partner",
            "recognition": "honorarium",
            "honorarium_level": "share",
            "hours": "2.5",
            "expenses_claimed": "42.50",
            "expenses_approved": "40",
            "agenda_items": [str(item.id)],
            "registration_id": "",
        },
    )
    assert good.status_code == 303
    saved = db.session.query(Contributor).one()
    assert (saved.minutes, saved.honorarium_cents, saved.expenses_approved_cents) == (
        150,
        6250,
        4000,
    )
    assert [i.id for i in saved.agenda_items] == [item.id]
    listing = organiser_client.get(f"/organiser/g/{slug}/contributors").get_data(as_text=True)
    assert "$62.50" in listing and "Mark as delivered on the day" in listing


def test_amounts_and_payment_details_are_refused_to_every_other_role(
    app, gathering, elder, make_user, make_registration
):
    services.advance(elder, "delivered", now=NOW)
    services.advance(
        elder,
        "paid",
        now=NOW,
        paid_on=date(2026, 11, 20),
        payment_method="etransfer",
        payment_reference="REF-SECRET-77",
    )
    db.session.commit()
    slug = gathering.slug
    pages = [
        f"/organiser/g/{slug}/contributors",
        f"/organiser/g/{slug}/contributors/{elder.id}",
        f"/organiser/g/{slug}/contributors/finance.csv",
        f"/organiser/g/{slug}/contributors/rates",
    ]
    for role in ("facilitator", "steering"):
        client = app.test_client()
        login(client, make_user(role))
        for path in pages:
            response = client.get(path)
            assert response.status_code == 403, (role, path)
            assert b"REF-SECRET-77" not in response.data
    anonymous = app.test_client()
    for path in pages:
        response = anonymous.get(path)
        assert response.status_code in (302, 303) and "/sign-in" in response.headers["Location"]
    # A participant's own private link (their manage token) opens no contributor's plan.
    participant = make_registration(gathering)
    client = app.test_client()
    assert client.get(f"/c/{participant.token}").status_code == 404
    manage = client.get(f"/r/{participant.token}").get_data(as_text=True)
    assert "REF-SECRET-77" not in manage and "Mary Jones" not in manage
    organiser = app.test_client()
    login(organiser, make_user("organiser"))
    assert b"REF-SECRET-77" in organiser.get(pages[0]).data


def test_the_contributor_sees_and_confirms_only_their_own_plan(
    app, organiser_client, gathering, elder
):
    other = services.save_plan(
        gathering,
        plan(
            name="Other Partner",
            role="patient_partner",
            honorarium_level="lead",
            minutes=600,
            preferred_name="",
            nation="",
            named_in_thanks=False,
        ),
    )
    db.session.commit()
    response = organiser_client.post(f"/organiser/g/{gathering.slug}/contributors/{elder.id}/link")
    page = response.get_data(as_text=True)
    link = page.split('id="private-link" type="text" readonly value="')[1].split('"')[0]
    token = link.rsplit("/c/", 1)[1]
    assert elder.token_hash == hash_token(token) and token not in (elder.token_hash or "")
    visitor = app.test_client()
    own = visitor.get(f"/c/{token}")
    assert own.status_code == 200 and "no-store" in own.headers["Cache-Control"]
    text = own.get_data(as_text=True)
    assert "$150.00" in text  # their own honorarium: $100/h for 1.5 h
    assert "Other Partner" not in text and "$500.00" not in text
    confirmed = visitor.post(
        f"/c/{token}", data={"preferred_name": "Elder Mary Jones (Siyámiya)", "nation": "Stó:lō"}
    )
    assert confirmed.status_code == 303
    db.session.refresh(elder)
    assert elder.confirmed_at is not None and elder.named_in_thanks is False
    assert elder.preferred_name == "Elder Mary Jones (Siyámiya)"
    # A new link replaces the old one.
    organiser_client.post(f"/organiser/g/{gathering.slug}/contributors/{elder.id}/link")
    assert visitor.get(f"/c/{token}").status_code == 404
    assert other.token_hash is None


def test_finance_csv_neutralises_formulas(organiser_client, gathering):
    services.save_plan(
        gathering,
        plan(name='=HYPERLINK("http://x")', role="speaker", honorarium_level="share", minutes=60),
    )
    db.session.commit()
    response = organiser_client.get(f"/organiser/g/{gathering.slug}/contributors/finance.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Name" and rows[1][0].startswith("'=")
    assert rows[1][5] == "25.00"
    assert not any(cell[:1] in "=+-@" for row in rows for cell in row if cell)


def test_report_committee_totals_by_role_and_thanks_only_who_agreed(gathering, elder):
    services.save_plan(
        gathering,
        plan(
            name="Hidden Partner",
            role="patient_partner",
            honorarium_level="share",
            minutes=120,
            preferred_name="",
            nation="",
            named_in_thanks=False,
            expenses_claimed_cents=3000,
            expenses_approved_cents=3000,
        ),
    )
    services.save_plan(
        gathering,
        plan(
            name="Declining Speaker",
            role="speaker",
            recognition="declined",
            preferred_name="Dr. Named Speaker",
            nation="",
            named_in_thanks=True,
        ),
    )
    db.session.commit()
    committee = reporting.build_report(gathering, variant="committee", now=NOW)
    shareable = reporting.build_report(gathering, variant="shareable", now=NOW)
    _, committee_text = pdf_text(committee.pdf)
    _, shareable_text = pdf_text(shareable.pdf)
    for text in (committee_text, shareable_text):
        assert "The people who made it possible" in text
        assert "Elder Mary Jones (Stó:lō Nation)" in text
        assert "Dr. Named Speaker" in text
        assert "Hidden Partner" not in text and "Declining Speaker" not in text
        assert "one other person who chose not to be named" in text
    section = committee.html[committee.html.index('id="recognition"') :]
    section = section[: section.index("</table>")]
    assert "Elder or Knowledge Keeper" in section and "$150.00" in section
    assert "Patient or family partner" in section and "$50.00" in section and "$30.00" in section
    assert "All contributors" in section and "$200.00" in section
    assert "Mary" not in section and "Hidden" not in section
    assert 'id="recognition"' not in shareable.html
    people = shareable.html[shareable.html.index('id="people"') :]
    people = people[: people.index("</section>")]
    assert "$" not in people
    assert "$" not in shareable_text, "the shareable PDF shows no amount anywhere"


def test_a_refused_save_changes_nothing_not_even_the_access_log(organiser_client, gathering, elder):
    from app.models import AccessLogEntry

    path = f"/organiser/g/{gathering.slug}/contributors/{elder.id}"
    assert organiser_client.get(path).status_code == 200
    logged = db.session.query(AccessLogEntry).count()
    refused = organiser_client.post(
        path,
        data={
            "name": "Changed",
            "role": "elder",
            "recognition": "honorarium",
            "honorarium_level": "ceremony",
            "hours": "250",
            "registration_id": "",
        },
    )
    assert refused.status_code == 422 and "Enter at most 200 hours" in refused.get_data(
        as_text=True
    )
    db.session.refresh(elder)
    assert elder.name == "Mary Jones" and elder.minutes == 90
    assert db.session.query(AccessLogEntry).count() == logged
