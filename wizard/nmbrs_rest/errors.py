"""Typed outcomes for everything that can go wrong talking to the Nmbrs REST API.

Nmbrs answers errors with a JSON body (``type``, ``httpStatus``, ``code``, ``title``,
``detail``, ``invalid-params``; NMBRS.md §11); gateways in front of it may answer
with HTML or their own JSON. Every failure becomes a ``RestError`` with a ``kind``
that drives what the client is told. No message built here carries a token.
"""
from __future__ import annotations

from enum import Enum


class RestErrorKind(str, Enum):
    """Why a REST call failed; values line up with the SOAP connector's kinds where they mean
    the same, so the advice to the client is shared."""

    CONSENT_REVOKED = "consent_revoked"      # 401 40102 even after a refresh; invalid_grant
    NOT_ENABLED = "not_enabled"              # the consent lacks the scope (403 40303 for it)
    NO_ACCESS = "no_access"                  # 403 40303/40305: the login's filter hides the data
    NO_SUBSCRIPTION = "no_subscription"      # 403 40304: the environment is switched off
    MULTIPLE_DEBTORS = "multiple_debtors"    # 403 40306: walk the debtors instead
    NOT_FOUND = "not_found"                  # 404 40401/40404
    INVALID_REQUEST = "invalid_request"      # 400 40033: a bug on our side
    CONFIGURATION = "configuration"          # the gateway refused our subscription key
    THROTTLED = "throttled"                  # 429 42908: retry after a pause
    QUOTA = "quota"                          # 429 42909: the plan's volume is used up
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"              # connection refused, 5xx, gateway pages
    MALFORMED_RESPONSE = "malformed_response"  # not JSON, or not Nmbrs' envelope
    UNKNOWN = "unknown"


#: Nmbrs error codes (NMBRS.md §11) and what they mean for us.
CODE_KINDS = {
    40101: RestErrorKind.CONSENT_REVOKED,
    40102: RestErrorKind.CONSENT_REVOKED,
    40303: RestErrorKind.NO_ACCESS,
    40304: RestErrorKind.NO_SUBSCRIPTION,
    40305: RestErrorKind.NO_ACCESS,
    40306: RestErrorKind.MULTIPLE_DEBTORS,
    40401: RestErrorKind.NOT_FOUND,
    40404: RestErrorKind.NOT_FOUND,
    40033: RestErrorKind.INVALID_REQUEST,
    42908: RestErrorKind.THROTTLED,
    42909: RestErrorKind.QUOTA,
    50001: RestErrorKind.UNREACHABLE,
    50201: RestErrorKind.UNREACHABLE,
    50301: RestErrorKind.UNREACHABLE,
}

#: A call that failed this way says nothing about the consent: the check could not be made.
INCONCLUSIVE_KINDS = frozenset({RestErrorKind.TIMEOUT, RestErrorKind.UNREACHABLE,
                                RestErrorKind.MALFORMED_RESPONSE, RestErrorKind.THROTTLED,
                                RestErrorKind.QUOTA, RestErrorKind.CONFIGURATION,
                                RestErrorKind.INVALID_REQUEST, RestErrorKind.UNKNOWN})


class RestError(Exception):
    """A failed REST call: ``kind`` for decisions, Nmbrs' ``code`` and HTTP ``status`` when known."""

    def __init__(self, kind: RestErrorKind, message: str, *, status: int | None = None,
                 code: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.code = code
        self.retry_after = retry_after


def classify(status: int, body) -> tuple[RestErrorKind, int | None]:
    """Map an error answer to (kind, Nmbrs code): Nmbrs' JSON code first, then the status."""
    code = body.get("code") if isinstance(body, dict) else None
    code = code if isinstance(code, int) else None
    if code in CODE_KINDS:
        return CODE_KINDS[code], code
    if status == 401:
        # Nmbrs' own 401s carry a code; the API gateway's (bad subscription key) do not.
        gateway = isinstance(body, dict) and "statusCode" in body
        return (RestErrorKind.CONFIGURATION if gateway else RestErrorKind.CONSENT_REVOKED), code
    if status == 403:
        return RestErrorKind.NO_ACCESS, code
    if status == 404:
        return RestErrorKind.NOT_FOUND, code
    if status == 429:
        return RestErrorKind.THROTTLED, code
    if status >= 500:
        return RestErrorKind.UNREACHABLE, code
    return RestErrorKind.UNKNOWN, code
