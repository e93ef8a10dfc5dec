"""Fixtures for the connector tests: a client aimed at the sandbox, and a scripted fake server."""
from __future__ import annotations

import time

import pytest

from tests.support.servers import ThreadedServer
from wizard.nmbrs import NmbrsClient


@pytest.fixture(scope="session")
def nmbrs(nmbrs_sandbox):
    """A client for the running sandbox (short timeouts, quick retries)."""
    client = NmbrsClient(nmbrs_sandbox.soap_url, timeout=5, backoff=0.01)
    yield client
    client.close()


class ScriptedServer:
    """Answers every request with the status, content type and body set on it."""

    def __init__(self):
        self.status = "200 OK"
        self.content_type = "text/xml; charset=utf-8"
        self.body = b""
        self.delay = 0.0
        self.http = ThreadedServer(self).start()
        self.url = f"{self.http.url}/soap/v3/"

    def respond(self, body: bytes | str, status: str = "200 OK",
                content_type: str = "text/xml; charset=utf-8", delay: float = 0.0):
        self.body = body.encode() if isinstance(body, str) else body
        self.status, self.content_type, self.delay = status, content_type, delay

    def __call__(self, environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if self.delay:
            time.sleep(self.delay)
        start_response(self.status, [("Content-Type", self.content_type),
                                     ("Content-Length", str(len(self.body)))])
        return [self.body]

    def stop(self):
        self.http.stop()


@pytest.fixture(scope="module")
def scripted_server():
    server = ScriptedServer()
    yield server
    server.stop()


@pytest.fixture
def fresh_sandbox():
    """A sandbox of its own, for tests that depend on the emulator's memory being empty."""
    from tests.conftest import NmbrsSandboxServer

    server = NmbrsSandboxServer(threads=8).start()
    yield server
    server.stop()
