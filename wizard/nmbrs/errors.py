"""Typed outcomes for everything that can go wrong talking to Nmbrs.

Nmbrs reports errors as plain ASMX SOAP faults whose text carries the Nmbrs
code after the inner-exception arrow: ``... ---> 1002: Unauthorized access``.
Transport trouble (timeouts, refused connections, HTML error pages) and
answers that are not a whole SOAP envelope of the expected shape (cut off,
too large, something else) get their own kinds: they mean "could not be
checked", never "not allowed". No message built here ever contains the API
token or anything from a reply's data.
"""
from __future__ import annotations

import re
from enum import Enum

import requests
from lxml import etree
from zeep import exceptions as zeep_exceptions

from wizard.bounded_http import ReplyTooLarge

CODE_PATTERN = re.compile(r"--->\s*(\d{4,5})\s*:")
INVALID_COMBINATION = "invalid combination"


class FaultKind(str, Enum):
    """What kind of failure a call ended in; drives what we tell the user."""

    BAD_CREDENTIALS = "bad_credentials"
    NOT_ENABLED = "not_enabled"
    NO_ACCESS = "no_access"
    NO_SUBSCRIPTION = "no_subscription"
    LOGIN_SECURITY = "login_security"
    UNKNOWN = "unknown"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    MALFORMED_RESPONSE = "malformed_response"
    TRUNCATED = "truncated"
    TOO_LARGE = "too_large"


CODE_KINDS = {
    1001: FaultKind.BAD_CREDENTIALS,
    2043: FaultKind.BAD_CREDENTIALS,  # invalid domain: the login must be re-entered too
    1002: FaultKind.NOT_ENABLED,
    1003: FaultKind.NO_ACCESS,
    2003: FaultKind.NO_ACCESS,
    2004: FaultKind.NO_ACCESS,
    2009: FaultKind.NO_ACCESS,
    2046: FaultKind.NO_ACCESS,  # "not found": the id is not one this login can read
    1004: FaultKind.NO_SUBSCRIPTION,
    1006: FaultKind.LOGIN_SECURITY,
    9999: FaultKind.UNKNOWN,
}

# Worth one more try: Nmbrs says 1006 usually passes on retry; gateways and networks hiccup.
TRANSIENT_KINDS = frozenset({FaultKind.LOGIN_SECURITY, FaultKind.UNREACHABLE, FaultKind.TRUNCATED})
#: Nmbrs could not be asked, or its answer could not be read: says nothing about rights.
INCONCLUSIVE_KINDS = frozenset({FaultKind.UNKNOWN, FaultKind.TIMEOUT, FaultKind.UNREACHABLE,
                                FaultKind.MALFORMED_RESPONSE, FaultKind.TRUNCATED,
                                FaultKind.TOO_LARGE, FaultKind.LOGIN_SECURITY})


class NmbrsError(Exception):
    """A failed Nmbrs call: ``kind`` for decisions, ``code`` when Nmbrs gave one."""

    def __init__(self, kind: FaultKind, message: str, *, code: int | None = None,
                 operation: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.operation = operation

    @property
    def transient(self) -> bool:
        """Whether repeating the same call may well succeed."""
        return self.kind in TRANSIENT_KINDS


class UnusableReply(Exception):
    """An HTTP answer that is not a usable SOAP reply; ``reason`` names its shape, never its data."""

    def __init__(self, kind: FaultKind, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def _redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


def classify_fault(faultstring: str) -> tuple[FaultKind, int | None]:
    """Map a SOAP faultstring to (kind, Nmbrs code)."""
    if INVALID_COMBINATION in faultstring.lower():
        return FaultKind.BAD_CREDENTIALS, None
    match = CODE_PATTERN.search(faultstring)
    if not match:
        return FaultKind.UNKNOWN, None
    code = int(match.group(1))
    return CODE_KINDS.get(code, FaultKind.UNKNOWN), code


def translate(exc: BaseException, operation: str, token: str | None) -> NmbrsError:
    """Turn whatever zeep or requests raised into an ``NmbrsError`` (token scrubbed)."""
    if isinstance(exc, zeep_exceptions.Fault):
        text = str(exc.message or "")
        kind, code = classify_fault(text)
        summary = CODE_PATTERN.split(text, maxsplit=1)[-1].strip() if code else text.strip()
        message = f"Nmbrs refused {operation}: {code or '-'} {summary}"[:300]
        return NmbrsError(kind, _redact(message, token), code=code, operation=operation)
    if isinstance(exc, UnusableReply):
        return NmbrsError(exc.kind, f"Nmbrs' answer to {operation} {exc.reason}",
                          operation=operation)
    if isinstance(exc, ReplyTooLarge):
        return NmbrsError(FaultKind.TOO_LARGE, f"Nmbrs' answer to {operation} was larger than "
                          "allowed; it was not read", operation=operation)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return NmbrsError(FaultKind.TRUNCATED, f"Nmbrs' answer to {operation} broke off",
                          operation=operation)
    if isinstance(exc, requests.Timeout):
        return NmbrsError(FaultKind.TIMEOUT, f"Nmbrs did not answer {operation} in time",
                          operation=operation)
    if isinstance(exc, requests.ConnectionError):
        return NmbrsError(FaultKind.UNREACHABLE, f"Nmbrs could not be reached for {operation}",
                          operation=operation)
    if isinstance(exc, zeep_exceptions.TransportError):
        status = exc.status_code
        if status and status != 200:
            return NmbrsError(FaultKind.UNREACHABLE,
                              f"Nmbrs answered {operation} with HTTP {status}", operation=operation)
        return NmbrsError(FaultKind.MALFORMED_RESPONSE,
                          f"Nmbrs answered {operation} with something that is not SOAP",
                          operation=operation)
    if isinstance(exc, (zeep_exceptions.Error, etree.LxmlError, ValueError)):
        # ValueError: zeep turning a malformed value ("abc" for an int) into Python.
        return NmbrsError(FaultKind.MALFORMED_RESPONSE,
                          f"Nmbrs' answer to {operation} could not be read "
                          f"({type(exc).__name__})", operation=operation)
    if isinstance(exc, requests.RequestException):
        return NmbrsError(FaultKind.UNREACHABLE, f"Nmbrs could not be reached for {operation} "
                          f"({type(exc).__name__})", operation=operation)
    raise exc
