"""Reports page: generate, follow progress, list stored versions, download, email, and
read the report as a web page."""

from datetime import UTC, datetime

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from app import timefmt
from app.auth.access import public, roles_required
from app.choices import UserRole
from app.documents.render import REPORTS_DIR
from app.extensions import db
from app.lookups import gathering_or_404, gatherings_newest_first
from app.models import ReportRun, ReportStatus
from app.report_review import readiness
from app.report_runs import bp, jobs
from app.report_runs.forms import EmailForm, GenerateForm
from app.reporting import services
from app.reporting.context import VARIANTS

report_readers = roles_required(UserRole.STEERING, UserRole.ORGANISER)


def _run_or_404(gathering, run_id: int) -> ReportRun:
    run = db.get_or_404(ReportRun, run_id)
    if run.gathering_id != gathering.id:
        abort(404)
    return run


@bp.route("/reports/")
@report_readers
def home():
    """The steering committee's landing page: every gathering and its latest report."""
    gatherings = gatherings_newest_first()
    latest = services.latest_runs([g.id for g in gatherings])
    return render_template("report_runs/home.html", gatherings=gatherings, latest=latest)


@bp.route("/reports/g/<slug>/")
@report_readers
def index(slug: str):
    gathering = gathering_or_404(slug)
    runs = services.runs_of(gathering)
    active = [run for run in runs if run.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)]
    return render_template(
        "report_runs/index.html",
        gathering=gathering,
        runs=runs,
        active=active,
        latest=next((run for run in runs if run.is_ready), None),
        form=GenerateForm(),
        email_form=EmailForm(),
        recipients=services.steering_recipients(current_app.config),
        zone=timefmt.zone_short(gathering.timezone),
        checks=readiness.preflight(gathering, now=datetime.now(UTC)),
    )


@bp.route("/reports/g/<slug>/generate", methods=["POST"])
@report_readers
def generate(slug: str):
    from flask_login import current_user

    gathering = gathering_or_404(slug)
    form = GenerateForm()
    if not form.validate_on_submit():
        flash("Choose which version of the report to generate.", "error")
        return redirect(url_for("report_runs.index", slug=slug), 303)
    run = services.start_run(
        gathering, variant=form.variant.data, user=current_user, now=datetime.now(UTC)
    )
    jobs.launch(run)
    db.session.commit()
    flash("The report is being generated. This page shows its progress.", "success")
    return redirect(url_for("report_runs.index", slug=slug, run=run.id), 303)


@bp.route("/reports/g/<slug>/runs/<int:run_id>/status")
@report_readers
def status(slug: str, run_id: int):
    gathering = gathering_or_404(slug)
    run = _run_or_404(gathering, run_id)
    return jsonify(
        id=run.id,
        status=run.status,
        progress=run.progress,
        stage=run.stage,
        done=run.status in (ReportStatus.DONE, ReportStatus.FAILED),
    )


@bp.route("/reports/g/<slug>/runs/<int:run_id>.pdf")
@report_readers
def download(slug: str, run_id: int):
    gathering = gathering_or_404(slug)
    run = _run_or_404(gathering, run_id)
    if not run.is_ready:
        abort(404)
    try:
        content = services.stored_pdf(run)
    except FileNotFoundError:
        abort(404)
    except ValueError:
        abort(409, "The stored file does not match its checksum; generate the report again.")
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{run.filename}"'
    response.headers["X-Content-SHA256"] = run.sha256
    return response


@bp.route("/reports/g/<slug>/latest.pdf")
@report_readers
def latest(slug: str):
    gathering = gathering_or_404(slug)
    run = services.latest_finished_run(gathering)
    if run is None:
        abort(404)
    return redirect(url_for("report_runs.download", slug=slug, run_id=run.id))


@bp.route("/reports/g/<slug>/runs/<int:run_id>/email", methods=["POST"])
@report_readers
def email(slug: str, run_id: int):
    gathering = gathering_or_404(slug)
    run = _run_or_404(gathering, run_id)
    if not EmailForm().validate_on_submit():
        abort(400)
    recipients = services.steering_recipients(current_app.config)
    try:
        sent = services.email_report(run, recipients=recipients, now=datetime.now(UTC))
    except (ValueError, FileNotFoundError) as error:
        db.session.rollback()
        flash(str(error) or "The report file is missing; generate it again.", "error")
        return redirect(url_for("report_runs.index", slug=slug), 303)
    db.session.commit()
    flash(f"The report was queued for {sent} steering committee address(es).", "success")
    return redirect(url_for("report_runs.index", slug=slug), 303)


@bp.route("/reports/g/<slug>/view")
@report_readers
def view(slug: str):
    gathering = gathering_or_404(slug)
    variant = request.args.get("variant", "committee")
    if variant not in VARIANTS:
        abort(400)
    built = services.build_report(
        gathering,
        variant=variant,
        now=datetime.now(UTC),
        pdf=False,
        for_web=True,
        stylesheet_url=url_for("report_runs.stylesheet"),
    )
    return Response(built.html, mimetype="text/html")


@bp.route("/reports/summary.css")
@public
def stylesheet():
    """The report's own stylesheet, for its web view (the design is not secret)."""
    response = Response((REPORTS_DIR / "summary.css").read_bytes(), mimetype="text/css")
    response.cache_control.max_age = 300
    return response
