"""`flask --app wsgi send-mail`: deliver what is due from the outbox."""

import click

from app.models import utcnow
from app.outbound.mail import deliver_due, retry_failed_now

BATCH = 200


@click.command("send-mail")
@click.option("--limit", default=10_000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option(
    "--retry-now",
    is_flag=True,
    help="Retry failed messages now instead of waiting for their backoff (after fixing SMTP).",
)
def send_mail_command(limit: int, retry_now: bool) -> None:
    """Send queued email and retry failed messages whose backoff has passed."""
    now = utcnow()
    if retry_now:
        retry_failed_now(now=now)
    sent = failed = gave_up = 0
    while limit > 0:
        # `now` stays fixed, so a message that fails in this run is not due again in it.
        report = deliver_due(now=now, limit=min(limit, BATCH))
        for error in report.errors:
            click.echo(f"failed {error}", err=True)
        handled = report.sent + report.failed + report.gave_up
        sent, failed, gave_up = sent + report.sent, failed + report.failed, gave_up + report.gave_up
        limit -= handled
        if handled == 0:
            break
    click.echo(f"Sent {sent}, failed {failed} (will retry with backoff), gave up {gave_up}.")
    if failed or gave_up:
        raise SystemExit(1)
