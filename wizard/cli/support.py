"""``flask support ...``: support accounts from the command line (the first admin starts here)."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from wizard.models import SupportRole
from wizard.staff import AccountError, create_user, find_user, set_password


@click.group("support", help="Support accounts for the dashboard.")
def support_group() -> None:
    pass


def _read_password() -> str:
    """Hidden prompt (twice) on a terminal; otherwise the first line of standard input."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@support_group.command("create-user")
@click.option("--email", required=True, help="The support employee's e-mail address (their login).")
@click.option("--role", type=click.Choice([role.value for role in SupportRole]), required=True,
              help="agent: onboardings; admin: also support accounts and API keys.")
@with_appcontext
def create_user_command(email: str, role: str) -> None:
    """Create a support account; the password comes from a prompt or standard input."""
    try:
        user = create_user(email=email, role=SupportRole(role), password=_read_password())
    except AccountError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"Support account {user.email} ({user.role.value}) created.")


@support_group.command("set-password")
@click.option("--email", required=True)
@with_appcontext
def set_password_command(email: str) -> None:
    """Give an account a new password (prompt or standard input); its sessions end."""
    user = find_user(email)
    if user is None:
        raise click.UsageError(f"no support account {email}")
    try:
        set_password(user, _read_password())
    except AccountError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"Password of {user.email} changed; its sessions have ended.")
