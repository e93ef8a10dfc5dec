"""REST-side scenarios of the sandbox, read from ``consent.toml``: consent accounts, OAuth
clients and subscription keys."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from wizard.sandbox.data import Environment
from wizard.sandbox.demo_client import CONSENT_FILE, DemoClient, parse_demo_client
from wizard.sandbox.scenarios import EnvironmentView, filter_positions, load_environments
from wizard.sandbox.scopes import unknown_scopes

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


@dataclass(frozen=True, eq=False, kw_only=True)
class ConsentAccount(EnvironmentView):
    """A Nmbrs user who can log in at the identity server and approve an app."""

    scenario: str
    username: str
    password: str
    name: str
    description: str
    language: str = "nl"
    unticked: frozenset[str] = frozenset()
    latency: float = 0.0
    withdraws_consent: bool = False

    def public(self) -> dict:
        """What ``flask sandbox logins --json`` prints."""
        return {"scenario": self.scenario, "username": self.username, "password": self.password,
                "domain": self.domain, "description": self.description}


@dataclass(frozen=True)
class OAuthClient:
    """An app registered at the identity server."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    name: str
    require_pkce: bool = False

    def accepts_redirect(self, uri: str) -> bool:
        """Exact match, but a registered loopback URI matches any port (RFC 8252 §7.3)."""
        if uri in self.redirect_uris:
            return True
        asked = urlsplit(uri)
        try:
            asked.port
        except ValueError:
            return False
        if (asked.scheme != "http" or asked.hostname is None or asked.fragment
                or asked.username is not None):
            return False
        host = f"[{asked.hostname}]" if ":" in asked.hostname else asked.hostname
        for registered in map(urlsplit, self.redirect_uris):
            if (registered.scheme == "http" and registered.netloc in LOOPBACK_HOSTS
                    and host == registered.netloc and asked.path == registered.path
                    and asked.query == registered.query):
                return True
        return False


@dataclass(frozen=True)
class SubscriptionKey:
    """A key of the API gateway (developer.nmbrs.com products) and its plan's limits."""

    key: str
    description: str
    calls_per_minute: int = 0
    calls_left: int | None = None


@dataclass
class ConsentSetup:
    """Everything ``consent.toml`` declares."""

    accounts: list[ConsentAccount]
    clients: list[OAuthClient]
    subscription_keys: list[SubscriptionKey]
    demo: DemoClient
    by_username: dict[str, ConsentAccount] = field(init=False)

    def __post_init__(self) -> None:
        self.by_username = {account.username.lower(): account for account in self.accounts}

    def account(self, scenario: str) -> ConsentAccount:
        return next(account for account in self.accounts if account.scenario == scenario)


def load_consent_setup(path: Path = CONSENT_FILE,
                       environments: dict[str, Environment] | None = None) -> ConsentSetup:
    """Accounts, clients and keys; environments are generated from ``logins.toml`` unless given."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    if environments is None:
        environments = load_environments()
    accounts = [ConsentAccount(
        scenario=entry["scenario"], username=entry["username"], password=entry["password"],
        name=entry["name"], description=entry["description"],
        language=entry.get("language", "nl"), environment=environments[entry["environment"]],
        unticked=frozenset(entry.get("unticked", ())), latency=float(entry.get("latency", 0)),
        withdraws_consent=bool(entry.get("withdraws_consent", False)), **filter_positions(entry))
        for entry in data["accounts"]]
    for account in accounts:
        if unknown_scopes(account.unticked):
            raise ValueError(f"{path.name}: {account.scenario} unticks unknown scopes")
    for names in ([a.scenario for a in accounts], [a.username.lower() for a in accounts]):
        if len(names) != len(set(names)):
            raise ValueError(f"{path.name}: an account scenario or username is used twice")
    clients = [OAuthClient(entry["client_id"], entry["client_secret"],
                           tuple(entry["redirect_uris"]), entry["name"],
                           bool(entry.get("require_pkce", False)))
               for entry in data["clients"]]
    keys = [SubscriptionKey(entry["key"], entry["description"],
                            int(entry.get("calls_per_minute", 0)), entry.get("calls_left"))
            for entry in data["subscription_keys"]]
    return ConsentSetup(accounts, clients, keys, parse_demo_client(data))
