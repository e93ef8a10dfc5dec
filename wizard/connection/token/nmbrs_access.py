"""The one place that turns stored credentials and config into calls on the Nmbrs connector."""
from __future__ import annotations

from wizard.connection.token.credentials import TokenCredentials
from wizard.nmbrs import NmbrsCredentials, nmbrs_client


def connector_credentials(credentials: TokenCredentials) -> NmbrsCredentials:
    """The connector's credential object (its repr hides the token too)."""
    return NmbrsCredentials(credentials.username, credentials.token, credentials.domain or None)


def client():
    """The SOAP client aimed at the configured Nmbrs (production, sandbox or the emulator)."""
    return nmbrs_client()
