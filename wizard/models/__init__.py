"""Database models. Import from here so every table is registered with the metadata."""
from wizard.models.audit import Actor, AuditEvent, SupportActor, record_event
from wizard.models.change_request import ChangeRequest, ChangeRequestState, ChangeResolution
from wizard.models.connection import EntitySnapshot, ValidationRun
from wizard.models.credential import Credential
from wizard.models.delegation import Delegation, DelegationState
from wizard.models.device import DeviceCode, TrustedDevice
from wizard.models.mail import MailMessage, MailState
from wizard.models.onboarding import JourneyKind, Onboarding, OnboardingStatus
from wizard.models.terms import TermsAcceptance, signatory_name
from wizard.models.outbox import DeliveryEndpoint, OutboxMessage, OutboxState
from wizard.models.reminder import Reminder
from wizard.models.support import (ApiKey, ApiScope, IdempotencyRecord, LoginThrottle, SupportRole,
                                   SupportSession, SupportUser)

__all__ = [
    "Actor",
    "ApiKey",
    "ApiScope",
    "AuditEvent",
    "ChangeRequest",
    "ChangeRequestState",
    "ChangeResolution",
    "Credential",
    "Delegation",
    "DelegationState",
    "DeliveryEndpoint",
    "DeviceCode",
    "EntitySnapshot",
    "IdempotencyRecord",
    "JourneyKind",
    "LoginThrottle",
    "MailMessage",
    "MailState",
    "Onboarding",
    "OnboardingStatus",
    "TermsAcceptance",
    "TrustedDevice",
    "OutboxMessage",
    "OutboxState",
    "Reminder",
    "SupportActor",
    "SupportRole",
    "SupportSession",
    "SupportUser",
    "ValidationRun",
    "record_event",
    "signatory_name",
]
