"""Survey pages for participants (personal link, edit link, from the manage page, the
question to people who asked for an accommodation) and for organisers (set-up,
invitations, results, CSV). Evaluation calls accommodations' services, never the other
way round."""

from datetime import UTC, datetime

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app import announcing, timefmt
from app.accommodations import services as accommodations
from app.announcing import Decision
from app.auth.access import participant, public, roles_required
from app.choices import UserRole
from app.evaluation import answers, bp, links, mailing, question_sets, setup, summary
from app.evaluation.forms import (
    AccommodationOutcomeForm,
    ConfirmForm,
    ImportSetForm,
    InviteForm,
    MoveForm,
    QuestionForm,
    SettingsForm,
)
from app.extensions import db
from app.facts import gathering_facts
from app.lookups import gathering_or_404
from app.models import Registration
from app.models.accommodations import AccommodationOutcome
from app.models.evaluation import (
    NOT_APPLICABLE,
    NOT_APPLICABLE_LABEL,
    SCALE_LABELS,
    QuestionKind,
    Survey,
    SurveyQuestion,
    SurveyQuestionSet,
)
from app.outbound.public_links import public_url
from app.spreadsheet import to_csv

organiser_only = roles_required(UserRole.ORGANISER)

MESSAGES = {
    "unknown": (
        404,
        "We do not recognise this survey link",
        "Please check that you copied the whole link from your email. If it still does not "
        "work, open the survey from your registration page or contact the organisers.",
    ),
    "unknown_edit": (
        404,
        "We do not recognise this edit link",
        "Please check that you copied the whole link. Because answers are anonymous, we "
        "cannot look them up any other way.",
    ),
    "draft": (
        403,
        "This survey is not open yet",
        "The organisers are still preparing it. Please come back when they send the link.",
    ),
    "scheduled": (
        403,
        "This survey is not open yet",
        "Please come back when it opens.",
    ),
    "closed": (
        410,
        "This survey has closed",
        "Thank you for your interest. Answers can no longer be given or changed.",
    ),
    "already": (
        409,
        "You have already answered this survey",
        "Thank you! Each person answers once, and your first answers are kept. To change "
        "them, use the private edit link you were shown after submitting. Because your "
        "answers are anonymous, we cannot find them from this link.",
    ),
}


def _message(key: str, survey: Survey | None = None, *, status: int | None = None):
    code, title, text = MESSAGES[key]
    if key == "scheduled" and survey is not None and survey.opens_at is not None:
        zone = survey.gathering.timezone
        text = (
            f"It opens on {timefmt.long_date(survey.opens_at, zone)} at "
            f"{timefmt.clock(survey.opens_at, zone)} {timefmt.zone_short(zone, survey.opens_at)}."
            " Please come back then; this link will work."
        )
    page = render_template(
        "evaluation/message.html",
        title=title,
        text=text,
        survey=survey,
        gathering=survey.gathering if survey else None,
    )
    return page, status or code


def _survey_page(
    survey: Survey,
    *,
    values,
    errors,
    action: str,
    editing: bool,
    edit_url: str = "",
    status=200,
    accommodation: dict | None = None,
    token: str = "",
):
    return (
        render_template(
            "evaluation/survey.html",
            survey=survey,
            gathering=survey.gathering,
            values=values,
            errors=errors,
            action=action,
            editing=editing,
            edit_url=edit_url,
            field_name=answers.field_name,
            scale_labels=SCALE_LABELS,
            not_applicable=NOT_APPLICABLE,
            not_applicable_label=NOT_APPLICABLE_LABEL,
            text_limit=setup.TEXT_LIMIT,
            QuestionKind=QuestionKind,
            set_starts=question_sets.set_starts(survey),
            accommodation=accommodation,
            accommodation_token=token,
        ),
        status,
    )


@bp.route("/s/<token>", methods=["GET", "POST"])
@public
def survey(token: str):
    """The personal link from the invitation email (or the manage page)."""
    g.private_page = True
    now = datetime.now(UTC)
    invitation = links.find_invitation(token)
    if invitation is None:
        return _message("unknown")
    survey = invitation.survey
    state = survey.state(now)
    if state != "open":
        return _message(state, survey)
    if invitation.responded:
        return _message("already", survey, status=409 if request.method == "POST" else 200)
    values: dict = {}
    errors: dict = {}
    if request.method == "POST":
        values, errors = answers.read_answers(survey.questions, request.form)
        if not errors:
            try:
                edit_key = answers.submit_response(invitation, values, now=now)
                db.session.commit()
            except setup.AlreadyResponded:
                db.session.rollback()
                return _message("already", survey, status=409)
            except setup.SurveyError:
                db.session.rollback()
                return _message("closed", survey)
            flash(
                "Thank you! Your answers are saved. To change them before the survey "
                "closes, keep this page's address: it is the only way back to your answers.",
                "success",
            )
            return redirect(url_for("evaluation.edit", key=edit_key, saved=1), code=303)
    return _survey_page(
        survey,
        values=values,
        errors=errors,
        action=url_for("evaluation.survey", token=token),
        editing=False,
        status=422 if errors else 200,
        accommodation=accommodations.survey_question(invitation.registration),
        token=token,
    )


@bp.route("/s/<token>/accommodation", methods=["POST"])
@public
def accommodation_outcome(token: str):
    """The survey page's question to people who asked for an accommodation: did it work?
    Kept with their request (accommodations' services), not with their anonymous answers."""
    g.private_page = True
    invitation = links.find_invitation(token)
    if invitation is None:
        abort(404)
    asked = accommodations.awaiting_evaluation(invitation.registration)
    form = AccommodationOutcomeForm()
    if not asked or not form.validate_on_submit():
        flash("Your answer about your accommodation was not saved; please try again.", "error")
        return redirect(url_for("evaluation.survey", token=token), 303)
    choices = {}
    for row in asked:
        value = request.form.get(f"outcome_{row.id}", "")
        if value in AccommodationOutcome.__members__.values():
            choices[row.id] = value
    if not choices:
        flash("Choose an answer about your accommodation, then send it.", "error")
        return redirect(url_for("evaluation.survey", token=token) + "#accommodation", 303)
    accommodations.record_outcomes(
        invitation.registration, choices, comment=form.comment.data or "", now=datetime.now(UTC)
    )
    db.session.commit()
    flash("Thank you: your answer about your accommodation is saved.", "success")
    return redirect(url_for("evaluation.survey", token=token), 303)


@bp.route("/s/edit/<key>", methods=["GET", "POST"])
@public
def edit(key: str):
    """The private edit link: the only way back to a response."""
    g.private_page = True
    now = datetime.now(UTC)
    response = answers.find_response(key)
    if response is None:
        return _message("unknown_edit")
    survey = response.survey
    if survey.state(now) != "open":
        return _message("closed", survey)
    values = answers.stored_answers(response)
    errors: dict = {}
    if request.method == "POST":
        values, errors = answers.read_answers(survey.questions, request.form)
        if not errors:
            try:
                answers.update_response(response, values, now=now)
                db.session.commit()
            except setup.SurveyError:
                db.session.rollback()
                return _message("closed", survey)
            flash("Your changes are saved.", "success")
            return redirect(url_for("evaluation.edit", key=key, saved=1), code=303)
    return _survey_page(
        survey,
        values=values,
        errors=errors,
        action=url_for("evaluation.edit", key=key),
        editing=True,
        edit_url=public_url("evaluation.edit", key=key),
        status=422 if errors else 200,
    )


@bp.route("/r/<token>/survey")
@participant
def from_manage(registration: Registration, token: str):
    """From the manage page: make (or find) the person's invitation and open it."""
    gathering = registration.gathering
    survey = setup.survey_for(gathering)
    now = datetime.now(UTC)
    if survey is None or survey.state(now) != "open":
        flash("The evaluation survey is not open.", "info")
        return redirect(url_for("registration.manage", token=token), code=303)
    present = registration.id in gathering_facts(gathering).present_ids
    if not links.may_take_part(registration, present=present):
        flash("The evaluation survey is for people who took part in the gathering.", "info")
        return redirect(url_for("registration.manage", token=token), code=303)
    invitation = links.ensure_invitation(survey, registration)
    db.session.commit()
    return redirect(
        url_for("evaluation.survey", token=links.invitation_token(invitation)), code=303
    )


# --- organisers -------------------------------------------------------------------------


def _survey_or_404(slug: str):
    gathering = gathering_or_404(slug)
    survey = setup.survey_for(gathering)
    if survey is None:
        abort(404)
    return gathering, survey


def _question_or_404(survey: Survey, question_id: int) -> SurveyQuestion:
    question = db.session.get(SurveyQuestion, question_id)
    if question is None or question.survey_id != survey.id:
        abort(404)
    return question


def _back(slug: str):
    return redirect(url_for("evaluation.overview", slug=slug), code=303)


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.route("/organiser/g/<slug>/survey")
@organiser_only
def overview(slug: str):
    gathering = gathering_or_404(slug)
    survey = setup.survey_for(gathering)
    now = datetime.now(UTC)
    context = {"gathering": gathering, "survey": survey, "confirm_form": ConfirmForm()}
    if survey is not None:
        facts = gathering_facts(gathering)
        context.update(
            state=survey.state(now),
            locked=setup.questions_locked(survey),
            responses=setup.response_count(survey),
            invited=facts.survey.invited,
            emailed=summary.emailed_count(survey),
            awaiting=summary.awaiting_reminder_count(survey),
            responded=facts.survey.responded,
            attended=facts.attended,
            invite_form=InviteForm(),
            move_form=MoveForm(),
        )
    return render_template("evaluation/overview.html", **context)


@bp.route("/organiser/g/<slug>/survey/create", methods=["POST"])
@organiser_only
def create(slug: str):
    gathering = gathering_or_404(slug)
    _confirmed()
    try:
        setup.create_survey(gathering, now=datetime.now(UTC))
        db.session.commit()
    except setup.SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash("Survey created with the default questions. Review them, then open it.", "success")
    return _back(slug)


@bp.route("/organiser/g/<slug>/survey/settings", methods=["GET", "POST"])
@organiser_only
def settings(slug: str):
    gathering, survey = _survey_or_404(slug)
    form = SettingsForm(obj=survey)
    if request.method == "GET":
        form.fill_times(survey, gathering.timezone)
    if form.validate_on_submit() and (times := form.times(gathering.timezone)):
        setup.update_settings(
            survey,
            title=form.title.data,
            intro=form.intro.data or "",
            opens_at=times[0],
            closes_at=times[1],
        )
        db.session.commit()
        flash("Survey settings saved.", "success")
        return _back(slug)
    status = 422 if request.method == "POST" else 200
    return (
        render_template("evaluation/settings.html", gathering=gathering, survey=survey, form=form),
        status,
    )


def _state_change(slug: str, change, done: str):
    gathering, survey = _survey_or_404(slug)
    _confirmed()
    try:
        change(survey)
        db.session.commit()
    except setup.SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(done, "success")
    return _back(slug)


@bp.route("/organiser/g/<slug>/survey/open", methods=["POST"])
@organiser_only
def open_survey(slug: str):
    now = datetime.now(UTC)
    return _state_change(slug, lambda s: setup.open_survey(s, now=now), "The survey is open.")


@bp.route("/organiser/g/<slug>/survey/close", methods=["POST"])
@organiser_only
def close_survey(slug: str):
    now = datetime.now(UTC)
    return _state_change(slug, lambda s: setup.close_survey(s, now=now), "The survey is closed.")


@bp.route("/organiser/g/<slug>/survey/draft", methods=["POST"])
@organiser_only
def back_to_draft(slug: str):
    return _state_change(
        slug, setup.back_to_draft, "The survey is a draft again; questions can change."
    )


def _question_page(gathering, survey, form, question):
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "evaluation/question_form.html",
            gathering=gathering,
            survey=survey,
            form=form,
            question=question,
        ),
        status,
    )


@bp.route("/organiser/g/<slug>/survey/questions/new", methods=["GET", "POST"])
@organiser_only
def new_question(slug: str):
    gathering, survey = _survey_or_404(slug)
    locked = setup.questions_locked(survey)
    if locked:
        flash(locked, "error")
        return _back(slug)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            setup.add_question(survey, form.to_data())
            db.session.commit()
        except setup.SurveyError as error:
            db.session.rollback()
            form.options.errors.append(str(error))
        else:
            flash("Question added.", "success")
            return _back(slug)
    return _question_page(gathering, survey, form, None)


@bp.route("/organiser/g/<slug>/survey/questions/<int:question_id>/edit", methods=["GET", "POST"])
@organiser_only
def edit_question(slug: str, question_id: int):
    gathering, survey = _survey_or_404(slug)
    question = _question_or_404(survey, question_id)
    locked = setup.questions_locked(survey)
    if locked:
        flash(locked, "error")
        return _back(slug)
    form = QuestionForm(obj=question)
    if request.method == "GET":
        form.options.data = "\n".join(question.options)
    if form.validate_on_submit():
        try:
            setup.update_question(question, form.to_data())
            db.session.commit()
        except setup.SurveyError as error:
            db.session.rollback()
            form.options.errors.append(str(error))
        else:
            flash("Question saved.", "success")
            return _back(slug)
    return _question_page(gathering, survey, form, question)


@bp.route("/organiser/g/<slug>/survey/questions/<int:question_id>/remove", methods=["POST"])
@organiser_only
def remove_question(slug: str, question_id: int):
    _, survey = _survey_or_404(slug)
    question = _question_or_404(survey, question_id)
    _confirmed()
    prompt = question.prompt
    try:
        setup.remove_question(question)
        db.session.commit()
    except setup.SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(f"Removed “{prompt}”.", "success")
    return _back(slug)


@bp.route("/organiser/g/<slug>/survey/questions/<int:question_id>/move", methods=["POST"])
@organiser_only
def move_question(slug: str, question_id: int):
    _, survey = _survey_or_404(slug)
    question = _question_or_404(survey, question_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        setup.move_question(question, -1 if form.direction.data == "up" else 1)
        db.session.commit()
    except setup.SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    return _back(slug)


@bp.route("/organiser/g/<slug>/survey/sets/engagement", methods=["POST"])
@organiser_only
def add_engagement_set(slug: str):
    _, survey = _survey_or_404(slug)
    _confirmed()
    try:
        question_sets.add_engagement_set(survey)
        db.session.commit()
    except setup.SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash("Added the engagement quality and cultural safety questions.", "success")
    return _back(slug)


@bp.route("/organiser/g/<slug>/survey/sets/import", methods=["GET", "POST"])
@organiser_only
def import_set(slug: str):
    gathering, survey = _survey_or_404(slug)
    locked = setup.questions_locked(survey)
    if locked:
        flash(locked, "error")
        return _back(slug)
    form = ImportSetForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.questions_file.data
        try:
            parsed = question_sets.parse_file(upload.filename or "", upload.read())
            parsed.title = form.title.data or parsed.title
            parsed.source = form.source.data or parsed.source
            parsed.licence = form.licence.data or parsed.licence
            added = question_sets.import_set(survey, parsed)
            db.session.commit()
        except question_sets.QuestionSetError as error:
            db.session.rollback()
            problems = error.problems
        except setup.SurveyError as error:
            db.session.rollback()
            problems = [str(error)]
        else:
            flash(f"Imported {len(parsed.questions)} questions from “{added.title}”.", "success")
            return _back(slug)
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "evaluation/import_set.html",
            gathering=gathering,
            survey=survey,
            form=form,
            problems=problems,
        ),
        status,
    )


@bp.route("/organiser/g/<slug>/survey/sets/<int:set_id>/remove", methods=["POST"])
@organiser_only
def remove_set(slug: str, set_id: int):
    _, survey = _survey_or_404(slug)
    question_set = db.session.get(SurveyQuestionSet, set_id)
    if question_set is None or question_set.survey_id != survey.id:
        abort(404)
    _confirmed()
    title = question_set.title
    try:
        question_sets.remove_set(survey, question_set)
        db.session.commit()
    except setup.SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(f"Removed the questions of “{title}”.", "success")
    return _back(slug)


@bp.route("/organiser/g/<slug>/survey/invite", methods=["POST"])
@organiser_only
def invite(slug: str):
    _, survey = _survey_or_404(slug)
    form = InviteForm()
    if not form.validate_on_submit():
        flash("Choose who receives the survey link.", "error")
        return _back(slug)
    try:
        outcome = mailing.send_invitations(
            survey,
            audience=mailing.Audience(form.audience.data),
            consented_only=bool(form.consented_only.data),
            now=datetime.now(UTC),
            cause=f"Survey invitations sent by {current_user.email}",
        )
        if outcome.sent and announcing.decision() != Decision.SEND:
            return _confirm_mailing(
                survey, outcome, "the link to the survey", "Send the invitations"
            )
        db.session.commit()
    except setup.SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        if not (outcome.sent or outcome.already or outcome.no_consent):
            flash(
                "Nobody matched: no attendance is recorded yet, or no registration is confirmed.",
                "warning",
            )
        else:
            flash(outcome.message("invitations"), "success")
    return _back(slug)


@bp.route("/organiser/g/<slug>/survey/remind", methods=["POST"])
@organiser_only
def remind(slug: str):
    _, survey = _survey_or_404(slug)
    _confirmed()
    try:
        outcome = mailing.send_reminders(
            survey,
            now=datetime.now(UTC),
            cause=f"Survey reminders sent by {current_user.email}",
        )
        if outcome.sent and announcing.decision() != Decision.SEND:
            return _confirm_mailing(survey, outcome, "a reminder to answer", "Send the reminders")
        db.session.commit()
    except setup.SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(outcome.message("reminders"), "success")
    return _back(slug)


def _confirm_mailing(survey, outcome: mailing.MailingOutcome, label: str, save_label: str):
    """Nothing is queued until the organiser has seen who gets what."""
    skipped = outcome.message("emails").split("; ", 1)[1:] or [""]
    return announcing.confirm_page(
        gathering=survey.gathering,
        title=f"{save_label}?",
        what=f"{survey.title}. {skipped[0]}".strip(),
        notices=[
            announcing.Notice(f"survey_{label}", label, outcome.sent, lambda: outcome.example)
        ],
        back_url=url_for("evaluation.overview", slug=survey.gathering.slug),
        save_label=save_label,
        quiet_allowed=False,
    )


@bp.route("/organiser/g/<slug>/survey/results")
@organiser_only
def results(slug: str):
    gathering, survey = _survey_or_404(slug)
    return render_template(
        "evaluation/results.html",
        gathering=gathering,
        survey=survey,
        results=summary.results(survey),
        QuestionKind=QuestionKind,
        NOT_APPLICABLE_LABEL=NOT_APPLICABLE_LABEL,
        set_starts=question_sets.set_starts(survey),
    )


@bp.route("/organiser/g/<slug>/survey/responses.csv")
@organiser_only
def export(slug: str):
    gathering, survey = _survey_or_404(slug)
    headers, rows = summary.export_table(survey)
    return Response(
        to_csv(headers, rows),
        mimetype="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{gathering.slug}-survey.csv"',
            "Cache-Control": "no-store",
        },
    )
