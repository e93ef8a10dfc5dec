"""Configuration from ``WIZARD_*`` environment variables.

Development gets embedded defaults (SQLite, generated keys under ``instance/``,
a file mail outbox, the local Nmbrs sandbox) so a newcomer can run ``make demo``.
Production has no defaults for anything secret or environment-specific: it
refuses to start and names each missing variable.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

PREFIX = "WIZARD_"
ENVIRONMENTS = ("development", "production", "testing")
NMBRS_PRODUCTION_SOAP_URL = "https://api.nmbrs.nl/soap/v3/"
SANDBOX_SOAP_URL = "http://127.0.0.1:5001/soap/v3/"
NMBRS_PRODUCTION_IDENTITY_URL = "https://identityservice.nmbrs.com"
NMBRS_PRODUCTION_REST_URL = "https://api.nmbrsapp.com"
SANDBOX_BASE_URL = "http://127.0.0.1:5001"
OAUTH_CALLBACK_PATH = "/oauth/nmbrs/callback"
OAUTH_CLIENT_AUTH = ("client_secret_basic", "client_secret_post")
DEMO_SYNC_URL = "http://127.0.0.1:5002/webhooks/onboarding"
#: Generated in development: the demo receiver's private key (never in git).
DEMO_RECEIVER_KEY_FILE = "sync_receiver_key.pem"
DEMO_WEBHOOK_SECRET_FILE = "sync_webhook_secret"
MAIL_BACKENDS = ("smtp", "file")
MIN_SECRET_KEY_LENGTH = 32
#: Production talks to these only over https (each is named when it does not).
HTTPS_URLS = ("PUBLIC_URL", "SYNC_URL", "NMBRS_SOAP_URL", "NMBRS_IDENTITY_URL",
              "NMBRS_OAUTH_AUTHORIZE_URL", "NMBRS_OAUTH_TOKEN_URL", "NMBRS_OAUTH_REVOCATION_URL",
              "NMBRS_OAUTH_REDIRECT_URI", "NMBRS_REST_URL", "SUPPORT_OIDC_DISCOVERY_URL")
#: Optional https URLs: production checks them only when they are set.
OPTIONAL_URLS = ("NMBRS_OAUTH_REDIRECT_URI", "SUPPORT_OIDC_DISCOVERY_URL")
#: The session cookie in production: only over https, only for this host, never to scripts.
PRODUCTION_SESSION_COOKIE = "__Host-session"
#: The cookie that recognises a browser the client verified (see wizard/client_device.py).
PRODUCTION_DEVICE_COOKIE = "__Host-device"
SMTP_SECURITY = ("starttls", "ssl", "none")
#: Rate limits (Flask-Limiter notation), each one a setting; ``wizard.rate_limits`` applies them.
RATE_LIMIT_SETTINGS = ("RATELIMIT_INVITE_OPEN_PER_IP", "RATELIMIT_CREDENTIALS_PER_ONBOARDING",
                       "RATELIMIT_CREDENTIALS_PER_IP", "RATELIMIT_RECHECKS_PER_ONBOARDING",
                       "RATELIMIT_RECHECKS_PER_IP", "RATELIMIT_CONSENT_PER_ONBOARDING",
                       "RATELIMIT_CONSENT_PER_IP", "RATELIMIT_SUPPORT_LOGIN_PER_IP",
                       "RATELIMIT_SUPPORT_LOGIN_PER_ACCOUNT", "RATELIMIT_API_PER_KEY",
                       "RATELIMIT_DEVICE_CODE_PER_IP")
#: The test suite makes hundreds of requests from 127.0.0.1: limits it does not set itself stay
#: out of its way (the rate-limit tests lower each one to prove it).
TESTING_RATE_LIMIT = "10000/minute"


class ConfigurationError(RuntimeError):
    """The environment does not describe a runnable app; the message says why."""


@dataclass(frozen=True)
class Setting:
    """One documented environment variable (the README table is checked against these)."""

    name: str
    key: str
    default: str | None
    required_in_production: bool
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("ENV", "WIZARD_ENV", "development", False,
            "`development` (embedded defaults), `production` (strict) or `testing`."),
    Setting("SECRET_KEYS", "SECRET_KEYS", None, True,
            "Comma-separated secret keys, newest first. The first signs sessions and invite "
            "links; older ones still verify, so keys rotate without breaking links in flight. "
            f"Production refuses keys shorter than {MIN_SECRET_KEY_LENGTH} characters."),
    Setting("ENCRYPTION_KEYS", "ENCRYPTION_KEYS", None, True,
            "Comma-separated Fernet keys, newest first, that encrypt stored credentials."),
    Setting("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", None, True,
            "SQLAlchemy URL, e.g. `postgresql+psycopg://user:pw@host/db`. "
            "Development default: SQLite in `instance/wizard.sqlite3`."),
    Setting("PUBLIC_URL", "PUBLIC_URL", "http://127.0.0.1:5000", True,
            "Base URL the client's browser reaches the app on; used in emailed links."),
    Setting("MAIL_BACKEND", "MAIL_BACKEND", None, True,
            "`smtp` or `file`. Development default: `file` (`.eml` files in `instance/outbox/`)."),
    Setting("MAIL_FROM", "MAIL_FROM", "Roosterwijs <onboarding@roosterwijs.example>", True,
            "Sender of every email. Without a display name the product name is used."),
    Setting("SMTP_HOST", "SMTP_HOST", "localhost", False, "SMTP server (with `MAIL_BACKEND=smtp`)."),
    Setting("SMTP_PORT", "SMTP_PORT", "587", False, "SMTP port."),
    Setting("SMTP_SECURITY", "SMTP_SECURITY", "starttls", False, "`starttls`, `ssl` or `none`."),
    Setting("SMTP_USERNAME", "SMTP_USERNAME", "", False, "SMTP login, if the server needs one."),
    Setting("SMTP_PASSWORD", "SMTP_PASSWORD", "", False, "SMTP password."),
    Setting("SMTP_TIMEOUT", "SMTP_TIMEOUT", "10", False, "Seconds before an SMTP attempt gives up."),
    Setting("SMTP_CA_FILE", "SMTP_CA_FILE", "", False,
            "PEM file of a private CA that signed the SMTP server's certificate "
            "(default: the system's trusted CAs)."),
    Setting("MAIL_MAX_ATTEMPTS", "MAIL_MAX_ATTEMPTS", "8", False,
            "Delivery attempts per email before it is marked failed."),
    Setting("MAIL_RETRY_SECONDS", "MAIL_RETRY_SECONDS", "60", False,
            "Wait before the first retry of an email; it doubles per attempt (at most 6 hours). "
            "`flask mail retry` sends what is due."),
    Setting("MAIL_OUTBOX_DIR", "MAIL_OUTBOX_DIR", None, False,
            "Folder for `.eml` files with `MAIL_BACKEND=file`. Default `instance/outbox/`."),
    Setting("INVITE_MAX_AGE_DAYS", "INVITE_MAX_AGE_DAYS", "14", False,
            "Days an invite link stays valid."),
    Setting("TERMS_VERSION", "TERMS_VERSION", "2026-11", False,
            "Version of the terms clients must accept (a folder `wizard/terms/v<version>/`). "
            "Raising it asks clients who have not finished to accept again."),
    Setting("SESSION_LIFETIME_HOURS", "SESSION_LIFETIME_HOURS", "8", False,
            "Hours a client's browser session lasts; reopening the invite link resumes the wizard."),
    Setting("DEVICE_COOKIE_DAYS", "DEVICE_COOKIE_DAYS", "60", False,
            "Days a browser stays recognised (a signed device cookie) after it last opened the "
            "invite link; a browser the onboarding knows resumes without a code."),
    Setting("DEVICE_CODE_MINUTES", "DEVICE_CODE_MINUTES", "10", False,
            "Minutes a one-time code for a second browser stays valid."),
    Setting("DEVICE_CODE_ATTEMPTS", "DEVICE_CODE_ATTEMPTS", "5", False,
            "Wrong entries of one code before it stops working."),
    Setting("DEVICE_CODES_PER_HOUR", "DEVICE_CODES_PER_HOUR", "3", False,
            "One-time codes one onboarding may send per hour (for all browsers together)."),
    Setting("SUPPORT_EMAIL", "SUPPORT_EMAIL", "support@example.nl", False,
            "Support address shown to clients on error pages and in emails; a finished client's "
            "request to change the companies is emailed here too."),
    Setting("SUPPORT_PHONE", "SUPPORT_PHONE", "020 123 4567", False,
            "Support phone number shown to clients."),
    Setting("PRODUCT_NAME", "PRODUCT_NAME", "Roosterwijs", False,
            "Our product's name: in the header, page titles and every email (sender, subject, body)."),
    Setting("COMPANY_NAME", "COMPANY_NAME", "Roosterwijs B.V.", False,
            "The company behind the product, named on the terms page and under every email."),
    Setting("LOGO_URL", "LOGO_URL", "/static/img/logo.png", False,
            "A square logo shown beside the product name in the header and emails: a path on this "
            "site or an https URL (a remote logo must also be allowed by the CSP's `img-src`)."),
    Setting("PRIVACY_URL", "PRIVACY_URL", "https://roosterwijs.example/privacy", False,
            "Our privacy statement, linked from every page, the terms step and every email."),
    Setting("FIRST_SYNC_HOURS", "FIRST_SYNC_HOURS", "24", False,
            "Hours within which the done page and confirmation email promise the first data."),
    Setting("DELEGATION_LINK_DAYS", "DELEGATION_LINK_DAYS", "7", False,
            "Days a link sent to a client's Nmbrs administrator (\"Stuur dit naar mijn "
            "Nmbrs-beheerder\") stays valid; never longer than the client's own invite."),
    Setting("DELEGATION_EMAILS_PER_HOUR", "DELEGATION_EMAILS_PER_HOUR", "3", False,
            "Emails to a Nmbrs administrator one onboarding may send per hour."),
    Setting("NMBRS_SOAP_URL", "NMBRS_SOAP_URL", None, False,
            "Base URL of the Nmbrs SOAP v3 API. Production default "
            f"`{NMBRS_PRODUCTION_SOAP_URL}`; development default the local sandbox "
            f"`{SANDBOX_SOAP_URL}`; Nmbrs' own sandbox is `https://api-sandbox.nmbrs.nl/soap/v3/`."),
    Setting("NMBRS_TIMEOUT", "NMBRS_TIMEOUT", "20", False,
            "Seconds one Nmbrs call waits for data at a time (connect: 5 s); the call's "
            "deadline caps it."),
    Setting("NMBRS_CALL_DEADLINE", "NMBRS_CALL_DEADLINE", "10", False,
            "Seconds one Nmbrs call may take in all, retries included."),
    Setting("NMBRS_MAX_REPLY_MB", "NMBRS_MAX_REPLY_MB", "8", False,
            "Largest Nmbrs reply read, in MB; a longer one is cut off and counts as not checked."),
    Setting("NMBRS_PROBE_WORKERS", "NMBRS_PROBE_WORKERS", "16", False,
            "Budget of one validation run: at most this many Nmbrs calls in flight at once "
            "(each starts as soon as its inputs are known)."),
    Setting("NMBRS_VALIDATION_DEADLINE", "NMBRS_VALIDATION_DEADLINE", "20", False,
            "Seconds one validation run may take; rights not checked by then show as "
            "\"could not be checked\"."),
    Setting("VALIDATION_WORKERS", "VALIDATION_WORKERS", "4", False,
            "Validation runs one web process carries out at once, in the background (pages "
            "never wait for Nmbrs; more runs queue)."),
    Setting("NMBRS_IDENTITY_URL", "NMBRS_IDENTITY_URL", None, False,
            "Base URL of Nmbrs' identity server (\"Inloggen met Nmbrs\"). Production default "
            f"`{NMBRS_PRODUCTION_IDENTITY_URL}`; development default the local sandbox "
            f"`{SANDBOX_BASE_URL}`. Its endpoints are `/connect/authorize`, `/connect/token` and "
            "`/connect/revocation` unless set below."),
    Setting("NMBRS_OAUTH_AUTHORIZE_URL", "NMBRS_OAUTH_AUTHORIZE_URL", None, False,
            "Authorization endpoint, if not `<IDENTITY_URL>/connect/authorize`."),
    Setting("NMBRS_OAUTH_TOKEN_URL", "NMBRS_OAUTH_TOKEN_URL", None, False,
            "Token endpoint, if not `<IDENTITY_URL>/connect/token`."),
    Setting("NMBRS_OAUTH_REVOCATION_URL", "NMBRS_OAUTH_REVOCATION_URL", None, False,
            "Revocation endpoint, if not `<IDENTITY_URL>/connect/revocation`."),
    Setting("NMBRS_OAUTH_CLIENT_ID", "NMBRS_OAUTH_CLIENT_ID", None, False,
            "Our OAuth client id at Nmbrs. Without it the wizard offers only the API token "
            "(and logs why). Development default: the sandbox's demo client."),
    Setting("NMBRS_OAUTH_CLIENT_SECRET", "NMBRS_OAUTH_CLIENT_SECRET", None, False,
            "Our OAuth client secret; required in production when `NMBRS_OAUTH_CLIENT_ID` is set."),
    Setting("NMBRS_OAUTH_CLIENT_AUTH", "NMBRS_OAUTH_CLIENT_AUTH", "client_secret_basic", False,
            "How we authenticate at the token endpoint: `client_secret_basic` (HTTP Basic, id "
            "and secret percent-encoded as RFC 6749 §2.3.1 and Nmbrs require) or "
            "`client_secret_post`."),
    Setting("NMBRS_OAUTH_PKCE", "NMBRS_OAUTH_PKCE", "true", False,
            "Send a PKCE S256 challenge with every authorization request (`true`/`false`)."),
    Setting("NMBRS_OAUTH_REDIRECT_URI", "NMBRS_OAUTH_REDIRECT_URI", None, False,
            f"Where Nmbrs sends the browser back; registered with our client. Default "
            f"`<PUBLIC_URL>{OAUTH_CALLBACK_PATH}`."),
    Setting("NMBRS_REST_URL", "NMBRS_REST_URL", None, False,
            f"Base URL of the Nmbrs REST API. Production default `{NMBRS_PRODUCTION_REST_URL}`; "
            f"development default the local sandbox `{SANDBOX_BASE_URL}`."),
    Setting("NMBRS_SUBSCRIPTION_KEY", "NMBRS_SUBSCRIPTION_KEY", None, False,
            "Our `X-Subscription-Key` for the REST API (developer.nmbrs.com); required in "
            "production when `NMBRS_OAUTH_CLIENT_ID` is set. Development default: the sandbox's "
            "demo key."),
    Setting("NMBRS_SUBSCRIPTION_KEY_REF", "NMBRS_SUBSCRIPTION_KEY_REF", "default", False,
            "The name under which the sync backend knows our subscription key; sent in the "
            "hand-off instead of the key."),
    Setting("SANDBOX_LATENCY", "SANDBOX_LATENCY", "0", False,
            "Seconds the local Nmbrs sandbox (`flask sandbox serve`, `make demo`) adds to every "
            "call, to feel a slow Nmbrs or benchmark the probe."),
    Setting("SANDBOX_JITTER", "SANDBOX_JITTER", "0", False,
            "Seconds by which the sandbox's added latency varies per call, either way "
            "(`0.05` with latency `0.15`: 100–200 ms)."),
    Setting("SYNC_URL", "SYNC_URL", None, True,
            "URL of the sync backend's webhook that receives completed onboardings. "
            f"Development default: the demo receiver `{DEMO_SYNC_URL}`."),
    Setting("SYNC_WEBHOOK_SECRET", "SYNC_WEBHOOK_SECRET", None, True,
            "Standard Webhooks signing secret shared with the sync backend (`whsec_` + base64). "
            "Several, newest first and comma-separated, sign every message once each, so the "
            "backend can rotate without downtime. "
            f"Development default: generated in `instance/{DEMO_WEBHOOK_SECRET_FILE}`."),
    Setting("SYNC_PUBLIC_KEY", "SYNC_PUBLIC_KEY", None, True,
            "The sync backend's RSA public key (PEM text, or the path of a PEM file); "
            "credentials in the hand-off are encrypted to it. Development default: the public "
            f"half of the demo receiver's key pair, generated in `instance/{DEMO_RECEIVER_KEY_FILE}`."),
    Setting("SYNC_TIMEOUT", "SYNC_TIMEOUT", "10", False,
            "Seconds the delivery worker waits for the sync backend to answer one hand-off."),
    Setting("OUTBOX_POLL_SECONDS", "OUTBOX_POLL_SECONDS", "5", False,
            "Seconds the delivery worker sleeps when nothing is due."),
    Setting("OUTBOX_LEASE_SECONDS", "OUTBOX_LEASE_SECONDS", "120", False,
            "Seconds a worker holds a claimed message; if it dies, another worker takes the "
            "message over after this. Must exceed `SYNC_TIMEOUT`."),
    Setting("CREDENTIAL_RETENTION_HOURS", "CREDENTIAL_RETENTION_HOURS", "0", False,
            "Hours the wizard keeps its encrypted copy of a client's credentials after the "
            "sync backend confirmed the hand-off. `0` purges them at once."),
    Setting("SUPPORT_IDLE_MINUTES", "SUPPORT_IDLE_MINUTES", "30", False,
            "Minutes without a request after which a support session ends."),
    Setting("SUPPORT_SESSION_HOURS", "SUPPORT_SESSION_HOURS", "10", False,
            "Hours after login at which a support session ends, however active."),
    Setting("SUPPORT_LOGIN_ATTEMPTS", "SUPPORT_LOGIN_ATTEMPTS", "5", False,
            "Failed support logins for one e-mail address before it is locked for a minute; "
            "each further failure doubles the lock (at most an hour)."),
    Setting("SUPPORT_OIDC_DISCOVERY_URL", "SUPPORT_OIDC_DISCOVERY_URL", None, False,
            "Single sign-on for support: the OpenID Connect discovery document "
            "(`https://…/.well-known/openid-configuration`) of the company's identity provider "
            "(Microsoft Entra ID, Google Workspace, Okta…). Empty: password login only. Only "
            "existing, active support accounts whose e-mail the provider reports as verified "
            "get in; roles stay managed here."),
    Setting("SUPPORT_OIDC_CLIENT_ID", "SUPPORT_OIDC_CLIENT_ID", None, False,
            "Our client id at that identity provider; required with `SUPPORT_OIDC_DISCOVERY_URL`."),
    Setting("SUPPORT_OIDC_CLIENT_SECRET", "SUPPORT_OIDC_CLIENT_SECRET", None, False,
            "Our client secret there; required with `SUPPORT_OIDC_DISCOVERY_URL`."),
    Setting("SUPPORT_OIDC_PROVIDER_NAME", "SUPPORT_OIDC_PROVIDER_NAME", "single sign-on", False,
            "The provider's name on the login button (\"Inloggen met …\"), e.g. `Microsoft`."),
    Setting("SUPPORT_PASSWORD_LOGIN", "SUPPORT_PASSWORD_LOGIN", "true", False,
            "`false` turns support's password login off, leaving single sign-on (which must then "
            "be configured). The `support create-user` CLI still sets a password for emergencies."),
    Setting("SUPPORT_REFRESH_SECONDS", "SUPPORT_REFRESH_SECONDS", "20", False,
            "How often support's open list and detail pages refresh themselves (with JavaScript)."),
    Setting("STALLED_DAYS", "STALLED_DAYS", "3", False,
            "Days without a client action after which support sees an open onboarding as stalled."),
    Setting("EXPIRING_SOON_DAYS", "EXPIRING_SOON_DAYS", "3", False,
            "Days before its expiry at which support sees an open onboarding as expiring soon."),
    Setting("REMINDER_DAYS", "REMINDER_DAYS", "3,7", False,
            "Comma-separated days without a client action after which the client gets a reminder "
            "email (each at most once per stall; empty: none). Sent by the `outbox deliver` worker."),
    Setting("REMINDER_BEFORE_EXPIRY_DAYS", "REMINDER_BEFORE_EXPIRY_DAYS", "2", False,
            "Days before the link expires at which an unfinished client gets one last reminder "
            "(`0`: none)."),
    Setting("API_IDEMPOTENCY_HOURS", "API_IDEMPOTENCY_HOURS", "24", False,
            "Hours the API remembers an `Idempotency-Key` and replays its answer to a retry."),
    Setting("FAILED_HANDOFF_RETENTION_DAYS", "FAILED_HANDOFF_RETENTION_DAYS", "14", False,
            "Days a hand-off that ended failed or dead keeps its sealed credentials (JWE), and the "
            "wizard its own copy, for `outbox retry`; then both are purged (audited)."),
    Setting("PERSONAL_DATA_RETENTION_DAYS", "PERSONAL_DATA_RETENTION_DAYS", "30", False,
            "Days after an onboarding expired or was revoked before its personal data (contact, "
            "Nmbrs username, answers, terms acceptance, audit details) is erased by `flask purge`."),
    Setting("RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_URI", "memory://", False,
            "Where rate limits count: `memory://` (each process counts alone: the demo, one "
            "process) or a Redis URL such as `redis://redis.internal:6379/0`, which several "
            "processes and hosts share. While Redis is unreachable each process counts in memory."),
    Setting("RATELIMIT_INVITE_OPEN_PER_IP", "RATELIMIT_INVITE_OPEN_PER_IP", "30/minute;300/day",
            False, "Invite links one IP address may open (limits in Flask-Limiter notation, "
            "several separated by `;`). Every rate limit answers 429 with `Retry-After` and a "
            "page in the client's language, or JSON on the API."),
    Setting("RATELIMIT_CREDENTIALS_PER_ONBOARDING", "RATELIMIT_CREDENTIALS_PER_ONBOARDING",
            "5/minute;20/day", False,
            "Submissions of the API-token form per onboarding (each one logs in at Nmbrs, so the "
            "wizard cannot be used to try tokens)."),
    Setting("RATELIMIT_CREDENTIALS_PER_IP", "RATELIMIT_CREDENTIALS_PER_IP", "10/minute;50/day",
            False, "Submissions of the API-token form per IP address, over all onboardings."),
    Setting("RATELIMIT_RECHECKS_PER_ONBOARDING", "RATELIMIT_RECHECKS_PER_ONBOARDING",
            "6/minute;60/day", False,
            "Checks run again (\"Opnieuw controleren\") and company lists read again, per "
            "onboarding; each one calls Nmbrs."),
    Setting("RATELIMIT_RECHECKS_PER_IP", "RATELIMIT_RECHECKS_PER_IP", "20/minute;200/day", False,
            "Checks and company lists read again per IP address, over all onboardings."),
    Setting("RATELIMIT_CONSENT_PER_ONBOARDING", "RATELIMIT_CONSENT_PER_ONBOARDING",
            "5/minute;30/day", False,
            "Trips to Nmbrs' login (\"Inloggen met Nmbrs\") started per onboarding."),
    Setting("RATELIMIT_CONSENT_PER_IP", "RATELIMIT_CONSENT_PER_IP", "10/minute;100/day", False,
            "Trips to Nmbrs' login started per IP address, over all onboardings."),
    Setting("RATELIMIT_DEVICE_CODE_PER_IP", "RATELIMIT_DEVICE_CODE_PER_IP", "10/minute;60/day",
            False, "Second-browser codes asked for or entered per IP address, over all onboardings "
            "(beside the per-onboarding limits `DEVICE_CODES_PER_HOUR` and `DEVICE_CODE_ATTEMPTS`)."),
    Setting("RATELIMIT_SUPPORT_LOGIN_PER_IP", "RATELIMIT_SUPPORT_LOGIN_PER_IP",
            "10/minute;100/day", False,
            "Support login attempts per IP address (beside the lock per account, "
            "`SUPPORT_LOGIN_ATTEMPTS`); single sign-on starts and returns count apart under the "
            "same limit."),
    Setting("RATELIMIT_SUPPORT_LOGIN_PER_ACCOUNT", "RATELIMIT_SUPPORT_LOGIN_PER_ACCOUNT",
            "5/minute;30/hour", False,
            "Support login attempts per e-mail address typed, successful or not."),
    Setting("RATELIMIT_API_PER_KEY", "RATELIMIT_API_PER_KEY", "120/minute;5000/hour", False,
            "Requests to the CRM's API (`/api/v1/`) per API key presented (per IP address "
            "without one)."),
    Setting("PROXY_HOPS", "PROXY_HOPS", "0", False,
            "Reverse proxies in front of the app that append the client's address to "
            "`X-Forwarded-For`; with `1` (one TLS proxy) the address it appended counts for "
            "rate limits and the terms record. `0`: the address that connected."),
    Setting("LOG_LEVEL", "LOG_LEVEL", "INFO", False, "Python log level."),
    Setting("LOG_FORMAT", "LOG_FORMAT", "json", False,
            "`json` (one object per line) or `text`."),
    Setting("INSTANCE_PATH", "INSTANCE_PATH", None, False,
            "Folder for the SQLite database, generated keys and the mail outbox. "
            "Default `instance/` in the working directory."),
)


def _env(name: str) -> str | None:
    value = os.environ.get(PREFIX + name)
    return value if value not in (None, "") else None


def _split_keys(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _day_list(value: str | None) -> tuple[float, ...]:
    """``"3,7"`` -> ``(3.0, 7.0)``: positive, sorted, without repeats."""
    days = sorted({float(part) for part in _split_keys(value or "")})
    if any(day <= 0 for day in days):
        raise ValueError(f"days must be positive: {value!r}")
    return tuple(days)


def _is_rate_limit(value) -> bool:
    """``"5/minute;20/day"`` and the like: one or more limits ``limits`` can parse."""
    from limits import parse_many

    try:
        return bool(parse_many(value)) if isinstance(value, str) else False
    except ValueError:
        return False


def _persisted_key(instance: Path, filename: str, make) -> str:
    """Read a generated development key from ``instance/``, creating it once."""
    path = instance / filename
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment plus explicit overrides."""
    overrides = dict(overrides or {})
    env = overrides.pop("ENV", None) or _env("ENV") or "development"
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"WIZARD_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
    production = env == "production"

    raw = {s.name: _env(s.name) for s in SETTINGS if s.name != "ENV"}
    if production:
        missing = [PREFIX + s.name for s in SETTINGS
                   if s.required_in_production and raw.get(s.name) is None
                   and s.key not in overrides]
        if missing:
            raise ConfigurationError(
                "Production mode needs these environment variables: " + ", ".join(missing))

    instance = Path(overrides.pop("INSTANCE_PATH", None) or raw["INSTANCE_PATH"] or "instance").resolve()
    defaults = {s.name: s.default for s in SETTINGS}

    def get(name: str) -> str | None:
        return raw[name] if raw.get(name) is not None else defaults[name]

    def key_list(name: str, filename: str, make) -> list[str]:
        """Explicit overrides, else configured keys, else one generated and kept in instance/."""
        if name in overrides:
            return list(overrides[name])
        if raw[name]:
            return _split_keys(raw[name])
        return [_persisted_key(instance, filename, make)]

    secret_keys = key_list("SECRET_KEYS", "secret_key", lambda: secrets.token_urlsafe(48))
    encryption_keys = key_list("ENCRYPTION_KEYS", "encryption_key",
                               lambda: Fernet.generate_key().decode())
    for key in encryption_keys:
        try:
            Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(
                "WIZARD_ENCRYPTION_KEYS holds a value that is not a Fernet key "
                "(32 url-safe base64-encoded bytes).") from exc

    sync = _sync_settings(raw, overrides, instance)
    consent = _consent_settings(raw, overrides, production)
    support_login = _support_login_settings(raw, overrides)

    mail_backend = get("MAIL_BACKEND") or "file"
    if mail_backend not in MAIL_BACKENDS:
        raise ConfigurationError(f"WIZARD_MAIL_BACKEND must be one of {', '.join(MAIL_BACKENDS)}.")
    smtp_security = get("SMTP_SECURITY")
    if smtp_security not in SMTP_SECURITY:
        raise ConfigurationError(f"WIZARD_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}.")

    try:
        numbers = {
            "SMTP_PORT": int(get("SMTP_PORT")),
            "SMTP_TIMEOUT": float(get("SMTP_TIMEOUT")),
            "INVITE_MAX_AGE_DAYS": int(get("INVITE_MAX_AGE_DAYS")),
            "SESSION_LIFETIME_HOURS": float(get("SESSION_LIFETIME_HOURS")),
            "DEVICE_COOKIE_DAYS": float(get("DEVICE_COOKIE_DAYS")),
            "DEVICE_CODE_MINUTES": float(get("DEVICE_CODE_MINUTES")),
            "DEVICE_CODE_ATTEMPTS": int(get("DEVICE_CODE_ATTEMPTS")),
            "DEVICE_CODES_PER_HOUR": int(get("DEVICE_CODES_PER_HOUR")),
            "MAIL_MAX_ATTEMPTS": int(get("MAIL_MAX_ATTEMPTS")),
            "MAIL_RETRY_SECONDS": int(get("MAIL_RETRY_SECONDS")),
            "NMBRS_TIMEOUT": float(get("NMBRS_TIMEOUT")),
            "NMBRS_CALL_DEADLINE": float(get("NMBRS_CALL_DEADLINE")),
            "NMBRS_MAX_REPLY_MB": float(get("NMBRS_MAX_REPLY_MB")),
            "NMBRS_PROBE_WORKERS": int(get("NMBRS_PROBE_WORKERS")),
            "VALIDATION_WORKERS": int(get("VALIDATION_WORKERS")),
            "NMBRS_VALIDATION_DEADLINE": float(get("NMBRS_VALIDATION_DEADLINE")),
            "SANDBOX_LATENCY": float(get("SANDBOX_LATENCY")),
            "SANDBOX_JITTER": float(get("SANDBOX_JITTER")),
            "SYNC_TIMEOUT": float(get("SYNC_TIMEOUT")),
            "OUTBOX_POLL_SECONDS": float(get("OUTBOX_POLL_SECONDS")),
            "OUTBOX_LEASE_SECONDS": int(get("OUTBOX_LEASE_SECONDS")),
            "CREDENTIAL_RETENTION_HOURS": float(get("CREDENTIAL_RETENTION_HOURS")),
            "SUPPORT_IDLE_MINUTES": float(get("SUPPORT_IDLE_MINUTES")),
            "SUPPORT_SESSION_HOURS": float(get("SUPPORT_SESSION_HOURS")),
            "SUPPORT_LOGIN_ATTEMPTS": int(get("SUPPORT_LOGIN_ATTEMPTS")),
            "SUPPORT_REFRESH_SECONDS": int(get("SUPPORT_REFRESH_SECONDS")),
            "STALLED_DAYS": float(get("STALLED_DAYS")),
            "EXPIRING_SOON_DAYS": float(get("EXPIRING_SOON_DAYS")),
            "REMINDER_DAYS": _day_list(get("REMINDER_DAYS")),
            "REMINDER_BEFORE_EXPIRY_DAYS": float(get("REMINDER_BEFORE_EXPIRY_DAYS")),
            "API_IDEMPOTENCY_HOURS": float(get("API_IDEMPOTENCY_HOURS")),
            "FAILED_HANDOFF_RETENTION_DAYS": float(get("FAILED_HANDOFF_RETENTION_DAYS")),
            "PERSONAL_DATA_RETENTION_DAYS": float(get("PERSONAL_DATA_RETENTION_DAYS")),
            "PROXY_HOPS": int(get("PROXY_HOPS")),
            "FIRST_SYNC_HOURS": int(get("FIRST_SYNC_HOURS")),
            "DELEGATION_LINK_DAYS": int(get("DELEGATION_LINK_DAYS")),
            "DELEGATION_EMAILS_PER_HOUR": int(get("DELEGATION_EMAILS_PER_HOUR")),
        }
    except ValueError as exc:
        raise ConfigurationError(f"A numeric WIZARD_ setting is not a number: {exc}") from exc
    # Periods: zero is allowed where it means "at once" (retention), never for a session.
    minimum = {"SESSION_LIFETIME_HOURS": 0.01, "FAILED_HANDOFF_RETENTION_DAYS": 0,
               "PERSONAL_DATA_RETENTION_DAYS": 0, "DEVICE_COOKIE_DAYS": 0.01,
               "DEVICE_CODE_MINUTES": 0.1, "DEVICE_CODE_ATTEMPTS": 1, "DEVICE_CODES_PER_HOUR": 1}
    out_of_range = [PREFIX + name for name, least in minimum.items() if not numbers[name] >= least]
    if out_of_range:
        raise ConfigurationError("These periods must be positive numbers: " + ", ".join(out_of_range))
    if numbers["PROXY_HOPS"] < 0:
        raise ConfigurationError("WIZARD_PROXY_HOPS must be 0 or more.")
    rate_limits = {name: raw[name] or (TESTING_RATE_LIMIT if env == "testing" else defaults[name])
                   for name in RATE_LIMIT_SETTINGS}

    config = {
        "WIZARD_ENV": env,
        "TESTING": env == "testing",
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secret_keys[0],
        "SECRET_KEYS": secret_keys,
        "ENCRYPTION_KEYS": encryption_keys,
        "SQLALCHEMY_DATABASE_URI": raw["DATABASE_URL"] or f"sqlite:///{instance / 'wizard.sqlite3'}",
        "PUBLIC_URL": get("PUBLIC_URL").rstrip("/"),
        "MAIL_BACKEND": mail_backend,
        "MAIL_FROM": get("MAIL_FROM"),
        "SMTP_HOST": get("SMTP_HOST"),
        "SMTP_SECURITY": smtp_security,
        "SMTP_USERNAME": get("SMTP_USERNAME"),
        "SMTP_PASSWORD": get("SMTP_PASSWORD"),
        "SMTP_CA_FILE": get("SMTP_CA_FILE") or None,
        "TERMS_VERSION": get("TERMS_VERSION"),
        "MAIL_OUTBOX_DIR": raw["MAIL_OUTBOX_DIR"] or str(instance / "outbox"),
        "SUPPORT_EMAIL": get("SUPPORT_EMAIL"),
        "SUPPORT_PHONE": get("SUPPORT_PHONE"),
        **{name: get(name) for name in ("PRODUCT_NAME", "COMPANY_NAME", "LOGO_URL", "PRIVACY_URL")},
        "NMBRS_SOAP_URL": raw["NMBRS_SOAP_URL"]
        or (NMBRS_PRODUCTION_SOAP_URL if production else SANDBOX_SOAP_URL),
        "LOG_LEVEL": get("LOG_LEVEL").upper(),
        "LOG_FORMAT": get("LOG_FORMAT"),
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_SUPPORTED_LOCALES": ["nl", "en"],
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "SESSION_COOKIE_NAME": PRODUCTION_SESSION_COOKIE if production else "session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_PATH": "/",
        "DEVICE_COOKIE_NAME": PRODUCTION_DEVICE_COOKIE if production else "device",
        "DEVICE_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # Brotli for browsers that take it, gzip otherwise; the 1,040-company page goes from
        # ~170 KB to ~12 KB. Pages hold no secret that stays the same across requests (the
        # CSRF token is re-signed with a timestamp), so BREACH has nothing to recover.
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "deflate"],  # static files are streamed
        "COMPRESS_BR_LEVEL": 5,
        "COMPRESS_MIN_SIZE": 1024,
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/javascript", "application/javascript",
                               "application/json", "image/svg+xml", "text/csv"],
        "RATELIMIT_STORAGE_URI": get("RATELIMIT_STORAGE_URI"),
        **rate_limits,
        **numbers,
        **sync,
        **consent,
        **support_login,
    }
    config.update(overrides)
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(config["SQLALCHEMY_DATABASE_URI"]))
    config["SECRET_KEY"] = config["SECRET_KEYS"][0]  # sessions and links sign with the same key
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config["SESSION_LIFETIME_HOURS"])
    unreadable = [PREFIX + name for name in RATE_LIMIT_SETTINGS if not _is_rate_limit(config[name])]
    if unreadable:
        raise ConfigurationError("These rate limits are not in Flask-Limiter notation (e.g. "
                                 "`5/minute;20/day`): " + ", ".join(unreadable))
    if production:
        problems = production_problems(config)
        if problems:
            raise ConfigurationError("Production refuses this configuration: " + "; ".join(problems))
    return config


def engine_options(database_url: str) -> dict:
    """SQLAlchemy's engine options for the database at ``database_url``."""
    # Statement parameters (contact emails, sealed credentials) never reach an error or a log.
    # A server's connection may have dropped since its last use, so the pool checks it first;
    # a SQLite file has no connection to lose (the check cost every request a statement).
    return {"pool_pre_ping": not database_url.startswith("sqlite"), "hide_parameters": True}


def production_problems(config: dict) -> list[str]:
    """What production refuses in an otherwise complete configuration, naming each setting."""
    problems = []
    for number, key in enumerate(config["SECRET_KEYS"], start=1):
        if len(key) < MIN_SECRET_KEY_LENGTH:
            problems.append(f"{PREFIX}SECRET_KEYS key {number} is shorter than "
                            f"{MIN_SECRET_KEY_LENGTH} characters")
        elif not key.isprintable() or any(char.isspace() for char in key):
            problems.append(f"{PREFIX}SECRET_KEYS key {number} holds spaces or control characters")
    for name in HTTPS_URLS:
        value = config.get(name)
        if value is None and name in OPTIONAL_URLS:
            continue  # not used (the redirect URI is then derived from PUBLIC_URL, checked there)
        parts = urlsplit(value or "")
        if parts.scheme != "https" or not parts.hostname:
            problems.append(f"{PREFIX}{name} must be an https:// URL with a host")
    return problems


def _consent_settings(raw: dict, overrides: dict, production: bool) -> dict:
    """"Inloggen met Nmbrs": Nmbrs' identity server and REST API, and our client there.

    Development and tests default to the sandbox's demo client (public values); production
    has no client unless configured, and then needs its secret and subscription key too.
    """
    def value(name: str) -> str | None:
        return overrides.get(name) if overrides.get(name) is not None else raw.get(name)

    if production:
        identity, rest = NMBRS_PRODUCTION_IDENTITY_URL, NMBRS_PRODUCTION_REST_URL
        client_id, secret, key = (value("NMBRS_OAUTH_CLIENT_ID"), value("NMBRS_OAUTH_CLIENT_SECRET"),
                                  value("NMBRS_SUBSCRIPTION_KEY"))
        if client_id:
            missing = [PREFIX + name for name, given in (("NMBRS_OAUTH_CLIENT_SECRET", secret),
                                                         ("NMBRS_SUBSCRIPTION_KEY", key)) if not given]
            if missing:
                raise ConfigurationError("WIZARD_NMBRS_OAUTH_CLIENT_ID is set, so production also "
                                         "needs: " + ", ".join(missing))
    else:
        from wizard.sandbox.demo_client import demo_client

        demo = demo_client()
        identity = rest = SANDBOX_BASE_URL
        client_id = value("NMBRS_OAUTH_CLIENT_ID") or demo.client_id
        secret = value("NMBRS_OAUTH_CLIENT_SECRET") or demo.client_secret
        key = value("NMBRS_SUBSCRIPTION_KEY") or demo.subscription_key
    identity = (value("NMBRS_IDENTITY_URL") or identity).rstrip("/")
    client_auth = value("NMBRS_OAUTH_CLIENT_AUTH") or "client_secret_basic"
    if client_auth not in OAUTH_CLIENT_AUTH:
        raise ConfigurationError(f"WIZARD_NMBRS_OAUTH_CLIENT_AUTH must be one of "
                                 f"{', '.join(OAUTH_CLIENT_AUTH)}.")
    pkce = str(value("NMBRS_OAUTH_PKCE") or "true").lower()
    if pkce not in ("true", "false"):
        raise ConfigurationError("WIZARD_NMBRS_OAUTH_PKCE must be true or false.")
    return {
        "NMBRS_IDENTITY_URL": identity,
        "NMBRS_OAUTH_AUTHORIZE_URL": value("NMBRS_OAUTH_AUTHORIZE_URL") or f"{identity}/connect/authorize",
        "NMBRS_OAUTH_TOKEN_URL": value("NMBRS_OAUTH_TOKEN_URL") or f"{identity}/connect/token",
        "NMBRS_OAUTH_REVOCATION_URL": (value("NMBRS_OAUTH_REVOCATION_URL")
                                       or f"{identity}/connect/revocation"),
        "NMBRS_OAUTH_CLIENT_ID": client_id or None,
        "NMBRS_OAUTH_CLIENT_SECRET": secret or None,
        "NMBRS_OAUTH_CLIENT_AUTH": client_auth,
        "NMBRS_OAUTH_PKCE": pkce == "true",
        "NMBRS_OAUTH_REDIRECT_URI": value("NMBRS_OAUTH_REDIRECT_URI") or None,
        "NMBRS_REST_URL": (value("NMBRS_REST_URL") or rest).rstrip("/"),
        "NMBRS_SUBSCRIPTION_KEY": key or None,
        "NMBRS_SUBSCRIPTION_KEY_REF": value("NMBRS_SUBSCRIPTION_KEY_REF") or "default",
    }


def _support_login_settings(raw: dict, overrides: dict) -> dict:
    """How support staff log in: password, single sign-on (OpenID Connect), or both."""
    def value(name: str) -> str | None:
        return overrides.get(name) if overrides.get(name) is not None else raw.get(name)

    discovery = value("SUPPORT_OIDC_DISCOVERY_URL") or None
    client_id, secret = value("SUPPORT_OIDC_CLIENT_ID"), value("SUPPORT_OIDC_CLIENT_SECRET")
    if discovery:
        missing = [PREFIX + name for name, given in (("SUPPORT_OIDC_CLIENT_ID", client_id),
                                                     ("SUPPORT_OIDC_CLIENT_SECRET", secret))
                   if not given]
        if missing:
            raise ConfigurationError("WIZARD_SUPPORT_OIDC_DISCOVERY_URL is set, so support's single "
                                     "sign-on also needs: " + ", ".join(missing))
    password_login = str(value("SUPPORT_PASSWORD_LOGIN") or "true").lower()
    if password_login not in ("true", "false"):
        raise ConfigurationError("WIZARD_SUPPORT_PASSWORD_LOGIN must be true or false.")
    if password_login == "false" and not discovery:
        raise ConfigurationError("WIZARD_SUPPORT_PASSWORD_LOGIN is false, so support needs single "
                                 "sign-on: set WIZARD_SUPPORT_OIDC_DISCOVERY_URL.")
    return {
        "SUPPORT_OIDC_DISCOVERY_URL": discovery,
        "SUPPORT_OIDC_CLIENT_ID": client_id if discovery else None,
        "SUPPORT_OIDC_CLIENT_SECRET": secret if discovery else None,
        "SUPPORT_OIDC_PROVIDER_NAME": value("SUPPORT_OIDC_PROVIDER_NAME") or "single sign-on",
        "SUPPORT_PASSWORD_LOGIN": password_login == "true",
    }


def _sync_settings(raw: dict, overrides: dict, instance: Path) -> dict:
    """Where and how hand-offs go; development generates a demo secret and key pair."""
    from wizard.handoff.keys import (
        KeyProblem, demo_key_pair, load_public_key_pem, new_webhook_secret, webhook_secrets)

    settings = {
        "SYNC_URL": overrides.get("SYNC_URL") or raw["SYNC_URL"] or DEMO_SYNC_URL,
        "SYNC_WEBHOOK_SECRET": overrides.get("SYNC_WEBHOOK_SECRET") or raw["SYNC_WEBHOOK_SECRET"]
        or _persisted_key(instance, DEMO_WEBHOOK_SECRET_FILE, new_webhook_secret),
    }
    public_key = overrides.get("SYNC_PUBLIC_KEY") or raw["SYNC_PUBLIC_KEY"]
    try:
        webhook_secrets(settings["SYNC_WEBHOOK_SECRET"])
        settings["SYNC_PUBLIC_KEY"] = (load_public_key_pem(public_key) if public_key
                                       else demo_key_pair(instance / DEMO_RECEIVER_KEY_FILE)[1])
    except KeyProblem as error:
        raise ConfigurationError(str(error)) from None
    return settings
