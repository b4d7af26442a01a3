"""`flask --app wsgi assign-breakouts SLUG`: the organiser page's assignment, from a shell."""

import click
from sqlalchemy import select

from app.breakouts import assignment
from app.extensions import db
from app.models import Gathering, utcnow
from app.outbound import notifications


@click.command("assign-breakouts")
@click.argument("slug")
@click.option("--new-only", is_flag=True, help="Place only confirmed people without a room.")
@click.option("--dry-run", is_flag=True, help="Show the outcome without saving or emailing.")
@click.option(
    "--email",
    "email",
    is_flag=True,
    help="Email each person whose room changed (without it, nobody is emailed).",
)
def assign_breakouts_command(slug: str, new_only: bool, dry_run: bool, email: bool) -> None:
    """Assign confirmed people to breakout rooms (first, then second choices, balanced)."""
    gathering = db.session.scalar(select(Gathering).where(Gathering.slug == slug))
    if gathering is None:
        raise click.ClickException(f"No gathering with the web address name {slug!r}.")
    result = assignment.assign_automatically(gathering, now=utcnow(), keep_existing=new_only)
    if dry_run:
        db.session.rollback()
    else:
        if email:
            for person in result.told_of_new_room:
                notifications.room_assigned(person, cause="Rooms assigned from the command line")
        db.session.commit()
    click.echo(
        f"First choice {result.first_choice}, second choice {result.second_choice}, "
        f"other room {result.other_room}, no room {result.no_room}, kept {result.kept}, "
        f"kept in locked rooms {result.kept_locked}; "
        f"{result.changed} {'would change' if dry_run else 'changed'}; "
        f"{len(result.told_of_new_room)} "
        f"{'emailed' if email and not dry_run else 'not emailed (--email sends)'}."
    )
    if result.no_room:
        raise SystemExit(1)
