"""Nmbrs' identity server, as an OAuth 2 confidential client (authlib), outside the browser.

Two things Nmbrs needs that a stock client gets wrong (NMBRS.md §10):

- HTTP Basic client authentication must form-urlencode the id and the secret before
  joining them (RFC 6749 §2.3.1); our secrets contain ``*``, ``$``, ``+``, ``%``, and
  authlib's built-in ``client_secret_basic`` sends them raw (``invalid_client``).
- Refresh tokens rotate: a refresh must not re-send a scope (the grant may be narrower
  than first asked), and the new refresh token must be stored before it is used.

Every exchange is bounded like any other call to Nmbrs (``wizard.bounded_http``).
"""
from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from urllib.parse import quote_plus

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session

from wizard.bounded_http import fetch
from wizard.nmbrs_rest.errors import RestError, RestErrorKind

CONNECT_TIMEOUT = 5.0
MAX_REPLY_BYTES = 256 * 1024  # a token response is a few hundred bytes


def encode_rfc6749_basic(client, method, uri, headers, body):
    """``client_secret_basic`` as RFC 6749 §2.3.1 says: each part form-urlencoded, then joined."""
    text = f"{quote_plus(client.client_id)}:{quote_plus(client.client_secret or '')}"
    headers["Authorization"] = "Basic " + base64.b64encode(text.encode("utf-8")).decode("ascii")
    return uri, headers, body


#: Registered on every session: replaces authlib's raw ``client_secret_basic``.
CLIENT_AUTH_METHODS = [("client_secret_basic", encode_rfc6749_basic)]


class _Sender:
    """What ``bounded_http.fetch`` drives: one call of the session's own ``request``, over the
    session's own connection pools (which ``fetch`` watches)."""

    def __init__(self, session, request, **fixed):
        self.adapters = session.adapters
        self._request, self._fixed = request, fixed

    def request(self, method, url, **kwargs):
        return self._request(method, url, **self._fixed, **kwargs)


class BoundedOAuth2Session(OAuth2Session):
    """authlib's requests session whose every exchange has a deadline and a size limit.

    The deadline is authlib's ``default_timeout`` (seconds), 20 when none is given.
    """

    def request(self, method, url, withhold_token=False, auth=None, **kwargs):
        kwargs.pop("timeout", None)
        kwargs.pop("stream", None)
        seconds = float(self.default_timeout or 20.0)
        sender = _Sender(self, super().request, withhold_token=withhold_token, auth=auth)
        return fetch(sender, method, url, deadline=time.monotonic() + seconds,
                     max_bytes=MAX_REPLY_BYTES, timeout=(min(CONNECT_TIMEOUT, seconds), seconds),
                     **kwargs)


@dataclass(frozen=True)
class IdentityServer:
    """Our client at Nmbrs' identity server (from config). ``repr`` leaves the secret out."""

    token_url: str
    revocation_url: str
    client_id: str
    client_secret: str
    client_auth: str = "client_secret_basic"
    timeout: float = 20.0

    def __repr__(self) -> str:
        return f"IdentityServer({self.token_url!r}, client_id={self.client_id!r})"

    def session(self, **kwargs) -> BoundedOAuth2Session:
        session = BoundedOAuth2Session(client_id=self.client_id, client_secret=self.client_secret,
                                       token_endpoint_auth_method=self.client_auth,
                                       revocation_endpoint_auth_method=self.client_auth,
                                       default_timeout=self.timeout, **kwargs)
        for method in CLIENT_AUTH_METHODS:
            session.register_client_auth_method(method)
        return session


def token_failure(error: Exception) -> RestError:
    """What a failed token request means for us (authlib, requests and parsing errors)."""
    if isinstance(error, AuthlibBaseError):
        code = getattr(error, "error", None)
        if code == "invalid_grant":
            return RestError(RestErrorKind.CONSENT_REVOKED,
                             "the identity server refused the grant (invalid_grant)")
        if code in ("invalid_client", "unauthorized_client", "unsupported_grant_type"):
            return RestError(RestErrorKind.CONFIGURATION,
                             f"the identity server refused our client ({code})")
        return RestError(RestErrorKind.UNKNOWN, f"the identity server answered {code or 'an error'}")
    if isinstance(error, requests.Timeout):
        return RestError(RestErrorKind.TIMEOUT, "the identity server did not answer in time")
    if isinstance(error, requests.HTTPError):
        status = error.response.status_code if error.response is not None else None
        return RestError(RestErrorKind.UNREACHABLE,
                         f"the identity server answered HTTP {status}", status=status)
    if isinstance(error, requests.RequestException):
        return RestError(RestErrorKind.UNREACHABLE, "the identity server could not be reached")
    return RestError(RestErrorKind.MALFORMED_RESPONSE, "the identity server's answer was unreadable")


def refresh_grant(server: IdentityServer, refresh_token: str) -> dict:
    """Exchange a refresh token for new tokens (the old refresh token dies); ``RestError`` if not."""
    try:
        with server.session() as session:
            return dict(session.refresh_token(server.token_url, refresh_token=refresh_token))
    except (AuthlibBaseError, requests.RequestException, ValueError) as error:
        raise token_failure(error) from None


def revoke_grant(server: IdentityServer, refresh_token: str) -> bool:
    """Tell Nmbrs to end a grant (RFC 7009); True when it said so. Never raises."""
    try:
        with server.session() as session:
            response = session.revoke_token(server.revocation_url, refresh_token,
                                            token_type_hint="refresh_token")
        return response.status_code == 200
    except (AuthlibBaseError, requests.RequestException, ValueError):
        return False
