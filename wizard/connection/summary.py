"""The end-of-wizard summary, shared by the done page and the confirmation email."""
from __future__ import annotations

from dataclasses import dataclass

from wizard.connection.token.credentials import domain_host
from wizard.models import Onboarding
from wizard.packages import payroll_package


@dataclass(frozen=True)
class ConnectionSummary:
    organisation: str
    package: str
    method: str
    environment: str
    companies: list[dict]
    debtors: list[dict]


def connection_summary(onboarding: Onboarding) -> ConnectionSummary:
    """What the client set up, from the stored (non-secret) answers."""
    answers = onboarding.answers
    package = payroll_package(answers.package.package if answers.package else None)
    login, entities = answers.login, answers.entities
    return ConnectionSummary(
        organisation=onboarding.organisation,
        package=package.name if package else "",
        method=answers.method.method if answers.method else "",
        environment=domain_host(login.domain or "") if login else "",
        companies=list(entities.companies) if entities else [],
        debtors=list(entities.debtors) if entities else [],
    )


#: The confirmation email lists at most this many company names (the rest as a count).
EMAIL_COMPANY_NAMES = 25


def completion_email_context(onboarding: Onboarding) -> dict:
    """JSON-safe, secret-free values for the "completed" email (stored for retries)."""
    summary = connection_summary(onboarding)
    names = [c["name"] for c in summary.companies]
    return {"package": summary.package, "method": summary.method,
            "environment": summary.environment, "company_count": len(names),
            "company_names": names[:EMAIL_COMPANY_NAMES]}
