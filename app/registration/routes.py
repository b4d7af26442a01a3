"""Public registration and the participant's private manage pages."""

from datetime import UTC, datetime

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from app.auth.access import participant, public
from app.choices import RegistrationStatus
from app.community.certificates import certificate_offer
from app.edits import EditConflict, require_unchanged, version_of
from app.evaluation.setup import open_survey_for
from app.extensions import db
from app.invitations import services as invitations
from app.lookups import gathering_or_404
from app.models import Registration
from app.outbound import notifications
from app.outbound.mail import sender_address
from app.outbound.manage_tokens import find_registration_by_token
from app.privacy_records.periods import retention_for
from app.registrant_answers import ManageForm, RegistrationForm
from app.registration import bp, services
from app.registration.fields import form_data
from app.registration.forms import CancelForm, ResendLinkForm


@bp.route("/g/<slug>/register", methods=["GET", "POST"])
@public
def register(slug: str):
    gathering = gathering_or_404(slug)
    now = datetime.now(UTC)
    form = RegistrationForm(breakouts=services.breakout_rooms(gathering))
    if request.method == "GET" and request.args.get("invite"):
        g.private_page = True  # the link carries the invitee's token
        for name, value in invitations.prefill(gathering, request.args["invite"]).items():
            form[name].data = value
    if request.method == "GET" and request.args.get("again"):
        # From the private page of a cancelled registration: their details again.
        g.private_page = True
        earlier = find_registration_by_token(request.args["again"])
        if (
            earlier is not None
            and earlier.gathering_id == gathering.id
            and earlier.status == RegistrationStatus.CANCELLED
        ):
            for name, value in form_data(earlier).items():
                if name in form:
                    form[name].data = value
    state = gathering.registration_state(now)
    refused: str | None = None if state == "open" else state
    if refused is None and form.validate_on_submit():
        # Whether the address is new, registered or cancelled before, the answer is the
        # same page (the form must not tell anyone who registered): the address gets the
        # email, a new registration's confirmation (place or waitlist) or its link again.
        try:
            services.register(gathering, form.to_data(), now=now)
            db.session.commit()
        except services.AlreadyRegistered as exc:
            db.session.rollback()
            services.resend_manage_link(exc.registration)
            db.session.commit()
            refused = exc.refused  # a full gathering says so to a new address too
        except services.RegistrationRefused as exc:
            db.session.rollback()
            refused = exc.reason
        except IntegrityError:  # the same address registering twice at once
            db.session.rollback()
            already = services.find_by_email(gathering, form.email.data)
            if already is not None:
                services.resend_manage_link(already)
                db.session.commit()
        if refused is None:
            return _check_your_email(slug)
    status = 200
    if request.method == "POST" and (form.errors or refused):
        status = 409 if refused else 422
    return (
        render_template(
            "registration/register.html",
            gathering=gathering,
            form=form,
            refused=refused,
            retention=retention_for(gathering),
        ),
        status,
    )


def _check_your_email(slug: str):
    """Every registration that was taken (new, waitlisted, an address already registered
    or cancelled before) ends on the same page, so the form cannot be used to learn who
    registered; each address gets its email. From the address's own slug: after the
    commit, the gathering's would be read from the database again."""
    return redirect(url_for("registration.check_email", slug=slug), code=303)


@bp.route("/g/<slug>/check-your-email")
@public
def check_email(slug: str):
    gathering = gathering_or_404(slug)
    return render_template(
        "registration/check_email.html",
        gathering=gathering,
        sender=sender_address(),
        resend_form=ResendLinkForm(),
    )


@bp.route("/g/<slug>/resend-link", methods=["POST"])
@public
def resend_link(slug: str):
    gathering = gathering_or_404(slug)
    form = ResendLinkForm()
    if not form.validate_on_submit():
        flash("Enter the email address you registered with.", "error")
        return redirect(url_for("registration.register", slug=slug), code=303)
    registration = services.find_by_email(gathering, form.email.data)
    if registration is not None:
        services.resend_manage_link(registration)
        db.session.commit()
    # The same answer either way, so this form cannot be used to learn who registered.
    flash(
        "If that address is registered for this gathering, a message with your private "
        "link is on its way.",
        "info",
    )
    return redirect(url_for("public.gathering", slug=slug), code=303)


@bp.route("/r/<token>", methods=["GET", "POST"])
@participant
def manage(registration: Registration, token: str):
    gathering = registration.gathering
    form = ManageForm(obj=None, breakouts=gathering.breakouts, data=form_data(registration))
    editable = registration.status != RegistrationStatus.CANCELLED
    changed_since = False
    if request.method == "GET":
        form.opened_version.data = version_of(registration)
    if request.method == "POST":
        if not editable:
            abort(409)
        if form.validate_on_submit():
            try:
                require_unchanged(
                    form.opened_version.data,
                    Registration,
                    Registration.id == registration.id,
                    gathering_id=gathering.id,
                )
                services.update_registration(registration, form.to_data(), now=datetime.now(UTC))
                # Their own change: the updated registration and invite are what they asked for.
                notifications.registration_changed(registration, cause="Changed on their own page")
                db.session.commit()
            except EditConflict:
                db.session.rollback()
                db.session.refresh(registration)
                form.opened_version.data = version_of(registration)
                changed_since = True
            except (services.EmailInUse, IntegrityError):
                db.session.rollback()
                form.email.errors.append(
                    "Another registration for this gathering already uses this email address."
                )
            else:
                flash("Your changes are saved.", "success")
                return redirect(url_for("registration.manage", token=token), code=303)
    status = 409 if changed_since else 422 if form.errors else 200
    return (
        render_template(
            "registration/manage.html",
            registration=registration,
            gathering=gathering,
            form=form,
            cancel_form=CancelForm(),
            editable=editable,
            token=token,
            position=services.waitlist_position(registration),
            evaluation_survey=open_survey_for(gathering, now=datetime.now(UTC)),
            register_again=services.register_again(registration, now=datetime.now(UTC)),
            certificate_offer=certificate_offer(registration),
            changed_since=changed_since,
        ),
        status,
    )


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
@participant
def cancel(registration: Registration, token: str):
    """Asks first (a page of its own, so it works without JavaScript); only the
    confirmation's "Yes, cancel" cancels."""
    if registration.status == RegistrationStatus.CANCELLED:
        return redirect(url_for("registration.manage", token=token), code=303)
    form = CancelForm()
    if request.method == "GET" or request.form.get("confirmed") != "yes":
        if request.method == "POST" and not form.validate_on_submit():
            abort(400)
        return render_template(
            "registration/cancel.html",
            registration=registration,
            gathering=registration.gathering,
            token=token,
            form=form,
        )
    if not form.validate_on_submit():
        abort(400)
    had_invite = registration.status == RegistrationStatus.CONFIRMED
    promoted = services.cancel(registration, now=datetime.now(UTC))
    notifications.cancelled(
        registration, had_invite=had_invite, cause="Cancelled on their own page"
    )
    # The waitlist promised each of them an email when a place opened.
    for person in promoted:
        notifications.promoted(person, cause="A place opened when someone cancelled")
    db.session.commit()
    flash("Your registration is cancelled. Thank you for letting us know.", "success")
    return redirect(url_for("registration.manage", token=token), code=303)
