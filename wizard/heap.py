"""The garbage collector of a long-running web worker: what was made at start-up is left out.

``make bench`` measured Python's full collections in the wizard's workers at 80–220 ms each,
about one every 5 seconds per worker under load: every request in the worker waits while one
runs, which was most of the slowest 1 % of page times. Nearly all of what a full collection
walks is made once at start-up (modules, the app, its templates and translations) and lives
as long as the process, so after start-up it is moved out of the collector's sight
(``gc.freeze``); later collections walk only what requests made.
"""
from __future__ import annotations

import gc


def settle_startup_heap() -> int:
    """Collect what start-up threw away, then freeze the rest; how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
