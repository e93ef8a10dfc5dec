"""``flask nmbrs ...``: check an Nmbrs API login from the command line (support and ops)."""
from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from wizard.nmbrs import (
    DEFAULT_PROFILE,
    NmbrsCredentials,
    available_profiles,
    nmbrs_client,
    probe_permissions,
)
from wizard.nmbrs.client import client_from_config

TOKEN_ENV = "NMBRS_TOKEN"


@click.group("nmbrs", help="Talk to Nmbrs SOAP v3 (or the sandbox).")
def nmbrs_group() -> None:
    pass


def _read_token(token: str | None) -> str:
    if token == "-":
        token = sys.stdin.readline().strip()
    if not token:
        raise click.UsageError(f"Give the API token with --token, --token - (stdin) or ${TOKEN_ENV}.")
    return token


@nmbrs_group.command("probe")
@click.option("--username", required=True, help="Login e-mail of the API user.")
@click.option("--token", envvar=TOKEN_ENV, show_envvar=True,
              help="API token; '-' reads it from stdin (keeps it out of shell history).")
@click.option("--domain", default=None, help="Environment subdomain; discovered when omitted.")
@click.option("--base-url", default=None, help="SOAP base URL (default: WIZARD_NMBRS_SOAP_URL).")
@click.option("--profile", "profile_name", default=DEFAULT_PROFILE, show_default=True,
              type=click.Choice(available_profiles()))
@click.option("--workers", type=int, default=None, help="Calls in flight at most (default WIZARD_NMBRS_PROBE_WORKERS).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@with_appcontext
def probe(username: str, token: str | None, domain: str | None, base_url: str | None,
          profile_name: str, workers: int | None, as_json: bool) -> None:
    """Check a login against a permission profile.

    Exit status 0: logged in and every required operation allowed; 1: some required
    operation is not; 2: the login failed or Nmbrs could not be reached.
    """
    credentials = NmbrsCredentials(username.strip(), _read_token(token).strip(), domain or None)
    own_client = client_from_config(current_app.config, base_url) if base_url else None
    try:
        report = probe_permissions(credentials, profile_name, client=own_client or nmbrs_client(),
                                   workers=workers)
    finally:
        if own_client is not None:
            own_client.close()
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_report(report)
    sys.exit(report.exit_code)


def _print_report(report) -> None:
    if not report.authenticated:
        click.echo(f"Not logged in: {report.failure.value}")
        return
    click.echo(f"Domain {report.domain}, profile {report.profile}: "
               f"{len(report.debtors)} debtors, {len(report.companies)} companies")
    for check in report.operations:
        need = "required" if check.required else "optional"
        code = f" ({check.code})" if check.code else ""
        click.echo(f"  {check.status.value:<12} {need:<8} {check.service}.{check.operation}"
                   f"{code} {check.ms:.0f} ms")
    click.echo("All required operations are allowed." if report.required_ok
               else "Some required operations are not allowed.")
