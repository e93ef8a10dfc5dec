"""The in-memory rate-limit store: tidied once a second, counting exactly as ``limits`` does."""
from __future__ import annotations

import time

from limits import parse, strategies

from wizard.rate_limit_memory import TIDY_SECONDS, TidiedMemoryStorage
from wizard.rate_limits import EXTENSION_KEY


def _settled(storage: TidiedMemoryStorage) -> TidiedMemoryStorage:
    storage.timer.join()  # the first walk, which the parent schedules at start
    return storage


def test_the_app_counts_in_the_tidied_store_when_told_memory(app):
    assert isinstance(app.extensions[EXTENSION_KEY].storage, TidiedMemoryStorage)


def test_hits_schedule_one_tidy_walk_a_second_not_one_every_10_ms():
    storage = _settled(TidiedMemoryStorage())
    limiter = strategies.MovingWindowRateLimiter(storage)
    for number in range(200):
        limiter.hit(parse("1000/hour"), "onboarding", str(number))
    assert storage.timer.interval == TIDY_SECONDS
    assert storage.timer.daemon
    storage.timer.cancel()


def test_a_window_counts_by_the_hits_own_times_whatever_the_tidying():
    storage = _settled(TidiedMemoryStorage())
    limiter = strategies.MovingWindowRateLimiter(storage)
    limit = parse("2/second")
    assert limiter.hit(limit, "ip") and limiter.hit(limit, "ip")
    assert not limiter.hit(limit, "ip")
    time.sleep(1.05)  # the window has passed; no walk has run yet
    assert limiter.hit(limit, "ip")
    storage.timer.cancel()


def test_the_walk_frees_what_has_expired():
    storage = _settled(TidiedMemoryStorage())
    limiter = strategies.MovingWindowRateLimiter(storage)
    limiter.hit(parse("5/second"), "old")
    limiter.hit(parse("5/hour"), "recent")
    storage.timer.cancel()
    time.sleep(1.05)
    storage._MemoryStorage__expire_events()
    held = {key.split("/")[1]: len(hits) for key, hits in storage.events.items()}
    assert held == {"old": 0, "recent": 1}
