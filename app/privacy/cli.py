"""`flask --app wsgi retention [--apply]`: the retention page's dry run and sweep, from a
shell."""

from datetime import UTC, datetime

import click

from app.privacy import retention


@click.command("retention")
@click.option(
    "--apply",
    is_flag=True,
    help="Erase what is due now. Without it, only show what would be erased and when.",
)
def retention_command(apply: bool) -> None:
    """Show each gathering's retention: when its personal data will be erased, and how
    much; with --apply, erase what is due (the periodic sweep does the same)."""
    now = datetime.now(UTC)
    for line in retention.dry_run(now=now):
        state = "DUE NOW" if line.due else f"on {line.erase_on:%Y-%m-%d}"
        click.echo(
            f"{line.slug}: ended {line.ends_at:%Y-%m-%d}, kept {line.months} months, erase "
            f"{state}: {line.people} people, {line.walk_ins} walk-ins, {line.emails} email "
            f"copies, {line.uploads} attendance files"
        )
    if apply:
        erased = retention.sweep_retention(now=now)
        click.echo(f"Erased {erased} people.")
    else:
        click.echo("Dry run: nothing was changed. Run with --apply to erase what is due.")
