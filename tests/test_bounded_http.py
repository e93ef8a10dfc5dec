"""Bounded exchanges: an overall deadline and a maximum reply size, over real sockets."""
import socket
import threading
import time

import pytest
import requests

from wizard.bounded_http import DeadlineExceeded, ReplyTooLarge, fetch


class RawServer:
    """A loopback server that answers each connection with ``behaviour(conn)``."""

    def __init__(self, behaviour):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.behaviour = behaviour
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        with conn:
            conn.recv(65536)
            try:
                self.behaviour(conn)
            except OSError:
                pass

    def close(self):
        self.sock.close()


def drip(conn):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(1000):
        conn.sendall(b"x")
        time.sleep(0.2)


def flood(conn):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n")
    for _ in range(2000):
        conn.sendall(b"y" * 65536)


def small(conn):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello")


@pytest.fixture
def server(request):
    server = RawServer(request.param)
    yield server
    server.close()


@pytest.mark.parametrize("server", [drip], indirect=True)
def test_a_dripping_server_is_cut_off_at_the_deadline(server):
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        fetch(requests.Session(), "GET", server.url, deadline=time.monotonic() + 1.0,
              max_bytes=10_000, timeout=(1, 0.5))
    assert time.monotonic() - started < 3  # each byte came within the read timeout


@pytest.mark.parametrize("server", [flood], indirect=True)
def test_an_oversized_reply_stops_being_read(server):
    with pytest.raises(ReplyTooLarge):
        fetch(requests.Session(), "GET", server.url, deadline=time.monotonic() + 10,
              max_bytes=1_000_000, timeout=(1, 5))


@pytest.mark.parametrize("server", [small], indirect=True)
def test_a_normal_reply_is_returned_whole(server):
    response = fetch(requests.Session(), "GET", server.url, deadline=time.monotonic() + 5,
                     max_bytes=100, timeout=(1, 5))
    assert response.status_code == 200 and response.content == b"hello"
    assert response.text == "hello"


def drip_headers(conn):
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(1000):
        conn.sendall(b"X-Slow: a\r\n")
        time.sleep(0.2)


@pytest.mark.parametrize("server", [drip_headers], indirect=True)
def test_a_server_dripping_its_headers_is_cut_off_at_the_deadline(server):
    # Each header line comes well within the read timeout: only the deadline can end this.
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        fetch(requests.Session(), "GET", server.url, deadline=time.monotonic() + 1.0,
              max_bytes=10_000, timeout=(1, 0.5))
    assert time.monotonic() - started < 3


def hello_then_drip_headers(conn):
    # Keeps the connection open: the second request on it gets its headers dripped.
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello")
    conn.recv(65536)
    drip_headers(conn)


@pytest.mark.parametrize("server", [hello_then_drip_headers], indirect=True)
def test_a_reused_connection_is_watched_too(server):
    session = requests.Session()
    response = fetch(session, "GET", server.url, deadline=time.monotonic() + 5, max_bytes=100,
                     timeout=(1, 5))
    assert response.content == b"hello"
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        fetch(session, "GET", server.url, deadline=time.monotonic() + 1.0, max_bytes=10_000,
              timeout=(1, 0.5))
    assert time.monotonic() - started < 3 and server.accepted == 1
