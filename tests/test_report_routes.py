"""The reports page, stored versions, download, email through the outbox, and the CLI."""

import hashlib
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.jobs import run_pending
from app.models import ReportRun
from tests.conftest import login

pytest_plugins = ["tests.fixtures_report"]


@pytest.fixture
def steering_client(client, make_user):
    user = make_user("steering", email="chair@example.org")
    user.name = "Steering Chair"
    db.session.commit()
    login(client, user)
    return client


def test_only_steering_and_organisers_see_the_reports_page(
    app, client, make_user, report_gathering
):
    url = f"/reports/g/{report_gathering.slug}/"
    assert client.get(url).status_code in (302, 303, 401)
    login(client, make_user("facilitator"))
    assert client.get(url).status_code == 403
    assert client.get(f"/reports/g/{report_gathering.slug}/view").status_code == 403
    client.post("/sign-out")
    login(client, make_user("organiser"))
    assert client.get(url).status_code == 200
    assert client.get("/reports/g/no-such-gathering/").status_code == 404


def test_generate_store_list_and_download(app, steering_client, report_gathering):
    slug = report_gathering.slug
    response = steering_client.post(f"/reports/g/{slug}/generate", data={"variant": "shareable"})
    run_pending()
    assert response.status_code == 303
    run = db.session.scalars(select(ReportRun)).one()
    assert run.status == "done" and run.variant == "shareable"
    assert run.created_by.email == "chair@example.org"
    assert hashlib.sha256(run.content).hexdigest() == run.sha256
    assert run.pages == len(PdfReader(io.BytesIO(run.content)).pages) > 1

    page = steering_client.get(f"/reports/g/{slug}/").get_data(as_text=True)
    assert run.sha256 in page
    assert "Steering Chair" in page and "Shareable" in page

    download = steering_client.get(f"/reports/g/{slug}/runs/{run.id}.pdf")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert hashlib.sha256(download.data).hexdigest() == run.sha256
    assert "attachment" in download.headers["Content-Disposition"]
    latest = steering_client.get(f"/reports/g/{slug}/latest.pdf")
    assert latest.status_code == 302
    assert latest.headers["Location"].endswith(f"/runs/{run.id}.pdf")


def test_second_version_is_kept_beside_the_first(app, steering_client, report_gathering):
    slug = report_gathering.slug
    steering_client.post(f"/reports/g/{slug}/generate", data={"variant": "committee"})
    run_pending()
    steering_client.post(f"/reports/g/{slug}/generate", data={"variant": "shareable"})
    run_pending()
    runs = db.session.scalars(select(ReportRun).order_by(ReportRun.id)).all()
    assert [r.variant for r in runs] == ["committee", "shareable"]
    assert runs[0].filename != runs[1].filename
    for run in runs:
        assert steering_client.get(f"/reports/g/{slug}/runs/{run.id}.pdf").status_code == 200


def test_tampered_file_is_not_served(app, steering_client, report_gathering):
    slug = report_gathering.slug
    steering_client.post(f"/reports/g/{slug}/generate", data={"variant": "committee"})
    run_pending()
    run = db.session.scalars(select(ReportRun)).one()
    run.content = b"%PDF-1.7 changed"
    db.session.commit()
    assert steering_client.get(f"/reports/g/{slug}/runs/{run.id}.pdf").status_code == 409


def test_background_generation_reports_progress(app, steering_client, report_gathering):
    slug = report_gathering.slug
    response = steering_client.post(f"/reports/g/{slug}/generate", data={"variant": "committee"})
    assert response.status_code == 303
    run_id = db.session.scalars(select(ReportRun.id)).one()
    first = steering_client.get(f"/reports/g/{slug}/runs/{run_id}/status").get_json()
    assert first["status"] == "queued" and first["done"] is False
    assert run_pending() == 1
    done = steering_client.get(f"/reports/g/{slug}/runs/{run_id}/status").get_json()
    assert done == {"id": run_id, "status": "done", "progress": 100, "stage": "Done", "done": True}
    db.session.expire_all()
    assert db.session.get(ReportRun, run_id).sha256


def test_unknown_variant_is_a_plain_error_not_a_500(app, steering_client, report_gathering):
    slug = report_gathering.slug
    response = steering_client.post(f"/reports/g/{slug}/generate", data={"variant": "all"})
    run_pending()
    assert response.status_code == 303
    assert db.session.scalars(select(ReportRun)).first() is None
    assert steering_client.get(f"/reports/g/{slug}/view?variant=x").status_code == 400
    assert steering_client.get(f"/reports/g/{slug}/runs/999.pdf").status_code == 404


def test_web_view_is_the_same_report_with_its_stylesheet(steering_client, report_gathering):
    response = steering_client.get(f"/reports/g/{report_gathering.slug}/view?variant=shareable")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Shareable version" in html
    assert 'href="/reports/summary.css"' in html
    assert "<style>" not in html  # the CSP forbids inline styles on pages
    assert "Secret Person" not in html
    css = steering_client.get("/reports/summary.css")
    assert css.status_code == 200 and b"@page" in css.data


def test_email_without_recipients_says_so(app, steering_client, report_gathering):
    slug = report_gathering.slug
    steering_client.post(f"/reports/g/{slug}/generate", data={"variant": "committee"})
    run_pending()
    run = db.session.scalars(select(ReportRun)).one()
    response = steering_client.post(f"/reports/g/{slug}/runs/{run.id}/email", follow_redirects=True)
    assert response.status_code == 200
    assert "No steering committee addresses are configured." in response.get_data(as_text=True)


def test_cli_writes_pdf_and_html(runner, report_gathering, tmp_path):
    target = tmp_path / "out.pdf"
    result = runner.invoke(
        args=["report", report_gathering.slug, "--output", str(target), "--variant", "shareable"]
    )
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF")
    assert "pdf" in result.output
    html = tmp_path / "out.html"
    result = runner.invoke(args=["report", report_gathering.slug, "-o", str(html), "--html"])
    assert result.exit_code == 0, result.output
    text = html.read_text()
    assert "Committee version: for the steering committee only" in text
    assert "<style>" in text and "@page" in text and 'href="summary.css"' not in text
    result = runner.invoke(args=["report", "nope", "-o", str(html)])
    assert result.exit_code != 0 and "No gathering" in result.output


def test_steering_home_lists_gatherings_with_their_latest_report(
    app, steering_client, report_gathering
):
    page = steering_client.get("/reports/").get_data(as_text=True)
    assert report_gathering.title in page and "None yet" in page
    steering_client.post(
        f"/reports/g/{report_gathering.slug}/generate", data={"variant": "shareable"}
    )
    run_pending()
    page = steering_client.get("/reports/").get_data(as_text=True)
    assert "Shareable version" in page


def test_organiser_sees_the_gathering_navigation(app, client, make_user, report_gathering):
    login(client, make_user("organiser"))
    page = client.get(f"/reports/g/{report_gathering.slug}/").get_data(as_text=True)
    assert 'aria-current="page">Report</a>' in page


def test_progress_moves_through_every_stage(app, report_gathering):
    from datetime import UTC, datetime

    from app.reporting import services

    seen = []
    services.build_report(
        report_gathering,
        variant="committee",
        now=datetime.now(UTC),
        progress=lambda percent, stage: seen.append(percent),
    )
    assert seen == [10, 30, 55, 60, 90]
