"""Database models. Import from here so every table is registered with the metadata."""
from wizard.models.audit import Actor, AuditEvent, record_event
from wizard.models.connection import EntitySnapshot, ValidationRun
from wizard.models.credential import Credential
from wizard.models.mail import MailMessage, MailState
from wizard.models.onboarding import JourneyKind, Onboarding, OnboardingStatus
from wizard.models.terms import TermsAcceptance
from wizard.models.outbox import DeliveryEndpoint, OutboxMessage, OutboxState

__all__ = [
    "Actor",
    "AuditEvent",
    "Credential",
    "DeliveryEndpoint",
    "EntitySnapshot",
    "JourneyKind",
    "MailMessage",
    "MailState",
    "Onboarding",
    "OnboardingStatus",
    "TermsAcceptance",
    "OutboxMessage",
    "OutboxState",
    "ValidationRun",
    "record_event",
]
