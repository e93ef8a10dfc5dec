"""``flask keys ...``: generate encryption keys and re-encrypt stored secrets under the newest."""
from __future__ import annotations

import click
from cryptography.fernet import Fernet
from flask.cli import with_appcontext

from wizard.rotation import rotate_stored_secrets


@click.group("keys", help="Encryption keys of the vault.")
def keys_group() -> None:
    pass


@keys_group.command("generate")
def generate() -> None:
    """Print a new Fernet key; put it first in WIZARD_ENCRYPTION_KEYS."""
    click.echo(Fernet.generate_key().decode())


@keys_group.command("rotate")
@with_appcontext
def rotate() -> None:
    """Re-encrypt every stored secret under the first key of WIZARD_ENCRYPTION_KEYS."""
    report = rotate_stored_secrets()
    for column in report:
        click.echo(f"{column.column}: {column.rotated} re-encrypted, {column.current} already "
                   f"current, {column.unreadable} unreadable")
    if any(column.unreadable for column in report):
        raise click.ClickException(
            "Some values cannot be decrypted with any configured key; keep the old keys "
            "until they are resolved.")
    click.echo("Done: older keys may now be removed from WIZARD_ENCRYPTION_KEYS.")
