"""The organisers' privacy pages (retention, the dry run, erasure requests, the erasure
and access logs) and a participant's own data."""

from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app.auth.access import participant, public, roles_required
from app.choices import UserRole
from app.extensions import db
from app.forms_common import db_int
from app.lookups import gathering_by_slug, gatherings_newest_first
from app.models import (
    DEFAULT_RETENTION_MONTHS,
    Community,
    PersonalDataView,
    Registration,
)
from app.privacy import my_data, retention
from app.privacy.forms import ButtonForm, RetentionForm
from app.privacy_records.access_log import access_lines, record_access
from app.privacy_records.erasure_log import erasure_lines
from app.privacy_records.periods import retention_for

bp = Blueprint("privacy", __name__)
organiser_only = roles_required(UserRole.ORGANISER)
ACCESS_LOG_PAGE = 100


def _now() -> datetime:
    return datetime.now(UTC)


def _retention_forms(communities: list[Community]) -> dict[int, RetentionForm]:
    """Each community's settings as saved (never filled from another form's POST)."""
    return {
        community.id: RetentionForm(
            prefix=f"c{community.id}",
            formdata=None,
            data={
                "retention_months": community.retention_months,
                "erasure_requests": community.erasure_requests,
            },
        )
        for community in communities
    }


def _privacy_page(forms: dict[int, RetentionForm] | None = None, status: int = 200):
    now = _now()
    communities = retention.communities()
    pending = retention.pending_requests()
    if pending and status == 200:
        # A refused retention form changes nothing, not even the log.
        record_access(
            PersonalDataView.ERASURE_REQUESTS,
            user_id=current_user.id,
            gathering=None,
            people=len(pending),
            now=now,
            detail="the privacy page",
        )
        db.session.commit()
    return (
        render_template(
            "privacy/index.html",
            communities=communities,
            forms=forms or _retention_forms(communities),
            default_months=DEFAULT_RETENTION_MONTHS,
            plan=retention.dry_run(now=now),
            pending=pending,
            erasures=erasure_lines(),
            button=ButtonForm(),
            now=now,
        ),
        status,
    )


@bp.route("/organiser/privacy")
@organiser_only
def index():
    return _privacy_page()


@bp.route("/organiser/privacy/communities/<int:community_id>", methods=["POST"])
@organiser_only
def save_retention(community_id: int):
    community = db.get_or_404(Community, community_id)
    communities = retention.communities()
    forms = _retention_forms([c for c in communities if c.id != community_id])
    form = RetentionForm(prefix=f"c{community.id}")
    forms[community.id] = form
    if not form.validate_on_submit():
        return _privacy_page(forms, status=422)
    community.retention_months = form.retention_months.data
    community.erasure_requests = form.erasure_requests.data
    db.session.commit()
    flash(f"Retention for {community.name} saved.", "success")
    return redirect(url_for(".index"), 303)


@bp.route("/organiser/privacy/requests/<int:registration_id>/erase", methods=["POST"])
@organiser_only
def confirm_request(registration_id: int):
    registration = db.get_or_404(Registration, registration_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if registration.erasure_requested_at is None or registration.erased_at is not None:
        flash("That request was already dealt with.", "info")
        return redirect(url_for(".index"), 303)
    retention.erase_requested(registration, actor_id=current_user.id, now=_now())
    db.session.commit()
    flash("Erased as requested; the registration remains as an anonymous count.", "success")
    return redirect(url_for(".index"), 303)


@bp.route("/organiser/privacy/access-log")
@organiser_only
def access_log():
    page = max(db_int(request.args.get("page")) or 1, 1)
    slug = request.args.get("gathering", "")
    gathering = gathering_by_slug(slug) if slug else None
    total, lines = access_lines(
        gathering=gathering, limit=ACCESS_LOG_PAGE, offset=(page - 1) * ACCESS_LOG_PAGE
    )
    return render_template(
        "privacy/access_log.html",
        lines=lines,
        total=total,
        page=page,
        pages=max((total + ACCESS_LOG_PAGE - 1) // ACCESS_LOG_PAGE, 1),
        gathering=gathering,
        gatherings=gatherings_newest_first(),
    )


# --- a participant's own data --------------------------------------------------------


@bp.route("/r/<token>/my-data")
@participant
def my_data_page(registration: Registration, token: str):
    return render_template(
        "privacy/my_data.html",
        registration=registration,
        gathering=registration.gathering,
        token=token,
        data=my_data.everything_about(registration),
        readable=my_data.readable,
    )


@bp.route("/r/<token>/my-data.json")
@participant
def my_data_json(registration: Registration, token: str):
    return Response(
        my_data.as_json(my_data.everything_about(registration)),
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="my-registration-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/r/<token>/erase", methods=["GET", "POST"])
@participant
def request_erasure(registration: Registration, token: str):
    gathering = registration.gathering
    form = ButtonForm()
    now = _now()
    if form.validate_on_submit():
        try:
            outcome = my_data.request_erasure(registration, now=now)
            db.session.commit()
        except my_data.ErasureRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return redirect(url_for("registration.manage", token=token), 303)
        if outcome.erased_now:
            return redirect(url_for(".erased"), 303)
        flash("Your request is recorded.", "success")
        return redirect(url_for("registration.manage", token=token), 303)
    return render_template(
        "privacy/request_erasure.html",
        registration=registration,
        gathering=gathering,
        token=token,
        form=form,
        rules=retention_for(gathering),
        before_start=now < gathering.starts_at,
        over=now >= gathering.ends_at,
    )


@bp.route("/erased")
@public
def erased():
    return render_template("privacy/erased.html")
