"""``flask purge``: apply the retention rules now (the delivery worker also runs them)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from wizard.handoff.retention import purge_due


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Expire overdue onboardings and delete credentials that are no longer needed."""
    report = purge_due()
    click.echo(f"Expired onboardings: {report.expired_onboardings}; credentials purged after "
               f"hand-off: {report.delivered_credentials}; credentials of expired or revoked "
               f"onboardings purged: {report.abandoned_credentials}.")
