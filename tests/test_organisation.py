"""Our name: organisation settings in the database, shown in pages, emails and the report
cover; the accent colour checked for AA contrast before it is saved."""

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.branding import Organisation
from app.extensions import db
from app.models import OrganisationSettings, OutboundEmail
from app.organisation.services import check_accent, contrast_ratio

SETTINGS = {
    "name": "Northern Perinatal Network",
    "short_name": "NPN",
    "contact_email": "hello@npn.example.org",
    "contact_phone": "250-555-0199",
    "accent_colour": "#5a2d82",
}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (90, 45, 130)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_defaults_show_before_anything_is_saved(client):
    html = client.get("/").get_data(as_text=True)
    assert Organisation().name in html
    css = client.get("/organisation/theme.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "--accent: #0b5c8a" in css.get_data(as_text=True)
    assert client.get("/organisation/logo").status_code == 404


def test_organiser_saves_settings_shown_in_pages_and_emails(organiser_client, client, make_user):
    data = dict(SETTINGS, logo=(io.BytesIO(png_bytes()), "logo.png"))
    response = organiser_client.post(
        "/organiser/settings", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    html = client.get("/").get_data(as_text=True)
    assert "Northern Perinatal Network" in html and "hello@npn.example.org" in html
    assert "/organisation/logo" in html
    logo = client.get("/organisation/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert "--accent: #5a2d82" in client.get("/organisation/theme.css").get_data(as_text=True)

    user = make_user("steering", email="reader@example.org")
    client.post("/forgotten-password", data={"email": user.email})
    email = db.session.scalar(select(OutboundEmail))
    assert "Northern Perinatal Network" in email.text_body
    assert "Northern Perinatal Network" in email.html_body
    assert "hello@npn.example.org" in email.text_body


@pytest.mark.parametrize(
    ("colour", "message"),
    [
        ("#ffcc00", "contrast of only"),
        ("#7fa7c9", "contrast of only"),
        ("blue", "six hex digits"),
        ("#12345", "six hex digits"),
    ],
)
def test_an_accent_without_aa_contrast_is_refused(organiser_client, colour, message):
    response = organiser_client.post(
        "/organiser/settings", data=dict(SETTINGS, accent_colour=colour)
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "error-summary" in html
    assert 'value="Northern Perinatal Network"' in html  # typed values kept
    assert db.session.scalar(select(func.count(OrganisationSettings.id))) == 0


def test_contrast_arithmetic_matches_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert check_accent("#0B5C8A") == "#0b5c8a"


def test_a_logo_must_be_a_small_png_or_jpeg(organiser_client):
    svg = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    response = organiser_client.post(
        "/organiser/settings",
        data=dict(SETTINGS, logo=(svg, "logo.svg")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "PNG or JPEG" in response.get_data(as_text=True)
    big = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 300_000)
    response = organiser_client.post(
        "/organiser/settings",
        data=dict(SETTINGS, logo=(big, "big.png")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "200 KB" in response.get_data(as_text=True)


def test_the_report_cover_names_the_organisation(app, organiser_client, make_gathering):
    organiser_client.post("/organiser/settings", data=SETTINGS)
    gathering = make_gathering()
    page = organiser_client.get(f"/reports/g/{gathering.slug}/view?variant=shareable")
    assert page.status_code == 200
    assert '<p class="cover-org">Northern Perinatal Network</p>' in page.get_data(as_text=True)
