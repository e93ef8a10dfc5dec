"""``flask invite ...``: create invites from the command line."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from wizard.extensions import db
from wizard.invites import issue_invite_link
from wizard.models import Actor
from wizard.onboarding.service import OnboardingError, create_onboarding


@click.group("invite", help="Create and manage client invites.")
def invite_group() -> None:
    pass


@invite_group.command("create")
@click.option("--company", required=True, help="Client organisation name.")
@click.option("--email", required=True, help="HR contact's email address.")
@click.option("--name", default=None, help="HR contact's name.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option("--expires-days", type=int, default=None, help="Link lifetime (default from config).")
@with_appcontext
def create(company: str, email: str, name: str | None, lang: str, expires_days: int | None) -> None:
    """Create an onboarding and print its invite URL on the last line."""
    try:
        onboarding = create_onboarding(organisation=company, contact_email=email, contact_name=name,
                                       language=lang, expires_days=expires_days, actor=Actor.SUPPORT)
    except OnboardingError as error:
        raise click.UsageError(str(error)) from None
    link = issue_invite_link(onboarding)
    db.session.commit()
    click.echo(f"Onboarding {onboarding.public_id} for {onboarding.organisation} "
               f"expires {onboarding.expires_at:%Y-%m-%d %H:%M} UTC")
    click.echo(link)
