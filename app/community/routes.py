"""Between-gatherings pages: recommendations (organisers and the steering committee),
certificates, targets, outreach and returning participation (organisers), a
participant's own certificate, and the public verification page."""

from datetime import UTC, datetime

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app.auth.access import participant, public, roles_required
from app.choices import UserRole
from app.community import (
    bp,
    certificate_runs,
    certificates,
    outreach,
    recommendations,
    targets,
)
from app.community.forms import (
    TARGET_GROUPS,
    CertificateSettingsForm,
    PrepareCertificatesForm,
    RecommendationForm,
    TargetsForm,
)
from app.edits import EditConflict, require_unchanged, version_of
from app.extensions import db
from app.facts.history import carried_recommendations
from app.lookups import gathering_or_404, gatherings_newest_first
from app.models import Gathering, PersonalDataView, Recommendation, Registration
from app.privacy_records.access_log import record_access
from app.spreadsheet import to_csv

organiser_only = roles_required(UserRole.ORGANISER)
recommendation_editors = roles_required(UserRole.ORGANISER, UserRole.STEERING)


# --- recommendations ---------------------------------------------------------------------


@bp.route("/community/recommendations/")
@recommendation_editors
def recommendations_home():
    return render_template(
        "community/recommendations_home.html",
        gatherings=gatherings_newest_first(),
        counts=recommendations.counts_by_gathering(),
    )


def _recommendation_form(recommendation: Recommendation, *, bound: bool) -> RecommendationForm:
    values = {
        "status": recommendation.status,
        "owner": recommendation.owner,
        "due_on": recommendation.due_on,
        "opened_version": version_of(recommendation),
    }
    prefix = f"r{recommendation.id}"
    if bound:
        return RecommendationForm(prefix=prefix)
    return RecommendationForm(formdata=None, prefix=prefix, data=values)


def _recommendations_page(
    gathering: Gathering,
    posted: RecommendationForm | None = None,
    posted_id: int | None = None,
    status: int = 200,
):
    carried = carried_recommendations(gathering)
    own = recommendations.own_recommendations(gathering)
    forms = {
        r.id: posted
        if r.id == posted_id and posted is not None
        else _recommendation_form(r, bound=False)
        for r in [*carried, *own]
    }
    return (
        render_template(
            "community/recommendations.html",
            gathering=gathering,
            carried=carried,
            own=own,
            forms=forms,
            posted_id=posted_id,
            changed_since=status == 409,
        ),
        status,
    )


@bp.route("/community/g/<slug>/recommendations")
@recommendation_editors
def recommendations_page(slug: str):
    return _recommendations_page(gathering_or_404(slug))


@bp.route("/community/g/<slug>/recommendations/<int:item_id>", methods=["POST"])
@recommendation_editors
def update_recommendation(slug: str, item_id: int):
    gathering = gathering_or_404(slug)
    recommendation = db.get_or_404(Recommendation, item_id)
    visible = {r.id for r in carried_recommendations(gathering)}
    if recommendation.gathering_id != gathering.id and recommendation.id not in visible:
        abort(404)
    form = _recommendation_form(recommendation, bound=True)
    if form.validate_on_submit():
        try:
            require_unchanged(
                form.opened_version.data,
                Recommendation,
                Recommendation.id == recommendation.id,
                gathering_id=gathering.id,
            )
            recommendations.update_recommendation(
                recommendation, form.to_change(), author=current_user, now=datetime.now(UTC)
            )
        except recommendations.RecommendationError as error:
            db.session.rollback()
            form.status.errors.append(str(error))
        except EditConflict:
            db.session.rollback()
            db.session.refresh(recommendation)
            form.opened_version.data = version_of(recommendation)
            return _recommendations_page(gathering, form, recommendation.id, 409)
        else:
            db.session.commit()
            flash("Recommendation updated.", "success")
            return redirect(
                url_for("community.recommendations_page", slug=slug, _anchor=f"rec-{item_id}"),
                303,
            )
    return _recommendations_page(gathering, form, recommendation.id, 422)


# --- between gatherings: overview and returning participation ----------------------------


@bp.route("/community/g/<slug>/")
@organiser_only
def overview(slug: str):
    gathering = gathering_or_404(slug)
    return render_template(
        "community/overview.html",
        gathering=gathering,
        returning=outreach.returning_participation(gathering),
    )


# --- certificates ------------------------------------------------------------------------


@bp.route("/community/g/<slug>/certificates", methods=["GET", "POST"])
@organiser_only
def certificate_settings(slug: str):
    gathering = gathering_or_404(slug)
    settings = certificates.stored_settings(gathering)
    form = CertificateSettingsForm(
        data={
            "attendance_final": bool(settings and settings.attendance_final_at),
            "require_survey": bool(settings and settings.require_survey),
            "accreditation_statement": settings.accreditation_statement if settings else "",
            "credits_per_hour": settings.credits_per_hour if settings else None,
        }
    )
    if form.validate_on_submit():
        certificates.save_settings(gathering, form.to_data(), now=datetime.now(UTC))
        db.session.commit()
        flash("Certificate settings saved.", "success")
        return redirect(url_for("community.certificate_settings", slug=slug), 303)
    rows = certificates.attendee_rows(gathering)
    run = certificate_runs.latest_run(gathering)
    if request.method == "GET":
        # Logged when the list is opened; a refused save changes nothing, not even the log.
        record_access(
            PersonalDataView.CERTIFICATES,
            user_id=current_user.id,
            gathering=gathering,
            people=len(rows),
            now=datetime.now(UTC),
        )
        db.session.commit()
    return (
        render_template(
            "community/certificates.html",
            gathering=gathering,
            form=form,
            settings=settings,
            rows=rows,
            rounded=certificates.round_down_to_quarter_hour,
            duration=certificates.duration_label,
            run=run,
            downloadable=run is not None and certificate_runs.is_downloadable(run, gathering),
            prepare_form=PrepareCertificatesForm(),
        ),
        422 if form.errors else 200,
    )


def _certificate_run(gathering: Gathering, run_id: int):
    """The gathering's run, or the page that says there is none (for an id from another
    gathering too: organisers reach each gathering's runs only through its own pages)."""
    run = certificate_runs.run_of(gathering, run_id)
    if run is None:
        message = "There is no such preparation of this gathering's certificates."
        return None, _certificates_gone(gathering, message, 404)
    return run, None


def _certificates_gone(gathering: Gathering, message: str, status: int):
    page = render_template(
        "community/certificates_gone.html",
        gathering=gathering,
        message=message,
        form=PrepareCertificatesForm(),
    )
    return page, status


@bp.route("/community/g/<slug>/certificates/prepare", methods=["POST"])
@organiser_only
def prepare_certificates(slug: str):
    gathering = gathering_or_404(slug)
    if not PrepareCertificatesForm().validate_on_submit():
        abort(400)
    run = certificate_runs.prepare(gathering, user=current_user, now=datetime.now(UTC))
    db.session.commit()
    return redirect(url_for("community.certificates_run", slug=slug, run_id=run.id), 303)


@bp.route("/community/g/<slug>/certificates/runs/<int:run_id>")
@organiser_only
def certificates_run(slug: str, run_id: int):
    gathering = gathering_or_404(slug)
    run, gone = _certificate_run(gathering, run_id)
    if gone:
        return gone
    return render_template(
        "community/certificates_run.html",
        gathering=gathering,
        run=run,
        current=certificate_runs.is_current(run, gathering),
        downloadable=certificate_runs.is_downloadable(run, gathering),
        form=PrepareCertificatesForm(),
    )


@bp.route("/community/g/<slug>/certificates/runs/<int:run_id>/status")
@organiser_only
def certificates_run_status(slug: str, run_id: int):
    gathering = gathering_or_404(slug)
    run = certificate_runs.run_of(gathering, run_id)
    if run is None:
        return jsonify(error="There is no such preparation of this gathering's certificates."), 404
    return jsonify(
        id=run.id,
        status=run.status,
        progress=run.progress,
        stage=run.stage,
        done=not run.is_active,
    )


@bp.route("/community/g/<slug>/certificates/runs/<int:run_id>.zip")
@organiser_only
def certificates_zip(slug: str, run_id: int):
    gathering = gathering_or_404(slug)
    run, gone = _certificate_run(gathering, run_id)
    if gone:
        return gone
    if run.is_active:
        return _certificates_gone(gathering, "These certificates are still being prepared.", 409)
    if not certificate_runs.is_downloadable(run, gathering):
        return _certificates_gone(
            gathering,
            "Registrations or attendance changed since this ZIP was prepared, or it is no "
            "longer kept. Prepare the certificates again.",
            409,
        )
    try:
        content = certificate_runs.stored_zip(run)
    except (FileNotFoundError, ValueError):
        return _certificates_gone(
            gathering, "The stored ZIP is damaged. Prepare the certificates again.", 409
        )
    record_access(
        PersonalDataView.CERTIFICATES,
        user_id=current_user.id,
        gathering=gathering,
        people=run.people,
        now=datetime.now(UTC),
        detail="ZIP",
    )
    db.session.commit()
    response = Response(content, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{run.filename}"'
    response.headers["X-Content-SHA256"] = run.sha256
    return response


@bp.route("/r/<token>/certificate.pdf")
@participant
def my_certificate(registration: Registration, token: str):
    try:
        pdf = certificates.participant_certificate(
            registration, verify_url=certificates.verify_url, now=datetime.now(UTC)
        )
    except certificates.NotAvailable as reason:
        db.session.rollback()
        flash(str(reason), "info")
        return redirect(url_for("registration.manage", token=token), 303)
    db.session.commit()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="'
            + certificates.file_name(registration.name, registration.id)
            + '"'
        },
    )


@bp.route("/certificates/<code>")
@public
def verify_certificate(code: str):
    certificate = certificates.verify_code(code)
    if certificate is None:
        return render_template("community/verify_unknown.html"), 404
    return render_template(
        "community/verify.html",
        certificate=certificate,
        gathering=certificate.registration.gathering,
        duration=certificates.duration_label(certificate.minutes),
        credits=certificates.credits_label(certificate.credits),
    )


# --- representation targets and outreach -------------------------------------------------


@bp.route("/community/g/<slug>/targets", methods=["GET", "POST"])
@organiser_only
def targets_page(slug: str):
    gathering = gathering_or_404(slug)
    form = TargetsForm()
    if request.method == "GET":
        form.fill(targets.targets_of(gathering))
    if form.validate_on_submit():
        try:
            for dimension in TARGET_GROUPS:
                targets.save_targets(
                    gathering, dimension, form.inputs(dimension), now=datetime.now(UTC)
                )
        except targets.TargetError as error:
            db.session.rollback()
            form.region_kind.errors.append(str(error))
        else:
            db.session.commit()
            flash("Targets saved.", "success")
            return redirect(url_for("community.targets_page", slug=slug), 303)
    return (
        render_template(
            "community/targets.html",
            gathering=gathering,
            form=form,
            groups=TARGET_GROUPS,
            rows=targets.target_rows(gathering),
        ),
        422 if form.errors else 200,
    )


@bp.route("/community/g/<slug>/outreach")
@organiser_only
def outreach_page(slug: str):
    gathering = gathering_or_404(slug)
    return render_template(
        "community/outreach.html",
        gathering=gathering,
        outreach=outreach.outreach_for(gathering),
    )


@bp.route("/community/g/<slug>/outreach.csv")
@organiser_only
def outreach_csv(slug: str):
    gathering = gathering_or_404(slug)
    rows = outreach.outreach_rows(outreach.outreach_for(gathering))
    record_access(
        PersonalDataView.OUTREACH_CSV,
        user_id=current_user.id,
        gathering=gathering,
        people=len(rows),
        now=datetime.now(UTC),
    )
    db.session.commit()
    return Response(
        to_csv(outreach.OUTREACH_HEADERS, rows),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{gathering.slug}-outreach.csv"'},
    )
