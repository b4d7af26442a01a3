"""`flask --app wsgi import-attendance SLUG FILE [--item ID] [--dry-run]`."""

from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy import select

from app.attendance import review
from app.attendance.importers import DEFAULT_MAX_BYTES, AttendanceFileError
from app.extensions import db
from app.models import AgendaItem, Gathering


@click.command("import-attendance")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--item", "item_id", type=int, help="Agenda item ID; leave out for the whole day.")
@click.option("--dry-run", is_flag=True, help="Parse and match only; save nothing.")
def import_attendance_command(slug: str, file: Path, item_id: int | None, dry_run: bool) -> None:
    """Import a Zoom or Teams attendance report without the review page.

    Matched rows are saved; unmatched people present for at least the gathering's
    attendance threshold are recorded as walk-ins; ambiguous rows are left out (use
    the review page in the browser to settle them). Prints one summary line.
    """
    gathering = db.session.scalar(select(Gathering).where(Gathering.slug == slug))
    if gathering is None:
        raise click.BadParameter(f"no gathering with the slug {slug!r}", param_hint="SLUG")
    item = None
    if item_id is not None:
        item = db.session.get(AgendaItem, item_id)
        if item is None or item.gathering_id != gathering.id:
            raise click.BadParameter(
                f"agenda item {item_id} is not part of {slug}", param_hint="--item"
            )
    if file.stat().st_size > DEFAULT_MAX_BYTES:
        raise click.ClickException(
            f"{file.name}: the file is larger than {DEFAULT_MAX_BYTES // 1_048_576} MB."
        )
    try:
        summary = review.import_file(
            gathering,
            data=file.read_bytes(),
            filename=file.name,
            agenda_item=item,
            now=datetime.now(UTC),
            dry_run=dry_run,
        )
    except AttendanceFileError as error:
        db.session.rollback()
        raise click.ClickException(f"{file.name}: {error}") from None
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(("Dry run, nothing saved: " if dry_run else "") + summary.line())
