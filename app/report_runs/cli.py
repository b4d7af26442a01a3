"""`flask --app wsgi report SLUG --output FILE.pdf [--variant ...] [--html]`."""

from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy import select

from app.extensions import db
from app.models import Gathering
from app.reporting import services
from app.reporting.context import VARIANTS


@click.command("report")
@click.argument("slug")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--variant", type=click.Choice(VARIANTS), default="committee", show_default=True)
@click.option(
    "--html", "as_html", is_flag=True, help="Write the web version (one self-contained HTML file)."
)
@click.option("--page-size", type=click.Choice(["A4", "Letter"]), default=None)
def report_command(slug: str, output: Path, variant: str, as_html: bool, page_size):
    """Write the summary report of a gathering to a file."""
    gathering = db.session.scalar(select(Gathering).where(Gathering.slug == slug))
    if gathering is None:
        raise click.ClickException(f"No gathering with the slug {slug!r}.")
    built = services.build_report(
        gathering,
        variant=variant,
        now=datetime.now(UTC),
        page_size=page_size,
        pdf=not as_html,
        standalone=as_html,
    )
    if as_html:
        output.write_text(built.html, encoding="utf-8")
    else:
        output.write_bytes(built.pdf)
    stages = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in built.timings.items())
    click.echo(f"Wrote {output} ({variant}; {stages})")
