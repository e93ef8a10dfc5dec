"""``flask connections ...``: live connections by method, and the move off SOAP."""
from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext

from wizard.journeys import connection_report


@click.group("connections", help="Live connections to Nmbrs.")
def connections_group() -> None:
    pass


@connections_group.command("report")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@with_appcontext
def report(as_json: bool) -> None:
    """How many live connections use each method, and how many still depend on SOAP."""
    summary = connection_report()
    days_left = (summary.sunset - date.today()).days
    if as_json:
        click.echo(json.dumps({"live_by_method": summary.live_by_method,
                               "still_on_soap": summary.still_on_soap,
                               "invited_to_switch": summary.invited_to_switch,
                               "switched": summary.switched,
                               "soap_end_of_support": summary.sunset.isoformat(),
                               "days_left": days_left}, indent=2))
        return
    total = sum(summary.live_by_method.values())
    click.echo(f"Live connections: {total}")
    for method, count in sorted(summary.live_by_method.items()):
        click.echo(f"  {method:<8} {count}")
    click.echo(f"Nmbrs ends SOAP on {summary.sunset:%Y-%m-%d} ({days_left} days left): "
               f"{summary.still_on_soap} still on the API token, {summary.invited_to_switch} of "
               f"them invited to switch; {summary.switched} switched to \"Inloggen met Nmbrs\".")
