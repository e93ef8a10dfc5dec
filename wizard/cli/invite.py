"""``flask invite ...``: create, resend, revoke and list client invites."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from wizard.invites import (
    Invite,
    create_invite,
    find_onboarding,
    invite_overview,
    invite_reconnection,
    resend_invite,
    revoke_invite,
)
from wizard.journeys import live_connections
from wizard.models import Actor, JourneyKind, MailMessage, MailState, Onboarding
from wizard.nmbrs import available_profiles
from wizard.lifecycle import LANGUAGES, OnboardingError

TIME = "%Y-%m-%d %H:%M"


@click.group("invite", help="Create and manage client invites.")
def invite_group() -> None:
    pass


def _attempts(email: MailMessage) -> str:
    return f"{email.attempts} attempt{'' if email.attempts == 1 else 's'}"


def email_state(email: MailMessage | None) -> str:
    """A short, secret-free account of an invite email's delivery."""
    if email is None:
        return "none"
    if email.state is MailState.SENT:
        return f"sent {email.sent_at:{TIME}}"
    if email.state is MailState.PENDING:
        retry = f", retry {email.next_attempt_at:{TIME}}" if email.next_attempt_at else ""
        return f"pending ({_attempts(email)}{retry}; {email.last_error or 'not tried yet'})"
    if email.state is MailState.FAILED:
        return f"failed after {_attempts(email)}: {email.last_error}"
    return email.state.value


def _report(invite: Invite) -> None:
    onboarding = invite.onboarding
    click.echo(f"Onboarding {onboarding.id} ({onboarding.public_id}) for {onboarding.organisation} "
               f"<{onboarding.contact_email}>, expires {onboarding.expires_at:{TIME}} UTC")
    click.echo(f"Invite email: {email_state(invite.email)}")
    if invite.email.state is not MailState.SENT:
        click.echo("The email will be retried by `flask mail retry`; a retried email carries a "
                   "new link, and the link below then stops working.")
    click.echo(invite.link)


def _onboarding(reference: str) -> Onboarding:
    onboarding = find_onboarding(reference)
    if onboarding is None:
        raise click.BadParameter(f"no onboarding with id {reference!r}", param_hint="ID")
    return onboarding


@invite_group.command("create")
@click.option("--company", required=True, help="Client organisation name.")
@click.option("--email", required=True, help="HR contact's email address.")
@click.option("--name", default=None, help="HR contact's name.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="nl", show_default=True,
              help="Language of the email and the wizard.")
@click.option("--profile", default="payroll", show_default=True,
              help=f"Nmbrs permission profile: {', '.join(available_profiles())}.")
@click.option("--expires-days", type=int, default=None, help="Link lifetime (default from config).")
@with_appcontext
def create(company: str, email: str, name: str | None, lang: str, profile: str,
           expires_days: int | None) -> None:
    """Create an onboarding, email the invite and print its URL on the last line."""
    try:
        invite = create_invite(organisation=company, contact_email=email, contact_name=name,
                               language=lang, profile=profile, expires_days=expires_days,
                               actor=Actor.SUPPORT)
    except OnboardingError as error:
        raise click.UsageError(str(error)) from None
    _report(invite)


@invite_group.command("resend")
@click.argument("reference", metavar="ID")
@click.option("--expires-days", type=int, default=None,
              help="Keep the onboarding open at least this many days (default from config).")
@with_appcontext
def resend(reference: str, expires_days: int | None) -> None:
    """Email a new link (the old one stops working) and print it on the last line."""
    try:
        invite = resend_invite(_onboarding(reference), expires_days=expires_days,
                               actor=Actor.SUPPORT)
    except OnboardingError as error:
        raise click.UsageError(str(error)) from None
    _report(invite)


@invite_group.command("revoke")
@click.argument("reference", metavar="ID")
@with_appcontext
def revoke(reference: str) -> None:
    """Withdraw an invite: its link and any open session stop working."""
    onboarding = _onboarding(reference)
    try:
        revoke_invite(onboarding, actor=Actor.SUPPORT)
    except OnboardingError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"Onboarding {onboarding.id} ({onboarding.organisation}) is revoked.")


@invite_group.command("relink")
@click.argument("reference", metavar="ID")
@click.option("--expires-days", type=int, default=None, help="Link lifetime (default from config).")
@with_appcontext
def relink(reference: str, expires_days: int | None) -> None:
    """Ask a live connection for new credentials (same connection id); print the link."""
    try:
        invite = invite_reconnection(_onboarding(reference), JourneyKind.RELINK,
                                     expires_days=expires_days, actor=Actor.SUPPORT)
    except OnboardingError as error:
        raise click.UsageError(str(error)) from None
    _report(invite)


@invite_group.command("switch-to-consent")
@click.argument("reference", metavar="[ID]", required=False)
@click.option("--all-token", is_flag=True,
              help="Every live token connection not yet invited to switch.")
@click.option("--dry-run", is_flag=True, help="With --all-token: list them, send nothing.")
@click.option("--expires-days", type=int, default=None, help="Link lifetime (default from config).")
@with_appcontext
def switch_to_consent(reference: str | None, all_token: bool, dry_run: bool,
                      expires_days: int | None) -> None:
    """Invite token clients to move onto "Inloggen met Nmbrs" before Nmbrs ends SOAP.

    With ID: that connection (an open switch invite gets a fresh link). With --all-token:
    every live token connection that has no open switch invite yet.
    """
    if bool(reference) == all_token:
        raise click.UsageError("give either an ID or --all-token")
    if reference:
        try:
            invite = invite_reconnection(_onboarding(reference), JourneyKind.SWITCH_TO_CONSENT,
                                         expires_days=expires_days, actor=Actor.SUPPORT)
        except OnboardingError as error:
            raise click.UsageError(str(error)) from None
        _report(invite)
        return
    chosen = [c for c in live_connections() if c.method == "token" and not c.invited_to_switch]
    click.echo(f"{len(chosen)} token connection{'' if len(chosen) == 1 else 's'} to invite"
               f"{' (dry run: nothing sent)' if dry_run else ''}:")
    failed = 0
    for connection in chosen:
        line = f"  {connection.root.id:>5}  {connection.root.organisation}"
        if dry_run:
            click.echo(f"{line} <{connection.live.contact_email}>")
            continue
        try:
            invite = invite_reconnection(connection.root, JourneyKind.SWITCH_TO_CONSENT,
                                         expires_days=expires_days, actor=Actor.SUPPORT)
        except OnboardingError as error:
            failed += 1
            click.echo(f"{line}: not invited ({error})")
            continue
        click.echo(f"{line}: invited, email {email_state(invite.email)}")
    if failed:
        raise SystemExit(1)


@invite_group.command("list")
@click.option("--limit", type=int, default=200, show_default=True)
@with_appcontext
def list_invites(limit: int) -> None:
    """Show the newest invites: id, organisation, status, expiry, email state."""
    rows = invite_overview(limit)
    if not rows:
        click.echo("No invites yet.")
        return
    click.echo(f"{'ID':>5}  {'ORGANISATION':<30}  {'STATUS':<11}  {'EXPIRES (UTC)':<16}  "
               f"{'OPENED':<16}  EMAIL")
    for row in rows:
        opened = f"{row.last_opened_at:{TIME}}" if row.last_opened_at else "-"
        click.echo(f"{row.id:>5}  {row.organisation[:30]:<30}  {row.status:<11}  "
                   f"{row.expires_at:{TIME}}  {opened:<16}  {email_state(row.email)}")
