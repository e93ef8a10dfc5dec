"""What differs between kinds of email, beyond their templates.

A kind is its two templates, ``templates/email/<kind>.txt`` and ``.html``
(the subject is the ``subject`` block of the ``.txt`` template). Most kinds
need nothing else. A kind listed in ``KINDS`` may add:

- ``fresh``: values made anew for every delivery attempt and never stored,
  such as the invite link (a credential). The caller may pass them for the
  first attempt; retries call ``fresh(onboarding)``.
- ``needs_open_onboarding``: a retry is cancelled, not sent, once the
  onboarding is completed, revoked or expired.
- ``supersedes``: a new message of this kind cancels older unsent ones for
  the same onboarding.
- ``retries``: False for a message only worth its first attempt (a one-time
  code lives minutes and exists nowhere but in that attempt): a failed attempt
  ends the message as failed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from wizard.models import Onboarding


@dataclass(frozen=True)
class MailKind:
    name: str
    fresh: Callable[[Onboarding], dict] | None = None
    fresh_keys: tuple[str, ...] = ()
    needs_open_onboarding: bool = False
    supersedes: bool = False
    retries: bool = True


def _fresh_invite_link(onboarding: Onboarding) -> dict:
    """A retried invite carries a new link; the one in a failed attempt was never delivered."""
    from wizard.invites.links import issue_invite_link  # the invite service sends mail itself

    return {"link": issue_invite_link(onboarding)}


def _fresh_delegation_link(onboarding: Onboarding) -> dict:
    """A retried email to the Nmbrs administrator carries a new link to the open delegation."""
    from wizard.invites.delegation_links import delegation_link_values

    return delegation_link_values(onboarding)


KINDS: dict[str, MailKind] = {
    **{name: MailKind(name, fresh=_fresh_invite_link, fresh_keys=("link",),
                      needs_open_onboarding=True, supersedes=True)
       # A reminder carries a fresh link too (the previous one stops working, as after a resend).
       for name in ("invite", "switch_invite", "relink_invite", "reminder")},
    # The Nmbrs administrator's own link; telling the contact the administrator is done gives
    # the contact a fresh link back to the companies.
    "delegation_invite": MailKind("delegation_invite", fresh=_fresh_delegation_link,
                                  fresh_keys=("link", "link_expires_at"),
                                  needs_open_onboarding=True, supersedes=True),
    "delegation_finished": MailKind("delegation_finished", fresh=_fresh_invite_link,
                                    fresh_keys=("link",), needs_open_onboarding=True),
    "missing_rights": MailKind("missing_rights", needs_open_onboarding=True),
}
# A one-time code for a second browser (wizard/invites/devices.py): the code is passed for the
# one attempt and stored only as a hash, so the email is never retried.
KINDS["device_code"] = MailKind("device_code", fresh_keys=("code",), needs_open_onboarding=True,
                                supersedes=True, retries=False)


def mail_kind(name: str) -> MailKind:
    """The rules for a kind of email (defaults for kinds with templates only)."""
    return KINDS.get(name) or MailKind(name)
