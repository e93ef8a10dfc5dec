"""Nmbrs SOAP v3 connector: credentials in, plain data out, typed faults.

Public API (other packages import from here only)::

    NmbrsCredentials, FaultKind, NmbrsError, OperationStatus, Debtor, Company,
    ProfileOperation, Profile, load_profile, available_profiles, DEFAULT_PROFILE,
    OperationCheck, ProbeReport, KnownEnvironment, discover_domain, probe_permissions,
    list_entities, nmbrs_client, NmbrsClient
"""
from wizard.nmbrs.client import NmbrsClient, nmbrs_client
from wizard.nmbrs.contract import SOAP_END_OF_SUPPORT
from wizard.nmbrs.credentials import NmbrsCredentials
from wizard.nmbrs.entities import Company, Debtor, discover_domain, list_entities
from wizard.nmbrs.errors import FaultKind, NmbrsError
from wizard.nmbrs.probe import (KnownEnvironment, OperationCheck, OperationStatus, ProbeReport,
                                probe_permissions)
from wizard.nmbrs.profiles import (
    DEFAULT_PROFILE,
    Profile,
    ProfileError,
    ProfileOperation,
    available_profiles,
    load_profile,
)

__all__ = [
    "Company", "DEFAULT_PROFILE", "Debtor", "FaultKind", "KnownEnvironment", "NmbrsClient",
    "NmbrsCredentials",
    "NmbrsError", "OperationCheck", "OperationStatus", "ProbeReport", "Profile", "ProfileError",
    "ProfileOperation", "SOAP_END_OF_SUPPORT", "available_profiles", "discover_domain", "list_entities",
    "load_profile", "nmbrs_client", "probe_permissions",
]
