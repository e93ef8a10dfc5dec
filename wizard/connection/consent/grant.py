"""The consent's tokens: kept only in the vault, refreshed one at a time per onboarding.

Nmbrs rotates refresh tokens: every refresh returns a new one and kills the old one,
and of two refreshes with the same token one fails. So a refresh here holds a lock
for its onboarding (a process lock, and the credential row locked in the database,
so other processes wait too), looks whether someone else refreshed meanwhile, and
stores the new refresh token (committed) before the new access token is used.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

from flask import current_app
from sqlalchemy import select, update

from wizard.connection.consent.settings import identity_server
from wizard.extensions import db
from wizard.models import Actor, Credential, Onboarding, record_event
from wizard.models.base import utcnow
from wizard.nmbrs_rest import OFFLINE_ACCESS, RestError, RestErrorKind
from wizard.nmbrs_rest.identity import refresh_grant, revoke_grant

log = logging.getLogger("wizard.consent")

OAUTH = "oauth"
#: Refresh this long before the access token expires, so no call meets an expired token.
EXPIRY_MARGIN = 120
# Steps whose answers depend on which consent was given; new tokens reopen them.
DEPENDENT_STEPS = ("validation", "entities")

_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)
_locks_guard = threading.Lock()


def _lock_for(onboarding_id: int) -> threading.Lock:
    with _locks_guard:
        return _locks[onboarding_id]


def _secret(token: dict) -> dict:
    """What the vault keeps of a token response."""
    expires_in = token.get("expires_in")
    expires_at = token.get("expires_at") or (int(time.time()) + int(expires_in or 3600))
    return {"access_token": token["access_token"], "refresh_token": token.get("refresh_token"),
            "token_type": token.get("token_type") or "Bearer", "scope": token.get("scope") or "",
            "access_token_expires_at": int(expires_at)}


def stored_grant(onboarding: Onboarding) -> dict | None:
    """The consent's tokens as stored (None when there are none, or they were purged)."""
    credential = onboarding.credential
    if credential is None or credential.method != OAUTH or not credential.secret:
        return None
    return credential.secret


def granted_scopes(onboarding: Onboarding) -> set[str]:
    grant = stored_grant(onboarding)
    return set((grant or {}).get("scope", "").split())


def store_grant(onboarding: Onboarding, token: dict) -> str | None:
    """Keep a new consent's tokens (encrypted) and reopen what depends on them; not committed.

    Returns the refresh token of the consent this one replaces (to revoke), if any.
    """
    if not token.get("access_token"):
        raise ValueError("a token response without an access token")
    secret = _secret(token)
    credential = onboarding.credential
    replaced = stored_grant(onboarding)
    if credential is None:
        credential = Credential(onboarding=onboarding, method=OAUTH)
        db.session.add(credential)
    credential.method = OAUTH
    credential.secret = secret
    credential.purged_at = None
    scopes = sorted(secret["scope"].split())
    onboarding.answers.record("credentials", scopes=scopes)
    onboarding.answers.forget(*DEPENDENT_STEPS)
    record_event(onboarding, Actor.CLIENT, "credentials.stored", method=OAUTH, scopes=scopes,
                 offline=bool(secret["refresh_token"]) and OFFLINE_ACCESS in scopes,
                 replaced=replaced is not None)
    return (replaced or {}).get("refresh_token")


def remember_consenting_user(onboarding: Onboarding, user: dict | None) -> None:
    """Note who consented (from ``/api/user/info``) beside the granted scopes; not committed."""
    login = onboarding.answers.login
    if login is None or not user:
        return
    if (login.username, login.name) != (user.get("email"), user.get("name")):
        onboarding.answers.update("credentials", username=user.get("email"), name=user.get("name"))


def _lock_row(credential_id: int) -> None:
    """Lock the credential row until commit; on SQLite, take the database's write lock."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Credential.id).where(Credential.id == credential_id)
                           .with_for_update())
    else:
        db.session.execute(update(Credential).where(Credential.id == credential_id)
                           .values(updated_at=utcnow()).execution_options(synchronize_session=False))


def refresh_access(onboarding: Onboarding, *, seen_refresh_token: str) -> str:
    """A new access token, refreshing the grant unless another caller just did. Commits.

    ``seen_refresh_token`` is the refresh token the caller last knew; when the stored one
    differs, someone else rotated it and their access token is returned. Raises
    ``RestError`` (``CONSENT_REVOKED`` when Nmbrs refuses the grant).
    """
    credential = onboarding.credential
    with _lock_for(onboarding.id):
        db.session.commit()  # start clean: the lock below must be taken in its own transaction
        _lock_row(credential.id)
        db.session.refresh(credential)
        secret = credential.secret or {}
        if not secret.get("refresh_token"):
            db.session.rollback()
            raise RestError(RestErrorKind.CONSENT_REVOKED, "no refresh token is stored")
        if secret["refresh_token"] != seen_refresh_token:
            db.session.commit()
            return secret["access_token"]
        try:
            token = refresh_grant(identity_server(), seen_refresh_token)
        except RestError:
            db.session.rollback()
            raise
        credential.secret = {**_secret(token), "scope": token.get("scope") or secret.get("scope", "")}
        db.session.commit()  # the new refresh token is safe before anyone uses the access token
        log.info("consent of onboarding %s refreshed", onboarding.public_id)
        return credential.secret["access_token"]


class GrantTokens:
    """The ``TokenSource`` of one run: the stored access token, renewed at most once.

    ``current`` is called from the run's worker threads; ``renew`` refreshes through
    ``refresh_access`` in an app context of its own, once for all threads.
    """

    def __init__(self, onboarding: Onboarding):
        self._app = current_app._get_current_object()
        self._onboarding_id = onboarding.id
        grant = stored_grant(onboarding) or {}
        self._access = grant.get("access_token", "")
        self._refresh = grant.get("refresh_token") or ""
        self._lock = threading.Lock()
        self._renewed = False
        self._failure: RestError | None = None

    def current(self) -> str:
        return self._access

    def renew(self) -> str:
        with self._lock:
            if self._failure is not None:
                raise self._failure
            if not self._renewed:
                self._renewed = True
                try:
                    with self._app.app_context():
                        onboarding = db.session.get(Onboarding, self._onboarding_id)
                        self._access = refresh_access(onboarding,
                                                      seen_refresh_token=self._refresh)
                except RestError as error:
                    self._failure = error
                    raise
            return self._access


def ensure_fresh(onboarding: Onboarding) -> None:
    """Refresh now if the access token expires soon (before a run fans out). Commits if so."""
    grant = stored_grant(onboarding)
    if grant and grant.get("access_token_expires_at", 0) - time.time() < EXPIRY_MARGIN:
        refresh_access(onboarding, seen_refresh_token=grant.get("refresh_token") or "")


def revoke_at_nmbrs(refresh_token: str | None) -> bool:
    """End a grant at Nmbrs (best effort; the wizard no longer uses it)."""
    if not refresh_token:
        return False
    revoked = revoke_grant(identity_server(), refresh_token)
    if not revoked:
        log.warning("could not revoke a replaced or withdrawn consent at Nmbrs")
    return revoked
