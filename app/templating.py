"""Jinja filters and globals shared by every page and email."""

from collections.abc import Callable

from flask import Flask
from flask_login import current_user

from app import choices, timefmt
from app.outbound.public_links import public_url


def init_app(app: Flask, *, home_for: Callable[[object], str]) -> None:
    """`home_for(user)`: the page a signed-in user starts from (auth.access's, handed in
    by create_app: this shared layer imports no feature)."""
    app.jinja_env.filters.update(
        clock=timefmt.clock,
        long_date=timefmt.long_date,
        time_range=timefmt.time_range,
        zone_short=timefmt.zone_short,
        thousands="{:,}".format,  # 10,000 reads at a glance; 10000 does not
    )
    from app.branding import current_organisation

    app.jinja_env.globals.update(
        home_url=lambda: home_for(current_user),
        organisation=current_organisation,
        choices=choices,
        public_url=public_url,
        zone_name=timefmt.zone_name,
        HealthRegion=choices.HealthRegion,
        OrganisationType=choices.OrganisationType,
        Role=choices.Role,
        PriorityArea=choices.PriorityArea,
        PRIORITY_AREA_SHORT=choices.PRIORITY_AREA_SHORT,
        UserRole=choices.UserRole,
        engagement_promise=choices.engagement_promise,
    )
