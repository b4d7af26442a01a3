"""The organisation settings page, and the logo and accent stylesheet every page uses."""

from flask import Response, abort, flash, redirect, render_template, request, url_for

from app.auth.access import public, roles_required
from app.branding import current_organisation
from app.choices import UserRole
from app.extensions import db
from app.organisation import bp
from app.organisation.forms import OrganisationForm
from app.organisation.services import (
    SettingsRefused,
    darker,
    save_settings,
    stored_logo,
)


@bp.route("/organiser/settings", methods=["GET", "POST"])
@roles_required(UserRole.ORGANISER)
def settings():
    organisation = current_organisation()
    form = OrganisationForm(
        data=None
        if request.method == "POST"
        else {
            "name": organisation.name,
            "short_name": organisation.short_name,
            "contact_email": organisation.contact_email,
            "contact_phone": organisation.contact_phone,
            "accent_colour": organisation.accent_colour,
        }
    )
    if form.validate_on_submit():
        upload = form.logo.data
        try:
            save_settings(
                name=form.name.data,
                short_name=form.short_name.data,
                contact_email=form.contact_email.data or "",
                contact_phone=form.contact_phone.data or "",
                accent_colour=form.accent_colour.data,
                logo=upload.read() if upload and upload.filename else None,
                remove_logo=form.remove_logo.data,
            )
            db.session.commit()
        except SettingsRefused as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(str(exc))
        else:
            flash("Organisation settings saved.", "success")
            return redirect(url_for("organisation.settings"), 303)
    status = 422 if form.errors else 200
    return render_template("organisation/settings.html", form=form), status


@bp.route("/organisation/theme.css")
@public
def theme():
    accent = current_organisation().accent_colour
    css = f":root {{ --accent: {accent}; --accent-dark: {darker(accent)}; }}\n"
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/organisation/logo")
@public
def logo():
    stored = stored_logo()
    if stored is None:
        abort(404)
    content, mimetype = stored
    response = Response(content, mimetype=mimetype)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
