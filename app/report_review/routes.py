"""Review pages: edit and approve the key messages; find themes and decide on each."""

from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth.access import roles_required
from app.choices import UserRole
from app.edits import EditConflict, require_unchanged, version_of
from app.extensions import db
from app.forms_common import db_int, select_options
from app.lookups import gathering_or_404
from app.models.report_review import KeyMessageSet, ReportTheme, ThemeStatus
from app.report_review import bp, services
from app.report_review.forms import (
    BulkDecisionForm,
    DecisionForm,
    KeyMessagesForm,
    SuggestForm,
)

organiser_only = roles_required(UserRole.ORGANISER)

KINDS = {
    "summary": "Breakout summary",
    "action": "Breakout action",
    "quote": "Quote (consented)",
    "answer": "Survey answer",
}


def _threshold() -> int:
    return int(current_app.config.get("SUPPRESSION_THRESHOLD", 5))


@bp.route("/g/<slug>/report/key-messages", methods=["GET", "POST"])
@organiser_only
def key_messages(slug: str):
    gathering = gathering_or_404(slug)
    stored = services.key_messages(gathering)
    suggestions = services.suggested_messages(gathering, threshold=_threshold())
    form = KeyMessagesForm()
    if not form.is_submitted():
        form.text.data = stored.text if stored else "\n".join(suggestions)
        form.committee_text.data = stored.committee_text if stored else ""
        form.opened_version.data = version_of(stored)
    changed_since = False
    if form.validate_on_submit():
        try:
            require_unchanged(
                form.opened_version.data,
                KeyMessageSet,
                KeyMessageSet.gathering_id == gathering.id,
                gathering_id=gathering.id,
            )
            services.save_key_messages(
                gathering,
                text=form.text.data,
                committee_text=form.committee_text.data or "",
                approve=form.action.data == "approve",
                user=current_user,
                now=datetime.now(UTC),
                threshold=_threshold(),
            )
        except services.ReviewError as error:
            db.session.rollback()
            form.text.errors.append(str(error))
        except EditConflict:
            db.session.rollback()
            changed_since = True
            stored = services.key_messages(gathering)
            form.opened_version.data = version_of(stored)
        else:
            db.session.commit()
            flash(
                "Key messages approved: the report uses them."
                if form.action.data == "approve"
                else "Key messages saved as a draft: the report says they are not approved.",
                "success",
            )
            return redirect(url_for("report_review.key_messages", slug=slug), 303)
    status = 409 if changed_since else 422 if form.errors else 200
    return (
        render_template(
            "report_review/key_messages.html",
            gathering=gathering,
            form=form,
            stored=stored,
            suggestions=suggestions,
            warnings=[]
            if form.text.errors
            else services.small_number_warnings(form.text.data or "", threshold=_threshold()),
            changed_since=changed_since,
            changed_since_theirs=stored.text if changed_since and stored else "",
        ),
        status,
    )


@bp.route("/g/<slug>/report/themes", methods=["GET"])
@organiser_only
def themes(slug: str):
    gathering = gathering_or_404(slug)
    return _themes_page(gathering)


def _themes_page(
    gathering,
    *,
    failed: ReportTheme | None = None,
    failed_form=None,
    bulk_form=None,
    status=200,
):
    rows = services.themes_of(gathering)
    if bulk_form is None:
        bulk_form = BulkDecisionForm(formdata=None)
    bulk_form.themes.choices = select_options((str(row.id), row.label) for row in rows)
    names = {row.id: row.label for row in rows}
    forms = {}
    for row in rows:
        if failed is not None and row.id == failed.id:
            forms[row.id] = failed_form
            continue
        form = DecisionForm(prefix=f"t{row.id}", formdata=None)
        form.theme_id.data = str(row.id)
        form.label.data = row.label
        forms[row.id] = form
    for row in rows:
        forms[row.id].merge_into.choices = select_options(
            [("", "Choose a theme")]
            + [
                (str(other.id), other.label)
                for other in rows
                if other.id != row.id and other.status != ThemeStatus.MERGED
            ]
        )
    rooms = {item.id: item.title for item in gathering.breakouts}
    return (
        render_template(
            "report_review/themes.html",
            gathering=gathering,
            rows=rows,
            forms=forms,
            names=names,
            rooms=rooms,
            kinds=KINDS,
            suggest_form=SuggestForm(),
            bulk_form=bulk_form,
            statuses=ThemeStatus,
        ),
        status,
    )


@bp.route("/g/<slug>/report/themes/bulk", methods=["POST"])
@organiser_only
def decide_many(slug: str):
    """Accept or reject every ticked theme in one request (one form, one submit)."""
    gathering = gathering_or_404(slug)
    form = BulkDecisionForm()
    form.themes.choices = select_options(
        (str(row.id), row.label) for row in services.themes_of(gathering)
    )
    valid = form.validate_on_submit()
    chosen = [n for n in (db_int(value) for value in form.themes.data or []) if n is not None]
    if valid and not chosen:
        form.themes.errors = [*form.themes.errors, "Tick at least one theme."]
    elif valid:
        now = datetime.now(UTC)
        try:
            decided = services.decide_many(
                gathering, chosen, decision=form.decision.data, user=current_user, now=now
            )
        except services.ReviewError as error:
            db.session.rollback()
            form.themes.errors = [*form.themes.errors, str(error)]
        else:
            db.session.commit()
            verb = "accepted" if form.decision.data == "accept" else "rejected"
            flash(f"{decided} theme{'s' if decided != 1 else ''} {verb}.", "success")
            return redirect(url_for("report_review.themes", slug=slug), 303)
    return _themes_page(gathering, bulk_form=form, status=422)


@bp.route("/g/<slug>/report/themes/suggest", methods=["POST"])
@organiser_only
def suggest_themes(slug: str):
    gathering = gathering_or_404(slug)
    form = SuggestForm()
    if not form.validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("report_review.themes", slug=slug), 303)
    found = services.suggest(gathering, now=datetime.now(UTC))
    db.session.commit()
    flash(f"{len(found)} themes suggested. Review each one below.", "success")
    return redirect(url_for("report_review.themes", slug=slug), 303)


@bp.route("/g/<slug>/report/themes/<int:theme_id>", methods=["POST"])
@organiser_only
def decide(slug: str, theme_id: int):
    gathering = gathering_or_404(slug)
    theme = db.get_or_404(ReportTheme, theme_id)
    if theme.gathering_id != gathering.id:
        abort(404)
    form = DecisionForm(prefix=f"t{theme.id}")
    if form.validate_on_submit():
        merge_into = form.merge_into.data
        try:
            services.decide(
                gathering,
                theme,
                decision=form.decision.data,
                label=form.label.data or "",
                merge_into=db_int(merge_into),
                user=current_user,
                now=datetime.now(UTC),
            )
        except services.ReviewError as error:
            db.session.rollback()
            field = {"rename": form.label, "merge": form.merge_into}.get(
                form.decision.data, form.decision
            )
            field.errors = [*field.errors, str(error)]
        else:
            db.session.commit()
            flash(f"Saved: {theme.label}.", "success")
            return redirect(url_for("report_review.themes", slug=slug) + f"#theme-{theme.id}", 303)
    return _themes_page(gathering, failed=theme, failed_form=form, status=422)
