"""Database models. Import from here so every table is registered with the metadata."""
from wizard.models.audit import Actor, AuditEvent, record_event
from wizard.models.connection import EntitySnapshot, ValidationRun
from wizard.models.credential import Credential
from wizard.models.onboarding import Onboarding, OnboardingStatus

__all__ = [
    "Actor",
    "AuditEvent",
    "Credential",
    "EntitySnapshot",
    "Onboarding",
    "OnboardingStatus",
    "ValidationRun",
    "record_event",
]
