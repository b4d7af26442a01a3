"""The follow-up's pages: the participant's answer page (personal link) and the
organiser's page (schedule or send with a confirmation, and the results)."""

from datetime import UTC, datetime

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app import announcing, timefmt
from app.announcing import Decision
from app.auth.access import public, roles_required
from app.choices import UserRole
from app.extensions import db
from app.facts.value import value_tally
from app.lookups import gathering_or_404
from app.value import bp, services
from app.value.forms import SCHEDULE, SEND_NOW, UNSCHEDULE, AnswerForm, ScheduleForm

organiser_only = roles_required(UserRole.ORGANISER)


def _message(title: str, text: str, gathering=None, status: int = 200):
    return (
        render_template("evaluation/message.html", title=title, text=text, gathering=gathering),
        status,
    )


@bp.route("/v/<token>", methods=["GET", "POST"])
@public
def answer(token: str):
    """The personal link from the follow-up email."""
    g.private_page = True
    invitation = services.find_invitation(token)
    if invitation is None:
        return _message(
            "We do not recognise this link",
            "Please check that you copied the whole link from your email.",
            status=404,
        )
    gathering = invitation.followup.gathering
    if invitation.responded:
        return _message(
            "You have already answered",
            "Thank you! Each person answers once, and your first answers are kept.",
            gathering,
            status=409 if request.method == "POST" else 200,
        )
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            services.submit(
                invitation,
                cycles=form.cycles.data or [],
                story=form.story.data or "",
                story_consent=bool(form.story_consent.data),
                now=datetime.now(UTC),
            )
            db.session.commit()
        except services.AlreadyAnswered:
            db.session.rollback()
            return _message(
                "You have already answered",
                "Thank you! Each person answers once, and your first answers are kept.",
                gathering,
                status=409,
            )
        return _message(
            "Thank you",
            "Your answers are saved, without your name. They help the steering committee "
            "see what comes of each gathering.",
            gathering,
        )
    status = 422 if request.method == "POST" else 200
    return render_template("value/answer.html", gathering=gathering, form=form), status


@bp.route("/organiser/g/<slug>/value", methods=["GET", "POST"])
@organiser_only
def overview(slug: str):
    gathering = gathering_or_404(slug)
    now = datetime.now(UTC)
    zone = gathering.timezone
    followup = services.followup_for(gathering)
    form = ScheduleForm()
    if request.method == "GET":
        moment = followup.send_at if followup else services.default_send_at(gathering)
        form.send_at.data = timefmt.to_local(moment, zone).replace(tzinfo=None)
    elif form.validate_on_submit() and (send_at := form.utc("send_at", zone)):
        action = form.action.data
        chosen = announcing.decision()
        try:
            if action == SEND_NOW:
                sent = services.send_now(
                    gathering,
                    now=now,
                    cause=f"The follow-up sent by {current_user.email}",
                )
                if sent and chosen != Decision.SEND:
                    return _confirm(gathering, sent, schedule=False, send_at=now)
                message = f"The follow-up is on its way to {sent} {_people(sent)}."
            elif action == SCHEDULE:
                services.check_send_at(gathering, send_at)
                people = len(services.recipients(gathering))
                if people and chosen is None:
                    db.session.rollback()
                    return _confirm(gathering, people, schedule=True, send_at=send_at)
                scheduled = bool(people) and chosen == Decision.SEND
                services.save(gathering, send_at=send_at, scheduled=scheduled, now=now)
                if scheduled:
                    message = (
                        f"Scheduled: on {timefmt.long_date(send_at, zone)} the follow-up will "
                        f"email the people eligible then (now {people})."
                    )
                elif not people:
                    message = (
                        "Nobody can be asked yet (no attendee who agreed to be contacted), so "
                        "the date is saved but nothing is scheduled."
                    )
                else:
                    message = "Saved without emailing anyone. Schedule it or send it when ready."
            elif action == UNSCHEDULE:
                services.save(gathering, send_at=send_at, scheduled=False, now=now)
                message = "The follow-up is no longer scheduled; nobody will be emailed."
            else:
                services.save(gathering, send_at=send_at, scheduled=False, now=now)
                message = "Saved without emailing anyone. Schedule it or send it when ready."
            db.session.commit()
        except services.FollowUpError as error:
            db.session.rollback()
            form.send_at.errors.append(str(error))
        else:
            flash(message, "success")
            return redirect(url_for("value.overview", slug=slug), code=303)
    tally = value_tally(gathering.id)
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "value/overview.html",
            gathering=gathering,
            followup=followup,
            form=form,
            eligible=len(services.recipients(gathering)),
            ended=now >= gathering.ends_at,
            summary=tally.shown(current_app.config["SUPPRESSION_THRESHOLD"]),
        ),
        status,
    )


def _confirm(gathering, people: int, *, schedule: bool, send_at: datetime):
    """The shared "This will email N people" page, with the invitation as one person
    would read it (announcing rolls back what was worked out)."""
    zone = gathering.timezone
    when = (
        f"on {timefmt.long_date(send_at, zone)} at {timefmt.clock(send_at, zone)} "
        f"{timefmt.zone_short(zone, send_at)}"
        if schedule
        else "now"
    )
    example = services.preview(gathering) if schedule else None
    if not schedule:
        db.session.rollback()
        example = services.preview(gathering)
    return announcing.confirm_page(
        gathering=gathering,
        title="Schedule the follow-up?" if schedule else "Send the follow-up now?",
        what=(
            f"The follow-up goes out {when} to the attendees who agreed to be contacted after "
            "the gathering and have not had it yet; each person gets it once. Nobody who did "
            "not attend or did not agree is emailed."
        ),
        notices=[
            announcing.Notice(
                "value_followup", "what came of the gathering", people, lambda: example
            )
        ],
        back_url=url_for("value.overview", slug=gathering.slug),
        save_label="Save the date" if schedule else "Send the follow-up",
        quiet_allowed=schedule,
    )


def _people(n: int) -> str:
    return "person" if n == 1 else "people"
