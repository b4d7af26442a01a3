"""Organisers publish, open and close registration, archive, start the next gathering and
publish a report; the public reads past gatherings' published reports."""

import re
from datetime import UTC, datetime

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app import timefmt
from app.auth.access import public, roles_required
from app.choices import UserRole
from app.extensions import db
from app.lifecycle import bp, services
from app.lifecycle.forms import ConfirmForm, LifeActionForm, NextGatheringForm, PublishReportForm
from app.lookups import gathering_or_404
from app.report_review import readiness
from app.reporting.services import stored_pdf

organiser_only = roles_required(UserRole.ORGANISER)


def slugify(title: str) -> str:
    """A web address name from a title: "Provincial Gathering 2023" ->
    "provincial-gathering-2023" (the organiser may change it)."""
    words = re.findall(r"[a-z0-9]+", title.casefold())
    return "-".join(words)[:80]


def run_label(run) -> str:
    return f"Generated {timefmt.long_date(run.created_at, 'America/Vancouver')} (run {run.id})"


def _page(gathering, *, report_form=None, status=200):
    now = datetime.now(UTC)
    runs = services.shareable_runs(gathering)
    checks = readiness.preflight(gathering, now=now)
    return render_template(
        "lifecycle/manage.html",
        gathering=gathering,
        state=services.state_of(gathering, now=now),
        held=now >= gathering.ends_at,
        registration=gathering.registration_state(now),
        published=services.published_report(gathering),
        runs=runs,
        report_form=report_form or PublishReportForm(runs=runs, labels=run_label),
        confirm_form=ConfirmForm(),
        checks=checks,
        missing=readiness.missing(checks),
    ), status


@bp.route("/organiser/g/<slug>/life", methods=["GET"])
@organiser_only
def manage(slug: str):
    return _page(gathering_or_404(slug))


ACTIONS = {
    "publish": (
        services.publish,
        True,
        "Published: the public page and registration form are open to everyone.",
    ),
    "unpublish": (services.unpublish, True, "Back to draft: only staff can see it now."),
    "archive": (
        services.archive,
        True,
        "Archived: it no longer shows in your lists; its report stays.",
    ),
    "unarchive": (services.unarchive, False, "Back from the archive."),
    "open-registration": (services.open_registration, True, "Registration is open from now."),
    "close-registration": (services.close_registration, True, "Registration is closed from now."),
}


@bp.route("/organiser/g/<slug>/life", methods=["POST"])
@organiser_only
def change(slug: str):
    gathering = gathering_or_404(slug)
    form = LifeActionForm()
    if not form.validate_on_submit() or form.action.data not in ACTIONS:
        abort(400)
    function, takes_now, done = ACTIONS[form.action.data]
    try:
        if takes_now:
            function(gathering, now=datetime.now(UTC))
        else:
            function(gathering)
        db.session.commit()
    except services.LifeRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(done, "success")
    return redirect(url_for("lifecycle.manage", slug=gathering.slug), 303)


@bp.route("/organiser/g/<slug>/life/report", methods=["POST"])
@organiser_only
def publish_report(slug: str):
    gathering = gathering_or_404(slug)
    runs = services.shareable_runs(gathering)
    form = PublishReportForm(runs=runs, labels=run_label)
    if form.validate_on_submit():
        now = datetime.now(UTC)
        try:
            services.publish_report(
                gathering,
                int(form.run_id.data),
                by=current_user._get_current_object(),
                now=now,
                missing=readiness.missing(readiness.preflight(gathering, now=now)),
                override_reason=form.override_reason.data or "",
            )
            db.session.commit()
        except services.LifeRefused as exc:
            db.session.rollback()
            field = form.override_reason if exc.field == "override_reason" else form.run_id
            field.errors.append(str(exc))
        else:
            flash("The report is published beside the gathering on the public pages.", "success")
            return redirect(url_for("lifecycle.manage", slug=gathering.slug), 303)
    return _page(gathering, report_form=form, status=422)


@bp.route("/organiser/g/<slug>/life/report/withdraw", methods=["POST"])
@organiser_only
def withdraw_report(slug: str):
    gathering = gathering_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.withdraw_report(gathering)
    db.session.commit()
    flash("The report is no longer public.", "success")
    return redirect(url_for("lifecycle.manage", slug=gathering.slug), 303)


@bp.route("/organiser/g/<slug>/next", methods=["GET", "POST"])
@organiser_only
def start_next(slug: str):
    source = gathering_or_404(slug)
    form = NextGatheringForm()
    now = datetime.now(UTC)
    if not form.is_submitted():
        form.title.data = services.suggested_title(source)
        form.starts_on.data = services.suggested_date(source, now=now)
        form.slug.data = slugify(form.title.data) or f"{source.slug}-next"[:80]
    if form.validate_on_submit():
        try:
            gathering = services.start_next(
                source,
                title=form.title.data,
                slug=form.slug.data,
                starts_on=form.starts_on.data,
                now=now,
            )
            db.session.commit()
        except services.LifeRefused as exc:
            db.session.rollback()
            getattr(form, exc.field or "slug").errors.append(str(exc))
        else:
            flash(
                "The next gathering is ready as a draft: check its dates, agenda and survey, "
                "then publish it. " + services.copied(gathering).sentence(),
                "success",
            )
            return redirect(url_for("lifecycle.manage", slug=gathering.slug), 303)
    status = 422 if form.errors else 200
    return render_template("lifecycle/next.html", form=form, gathering=source), status


@bp.route("/organiser/archive")
@organiser_only
def archived():
    return render_template("lifecycle/archived.html", gatherings=services.archived_gatherings())


@bp.route("/g/<slug>/report.pdf")
@public
def public_report(slug: str):
    """The shareable report an organiser published; nothing else is ever served here."""
    gathering = gathering_or_404(slug)
    published = services.published_report(gathering)
    if published is None:
        abort(404)
    run = db.session.get(services.ReportRun, published.report_run_id)
    try:
        content = stored_pdf(run)
    except (FileNotFoundError, ValueError):
        abort(404)
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{run.filename}"'
    return response
