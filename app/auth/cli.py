"""`flask --app wsgi create-user EMAIL --role ROLE`: a staff account, from a shell."""

import click

from app.auth.services import create_user, find_user
from app.choices import UserRole
from app.extensions import db


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in UserRole]), required=True)
@click.option("--name", default="", help="The person's name, shown in the app.")
@click.option("--password", help="Prompted for (hidden) when not given.")
def create_user_command(email: str, role: str, name: str, password: str | None) -> None:
    """Create an organiser, facilitator or steering committee account."""
    if find_user(email) is not None:
        raise click.UsageError(f"An account for {email} already exists.")
    if "@" not in email or len(email) > 254:
        raise click.BadParameter("give a valid email address", param_hint="EMAIL")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, password, role=role, name=name)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--password") from exc
    db.session.commit()
    click.echo(f"Created {role} account {user.email}.")
