"""``flask sandbox ...``: the local Nmbrs emulator (SOAP v3, identity server, REST API), its
scenario logins and consent accounts, and the reference sync receiver."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from wizard.cli.sandbox_receiver import receiver
from wizard.sandbox import load_logins, make_sandbox_app
from wizard.sandbox.consent_accounts import load_consent_setup


@click.group("sandbox", help="Local stand-ins for Nmbrs and the sync backend.")
def sandbox_group() -> None:
    pass


@sandbox_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int)
@click.option("--latency", type=float, default=None,
              help="Seconds added to every call (default WIZARD_SANDBOX_LATENCY).")
@click.option("--jitter", type=float, default=None,
              help="Each call's latency varies by up to this many seconds either way "
                   "(default WIZARD_SANDBOX_JITTER).")
@click.option("--threads", default=16, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int, latency: float | None, jitter: float | None,
          threads: int) -> None:
    """Serve the emulator: SOAP at /soap/v3/, identity server at /connect/..., REST at /api/."""
    from waitress import serve as waitress_serve

    if latency is None:
        latency = float(current_app.config["SANDBOX_LATENCY"])
    if jitter is None:
        jitter = float(current_app.config["SANDBOX_JITTER"])
    click.echo(f"Nmbrs sandbox on http://{host}:{port}/ - SOAP /soap/v3/ (latency {latency:g} s "
               f"± {jitter:g} s), identity server /.well-known/openid-configuration, REST /api/")
    waitress_serve(make_sandbox_app(latency=latency, jitter=jitter), host=host, port=port,
                   threads=threads, _quiet=True)


def scenario_lines(indent: str = "") -> list[str]:
    """The SOAP logins, consent accounts, demo client and subscription keys, for people."""
    setup = load_consent_setup()
    lines = ["SOAP scenario logins (username / API token):"]
    for login in load_logins():
        lines += [f"  {login.scenario:<17} {login.username} / {login.token}",
                  f"  {'':<17} {login.description}"]
    lines.append("REST consent accounts at the identity server (username / password):")
    for account in setup.accounts:
        lines += [f"  {account.scenario:<17} {account.username} / {account.password}",
                  f"  {'':<17} {account.description}"]
    demo = setup.demo
    lines += [f"OAuth demo client: {demo.client_id} / {demo.client_secret}",
              f"  redirect URIs (any port): {', '.join(demo.redirect_uris)}",
              "Subscription keys (X-Subscription-Key):"]
    lines += [f"  {key.key}  {key.description}" for key in setup.subscription_keys]
    return [indent + line for line in lines]


@sandbox_group.command("logins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def logins(as_json: bool) -> None:
    """List the scenario logins, consent accounts, demo OAuth client and subscription keys
    (public demo values)."""
    if not as_json:
        click.echo("\n".join(scenario_lines()))
        return
    setup = load_consent_setup()
    click.echo(json.dumps({
        "soap_logins": [login.public() for login in load_logins()],
        "consent_accounts": [account.public() for account in setup.accounts],
        "oauth_client": {"client_id": setup.demo.client_id,
                         "client_secret": setup.demo.client_secret,
                         "redirect_uris": list(setup.demo.redirect_uris)},
        "subscription_key": setup.demo.subscription_key,
        "subscription_keys": [{"key": key.key, "description": key.description}
                              for key in setup.subscription_keys],
    }, indent=2, ensure_ascii=False))


sandbox_group.add_command(receiver)
