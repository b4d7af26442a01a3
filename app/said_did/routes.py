"""The public "You said, we did" page and its Atom feed (both 404 until published), and the
organiser's page that previews, publishes and names owners publicly."""

from datetime import UTC, datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for

from app.auth.access import participant, public, roles_required
from app.branding import current_organisation
from app.choices import UserRole
from app.extensions import db
from app.lookups import gathering_or_404
from app.models import Recommendation, Registration
from app.outbound.public_links import public_url
from app.said_did import bp, services
from app.said_did.forms import PUBLISH, SUBSCRIBE, DigestForm, PublicOwnerForm, PublishForm

organiser_only = roles_required(UserRole.ORGANISER)


def _page_context(gathering, page) -> dict:
    items = services.entries(gathering)
    return {
        "gathering": gathering,
        "page": page,
        "items": items,
        "counts": services.status_counts(items),
        "feed_url": url_for("said_did.feed", slug=gathering.slug),
    }


@bp.route("/g/<slug>/you-said-we-did")
@public
def page(slug: str):
    gathering = gathering_or_404(slug)
    published = services.published_page(gathering)
    if published is None:
        abort(404)
    return render_template("said_did/page.html", **_page_context(gathering, published))


@bp.route("/g/<slug>/you-said-we-did.atom")
@public
def feed(slug: str):
    gathering = gathering_or_404(slug)
    published = services.published_page(gathering)
    if published is None:
        abort(404)
    body = services.atom_feed(
        gathering,
        services.entries(gathering),
        page_url=public_url("said_did.page", slug=slug),
        feed_url=public_url("said_did.feed", slug=slug),
        author=current_organisation().name,
        published_at=published.published_at,
    )
    return Response(body, mimetype="application/atom+xml")


@bp.route("/organiser/g/<slug>/you-said-we-did", methods=["GET", "POST"])
@organiser_only
def manage(slug: str):
    gathering = gathering_or_404(slug)
    current = services.page_for(gathering)
    form = PublishForm(data={"intro": current.intro if current else ""})
    if request.method == "POST":
        form = PublishForm()
        if form.validate_on_submit():
            if form.action.data == PUBLISH:
                services.publish(gathering, intro=form.intro.data or "", now=datetime.now(UTC))
                message = "Published: anyone with the address can read the page and its feed."
            else:
                services.unpublish(gathering)
                message = "The page is no longer public."
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("said_did.manage", slug=slug), code=303)
    return _manage_page(gathering, current, form)


def _manage_page(gathering, current, form, bound: PublicOwnerForm | None = None, bound_id=None):
    context = _page_context(gathering, current)
    owner_forms = {
        item["id"]: PublicOwnerForm(
            formdata=None, prefix=f"r{item['id']}", public_owner=_owner_of(item["id"])
        )
        for item in context["items"]
    }
    if bound is not None:
        owner_forms[bound_id] = bound
    status = 422 if request.method == "POST" else 200
    return (
        render_template("said_did/manage.html", form=form, owner_forms=owner_forms, **context),
        status,
    )


def _owner_of(recommendation_id: int) -> str:
    recommendation = db.session.get(Recommendation, recommendation_id)
    return recommendation.public_owner if recommendation else ""


@bp.route("/organiser/g/<slug>/you-said-we-did/<int:item_id>/owner", methods=["POST"])
@organiser_only
def public_owner(slug: str, item_id: int):
    gathering = gathering_or_404(slug)
    recommendation = db.session.get(Recommendation, item_id)
    if recommendation is None or recommendation.gathering_id != gathering.id:
        abort(404)
    form = PublicOwnerForm(prefix=f"r{item_id}")
    if not form.validate_on_submit():
        current = services.page_for(gathering)
        publish_form = PublishForm(formdata=None, data={"intro": current.intro if current else ""})
        return _manage_page(gathering, current, publish_form, form, item_id)
    services.set_public_owner(recommendation, form.public_owner.data or "")
    db.session.commit()
    flash("Owner saved.", "success")
    return redirect(url_for("said_did.manage", slug=slug, _anchor=f"rec-{item_id}"), code=303)


@bp.route("/r/<token>/you-said-we-did", methods=["GET", "POST"])
@participant
def digest(registration: Registration, token: str):
    """A participant who agreed to follow-up contact asks to be emailed (one digest a week
    at most) when the page changes, or stops it."""
    gathering = registration.gathering
    allowed = services.may_subscribe(registration)
    form = DigestForm()
    if request.method == "POST":
        if not allowed:
            abort(403)
        if not form.validate_on_submit():
            abort(400)
        if form.action.data == SUBSCRIBE:
            services.subscribe(registration, now=datetime.now(UTC))
            message = "Done: we will email you when something changes, once a week at most."
        else:
            services.unsubscribe(registration)
            message = "Done: we will not email you about this page."
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("said_did.digest", token=token), code=303)
    return render_template(
        "said_did/digest.html",
        gathering=gathering,
        registration=registration,
        token=token,
        form=form,
        allowed=allowed,
        subscribed=services.subscription_of(registration) is not None,
        published=services.published_page(gathering) is not None,
    )
