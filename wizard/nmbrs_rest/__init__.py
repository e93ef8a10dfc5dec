"""Nmbrs REST connector: bearer token and subscription key in, plain data out, typed errors.

Public API (other packages import from here only)::

    NmbrsRestClient, rest_client, TokenSource, RestError, RestErrorKind, INCONCLUSIVE_KINDS,
    ScopeCheck, ConsentReport, probe_consent, read_reach, satisfies, OFFLINE_ACCESS
"""
from wizard.nmbrs_rest.client import NmbrsRestClient, TokenSource, rest_client
from wizard.nmbrs_rest.errors import INCONCLUSIVE_KINDS, RestError, RestErrorKind
from wizard.nmbrs_rest.probe import ConsentReport, ScopeCheck, probe_consent, read_reach
from wizard.nmbrs_rest.scopes import OFFLINE_ACCESS, satisfies

__all__ = [
    "ConsentReport", "INCONCLUSIVE_KINDS", "NmbrsRestClient", "OFFLINE_ACCESS", "RestError",
    "RestErrorKind", "ScopeCheck", "TokenSource", "probe_consent", "read_reach", "rest_client",
    "satisfies",
]
