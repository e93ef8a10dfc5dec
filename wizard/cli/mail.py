"""``flask mail ...``: deliver emails whose earlier attempts failed."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from wizard.mail import retry_due_emails


@click.group("mail", help="Outgoing email.")
def mail_group() -> None:
    pass


@mail_group.command("retry")
@click.option("--limit", type=int, default=100, show_default=True, help="Most emails per run.")
@with_appcontext
def retry(limit: int) -> None:
    """Send every pending email that is due (run it from cron every few minutes)."""
    summary = retry_due_emails(limit=limit)
    click.echo(f"sent {len(summary.sent)}, still pending {len(summary.still_pending)}, "
               f"failed {len(summary.failed)}, cancelled {len(summary.cancelled)}")
