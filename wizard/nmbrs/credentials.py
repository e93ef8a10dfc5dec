"""The API login the connector calls Nmbrs with."""
from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class NmbrsCredentials:
    """An Nmbrs API user: login e-mail, API token and (once known) the environment subdomain.

    ``repr``/``str`` leave the token out, so a credentials object can be logged.
    """

    username: str
    token: str = field(repr=False)
    domain: str | None = None

    def with_domain(self, domain: str | None) -> "NmbrsCredentials":
        """The same login with ``domain`` filled in (after discovery)."""
        return replace(self, domain=domain)
