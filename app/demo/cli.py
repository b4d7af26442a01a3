"""`flask --app wsgi seed-demo` and `flask --app wsgi first-run`: the demo gatherings, and
on a new database an organiser account as well."""

import secrets
from datetime import UTC, datetime

import click
from sqlalchemy import func, select

from app.auth.services import create_user
from app.choices import UserRole
from app.demo import DEMO_REGISTRATIONS, seed_demo, seed_demo_accounts
from app.extensions import db
from app.models import Gathering, User


@click.command("seed-demo")
@click.option(
    "--participants",
    default=DEMO_REGISTRATIONS,
    show_default=True,
    type=click.IntRange(0, 200_000),
    help="People registered for 2022; 126 in every 150 of them take part.",
)
def seed_demo_command(participants: int) -> None:
    """Create the 2021 and 2022 demo gatherings and an upcoming one; running it again adds
    nothing new."""

    def progress(items):
        if participants < 1000:
            return items
        return click.progressbar(items, label="Registrations", length=participants)

    added = seed_demo(participants, now=datetime.now(UTC), progress=_unwrap(progress))
    db.session.commit()
    click.echo(
        f"Demo ready: {added['past_registrations']} registrations added to the 2022 gathering, "
        f"{added['inaugural_registrations']} to the 2021 one, "
        f"{added['upcoming_registrations']} to the upcoming one."
    )


def _unwrap(progress):
    """click.progressbar is a context manager; iterate it inside its context."""

    def iterate(items):
        wrapped = progress(items)
        if wrapped is items:
            yield from items
            return
        with wrapped as bar:
            yield from bar

    return iterate


@click.command("first-run")
def first_run_command() -> None:
    """On a new database: create an organiser account (password printed once) and the demo."""
    if not db.session.scalar(select(func.count(User.id))):
        password = secrets.token_urlsafe(12)
        create_user("organiser@example.org", password, role=UserRole.ORGANISER, name="Organiser")
        db.session.commit()
        click.echo("")
        click.echo("  Organiser account created. Sign in at /sign-in with:")
        click.echo("    email:    organiser@example.org")
        click.echo(f"    password: {password}")
        click.echo("  This password is shown only once.")
        click.echo("")
    if not db.session.scalar(select(func.count(Gathering.id))):
        seed_demo(now=datetime.now(UTC))
        accounts = seed_demo_accounts()
        db.session.commit()
        click.echo("Demo gatherings created.")
        for account in accounts:
            click.echo("")
            click.echo(f"  Demo {UserRole.label_for(account.role).lower()} account:")
            click.echo(f"    email:    {account.email}")
            click.echo(f"    password: {account.password}")
        if accounts:
            click.echo("  These passwords are shown only once.")
            click.echo("")
