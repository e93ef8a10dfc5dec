"""Invites: signed links that open one onboarding, and the use cases around them."""
from wizard.invites.links import (
    InviteError,
    InviteProblem,
    issue_invite_link,
    record_invite_opened,
    redeem_invite,
)
from wizard.invites.service import (
    Invite,
    InviteSummary,
    copy_invite_link,
    create_invite,
    find_onboarding,
    invite_overview,
    invite_reconnection,
    latest_invite_email,
    resend_invite,
    revoke_invite,
)

__all__ = [
    "Invite",
    "InviteError",
    "InviteProblem",
    "InviteSummary",
    "copy_invite_link",
    "create_invite",
    "find_onboarding",
    "invite_overview",
    "invite_reconnection",
    "issue_invite_link",
    "latest_invite_email",
    "record_invite_opened",
    "redeem_invite",
    "resend_invite",
    "revoke_invite",
]
