"""``flask sandbox receiver``: the reference sync backend receiver (see wizard/sandbox/receiver.py)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from wizard.config import DEMO_RECEIVER_KEY_FILE
from wizard.handoff.keys import KeyProblem, load_private_key_pem
from wizard.sandbox.receiver import WEBHOOK_PATH, create_receiver_app


@click.command("receiver")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5002, show_default=True, type=int)
@click.option("--private-key", "private_key", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help=f"PEM private key (default instance/{DEMO_RECEIVER_KEY_FILE}).")
@with_appcontext
def receiver(host: str, port: int, private_key: Path | None) -> None:
    """Receive hand-offs like the sync backend: verify, decrypt, de-duplicate, print."""
    from waitress import serve

    path = private_key or Path(current_app.instance_path) / DEMO_RECEIVER_KEY_FILE
    try:
        private_pem = load_private_key_pem(path)
    except (KeyProblem, OSError) as error:
        raise click.ClickException(f"cannot read the receiver's private key: {error}") from None
    record_file = Path(current_app.instance_path) / "received_handoffs.jsonl"
    app = create_receiver_app(webhook_secret=current_app.config["SYNC_WEBHOOK_SECRET"],
                              private_key_pem=private_pem, record_file=record_file,
                              echo=lambda line: click.echo(line))
    click.echo(f"Sync receiver on http://{host}:{port}{WEBHOOK_PATH} (records in {record_file})")
    serve(app, host=host, port=port, threads=4)
