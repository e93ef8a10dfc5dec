"""The sandbox's demo OAuth client and subscription key: the wizard's development defaults.

Standard library only, so that ``wizard.config`` may import it at module level::

    from wizard.sandbox.demo_client import demo_client
    demo_client().client_id, demo_client().client_secret, demo_client().subscription_key
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONSENT_FILE = Path(__file__).resolve().parent / "consent.toml"


@dataclass(frozen=True)
class DemoClient:
    """The demo client registered at the sandbox's identity server (public demo values)."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    subscription_key: str


def parse_demo_client(data: dict) -> DemoClient:
    """The client and subscription key marked ``demo = true`` in parsed ``consent.toml``."""
    client = next(entry for entry in data["clients"] if entry.get("demo"))
    key = next(entry["key"] for entry in data["subscription_keys"] if entry.get("demo"))
    return DemoClient(client["client_id"], client["client_secret"],
                      tuple(client["redirect_uris"]), key)


@cache
def demo_client() -> DemoClient:
    """The sandbox's demo OAuth client and subscription key, read once from ``consent.toml``."""
    return parse_demo_client(tomllib.loads(CONSENT_FILE.read_text(encoding="utf-8")))
