"""Rate-limit tests: each test lowers the limits it proves (``@lowered(...)``), a Redis for some."""
from __future__ import annotations

import pytest

from tests.support.redis import TemporaryRedis


def lowered(**limits: str):
    """Give this test's app these rate limits (setting name without ``WIZARD_``: value)."""
    def mark(test):
        test.rate_limits = limits
        return test
    return mark


@pytest.fixture
def app_config(app_config, request):
    return {**app_config, **getattr(request.function, "rate_limits", {})}


@pytest.fixture(scope="session")
def redis_server():
    """One throw-away redis-server for the session. Missing binary: fail, never skip."""
    try:
        server = TemporaryRedis.start()
    except RuntimeError as error:
        pytest.fail(str(error))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """The shared server, emptied: counts of one test never reach another."""
    with redis_server.client() as client:
        client.flushall()
    return redis_server.url
