"""The preparation checklist's data: exactly the API rights the onboarding's profile needs."""
from __future__ import annotations

from dataclasses import dataclass

from wizard.connection.profile import purpose_text
from wizard.connection.token.advice import service_label


@dataclass(frozen=True)
class Right:
    operation: str
    required: bool
    purpose: str


@dataclass(frozen=True)
class ServiceRights:
    """The operations to switch on under one service in the user template's API settings."""

    service: str
    label: str
    rights: tuple[Right, ...]

    @property
    def as_text(self) -> str:
        """The list as plain lines, for the copy button."""
        return "\n".join(right.operation for right in self.rights)


def rights_by_service(profile) -> list[ServiceRights]:
    """The profile's operations grouped by service, in the profile's own order."""
    groups: dict[str, list[Right]] = {}
    for operation in profile.operations:
        groups.setdefault(operation.service, []).append(
            Right(operation.operation, operation.required, purpose_text(operation.purpose)))
    return [ServiceRights(service, service_label(service), tuple(rights))
            for service, rights in groups.items()]
