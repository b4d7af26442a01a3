"""Organiser pages for messages, reminders, email wording and the sent log."""

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.access import roles_required
from app.choices import UserRole
from app.extensions import db
from app.forms_common import ConfirmForm, db_int
from app.lookups import gathering_or_404
from app.messages import bp, services
from app.messages.forms import ComposeForm, RemindersForm, TemplateForm
from app.models import Message, MessageTemplate
from app.outbound.mail import mail_state
from app.outbound.public_links import public_url
from app.outbound.wording import PLACEHOLDERS, STANDARD_EMAILS, render, template_for
from app.timefmt import long_date, time_range

organiser_only = roles_required(UserRole.ORGANISER)


def _now() -> datetime:
    return datetime.now(UTC)


def _audience(form: ComposeForm) -> services.Audience:
    room_id = db_int(form.room_id.data)
    return services.Audience(form.segment.data, room_id=room_id, selected=form.selected_ids())


@bp.route("/g/<slug>/messages")
@organiser_only
def index(slug: str):
    gathering = gathering_or_404(slug)
    return render_template(
        "messages/index.html",
        gathering=gathering,
        messages=services.messages(gathering),
        reminders=services.reminders(gathering),
        due_at=services.due_at,
        standard=STANDARD_EMAILS,
        custom={key for key in STANDARD_EMAILS if template_for(gathering.id, key)},
    )


def _draft(form: ComposeForm) -> services.Draft:
    return services.Draft(
        subject=form.subject.data,
        body=form.body.data,
        greeting=bool(form.greeting.data),
        title_in_subject=bool(form.title_in_subject.data),
    )


def _fill_from_template(form: ComposeForm, template_id: str | None) -> None:
    template = db.session.get(MessageTemplate, db_int(template_id)) if db_int(template_id) else None
    if template is not None:
        form.subject.data, form.body.data = template.subject, template.body
        form.greeting.data, form.title_in_subject.data = (
            template.greeting,
            template.title_in_subject,
        )


@bp.route("/g/<slug>/messages/new", methods=["GET", "POST"])
@organiser_only
def compose(slug: str):
    gathering = gathering_or_404(slug)
    form = ComposeForm(rooms=gathering.breakouts)
    if request.method == "GET":
        form.segment.data = request.args.get("segment", "confirmed")
        if form.segment.data not in services.SEGMENTS:
            form.segment.data = "confirmed"
        form.ids.data = request.args.get("ids", "")[:40000]
        form.room_id.data = request.args.get("room_id", "")
        _fill_from_template(form, request.args.get("template"))
    preview = None
    people_count = None
    status = 200
    action = request.form.get("action")
    send_at = None
    if request.method == "POST" and form.validate_on_submit():
        send_at = form.utc("send_at", gathering.timezone)
    if request.method == "POST" and not form.errors:
        now = _now()
        audience = _audience(form)
        draft = _draft(form)
        people = services.recipients(gathering, audience)
        people_count = len(people)
        try:
            if form.template_name.data and action in ("send", "save_template"):
                services.save_message_template(
                    form.template_name.data, draft, saved_by_id=current_user.id, now=now
                )
            if action == "test":
                services.send_test(gathering, audience, draft, to=current_user.email, now=now)
                db.session.commit()
                flash(f"A test is on its way to {current_user.email}, and nobody else.", "success")
            elif action == "save_template":
                if not form.template_name.data:
                    form.template_name.errors.append("Name the template to save it.")
                    status = 422
                else:
                    db.session.commit()
                    flash(f"Saved as the template “{form.template_name.data}”.", "success")
            elif action == "send" and send_at is not None:
                message = services.schedule(
                    gathering, audience, draft, send_at=send_at, sent_by_id=current_user.id, now=now
                )
                db.session.commit()
                flash("Message scheduled. You can cancel it until it goes.", "success")
                return redirect(url_for(".message", slug=slug, message_id=message.id), 303)
            elif action == "send":
                expected = -1 if (given := db_int(form.expected.data)) is None else given
                message = services.send(
                    gathering,
                    audience,
                    draft,
                    expected=expected,
                    sent_by_id=current_user.id,
                    now=now,
                )
                db.session.commit()
                flash(
                    f"Message queued for {message.recipient_count} "
                    f"{'person' if message.recipient_count == 1 else 'people'}.",
                    "success",
                )
                return redirect(url_for(".message", slug=slug, message_id=message.id), 303)
        except services.MessageRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
            status = 409
        if people:
            preview = (people[0], *services.preview(people[0], draft, now=now))
        form.expected.data = str(people_count)
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "messages/compose.html",
            gathering=gathering,
            form=form,
            preview=preview,
            people_count=people_count,
            placeholders=PLACEHOLDERS,
            templates=services.message_templates(),
        ),
        status,
    )


@bp.route("/g/<slug>/messages/<int:message_id>")
@organiser_only
def message(slug: str, message_id: int):
    gathering = gathering_or_404(slug)
    message = db.session.get(Message, message_id)
    if message is None or message.gathering_id != gathering.id:
        abort(404)
    return render_template(
        "messages/message.html",
        gathering=gathering,
        message=message,
        recipients=services.message_recipients(message),
        mail_state=mail_state,
        cancel_form=ConfirmForm(),
    )


@bp.route("/g/<slug>/messages/<int:message_id>/cancel", methods=["POST"])
@organiser_only
def cancel_message(slug: str, message_id: int):
    gathering = gathering_or_404(slug)
    message = db.session.get(Message, message_id)
    if message is None or message.gathering_id != gathering.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.cancel_scheduled(message)
        db.session.commit()
    except services.MessageRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        flash("Cancelled: this message will not be sent.", "success")
    return redirect(url_for(".message", slug=slug, message_id=message.id), 303)


@bp.route("/g/<slug>/messages/sent")
@organiser_only
def sent(slug: str):
    gathering = gathering_or_404(slug)
    return render_template(
        "messages/sent.html",
        gathering=gathering,
        emails=services.sent_log(gathering),
        mail_state=mail_state,
    )


@bp.route("/g/<slug>/reminders", methods=["GET", "POST"])
@organiser_only
def reminders(slug: str):
    gathering = gathering_or_404(slug)
    current = services.reminders(gathering)
    form = RemindersForm()
    if request.method == "GET":
        days = [r.days_before for r in current] or list(services.DEFAULT_REMINDER_DAYS)
        form.days.data = ", ".join(str(d) for d in days)
    status = 200
    if form.validate_on_submit():
        days = form.day_list()
        if days is not None:
            services.set_reminders(gathering, days)
            db.session.commit()
            flash("Reminders saved." if days else "No reminders will be sent.", "success")
            return redirect(url_for(".index", slug=slug), 303)
    if request.method == "POST":
        status = 422
    return (
        render_template(
            "messages/reminders.html",
            gathering=gathering,
            form=form,
            reminders=current,
            due_at=services.due_at,
        ),
        status,
    )


@bp.route("/g/<slug>/email-wording/<key>", methods=["GET", "POST"])
@organiser_only
def wording(slug: str, key: str):
    gathering = gathering_or_404(slug)
    standard = STANDARD_EMAILS.get(key)
    if standard is None:
        abort(404)
    template = template_for(gathering.id, key)
    form = TemplateForm(obj=template)
    if request.method == "GET" and template is None:
        form.subject.data, form.body.data = standard.subject, standard.body
    status = 200
    if form.validate_on_submit() and request.form.get("action") == "save":
        services.save_template(gathering, key, subject=form.subject.data, body=form.body.data)
        db.session.commit()
        flash(f"The {standard.label.lower()} email now uses your wording.", "success")
        return redirect(url_for(".wording", slug=slug, key=key), 303)
    if request.method == "POST" and form.errors:
        status = 422
    sample = {
        "name": "Alex Example",
        "gathering": gathering.title,
        "date": long_date(gathering.starts_at, gathering.timezone),
        "times": time_range(gathering.starts_at, gathering.ends_at, gathering.timezone),
        "room": "their breakout room",
        "manage_link": public_url("registration.manage", token=services.PREVIEW_LINK_TOKEN),
        "meeting_link": gathering.meeting_url,
    }
    preview = render(form.subject.data or "", form.body.data or "", sample)
    return (
        render_template(
            "messages/wording.html",
            gathering=gathering,
            form=form,
            key=key,
            standard=standard,
            custom=template is not None,
            preview=preview,
            placeholders=PLACEHOLDERS,
            reset_form=ConfirmForm(),
        ),
        status,
    )


@bp.route("/g/<slug>/email-wording/<key>/reset", methods=["POST"])
@organiser_only
def reset_wording(slug: str, key: str):
    gathering = gathering_or_404(slug)
    if key not in STANDARD_EMAILS:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.reset_template(gathering, key)
    db.session.commit()
    flash("The standard wording is back.", "success")
    return redirect(url_for(".wording", slug=slug, key=key), 303)
