"""The consent connection method: "Inloggen met Nmbrs", Nmbrs' REST API with OAuth 2.

The client logs in at Nmbrs and approves the scopes the onboarding's profile needs;
we keep the tokens encrypted, prove every scope with a harmless REST call, list the
debtors and companies the consent reaches, and hand the refresh token to the sync
backend. See docs/connection-methods.md.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from flask import current_app
from flask_babel import gettext as _

from wizard.connection.consent import advice
from wizard.connection.consent.grant import (GrantTokens, OAUTH, ensure_fresh, granted_scopes,
                                             remember_consenting_user, revoke_at_nmbrs,
                                             stored_grant)
from wizard.connection.consent.scopes import area_label, scope_area, scope_reads
from wizard.connection.consent.settings import api, missing_settings, probe_workers
from wizard.connection.profile import purpose_text
from wizard.connection.method import (Check, CheckExplanation, CheckReport, CheckStatus,
                                      EntitiesUnavailable, HandoffCredentials, Progress, Reach)
from wizard.models import Onboarding
from wizard.nmbrs import Profile
from wizard.nmbrs_rest import RestError, probe_consent, read_reach

#: One validation run ends after this many seconds; what is not done by then is unchecked.
RUN_SECONDS = 30.0


class ConsentMethod:
    """Connection method "oauth" (see ``wizard.connection.method.ConnectionMethod``)."""

    name = OAUTH
    credential_step = "consent"

    def is_available(self) -> bool:
        return not missing_settings()

    def has_credentials(self, onboarding: Onboarding) -> bool:
        grant = stored_grant(onboarding)
        return bool(grant and grant.get("access_token"))

    def count_rights(self, profile: Profile) -> int:
        return len(profile.rest_scopes())

    def probe(self, onboarding: Onboarding, profile: Profile,
              progress: Progress | None = None) -> CheckReport:
        deadline = time.monotonic() + RUN_SECONDS
        try:
            ensure_fresh(onboarding)
        except RestError as error:
            return CheckReport(authenticated=False, checks=[], failure=error.kind.value)
        grant = stored_grant(onboarding)
        def as_check(found) -> Check:
            return Check(group=scope_area(found.scope), name=found.scope, required=found.required,
                         status=CheckStatus(found.status), code=found.code, kind=found.kind,
                         ms=found.ms)

        report = probe_consent(api(), GrantTokens(onboarding), profile.rest_scopes(),
                               granted_scopes(onboarding),
                               has_refresh_token=bool(grant.get("refresh_token")),
                               deadline=deadline, workers=probe_workers(),
                               on_check=(lambda found: progress(as_check(found))) if progress
                               else None)
        if report.user:
            remember_consenting_user(onboarding, report.user)
        checks = [as_check(found) for found in report.checks]
        reach = (Reach(report.debtors or [], report.companies or [])
                 if report.companies is not None else None)
        login = onboarding.answers.login
        return CheckReport(authenticated=report.authenticated, checks=checks,
                           failure=report.failure, reach=reach,
                           identity=(report.user or {}).get("email") or (login.username if login
                                                                           else None))

    def read_reach(self, onboarding: Onboarding) -> Reach:
        try:
            ensure_fresh(onboarding)
            with ThreadPoolExecutor(max_workers=probe_workers(),
                                    thread_name_prefix="nmbrs-rest") as pool:
                debtors, companies = read_reach(api(), GrantTokens(onboarding),
                                                deadline=time.monotonic() + RUN_SECONDS,
                                                pool=pool)
        except RestError as error:
            raise EntitiesUnavailable(error.kind.value) from None
        return Reach(debtors, companies)

    def explain(self, check: dict, profile: Profile) -> CheckExplanation:
        why = [op.purpose for op in profile.operations_needing(check["name"])]
        purpose = scope_reads(check["name"])
        if why:
            purpose = f"{purpose}. {purpose_text(why[0])}"
        return CheckExplanation(
            group_label=area_label(check["group"]), purpose=purpose,
            fix=None if check["status"] == CheckStatus.OK.value else advice.fix_for(check))

    def describe_login(self, onboarding: Onboarding) -> str:
        login = onboarding.answers.login
        if login is None:
            return ""
        if login.username:
            return _("Ingelogd bij Nmbrs als %(name)s (%(email)s)",
                     name=login.name or login.username, email=login.username)
        return _("Toestemming gegeven in Nmbrs")

    def failure_text(self, failure: str | None) -> str:
        return advice.failure_text(failure)

    def handoff(self, onboarding: Onboarding) -> HandoffCredentials:
        grant = dict(stored_grant(onboarding))
        login = onboarding.answers.login
        config = current_app.config
        return HandoffCredentials(
            connection={
                "method": OAUTH,
                "scopes": sorted(grant.get("scope", "").split()),
                "client_id": config["NMBRS_OAUTH_CLIENT_ID"],
                "token_endpoint": config["NMBRS_OAUTH_TOKEN_URL"],
                "revocation_endpoint": config["NMBRS_OAUTH_REVOCATION_URL"],
                "api_base_url": config["NMBRS_REST_URL"],
                "subscription_key_ref": config["NMBRS_SUBSCRIPTION_KEY_REF"],
                "consented_by": ({"name": login.name, "email": login.username}
                                 if login and login.username else None),
                "consented_at": login.at.isoformat() if login else None,
            },
            secret={key: grant.get(key) for key in ("refresh_token", "access_token",
                                                     "access_token_expires_at", "token_type",
                                                     "scope")})

    def release(self, onboarding: Onboarding) -> None:
        grant = stored_grant(onboarding)
        if grant:
            revoke_at_nmbrs(grant.get("refresh_token"))

