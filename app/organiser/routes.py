"""Organiser pages: gatherings, agenda, dashboard, registrant list and exports."""

from datetime import UTC, datetime

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from app import announcing
from app.announcing import Decision
from app.attendance.tables import attendance_summary
from app.auth.access import roles_required
from app.breakouts.dashboard import dashboard_overview as breakout_dashboard
from app.choices import PRIORITY_AREA_SHORT, UserRole
from app.community.targets import dashboard_targets
from app.edits import EditConflict, require_unchanged, version_of
from app.extensions import db
from app.facts import current_facts
from app.forms_common import ConfirmForm, db_int
from app.invitations import services as invitations
from app.lookups import gathering_or_404, gatherings_newest_first
from app.models import AgendaItem, Gathering, PersonalDataView
from app.organiser import bp, services, tables
from app.organiser.forms import AgendaItemForm, GatheringForm
from app.organiser.glance import glance
from app.organiser.people_forms import BulkForm
from app.organiser.registrants import (
    ListPage,
    RegistrantFilter,
    export_headers,
    export_rows,
    list_rows,
    listed,
    matching,
    more_list_fields,
    page_ids,
)
from app.outbound import notifications
from app.privacy_records.access_log import filter_detail, record_access
from app.spreadsheet import to_csv, to_xlsx
from app.value import services as value_services

organiser_only = roles_required(UserRole.ORGANISER)


@bp.route("/")
@organiser_only
def home():
    return render_template(
        "organiser/home.html", gatherings=gatherings_newest_first(archived=False)
    )


@bp.route("/gatherings/new", methods=["GET", "POST"])
@organiser_only
def new_gathering():
    form = GatheringForm()
    if form.validate_on_submit() and (data := form.to_data()):
        try:
            gathering = services.create_gathering(data)
            db.session.commit()
        except services.SlugTaken:
            db.session.rollback()
            form.slug.errors.append("Another gathering already uses this web address name.")
        else:
            flash("Gathering created. Now add its agenda.", "success")
            return redirect(url_for("organiser.agenda", slug=gathering.slug), 303)
    return _form_page("organiser/gathering_form.html", form=form, gathering=None)


@bp.route("/g/<slug>/edit", methods=["GET", "POST"])
@organiser_only
def edit_gathering(slug: str):
    gathering = gathering_or_404(slug)
    form = GatheringForm(obj=gathering)
    if request.method == "GET":
        form.fill_times(gathering, gathering.timezone)
        form.opened_version.data = version_of(gathering)
    if form.validate_on_submit() and (data := form.to_data()):
        now = datetime.now(UTC)
        try:
            require_unchanged(
                form.opened_version.data,
                Gathering,
                Gathering.id == gathering.id,
                gathering_id=gathering.id,
            )
            saved = services.update_gathering(gathering, data, now=now)
        except services.SlugTaken:
            db.session.rollback()
            form.slug.errors.append("Another gathering already uses this web address name.")
        except EditConflict:
            return _changed_since_page(
                "organiser/gathering_form.html", gathering, form=form, gathering=gathering
            )
        else:
            notices = []
            if saved.schedule_changed:
                notices.append(announcing.schedule_notice(gathering, now=now))
            if saved.promoted:
                notices.append(
                    announcing.notice(
                        "promoted",
                        "a place opened: they are registered",
                        saved.promoted,
                        now=now,
                    )
                )
            if announcing.needs_asking(notices):
                return announcing.confirm_page(
                    gathering=gathering,
                    title=f"Save the changes to {gathering.title}?",
                    what="Its time, title, description or meeting link changed, or places "
                    "opened for people on the waitlist.",
                    notices=notices,
                    back_url=url_for("organiser.edit_gathering", slug=slug),
                )
            if announcing.decision() == Decision.SEND:
                cause = f"Gathering details changed by {current_user.email}"
                if saved.schedule_changed:
                    notifications.schedule_changed(gathering, cause=cause)
                for person in saved.promoted:
                    notifications.promoted(person, cause=cause)
            db.session.commit()
            flash(
                f"Gathering saved. {announcing.outcome(notices, announcing.decision())}", "success"
            )
            return redirect(url_for("organiser.dashboard", slug=gathering.slug), 303)
    return _form_page("organiser/gathering_form.html", form=form, gathering=gathering)


@bp.route("/g/<slug>/")
@organiser_only
def dashboard(slug: str):
    gathering = gathering_or_404(slug)
    facts = current_facts(gathering)
    now = datetime.now(UTC)
    rooms = tuple((item.id, item.title) for item in gathering.breakouts)
    return render_template(
        "organiser/dashboard.html",
        gathering=gathering,
        counts=facts.remember("status_counts", facts.status_counts, attendance=False),
        cross=facts.remember(
            "organisation_by_region",
            lambda: tables.organisation_by_region(facts.registrations),
            attendance=False,
        ),
        attendance=facts.remember(
            ("attendance", rooms), lambda: attendance_summary(facts, breakouts=rooms)
        ),
        breakouts=breakout_dashboard(gathering, facts),
        representation_targets=dashboard_targets(gathering, facts, now=now),
        glance=glance(gathering, facts, now=now),
        invitation_funnel=invitations.funnel(gathering),
        value_created=value_services.dashboard_summary(gathering),
    )


@bp.route("/g/<slug>/registrants")
@organiser_only
def registrants(slug: str):
    gathering = gathering_or_404(slug)
    filters = RegistrantFilter.from_args(request.args, gathering)
    facts = current_facts(gathering)
    config = current_app.config
    per_page = min(_positive(request.args.get("per_page"), config["REGISTRANTS_PER_PAGE"]), 500)
    number = _positive(request.args.get("page"), 1)
    query = filters.query(gathering)
    # Which people match and in what order depends only on what the facts' versions
    # cover (and the rooms' titles), so both are kept with the facts; a check-in leaves
    # them standing unless the list is filtered or sorted by attendance.
    by_attendance = bool(filters.attended) or filters.sort == "attended"
    counts = facts.remember(
        ("list_counts", *filters.filter_args().items()),
        lambda: tables.list_counts(query),
        attendance=by_attendance,
    )
    rooms = tuple((item.id, item.title) for item in gathering.agenda_items)
    ids = facts.remember(
        ("list_page", *filters.as_args().items(), number, per_page, rooms),
        lambda: page_ids(query, number=number, per_page=per_page),
        attendance=by_attendance,
    )
    started = datetime.now(UTC) >= gathering.starts_at

    def rendered_rows() -> tuple[int, Markup]:
        rows = list_rows(
            listed(ids),
            # Each person's page is the list's address and their number (one url_for,
            # not a hundred).
            url_for_person=f"{url_for('.registrants', slug=gathering.slug)}/{{}}".format,
            room_titles={
                item.id: PRIORITY_AREA_SHORT.get(item.priority_area, item.title)
                for item in gathering.agenda_items
            },
            attended_ids=facts.attended_ids,
            started=started,
            zone=gathering.timezone,
        )
        html = render_template("organiser/_registrant_rows.html", rows=rows)
        return len(rows), Markup(html)  # noqa: S704 - a template's output, escaped

    # The rows as the page shows them come from the same rows and attendance, so they
    # are kept too (with what else they show: the address, the zone, whether it began).
    shown, rows = facts.remember(
        ("list_rows", *filters.as_args().items(), number, per_page, rooms)
        + (gathering.slug, gathering.timezone, started),
        rendered_rows,
    )
    # The page first: the commit that logs the view expires every loaded object, and
    # the page would then load the gathering, its agenda and the signed-in user again.
    pages_keep = filters.as_args()
    if per_page != config["REGISTRANTS_PER_PAGE"]:
        pages_keep["per_page"] = str(per_page)
    page = render_template(
        "organiser/registrants.html",
        gathering=gathering,
        page=ListPage(number=number, per_page=per_page, total=counts["total"], shown=shown),
        rows=rows,
        pages_keep=pages_keep,
        filters=filters,
        counts=counts,
        total_all=len(facts.registrations),
        bulk_form=BulkForm(rooms=gathering.breakouts),
        more_fields=more_list_fields(),
    )
    record_access(
        PersonalDataView.REGISTRANT_LIST,
        user_id=current_user.id,
        gathering=gathering,
        people=shown,
        now=datetime.now(UTC),
        detail=f"page {number}; {filter_detail(filters.as_args())}",
    )
    db.session.commit()
    return page


def _positive(value: str | None, default: int) -> int:
    """A page number or size from the address: a whole number from 1, else the default."""
    number = db_int(value)
    return number if number is not None and number >= 1 else default


@bp.route("/g/<slug>/registrants.<any(csv, xlsx):fmt>")
@organiser_only
def export_registrants(slug: str, fmt: str):
    gathering = gathering_or_404(slug)
    filters = RegistrantFilter.from_args(request.args, gathering)
    rows = export_rows(
        matching(filters, gathering), {item.id: item for item in gathering.agenda_items}
    )
    record_access(
        PersonalDataView.EXPORT_CSV if fmt == "csv" else PersonalDataView.EXPORT_XLSX,
        user_id=current_user.id,
        gathering=gathering,
        people=len(rows),
        now=datetime.now(UTC),
        detail=filter_detail(filters.as_args()),
    )
    db.session.commit()
    stem = f"{gathering.slug}-registrants"
    if fmt == "csv":
        body, mimetype = to_csv(export_headers(), rows), "text/csv; charset=utf-8"
    else:
        body = to_xlsx(export_headers(), rows, title="Registrants")
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )


@bp.route("/g/<slug>/agenda")
@organiser_only
def agenda(slug: str):
    gathering = gathering_or_404(slug)
    return render_template("organiser/agenda.html", gathering=gathering, remove_form=ConfirmForm())


@bp.route("/g/<slug>/agenda/new", methods=["GET", "POST"])
@organiser_only
def new_item(slug: str):
    gathering = gathering_or_404(slug)
    if (refused := _agenda_closed(gathering)) is not None:
        return refused
    form = AgendaItemForm()
    if request.method == "GET":
        form.fill_times(gathering, gathering.timezone)
    if form.validate_on_submit() and (data := form.to_data(gathering.timezone)):
        item = services.add_item(gathering, data)
        return _agenda_saved(gathering, f"“{item.title}” added to the agenda", "Add it")
    return _form_page("organiser/item_form.html", form=form, gathering=gathering, item=None)


def _agenda_saved(gathering: Gathering, done: str, save_label: str):
    """After an agenda change: ask whether to email everyone the updated schedule,
    then save it with or without."""
    now = datetime.now(UTC)
    notices = [announcing.schedule_notice(gathering, now=now)]
    if announcing.needs_asking(notices):
        return announcing.confirm_page(
            gathering=gathering,
            title=f"{save_label}?",
            what=f"{done}. Everyone confirmed holds an invitation with the agenda in it.",
            notices=notices,
            back_url=url_for("organiser.agenda", slug=gathering.slug),
            save_label=save_label,
        )
    if announcing.decision() == Decision.SEND:
        notifications.schedule_changed(gathering, cause=f"{done} by {current_user.email}")
    # Before the commit, which expires the gathering: reading its slug after would load it again.
    agenda_url = url_for("organiser.agenda", slug=gathering.slug)
    db.session.commit()
    flash(f"{done}. {announcing.outcome(notices, announcing.decision())}", "success")
    return redirect(agenda_url, 303)


def _agenda_closed(gathering: Gathering):
    """A gathering that is over keeps the agenda it had: changing it would send
    updated invitations for something that already happened."""
    if datetime.now(UTC) < gathering.ends_at:
        return None
    flash(
        "This gathering is over, so its agenda can no longer change: participants would "
        "get updated invitations for something that already happened.",
        "error",
    )
    return redirect(url_for("organiser.agenda", slug=gathering.slug), 303)


def _item_or_404(gathering: Gathering, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.gathering_id != gathering.id or item.removed_at is not None:
        abort(404)
    return item


@bp.route("/g/<slug>/agenda/<int:item_id>/edit", methods=["GET", "POST"])
@organiser_only
def edit_item(slug: str, item_id: int):
    gathering = gathering_or_404(slug)
    item = _item_or_404(gathering, item_id)
    if (refused := _agenda_closed(gathering)) is not None:
        return refused
    form = AgendaItemForm(obj=item)
    if request.method == "GET":
        form.fill_times(item, gathering.timezone)
        form.opened_version.data = version_of(item)
    if form.validate_on_submit() and (data := form.to_data(gathering.timezone)):
        try:
            require_unchanged(
                form.opened_version.data,
                AgendaItem,
                AgendaItem.id == item.id,
                gathering_id=gathering.id,
            )
        except EditConflict:
            return _changed_since_page(
                "organiser/item_form.html", item, form=form, gathering=gathering, item=item
            )
        if not services.update_item(item, data):
            db.session.commit()
            flash(
                "Agenda item saved. Nothing calendars show changed, so nobody needs an email.",
                "success",
            )
            return redirect(url_for("organiser.agenda", slug=slug), 303)
        return _agenda_saved(gathering, f"“{item.title}” changed", "Save the change")
    return _form_page("organiser/item_form.html", form=form, gathering=gathering, item=item)


@bp.route("/g/<slug>/agenda/<int:item_id>/remove", methods=["POST"])
@organiser_only
def remove_item(slug: str, item_id: int):
    gathering = gathering_or_404(slug)
    item = _item_or_404(gathering, item_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if (refused := _agenda_closed(gathering)) is not None:
        return refused
    now = datetime.now(UTC)
    title = item.title
    headed_there = services.remove_item(item, now=now)
    notices = [announcing.removal_notice(gathering, item, headed_there, now=now)]
    if announcing.needs_asking(notices):
        return announcing.confirm_page(
            gathering=gathering,
            title=f"Remove “{title}”?",
            what="It leaves the agenda and calendars cancel it."
            + (" People placed in this room lose their place in it." if item.is_breakout else ""),
            notices=notices,
            back_url=url_for("organiser.agenda", slug=slug),
            save_label="Remove it",
        )
    if not notices[0].people and request.form.get("confirmed") != "yes":
        return _confirm_removal(gathering, item)
    if announcing.decision() == Decision.SEND:
        notifications.item_removed(
            gathering,
            item,
            headed_there=headed_there,
            cause=f"“{title}” removed from the agenda by {current_user.email}",
        )
    db.session.commit()
    emails = announcing.outcome(notices, announcing.decision())
    flash(f"“{title}” is removed from the agenda. {emails}", "success")
    return redirect(url_for("organiser.agenda", slug=slug), 303)


def _confirm_removal(gathering: Gathering, item: AgendaItem):
    """Nobody to email: only ask whether to remove it."""
    db.session.rollback()
    return render_template(
        "organiser/confirm_remove.html",
        gathering=gathering,
        item=item,
        emails=0,
        form=ConfirmForm(),
    )


def _changed_since_page(template: str, row, **context):
    """The edit page again, saying someone else saved first; what was typed stays in the
    form, which now carries the saved version so that saving again is a deliberate choice."""
    db.session.rollback()
    db.session.refresh(row)
    context["form"].opened_version.data = version_of(row)
    return render_template(template, changed_since=True, **context), 409


def _form_page(template: str, **context):
    form = context["form"]
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template(template, **context), status
