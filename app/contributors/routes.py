"""Contributors' pages. Everything with an amount or a payment detail is for organisers
only; a contributor sees their own plan through their private link (/c/<token>)."""

from datetime import UTC, datetime

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.access import public, roles_required
from app.choices import RegistrationStatus, UserRole
from app.contributors import bp, services
from app.contributors.forms import (
    AdvanceForm,
    ContributorForm,
    LinkForm,
    OwnPlanForm,
    RatesForm,
    dollars,
    to_cents,
    to_minutes,
)
from app.extensions import db
from app.forms_common import db_int, select_options
from app.lookups import gathering_or_404
from app.models import Gathering, PersonalDataView, Registration
from app.models.contributors import (
    HONORARIUM_LEVEL_SHORT,
    Contributor,
    ContributorRole,
    ContributorStatus,
    HonorariumLevel,
    PaymentMethod,
    Recognition,
)
from app.outbound.public_links import public_url
from app.privacy_records.access_log import record_access
from app.spreadsheet import to_csv

organiser_only = roles_required(UserRole.ORGANISER)

LABELS = {
    "roles": ContributorRole,
    "recognitions": Recognition,
    "levels": HonorariumLevel,
    "statuses": ContributorStatus,
    "methods": PaymentMethod,
}


def _contributor_or_404(gathering: Gathering, contributor_id: int) -> Contributor:
    contributor = db.get_or_404(Contributor, contributor_id)
    if contributor.gathering_id != gathering.id:
        abort(404)
    return contributor


@bp.route("/organiser/g/<slug>/contributors")
@organiser_only
def index(slug: str):
    gathering = gathering_or_404(slug)
    rows = services.contributors_of(gathering)
    record_access(
        PersonalDataView.CONTRIBUTORS,
        user_id=current_user.id,
        gathering=gathering,
        people=len(rows),
        now=datetime.now(UTC),
    )
    db.session.commit()
    forms = {}
    for row in rows:
        form = AdvanceForm(prefix=f"c{row.id}", formdata=None)
        step = services.next_step(row)
        form.to.data = step.value if step else ""
        forms[row.id] = (form, step)
    return render_template(
        "contributors/index.html",
        gathering=gathering,
        rows=rows,
        forms=forms,
        money=services.money,
        hours_label=services.hours_label,
        protocol_label=services.protocol_label,
        total=services.money(sum(row.payable_cents for row in rows)),
        paid_status=ContributorStatus.PAID,
        level_short=HONORARIUM_LEVEL_SHORT,
        **LABELS,
    )


def _fill_choices(form: ContributorForm, gathering: Gathering) -> None:
    people = db.session.execute(
        db.select(Registration.id, Registration.name, Registration.email)
        .where(
            Registration.gathering_id == gathering.id,
            Registration.status != RegistrationStatus.CANCELLED,
            Registration.erased_at.is_(None),
        )
        .order_by(Registration.name, Registration.id)
    ).all()
    form.registration_id.choices = select_options(
        [("", "Not registered"), *((str(p.id), f"{p.name} ({p.email})") for p in people)]
    )
    form.agenda_items.choices = select_options(
        (str(item.id), item.title) for item in gathering.active_agenda
    )


def _plan_from(form: ContributorForm) -> services.PlanData:
    return services.PlanData(
        name=form.name.data,
        email=form.email.data or "",
        role=form.role.data,
        registration_id=db_int(form.registration_id.data),
        agenda_item_ids=[n for n in map(db_int, form.agenda_items.data or []) if n is not None],
        recognition=form.recognition.data,
        honorarium_level=form.honorarium_level.data or None,
        minutes=to_minutes(form.hours.data),
        expenses_claimed_cents=to_cents(form.expenses_claimed.data),
        expenses_approved_cents=to_cents(form.expenses_approved.data),
        protocol_honorarium=form.protocol_honorarium.data,
        protocol_gift=form.protocol_gift.data,
        protocol_tobacco=form.protocol_tobacco.data,
        support_person=form.support_person.data or "",
        preparation_call_on=form.preparation_call_on.data,
        preferred_name=form.preferred_name.data or "",
        nation=form.nation.data or "",
        named_in_thanks=form.named_in_thanks.data,
        notes=form.notes.data or "",
    )


def _plan_page(gathering: Gathering, contributor: Contributor | None):
    form = ContributorForm(obj=None)
    _fill_choices(form, gathering)
    if contributor is not None and not form.is_submitted():
        form.name.data = contributor.name
        form.email.data = contributor.email
        form.role.data = contributor.role
        form.registration_id.data = str(contributor.registration_id or "")
        form.agenda_items.data = [str(item.id) for item in contributor.agenda_items]
        form.recognition.data = contributor.recognition
        form.honorarium_level.data = contributor.honorarium_level or ""
        form.hours.data = f"{contributor.minutes / 60:g}" if contributor.minutes else ""
        form.expenses_claimed.data = dollars(contributor.expenses_claimed_cents)
        form.expenses_approved.data = dollars(contributor.expenses_approved_cents)
        form.protocol_honorarium.data = contributor.protocol_honorarium
        form.protocol_gift.data = contributor.protocol_gift
        form.protocol_tobacco.data = contributor.protocol_tobacco
        form.support_person.data = contributor.support_person
        form.preparation_call_on.data = contributor.preparation_call_on
        form.preferred_name.data = contributor.preferred_name
        form.nation.data = contributor.nation
        form.named_in_thanks.data = contributor.named_in_thanks
        form.notes.data = contributor.notes
    if form.validate_on_submit():
        try:
            saved = services.save_plan(gathering, _plan_from(form), contributor=contributor)
        except services.PlanError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Saved the plan for {saved.name}.", "success")
            return redirect(url_for("contributors.index", slug=gathering.slug), 303)
    rates = services.rates_for(gathering)
    return (
        render_template(
            "contributors/plan.html",
            gathering=gathering,
            contributor=contributor,
            form=form,
            rates=[(level.label, services.money(rates[level.value])) for level in HonorariumLevel],
            money=services.money,
        ),
        422 if form.errors or form.form_errors else 200,
    )


@bp.route("/organiser/g/<slug>/contributors/new", methods=["GET", "POST"])
@organiser_only
def new(slug: str):
    return _plan_page(gathering_or_404(slug), None)


@bp.route("/organiser/g/<slug>/contributors/<int:contributor_id>", methods=["GET", "POST"])
@organiser_only
def edit(slug: str, contributor_id: int):
    gathering = gathering_or_404(slug)
    contributor = _contributor_or_404(gathering, contributor_id)
    if request.method == "GET":
        # Logged when the plan is opened; a refused save changes nothing, not even the log.
        record_access(
            PersonalDataView.CONTRIBUTOR,
            user_id=current_user.id,
            gathering=gathering,
            people=1,
            now=datetime.now(UTC),
            detail=f"contributor {contributor.id}",
        )
        db.session.commit()
    return _plan_page(gathering, contributor)


@bp.route("/organiser/g/<slug>/contributors/<int:contributor_id>/advance", methods=["POST"])
@organiser_only
def advance(slug: str, contributor_id: int):
    gathering = gathering_or_404(slug)
    contributor = _contributor_or_404(gathering, contributor_id)
    form = AdvanceForm(prefix=f"c{contributor.id}")
    if form.validate_on_submit():
        try:
            services.advance(
                contributor,
                form.to.data,
                now=datetime.now(UTC),
                paid_on=form.paid_on.data,
                payment_method=form.payment_method.data or "",
                payment_reference=form.payment_reference.data or "",
            )
        except services.PlanError as error:
            db.session.rollback()
            flash(f"{contributor.name}: {error}", "error")
            return redirect(url_for("contributors.index", slug=slug) + f"#c-{contributor.id}", 303)
        db.session.commit()
        flash(
            f"{contributor.name}: {ContributorStatus.label_for(contributor.status).lower()}.",
            "success",
        )
    else:
        messages = [m for errors in form.errors.values() for m in errors]
        flash(f"{contributor.name}: {' '.join(messages) or 'try again.'}", "error")
    return redirect(url_for("contributors.index", slug=slug) + f"#c-{contributor.id}", 303)


@bp.route("/organiser/g/<slug>/contributors/<int:contributor_id>/link", methods=["POST"])
@organiser_only
def private_link(slug: str, contributor_id: int):
    """A new private link, shown once: only its hash is kept."""
    gathering = gathering_or_404(slug)
    contributor = _contributor_or_404(gathering, contributor_id)
    form = LinkForm()
    if not form.validate_on_submit():
        abort(400)
    raw = services.issue_link(contributor)
    db.session.commit()
    return render_template(
        "contributors/link.html",
        gathering=gathering,
        contributor=contributor,
        link=public_url("contributors.own_plan", token=raw),
    )


@bp.route("/organiser/g/<slug>/contributors/finance.csv")
@organiser_only
def finance_csv(slug: str):
    gathering = gathering_or_404(slug)
    rows = services.finance_rows(gathering)
    record_access(
        PersonalDataView.FINANCE_CSV,
        user_id=current_user.id,
        gathering=gathering,
        people=len(rows),
        now=datetime.now(UTC),
    )
    db.session.commit()
    body = to_csv(services.FINANCE_HEADERS, rows)
    return Response(
        body,
        mimetype="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{gathering.slug}-contributors.csv"'
        },
    )


@bp.route("/organiser/g/<slug>/contributors/rates", methods=["GET", "POST"])
@organiser_only
def rates(slug: str):
    gathering = gathering_or_404(slug)
    form = RatesForm()
    current = services.rates_for(gathering)
    if not form.is_submitted():
        for level in HonorariumLevel:
            getattr(form, level.value).data = f"{current[level.value] / 100:.2f}"
    if form.validate_on_submit():
        services.save_rates(
            gathering,
            {level.value: to_cents(getattr(form, level.value).data) for level in HonorariumLevel},
        )
        db.session.commit()
        flash("Honorarium schedule saved. Plans saved from now on use it.", "success")
        return redirect(url_for("contributors.index", slug=slug), 303)
    return (
        render_template(
            "contributors/rates.html",
            gathering=gathering,
            form=form,
            community=gathering.community,
        ),
        422 if form.errors else 200,
    )


@bp.route("/c/<token>", methods=["GET", "POST"])
@public
def own_plan(token: str):
    """The contributor's own plan: they check it, say how they wish to be named, confirm."""
    g.private_page = True
    contributor = services.find_by_token(token)
    if contributor is None:
        abort(404)
    form = OwnPlanForm()
    if not form.is_submitted():
        form.preferred_name.data = contributor.preferred_name or contributor.name
        form.nation.data = contributor.nation
        form.named_in_thanks.data = contributor.named_in_thanks
    if form.validate_on_submit():
        services.confirm_own_plan(
            contributor,
            preferred_name=form.preferred_name.data or "",
            nation=form.nation.data or "",
            named_in_thanks=form.named_in_thanks.data,
            now=datetime.now(UTC),
        )
        db.session.commit()
        flash("Thank you: your plan is confirmed. The organisers can see your answers.", "success")
        return redirect(url_for("contributors.own_plan", token=token), 303)
    return (
        render_template(
            "contributors/own_plan.html",
            contributor=contributor,
            gathering=contributor.gathering,
            form=form,
            money=services.money,
            hours_label=services.hours_label,
            protocol_label=services.protocol_label,
            **LABELS,
        ),
        422 if form.errors else 200,
    )
