"""The organiser's outbox (failed and waiting messages, sending them again) and the
background jobs that gave up, with a retry button."""

from datetime import UTC, datetime

from flask import flash, redirect, render_template, request, url_for

from app import jobs
from app.auth.access import roles_required
from app.choices import UserRole
from app.extensions import db
from app.models import Job, JobStatus, MailStatus, OutboundEmail
from app.outbound.mail import retry
from app.outbox import bp, services

organiser_only = roles_required(UserRole.ORGANISER)


@bp.route("/organiser/outbox")
@organiser_only
def index():
    """Messages that failed, newest first; sent ones are counted, not listed."""
    show = request.args.get("show", "failed")
    listing = services.messages(show)
    return render_template(
        "outbox/index.html",
        messages=listing.rows,
        counts=listing.counts,
        show=show,
        MailStatus=MailStatus,
    )


@bp.route("/organiser/outbox/<int:email_id>/retry", methods=["POST"])
@organiser_only
def retry_email(email_id: int):
    email = db.get_or_404(OutboundEmail, email_id)
    if email.status == MailStatus.SENT:
        flash("That message was already sent.", "info")
    else:
        retry(email, now=datetime.now(UTC))
        db.session.commit()
        flash(f"The message to {email.to_address} will be sent again shortly.", "success")
    return redirect(url_for("outbox.index"), 303)


@bp.route("/organiser/outbox/retry-all", methods=["POST"])
@organiser_only
def retry_all():
    count = services.retry_all_failed(now=datetime.now(UTC))
    db.session.commit()
    flash(f"{count} failed message(s) will be sent again shortly.", "success")
    return redirect(url_for("outbox.index"), 303)


@bp.route("/organiser/jobs")
@organiser_only
def jobs_page():
    """Background jobs that gave up (with their error) and how many are waiting."""
    listing = services.failed_jobs()
    return render_template("outbox/jobs.html", failed=listing.rows, counts=listing.counts)


@bp.route("/organiser/jobs/<int:job_id>/retry", methods=["POST"])
@organiser_only
def retry_job(job_id: int):
    row = db.get_or_404(Job, job_id)
    if row.status != JobStatus.FAILED:
        flash("That job is not failed; nothing changed.", "info")
    else:
        jobs.retry_job(row, now=datetime.now(UTC))
        db.session.commit()
        flash(f"Job {row.id} ({row.name}) will run again shortly.", "success")
    return redirect(url_for("outbox.jobs_page"), 303)
