"""``flask outbox ...``: run the delivery worker, inspect and retry hand-off messages."""
from __future__ import annotations

import signal
import threading

import click
from flask.cli import with_appcontext

from wizard.extensions import db
from wizard.handoff.delivery import run_worker
from wizard.handoff.endpoint import delivery_blocked, enable_endpoint
from wizard.handoff.service import HandoffError, find_message, list_messages, retry_message
from wizard.models import Actor, OutboxState


@click.group("outbox", help="Hand-off messages to the sync backend.")
def outbox_group() -> None:
    pass


@outbox_group.command("deliver")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@with_appcontext
def deliver(once: bool) -> None:
    """Deliver due messages (and purge expired data) until stopped with Ctrl-C or SIGTERM."""
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set())
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        outcomes = run_worker(once=once, stop=stop)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    summary = ", ".join(f"{count} {state}" for state, count in sorted(outcomes.items())) or "nothing due"
    click.echo(f"Outbox: {summary}.")
    _warn_if_blocked()


def _warn_if_blocked() -> None:
    block = delivery_blocked()
    if block is not None:
        click.echo(f"Delivery is stopped since {_when(block.since)} UTC: {block.reason}.", err=True)


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value else "-"


@outbox_group.command("list")
@click.option("--state", "states", multiple=True, type=click.Choice([s.value for s in OutboxState]),
              help="Only messages in this state (repeatable).")
@click.option("--limit", default=50, show_default=True, type=int)
@with_appcontext
def list_command(states: tuple[str, ...], limit: int) -> None:
    """Show messages newest first: state, attempts, next attempt, last error (never the payload)."""
    _warn_if_blocked()
    entries = list_messages([OutboxState(s) for s in states], limit)
    if not entries:
        click.echo("The outbox is empty.")
        return
    click.echo(f"{'ID':>5}  {'STATE':<9}  {'TRIES':>5}  {'NEXT ATTEMPT (UTC)':<19}  "
               f"{'ONBOARDING':<22}  {'ORGANISATION':<24}  LAST ERROR")
    for e in entries:
        click.echo(f"{e.id:>5}  {e.state.value:<9}  {e.attempts:>5}  {_when(e.next_attempt_at):<19}  "
                   f"{e.onboarding or '-':<22}  {(e.organisation or '-')[:24]:<24}  "
                   f"{(e.last_error or '-')[:80]}")


@outbox_group.command("retry")
@click.argument("reference")
@with_appcontext
def retry(reference: str) -> None:
    """Queue a failed or dead message (row ID or webhook-id) again with fresh attempts."""
    try:
        message = retry_message(find_message(reference), Actor.SUPPORT)
    except HandoffError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Message {message.id} ({message.message_id}) is queued again.")


@outbox_group.command("enable")
@with_appcontext
def enable() -> None:
    """Deliver to WIZARD_SYNC_URL again after it answered 410 Gone (queued messages go out)."""
    if not enable_endpoint(actor=Actor.SUPPORT):
        click.echo("Delivery to the sync backend was not stopped; nothing to do.")
        return
    db.session.commit()
    click.echo("Delivery to the sync backend is enabled again; queued messages go out on the "
               "worker's next cycle.")
