"""``flask demo``: everything a newcomer needs in one process tree.

Migrates the embedded SQLite database, creates a demo invite, prints the link,
and serves the app with waitress. Companion services (the Nmbrs sandbox, the
sync receiver) are started by the functions in ``DEMO_SERVICES``.
"""
from __future__ import annotations

import os
import subprocess
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from wizard.invites import create_invite
from wizard.models import Actor


def start_background(args: list[str]) -> subprocess.Popen:
    """Start ``flask --app wsgi <args>`` as a child that dies with the demo."""
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args])


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--sandbox-port", default=5001, show_default=True, type=int)
@with_appcontext
def demo_command(host: str, port: int, sandbox_port: int) -> None:
    """Migrate, create a demo invite, print its link and serve the app."""
    from waitress import serve

    if not os.environ.get("WIZARD_PUBLIC_URL"):
        current_app.config["PUBLIC_URL"] = f"http://{host}:{port}"
    upgrade(directory=current_app.extensions["migrate"].directory)
    link = create_invite(organisation="Demo Bakkerij B.V.", contact_email="hr@demo.example",
                         contact_name="Sanne de Vries", actor=Actor.SYSTEM).link
    children = [start(sandbox_port) for start in DEMO_SERVICES]
    click.echo("")
    click.echo(f"  Wizard:       {current_app.config['PUBLIC_URL']}/")
    click.echo(f"  Health:       {current_app.config['PUBLIC_URL']}/healthz")
    click.echo(f"  Invite link:  {link}")
    click.echo("")
    try:
        serve(current_app._get_current_object(), host=host, port=port, threads=8)
    finally:
        for child in children:
            child.terminate()


DEMO_SERVICES: list = []


def start_nmbrs_sandbox(sandbox_port: int) -> subprocess.Popen:
    """The local Nmbrs SOAP sandbox, and the scenario logins a newcomer can try in the wizard."""
    from wizard.sandbox import load_logins

    process = start_background(["sandbox", "serve", "--port", str(sandbox_port)])
    click.echo(f"\n  Nmbrs sandbox: http://127.0.0.1:{sandbox_port}/soap/v3/ "
               "- scenario logins (username / API token):")
    for login in load_logins():
        click.echo(f"    {login.scenario:<17} {login.username} / {login.token}")
        click.echo(f"    {'':<17} {login.description}")
    return process


DEMO_SERVICES.append(start_nmbrs_sandbox)
