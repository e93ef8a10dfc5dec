"""Abuse limits: how often a client, an IP address, an account or an API key may do costly things.

Every limit is one entry in ``RULES``: which endpoints it counts (and, for the wizard's
generic step routes, which steps), which requests (POST where only submissions cost
something), whom it counts per (IP address, onboarding, support account, API key) and the
setting that holds its value. ``init_rate_limits`` wraps the views of those endpoints with
Flask-Limiter, so view modules never import this one. A refusal is a 429 with ``Retry-After``:
a page in the client's language, or the API's JSON error; each one is logged at WARNING with
the limit and the endpoint, never with who was refused.

Counters live in ``RATELIMIT_STORAGE_URI``: in memory (one process) or in Redis, shared by every
process. What is counted per is stored as a keyed hash: neither the store nor a log line holds
an IP address, an e-mail address or an API key.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from flask import Flask, current_app, render_template, request, session
from flask_babel import format_timedelta, lazy_gettext as _l
from flask_limiter import Limiter, RateLimitExceeded
from werkzeug.middleware.proxy_fix import ProxyFix

from wizard.config import ConfigurationError
from wizard.rate_limit_memory import SCHEME as TIDIED_MEMORY

logger = logging.getLogger(__name__)

EXTENSION_KEY = "wizard.limiter"
#: Redis that does not answer within this many seconds counts as down (the app then counts in
#: memory) instead of holding requests.
REDIS_TIMEOUT_SECONDS = 2
#: IPv6 clients get a whole /64 each; counting single addresses would let one client rotate.
IPV6_PREFIX = 64
#: Seconds to ask a refused client to wait when the store cannot tell.
FALLBACK_RETRY_AFTER = 60


def _hashed(kind: str, value: str) -> str:
    """A stable, keyed, non-reversible stand-in for ``value`` (the same in every process)."""
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, f"rate-limit:{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{digest[:32]}"


def client_network() -> str:
    """The client's IP address (its /64 for IPv6), as ``PROXY_HOPS`` trusted proxies report it."""
    address = request.remote_addr or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return _hashed("ip", address)
    if parsed.version == 6 and parsed.ipv4_mapped is None:
        address = str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    elif parsed.version == 6:
        address = str(parsed.ipv4_mapped)
    return _hashed("ip", address)


def bound_onboarding() -> str:
    """The onboarding this browser is bound to (the signed session), else the IP address."""
    from wizard.client_session import SESSION_KEY

    public_id = session.get(SESSION_KEY)
    return _hashed("onboarding", public_id) if isinstance(public_id, str) else client_network()


def support_account() -> str:
    """The e-mail address typed into the support login (case and spaces do not make a new one)."""
    typed = request.form.get("email", "")
    return _hashed("account", typed.strip().lower()) if typed.strip() else client_network()


def api_key() -> str:
    """The API key presented (``Authorization: Bearer``), else the IP address."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return _hashed("api-key", value.strip())
    return client_network()


@dataclass(frozen=True)
class Rule:
    """One limit: what it counts, per whom, and how the refusal page explains it.

    ``endpoints`` are endpoint names; ``steps`` narrows the wizard's generic step routes to
    steps by name (``view_args["name"]``); ``methods`` None counts every request; ``setting``
    is the config key with the limit in Flask-Limiter notation (``"5/minute;20/day"``);
    ``reason`` says on the refusal page what happened (None: too many requests, no more).
    """

    name: str
    setting: str
    endpoints: tuple[str, ...]
    per: Callable[[], str]
    reason: str | None = None
    methods: tuple[str, ...] | None = ("POST",)
    steps: tuple[str, ...] = ()

    def skips(self) -> bool:
        return bool(self.steps) and (request.view_args or {}).get("name") not in self.steps


INVITES = _l("Er zijn vanaf dit netwerk veel uitnodigingslinks geopend.")
CREDENTIALS = _l("Er zijn veel inloggegevens verstuurd. Elke poging controleren we bij Nmbrs; om "
                 "je Nmbrs-omgeving te beschermen kan het even niet.")
RECHECKS = _l("Er is vaak opnieuw gecontroleerd bij Nmbrs. Om Nmbrs niet te overvragen kan het "
              "even niet.")
CONSENT = _l("Er is vaak geprobeerd in te loggen bij Nmbrs.")
SUPPORT_LOGIN = _l("Er is vaak geprobeerd in te loggen.")
DEVICE_CODES = _l("Er zijn vanaf dit netwerk veel controlecodes gevraagd of ingevuld.")

API_ENDPOINTS = ("api.create_onboarding", "api.list_onboardings", "api.get_onboarding",
                 "api.relink", "api.resend", "api.revoke", "api.openapi")

RULES: tuple[Rule, ...] = (
    Rule("invite-open-per-ip", "RATELIMIT_INVITE_OPEN_PER_IP",
         ("onboarding.open_invite", "onboarding.open_delegation_link"),
         client_network, INVITES, methods=None),
    Rule("credentials-per-onboarding", "RATELIMIT_CREDENTIALS_PER_ONBOARDING",
         ("onboarding.step",), bound_onboarding, CREDENTIALS, steps=("credentials",)),
    Rule("credentials-per-ip", "RATELIMIT_CREDENTIALS_PER_IP", ("onboarding.step",),
         client_network, CREDENTIALS, steps=("credentials",)),
    # "Opnieuw controleren" on the check, and reading the companies again: both call Nmbrs.
    Rule("rechecks-per-onboarding", "RATELIMIT_RECHECKS_PER_ONBOARDING",
         ("onboarding.step_action",), bound_onboarding, RECHECKS, steps=("validation", "entities")),
    Rule("rechecks-per-ip", "RATELIMIT_RECHECKS_PER_IP", ("onboarding.step_action",),
         client_network, RECHECKS, steps=("validation", "entities")),
    Rule("consent-per-onboarding", "RATELIMIT_CONSENT_PER_ONBOARDING", ("onboarding.step",),
         bound_onboarding, CONSENT, steps=("consent",)),
    Rule("consent-per-ip", "RATELIMIT_CONSENT_PER_IP", ("onboarding.step",), client_network,
         CONSENT, steps=("consent",)),
    # A second browser's one-time codes: each request mails the invitee, each entry is a guess.
    Rule("device-code-per-ip", "RATELIMIT_DEVICE_CODE_PER_IP",
         ("onboarding.send_verification_code", "onboarding.check_verification_code"),
         client_network, DEVICE_CODES),
    Rule("support-login-per-ip", "RATELIMIT_SUPPORT_LOGIN_PER_IP", ("support.login",),
         client_network, SUPPORT_LOGIN),
    # Single sign-on: each start sends the browser to the identity provider, each callback
    # trades a code there; both count against the same per-address budget as the password form.
    Rule("support-sso-per-ip", "RATELIMIT_SUPPORT_LOGIN_PER_IP",
         ("support.sso_start", "support.sso_callback"), client_network, SUPPORT_LOGIN,
         methods=None),
    Rule("support-login-per-account", "RATELIMIT_SUPPORT_LOGIN_PER_ACCOUNT", ("support.login",),
         support_account, SUPPORT_LOGIN),
    Rule("api-per-key", "RATELIMIT_API_PER_KEY", API_ENDPOINTS, api_key, methods=None),
)
RULES_BY_NAME = {rule.name: rule for rule in RULES}


def trust_proxies(app: Flask) -> None:
    """Behind ``PROXY_HOPS`` reverse proxies, take the client's address from X-Forwarded-For."""
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=0, x_host=0, x_port=0,
                                x_prefix=0)


def init_rate_limits(app: Flask) -> Limiter:
    """Create this app's limiter, apply ``RULES`` to the registered views, answer refusals.

    One limiter per app: Flask-Limiter keeps its storage and its table of limits on the
    limiter object, and an app (like each test's) must not share them with another.
    """
    uri = app.config["RATELIMIT_STORAGE_URI"]
    if uri.startswith("memory:"):
        uri, options = TIDIED_MEMORY + uri[len("memory"):], {}  # the same store, tidied
    else:
        options = {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                   "socket_timeout": REDIS_TIMEOUT_SECONDS}
    try:
        limiter = Limiter(key_func=client_network, storage_uri=uri, storage_options=options,
                          strategy="moving-window", key_prefix="wizard",
                          headers_enabled=False, swallow_errors=True,
                          in_memory_fallback_enabled=True)
        limiter.init_app(app)
    except Exception as error:  # the URI may hold a password: name the setting, not the value
        raise ConfigurationError(
            f"WIZARD_RATELIMIT_STORAGE_URI cannot be used ({type(error).__name__}): use "
            "memory:// or a redis:// URL.") from None
    for rule in RULES:
        limit = limiter.shared_limit(_configured(rule.setting), scope=rule.name, key_func=rule.per,
                                     methods=list(rule.methods) if rule.methods else None,
                                     exempt_when=rule.skips)
        for endpoint in rule.endpoints:
            if endpoint not in app.view_functions:  # a renamed route must not lose its limit
                raise RuntimeError(f"rate limit {rule.name}: no endpoint {endpoint!r}")
            app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    app.extensions[EXTENSION_KEY] = limiter
    app.register_error_handler(RateLimitExceeded, _refused)
    return limiter


def _configured(setting: str) -> Callable[[], str]:
    return lambda: current_app.config[setting]


def _retry_after(limiter: Limiter) -> int:
    """Whole seconds until the breached limit lets a request through again (at least 1)."""
    breached = limiter.current_limit
    try:
        reset = breached.window.reset_time
    except Exception:  # the store went away since it refused (or there is none): a safe guess
        logger.warning("rate limit store did not say when the limit resets")
        return FALLBACK_RETRY_AFTER
    return max(1, math.ceil(reset - time.time()))


def wait_in_words(seconds: int) -> str:
    """"45 seconden", "3 minuten", "2 uur": rounded up, so the client never comes back too early."""
    if seconds <= 90:
        wait = timedelta(seconds=seconds)
    elif seconds <= 2 * 3600:
        wait = timedelta(minutes=math.ceil(seconds / 60))
    else:
        wait = timedelta(hours=math.ceil(seconds / 3600))
    return format_timedelta(wait, threshold=1.5)


def _in_wizard() -> bool:
    """A client refused on a wizard page with an onboarding bound (so there is work to keep)."""
    from wizard.client_session import SESSION_KEY

    return request.blueprint == "onboarding" and SESSION_KEY in session


def _refused(error: RateLimitExceeded):
    """429 with ``Retry-After``: JSON on the API, a calm page in the client's language elsewhere."""
    from wizard.api.errors import error_response

    rule = RULES_BY_NAME.get(str(error.limit.scope))
    seconds = _retry_after(current_app.extensions[EXTENSION_KEY])
    endpoint = request.url_rule.rule if request.url_rule else "<unmatched>"
    logger.warning("rate limit %s (%s) refused %s %s; retry after %ss",
                   rule.name if rule else error.limit.scope, error.limit.limit, request.method,
                   endpoint, seconds)
    if request.blueprint == "api":
        response = error_response(429, "too_many_requests",
                                  f"Too many requests; retry in {seconds} s.",
                                  retry_after=seconds)
    else:
        page = render_template("errors/too_many_requests.html",
                               reason=rule.reason if rule else None,
                               wait=wait_in_words(seconds), in_wizard=_in_wizard())
        response = current_app.make_response((page, 429))
    response.headers["Retry-After"] = str(seconds)
    return response
