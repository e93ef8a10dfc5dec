"""The API-token connection method: a Nmbrs login's e-mail, API token and domain, over SOAP v3.

Works until Nmbrs stops supporting SOAP (1 March 2027); "Inloggen met Nmbrs" replaces it.
"""
from __future__ import annotations

import time

from flask_babel import gettext as _

from wizard.connection.method import (Check, CheckExplanation, CheckReport, CheckStatus,
                                      EntitiesUnavailable, HandoffCredentials, Progress, Reach)
from wizard.connection.profile import purpose_text
from wizard.connection.token import advice
from wizard.connection.token.credentials import (DomainError, domain_host, normalise_domain,
                                                 set_discovered_domain, stored_token_credentials)
from wizard.connection.token.login import recent_environment
from wizard.connection.token.nmbrs_access import client, connector_credentials
from wizard.models import Onboarding
from wizard.nmbrs import NmbrsError, Profile, list_entities, probe_permissions

TOKEN = "token"


def _value(member) -> str | None:
    """An enum member (or plain string) as its stored string value."""
    return None if member is None else getattr(member, "value", member)


def _check(found) -> Check:
    """The connector's ``OperationCheck`` as the seam's ``Check``."""
    return Check(group=found.service, name=found.operation, required=found.required,
                 status=CheckStatus(found.status.value), code=found.code, kind=_value(found.kind),
                 ms=round(found.ms))


def _reach(debtors, companies) -> Reach:
    """Connector Debtor/Company objects as the plain dicts every method shares."""
    return Reach(
        debtors=[{"id": d.id, "number": str(d.number), "name": d.name} for d in debtors],
        companies=[{"id": c.id, "number": str(c.number), "name": c.name, "debtor_id": c.debtor_id}
                   for c in companies])


class TokenMethod:
    """Connection method "token" (see ``wizard.connection.method.ConnectionMethod``)."""

    name = TOKEN
    credential_step = "credentials"

    def is_available(self) -> bool:
        return True

    def has_credentials(self, onboarding: Onboarding) -> bool:
        return stored_token_credentials(onboarding) is not None

    def count_rights(self, profile: Profile) -> int:
        return len(profile.operations)

    def probe(self, onboarding: Onboarding, profile: Profile,
              progress: Progress | None = None) -> CheckReport:
        credentials = stored_token_credentials(onboarding)
        # Budget and deadline of the run come with the client, from config.
        report = probe_permissions(connector_credentials(credentials), profile, client=client(),
                                   environment=recent_environment(credentials),
                                   on_check=(lambda found: progress(_check(found))) if progress
                                   else None)
        if report.domain and not credentials.domain:
            try:
                set_discovered_domain(onboarding, normalise_domain(report.domain))
            except DomainError:
                pass  # an odd answer from Nmbrs; the run itself still counts
        checks = [_check(found) for found in report.operations]
        reach = (_reach(report.debtors, report.companies)
                 if report.authenticated and (report.debtors or report.companies) else None)
        return CheckReport(authenticated=report.authenticated, checks=checks,
                           failure=_value(report.failure), reach=reach,
                           identity=credentials.username,
                           domain=report.domain or credentials.domain or None)

    def read_reach(self, onboarding: Onboarding) -> Reach:
        credentials = stored_token_credentials(onboarding)
        nmbrs = client()
        try:
            debtors, companies = list_entities(connector_credentials(credentials), client=nmbrs,
                                               deadline=time.monotonic() + nmbrs.run_deadline)
        except NmbrsError as error:
            raise EntitiesUnavailable(error.kind.value) from None
        return _reach(debtors, companies)

    def explain(self, check: dict, profile: Profile) -> CheckExplanation:
        operation = profile.find(check["group"], check["name"])
        return CheckExplanation(
            group_label=advice.service_label(check["group"]),
            purpose=purpose_text(operation.purpose if operation else None),
            fix=None if check["status"] == CheckStatus.OK.value else advice.fix_for(check))

    def describe_login(self, onboarding: Onboarding) -> str:
        login = onboarding.answers.login
        if login is None:
            return ""
        if login.domain:
            return _("Gevonden omgeving: %(host)s · login %(username)s",
                     host=domain_host(login.domain), username=login.username)
        return _("Login %(username)s. Je Nmbrs-omgeving is nog niet gevonden; dat proberen we bij "
                 "de controle opnieuw.", username=login.username)

    def failure_text(self, failure: str | None) -> str:
        return advice.failure_text(failure)

    def handoff(self, onboarding: Onboarding) -> HandoffCredentials:
        secret = dict(onboarding.credential.secret)
        login = onboarding.answers.login
        return HandoffCredentials(
            connection={"method": TOKEN,
                        "domain": (login.domain if login else None) or secret.get("domain") or None,
                        "username": login.username if login else secret.get("username")},
            secret=secret)

    def release(self, onboarding: Onboarding) -> None:
        """An API token cannot be revoked from outside Nmbrs; the client resets it there."""
