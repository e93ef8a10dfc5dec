"""Fixtures for the sandbox's REST-side tests: OAuth actions on the shared or a private sandbox."""
from __future__ import annotations

import pytest

from tests.conftest import NmbrsSandboxServer
from tests.support.oauth import OAuthActions


@pytest.fixture
def oauth(nmbrs_sandbox) -> OAuthActions:
    """Actions against the session's sandbox (for tests that change nothing shared)."""
    return OAuthActions(nmbrs_sandbox)


@pytest.fixture
def private_sandbox():
    """A sandbox of its own, for tests that move its clock, limit keys or revoke accounts."""
    server = NmbrsSandboxServer(threads=8).start()
    server.state.clock.wait_for_real = False
    yield server
    server.stop()


@pytest.fixture
def private_oauth(private_sandbox) -> OAuthActions:
    return OAuthActions(private_sandbox)
