"""Certificates as documents of record: issued once per person (a second download, or the
organisers' ZIP, prints the same code, name, minutes and credits), and verification shows
what was printed, not the registration as it is now."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from app.community import certificates
from app.community.certificates import CertificateSettingsData, save_settings
from app.extensions import db
from app.models import Certificate
from tests.test_community_certificates import (  # noqa: F401
    attended,
    code_in,
    pdf_text,
    prepared_zip,
)


def _final(gathering) -> None:
    save_settings(gathering, CertificateSettingsData(True, False, "", None), now=datetime.now(UTC))
    db.session.commit()


def test_downloading_again_reuses_the_certificate(attended, client, organiser_client):  # noqa: F811
    gathering, people = attended
    _final(gathering)
    url = f"/r/{people['avery'].token}/certificate.pdf"
    first = code_in(pdf_text(client.get(url).data))
    second = code_in(pdf_text(client.get(url).data))
    assert first == second
    archive = prepared_zip(organiser_client, gathering)
    assert first in " ".join(pdf_text(archive.read(name)) for name in archive.namelist())
    # One certificate per attendee, however often they were downloaded.
    assert db.session.scalar(select(func.count(Certificate.id))) == 3


def test_a_renamed_participant_still_verifies_with_the_printed_name(attended, client):  # noqa: F811
    gathering, people = attended
    _final(gathering)
    avery = people["avery"]
    code = code_in(pdf_text(client.get(f"/r/{avery.token}/certificate.pdf").data))
    avery.name = "Somebody Else Entirely"
    db.session.commit()
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "Avery Long" in page and "Somebody Else Entirely" not in page
    stored = db.session.scalars(select(Certificate)).one()
    assert stored.printed_name == "Avery Long"
    # Downloading again after the rename reprints what was issued.
    again = pdf_text(client.get(f"/r/{avery.token}/certificate.pdf").data)
    assert code_in(again) == code and "Avery Long" in again
    assert certificates.verify_code(code).printed_name == "Avery Long"


def test_certificate_downloads_and_verification_are_throttled(tmp_path):
    from tests.conftest import make_test_app

    app = make_test_app(
        tmp_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_CERTIFICATE_DOWNLOAD_PER_NETWORK="2 per hour",
        RATELIMIT_CERTIFICATE_VERIFY_PER_NETWORK="3 per minute",
    )
    with app.app_context():
        client = app.test_client()
        answers = [client.get("/r/" + "A" * 43 + "/certificate.pdf").status_code for _ in range(3)]
        assert answers[:2] == [404, 404] and answers[2] == 429
        guesses = [client.get("/certificates/" + "B" * 24).status_code for _ in range(4)]
        assert guesses == [404, 404, 404, 429]
        db.session.remove()
        db.engine.dispose()
