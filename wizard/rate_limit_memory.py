"""Rate-limit counters in one process's memory, tidied once a second instead of 100 times.

The ``limits`` package's memory store removes expired hits on a timer that fires 10 ms after
any hit and walks every key it holds, each time in a new thread. Keys last as long as their
longest window (a day for most of the wizard's limits), so the walk grows with every client
of the day: ``make bench`` measured 36 ms for 20,000 moving-window keys, which at 100 walks a
second is more than a whole CPU held under the GIL while pages wait. The walk only frees
memory (a limit compares the hits' own times with its window whenever it is asked), so here
it runs at most once every ``TIDY_SECONDS``.
"""
from __future__ import annotations

import threading

from limits.storage import MemoryStorage

#: The scheme ``init_rate_limits`` uses for ``RATELIMIT_STORAGE_URI=memory://``.
SCHEME = "wizard-memory"
#: How often expired hits are removed: stale entries live at most this much longer.
TIDY_SECONDS = 1.0


class TidiedMemoryStorage(MemoryStorage):
    """``limits``' memory store with its expiry walk at most once every ``TIDY_SECONDS``."""

    STORAGE_SCHEME = [SCHEME]

    # The parent calls its private ``__schedule_expiry`` after every hit; this is that name.
    def _MemoryStorage__schedule_expiry(self) -> None:
        if not self.timer.is_alive():
            self.timer = threading.Timer(TIDY_SECONDS, self._MemoryStorage__expire_events)
            self.timer.daemon = True  # never keeps a stopping process waiting
            self.timer.start()
