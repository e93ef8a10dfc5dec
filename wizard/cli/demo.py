"""``flask demo``: everything a newcomer needs in one process tree.

Migrates the embedded SQLite database, starts the companion services (the Nmbrs
sandbox, the reference sync receiver and the outbox delivery worker), creates a
demo invite, prints its link and a support login (a demo admin with a generated
password), and serves the app with waitress.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from wizard.invites import create_invite
from wizard.models import Actor, SupportRole
from wizard.staff import create_user, find_user, set_password

DEMO_ADMIN = "support@demo.example"


def demo_support_login() -> tuple[str, str]:
    """A demo admin with a freshly generated password (a new one on every demo start)."""
    password = secrets.token_urlsafe(12)
    user = find_user(DEMO_ADMIN)
    if user is None:
        create_user(email=DEMO_ADMIN, role=SupportRole.ADMIN, password=password)
    else:
        set_password(user, password)
    return DEMO_ADMIN, password


def start_background(args: list[str]) -> subprocess.Popen:
    """Start ``flask --app wsgi <args>`` as a child that dies with the demo."""
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args])


def start_nmbrs_sandbox(sandbox_port: int) -> subprocess.Popen:
    """The local Nmbrs sandbox (SOAP, identity server, REST), and the scenario logins and
    consent accounts a newcomer can try in the wizard."""
    from wizard.cli.sandbox import scenario_lines

    process = start_background(["sandbox", "serve", "--port", str(sandbox_port)])
    base = f"http://127.0.0.1:{sandbox_port}"
    click.echo(f"\n  Nmbrs sandbox: SOAP {base}/soap/v3/, identity server {base}/connect/..., "
               f"REST {base}/api/")
    click.echo("\n".join(scenario_lines(indent="    ")))
    return process


def start_sync_receiver(sandbox_port: int) -> subprocess.Popen:
    """The reference sync backend, on the port of ``SYNC_URL`` (demo default 5002)."""
    port = urlsplit(current_app.config["SYNC_URL"]).port or 5002
    return start_background(["sandbox", "receiver", "--port", str(port)])


def start_outbox_worker(sandbox_port: int) -> subprocess.Popen:
    """The delivery worker that hands completed onboardings to the receiver."""
    return start_background(["outbox", "deliver"])


DEMO_SERVICES = (start_nmbrs_sandbox, start_sync_receiver, start_outbox_worker)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--sandbox-port", default=5001, show_default=True, type=int)
@with_appcontext
def demo_command(host: str, port: int, sandbox_port: int) -> None:
    """Migrate, start the companion services, create a demo invite, print its link, serve."""
    from waitress import serve

    # Explicit settings win; otherwise the links and the sandbox follow the chosen ports.
    if not os.environ.get("WIZARD_PUBLIC_URL"):
        current_app.config["PUBLIC_URL"] = f"http://{host}:{port}"
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    if not os.environ.get("WIZARD_NMBRS_SOAP_URL"):
        current_app.config["NMBRS_SOAP_URL"] = f"{sandbox}/soap/v3/"
    if not os.environ.get("WIZARD_NMBRS_IDENTITY_URL"):
        current_app.config.update({
            "NMBRS_IDENTITY_URL": sandbox,
            "NMBRS_OAUTH_AUTHORIZE_URL": f"{sandbox}/connect/authorize",
            "NMBRS_OAUTH_TOKEN_URL": f"{sandbox}/connect/token",
            "NMBRS_OAUTH_REVOCATION_URL": f"{sandbox}/connect/revocation"})
    if not os.environ.get("WIZARD_NMBRS_REST_URL"):
        current_app.config["NMBRS_REST_URL"] = sandbox
    upgrade(directory=current_app.extensions["migrate"].directory)
    children = [start(sandbox_port) for start in DEMO_SERVICES]
    link = create_invite(organisation="Demo Bakkerij B.V.", contact_email="hr@demo.example",
                         contact_name="Sanne de Vries", actor=Actor.SYSTEM).link
    email, password = demo_support_login()
    click.echo("")
    click.echo(f"  Wizard:       {current_app.config['PUBLIC_URL']}/")
    click.echo(f"  Health:       {current_app.config['PUBLIC_URL']}/healthz")
    click.echo(f"  Invite link:  {link}")
    click.echo(f"  Support:      {current_app.config['PUBLIC_URL']}/support/  "
               f"(log in as {email} with password {password}; printed once, new on every start)")
    click.echo("")
    try:
        serve(current_app._get_current_object(), host=host, port=port, threads=8)
    finally:
        for child in children:
            child.terminate()
