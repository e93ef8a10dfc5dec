"""The API gateway in front of the sandbox's REST API: subscription keys and their plans' limits.

Nmbrs hands out ``X-Subscription-Key`` per developer-portal product (NMBRS.md §9); a plan may
limit calls per minute (429 ``42908``, retry later) or in volume (429 ``42909``, do not retry).
The limits of real plans are not documented: here they are per key, set in ``consent.toml`` or
at runtime with ``Gateway.limit``.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from wizard.sandbox.clock import Clock
from wizard.sandbox.consent_accounts import SubscriptionKey

WINDOW_SECONDS = 60


class Throttled(Exception):
    """A call the key's plan does not allow now (``retry_after`` seconds) or at all (None)."""

    def __init__(self, code: int, retry_after: int | None):
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after


@dataclass
class _Plan:
    calls_per_minute: int
    calls_left: int | None
    window_start: float = 0.0
    calls_in_window: int = 0


class Gateway:
    """Knows the subscription keys and counts each key's calls on the sandbox clock."""

    def __init__(self, keys: list[SubscriptionKey], clock: Clock):
        self.clock = clock
        self._plans = {key.key: _Plan(key.calls_per_minute, key.calls_left) for key in keys}
        self._lock = threading.Lock()

    def knows(self, key: str) -> bool:
        return key in self._plans

    def limit(self, key: str, calls_per_minute: int | None = None,
              calls_left: int | None = None) -> None:
        """Change a key's plan at runtime (tests; 0 calls per minute = unlimited)."""
        with self._lock:
            plan = self._plans.setdefault(key, _Plan(0, None))
            if calls_per_minute is not None:
                plan.calls_per_minute = calls_per_minute
            plan.calls_left = calls_left

    def admit(self, key: str) -> None:
        """Count one call of ``key``, or raise ``Throttled``."""
        now = self.clock.now()
        with self._lock:
            plan = self._plans[key]
            if plan.calls_left is not None and plan.calls_left <= 0:
                raise Throttled(42909, None)
            if plan.calls_per_minute:
                if now - plan.window_start >= WINDOW_SECONDS:
                    plan.window_start, plan.calls_in_window = now, 0
                if plan.calls_in_window >= plan.calls_per_minute:
                    raise Throttled(42908, max(1, math.ceil(plan.window_start + WINDOW_SECONDS
                                                            - now)))
                plan.calls_in_window += 1
            if plan.calls_left is not None:
                plan.calls_left -= 1
