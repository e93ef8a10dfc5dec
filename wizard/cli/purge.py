"""``flask purge``: apply the retention rules now (the delivery worker also runs them)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from wizard.handoff.retention import purge_due


@click.command("purge")
@click.option("--erase-unreadable", is_flag=True,
              help="Also erase secrets no configured key can decrypt (the key is lost for good).")
@with_appcontext
def purge_command(erase_unreadable: bool) -> None:
    """Expire overdue onboardings, delete credentials no longer needed, erase ended journeys'
    personal data after the retention period."""
    report = purge_due(erase_unreadable=erase_unreadable)
    config = current_app.config
    click.echo(f"Expired onboardings: {report.expired_onboardings}; credentials purged after "
               f"hand-off: {report.delivered_credentials}; credentials of expired or revoked "
               f"onboardings purged: {report.abandoned_credentials}; failed or dead hand-offs "
               f"purged after {config['FAILED_HANDOFF_RETENTION_DAYS']:g} days: "
               f"{report.failed_handoffs}; onboardings whose personal data was erased after "
               f"{config['PERSONAL_DATA_RETENTION_DAYS']:g} days: {report.erased_onboardings}.")
    if report.unreadable:
        click.echo(f"Skipped {len(report.unreadable)} secret(s) that no key in WIZARD_ENCRYPTION_KEYS "
                   f"can decrypt (onboardings {', '.join(report.unreadable)}). Put the old key back "
                   "and run purge again, or erase them with --erase-unreadable.", err=True)
        raise SystemExit(1)
