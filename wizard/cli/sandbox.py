"""``flask sandbox ...``: run the local Nmbrs SOAP v3 emulator and show its scenario logins."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from wizard.sandbox import load_logins, make_sandbox_app


@click.group("sandbox", help="The local Nmbrs SOAP v3 sandbox.")
def sandbox_group() -> None:
    pass


@sandbox_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int)
@click.option("--latency", type=float, default=None,
              help="Seconds added to every call (default WIZARD_SANDBOX_LATENCY).")
@click.option("--threads", default=16, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int, latency: float | None, threads: int) -> None:
    """Serve the emulator; base URL http://HOST:PORT/soap/v3/."""
    from waitress import serve as waitress_serve

    if latency is None:
        latency = float(current_app.config["SANDBOX_LATENCY"])
    click.echo(f"Nmbrs sandbox on http://{host}:{port}/soap/v3/ (latency {latency:g} s)")
    waitress_serve(make_sandbox_app(latency=latency), host=host, port=port, threads=threads,
                   _quiet=True)


@sandbox_group.command("logins")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def logins(as_json: bool) -> None:
    """List the scenario logins (public demo values)."""
    entries = [login.public() for login in load_logins()]
    if as_json:
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    for entry in entries:
        click.echo(f"{entry['scenario']:<17} {entry['username']:<46} {entry['token']}")
        click.echo(f"{'':<17} {entry['description']}")
