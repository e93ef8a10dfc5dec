"""Email to clients: one function to send, one to retry.

``send_onboarding_email(onboarding, kind, **context)`` is the interface for
every feature; ``retry_due_emails()`` is what ``flask mail retry`` runs.
Backends (SMTP, file outbox) live in ``backends``; per-kind rules in ``kinds``.
"""
from wizard.mail.backends import DeliveryError
from wizard.mail.outbox import (
    RetrySummary,
    cancel_pending_emails,
    retry_delay,
    retry_due_emails,
    send_onboarding_email,
)

__all__ = [
    "DeliveryError",
    "RetrySummary",
    "cancel_pending_emails",
    "retry_delay",
    "retry_due_emails",
    "send_onboarding_email",
]
