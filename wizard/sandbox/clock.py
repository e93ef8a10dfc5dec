"""Time as the sandbox's identity server and API gateway see it.

Tests move it forward instead of sleeping: codes and access tokens expire, throttling
windows pass, and the ``slow`` account's delay is recorded rather than waited out.
"""
from __future__ import annotations

import threading
import time


class Clock:
    """Wall-clock seconds plus an offset that tests may advance."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()
        self.waits: list[float] = []
        self.wait_for_real = True

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Jump ``seconds`` into the future (tests: expire a code or token at once)."""
        with self._lock:
            self._offset += seconds

    def wait(self, seconds: float) -> None:
        """Delay a response; with ``wait_for_real = False`` the delay only moves the clock."""
        if seconds <= 0:
            return
        with self._lock:
            self.waits.append(seconds)
        if self.wait_for_real:
            time.sleep(seconds)
        else:
            self.advance(seconds)
