"""Pages of the invitation list: upload and map, send and remind (each after a page that
says who will get what), the list for the spreadsheet, and the invitee's opt-out."""

from datetime import UTC, datetime

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.access import public, roles_required
from app.choices import UserRole
from app.extensions import db
from app.invitations import bp, reading, services
from app.invitations.forms import ConfirmForm, SendForm, UploadForm, mapping_form
from app.lookups import gathering_or_404
from app.models import Gathering, PersonalDataView
from app.privacy_records.access_log import record_access

organiser_only = roles_required(UserRole.ORGANISER)


def _now() -> datetime:
    return datetime.now(UTC)


def _page(gathering: Gathering, form: UploadForm, status: int = 200, file_error: str = ""):
    return render_template(
        "invitations/index.html",
        gathering=gathering,
        form=form,
        file_error=file_error,
        funnel=services.funnel(gathering),
        waiting_invite=len(services.to_invite(gathering)),
        waiting_remind=len(services.to_remind(gathering)),
        send_form=SendForm(),
    ), status


@bp.route("/organiser/g/<slug>/invitations")
@organiser_only
def index(slug: str):
    return _page(gathering_or_404(slug), UploadForm())


@bp.route("/organiser/g/<slug>/invitations/upload", methods=["POST"])
@organiser_only
def upload(slug: str):
    gathering = gathering_or_404(slug)
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(gathering, form, 422)
    file = form.file.data
    try:
        stored = services.store_upload(
            gathering, file.read(reading.MAX_BYTES + 1), file.filename or "", current_user
        )
    except reading.ReadError as error:
        db.session.rollback()
        form.file.errors = [str(error)]
        return _page(gathering, form, 422)
    db.session.commit()
    return redirect(url_for("invitations.mapping", slug=slug, upload_id=stored.id), 303)


@bp.route("/organiser/g/<slug>/invitations/upload/<int:upload_id>", methods=["GET", "POST"])
@organiser_only
def mapping(slug: str, upload_id: int):
    gathering = gathering_or_404(slug)
    stored = services.pending_upload(gathering, upload_id)
    if stored is None:
        abort(404)
    table = services.table_of(stored)
    form = mapping_form(
        table.headers,
        reading.guess_mapping(table.headers),
        formdata=request.form if request.method == "POST" else None,
    )
    chosen = {
        target: (int(value) if value else None)
        for target in reading.TARGETS
        for value in [getattr(form, f"map_{target}").data or ""]
    }
    problem = ""
    checked = None
    if request.method == "POST" and not form.validate():
        abort(400)
    used = [index for index in chosen.values() if index is not None]
    if len(used) != len(set(used)):
        problem = "Each column can hold one of our fields only: choose a different column."
    else:
        try:
            checked = reading.check_rows(table, chosen)
        except reading.ReadError as error:
            problem = str(error)
    if request.method == "POST" and form.action.data == "import" and checked and not problem:
        outcome = services.import_rows(gathering, stored, checked, now=_now())
        db.session.commit()
        flash(_imported(outcome), "success")
        return redirect(url_for("invitations.index", slug=slug), 303)
    preview = [
        {target: (row[i] if i is not None else "") for target, i in chosen.items()}
        for row in table.rows[:10]
    ]
    status = 422 if problem and request.method == "POST" else 200
    return render_template(
        "invitations/mapping.html",
        gathering=gathering,
        stored=stored,
        form=form,
        table=table,
        preview=preview,
        checked=checked,
        problem=problem,
        targets=reading.TARGETS,
        discard_form=ConfirmForm(),
    ), status


def _imported(outcome: services.ImportOutcome) -> str:
    parts = [f"{outcome.added} added to the invitation list"]
    if outcome.updated:
        parts.append(f"{outcome.updated} already on it (blanks filled in)")
    if outcome.merged:
        parts.append(f"{outcome.merged} duplicate rows merged")
    if outcome.opted_out:
        parts.append(f"{outcome.opted_out} had asked not to be invited and will not be written to")
    if outcome.bad:
        parts.append(f"{outcome.bad} rows left out")
    return "; ".join(parts) + ". Nobody has been emailed yet."


@bp.route("/organiser/g/<slug>/invitations/upload/<int:upload_id>/discard", methods=["POST"])
@organiser_only
def discard(slug: str, upload_id: int):
    gathering = gathering_or_404(slug)
    stored = services.pending_upload(gathering, upload_id)
    if stored is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.discard_upload(stored)
    db.session.commit()
    flash("The upload was discarded; nothing was added to the list.", "success")
    return redirect(url_for("invitations.index", slug=slug), 303)


@bp.route("/organiser/g/<slug>/invitations/send", methods=["POST"])
@organiser_only
def send(slug: str):
    """First the page that says who will get what; the emails only after "Send"."""
    gathering = gathering_or_404(slug)
    form = SendForm()
    if not form.validate_on_submit() or form.kind.data not in ("invite", "remind"):
        abort(400)
    reminder = form.kind.data == "remind"
    people = services.to_remind(gathering) if reminder else services.to_invite(gathering)
    if not people:
        flash("Nobody is waiting for " + ("a reminder." if reminder else "an invitation."), "info")
        return redirect(url_for("invitations.index", slug=slug), 303)
    if form.confirmed.data != "yes":
        return render_template(
            "invitations/confirm.html",
            gathering=gathering,
            form=form,
            reminder=reminder,
            count=len(people),
            example=services.example(gathering, people[0], reminder=reminder),
        )
    sent = services.send(gathering, people, reminder=reminder, now=_now())
    db.session.commit()
    what = "reminders" if reminder else "invitations"
    flash(f"{sent} {what} are on their way.", "success")
    return redirect(url_for("invitations.index", slug=slug), 303)


@bp.route("/organiser/g/<slug>/invitations.csv")
@organiser_only
def download(slug: str):
    gathering = gathering_or_404(slug)
    content, people = services.list_csv(gathering)
    record_access(
        PersonalDataView.INVITATION_LIST,
        user_id=current_user.id,
        gathering=gathering,
        people=people,
        now=_now(),
    )
    db.session.commit()
    return Response(
        content,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{slug}-invitations.csv"'},
    )


@bp.route("/invitations/opt-out/<token>", methods=["GET", "POST"])
@public
def opt_out(token: str):
    """A page with a button, not a link that acts: mail scanners open links on their own."""
    g.private_page = True
    invitee = services.by_token(token)
    if invitee is None:
        abort(404)
    form = ConfirmForm()
    done = invitee.opted_out_at is not None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        services.opt_out(invitee, now=_now())
        db.session.commit()
        done = True
    return render_template(
        "invitations/opt_out.html",
        invitee=invitee,
        form=form,
        done=done,
        gathering=invitee.gathering,
    )
