"""HTTP exchanges with a third party that end on time and never read more than allowed.

A read timeout bounds each wait on the socket, not the exchange: a server that
drips one byte just inside the timeout can hold a call for minutes, and one that
sends 60 MB fills the memory. ``fetch`` gives every exchange an overall deadline
(connect, headers and body) and a maximum reply size, reading the body as a
stream and stopping as soon as either limit is passed.

The deadline is kept by a watchdog that shuts the exchange's socket down, which
wakes a read blocked on a dripping server. So that the watchdog has the socket
before any response exists (a server dripping its status line and headers, or a
TLS handshake), ``fetch`` makes the session's connection pools hand every socket
they open or reuse to the exchange running in the same thread (once per session;
connections through an HTTP proxy are bounded per read only).
"""
from __future__ import annotations

import socket
import threading
import time

import requests
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

#: Bytes read per step while streaming a reply.
CHUNK = 64 * 1024


class ReplyTooLarge(requests.RequestException):
    """The reply was longer than the caller allows; it was not read to the end."""


class DeadlineExceeded(requests.Timeout):
    """The exchange did not finish before its deadline."""


def remaining(deadline: float | None) -> float | None:
    """Seconds left until ``deadline`` (a ``time.monotonic()`` value), or None without one."""
    return None if deadline is None else deadline - time.monotonic()


def fetch(session: requests.Session, method: str, url: str, *, deadline: float | None,
          max_bytes: int, timeout: tuple[float, float], **kwargs) -> requests.Response:
    """Like ``session.request``, but finished by ``deadline`` with at most ``max_bytes`` read.

    Returns the response with ``content`` loaded. Raises ``DeadlineExceeded`` (a
    ``requests.Timeout``) or ``ReplyTooLarge`` (a ``requests.RequestException``); whatever
    ``requests`` raises otherwise passes through.
    """
    left = remaining(deadline)
    if left is not None and left <= 0:
        raise DeadlineExceeded(f"no time left for {method} {url}")
    connect, read = timeout
    if left is not None:
        connect, read = min(connect, left), min(read, left)
    response: requests.Response | None = None
    expired = threading.Event()
    watch = _Watch()

    def cut_off() -> None:
        # Shutting the socket down wakes a read that is blocked on a dripping server
        # (closing it from another thread would not).
        expired.set()
        watch.expire()
        if response is not None:
            _shut_down(response)

    _watch_connections(session)
    watchdog = threading.Timer(left, cut_off) if left is not None else None
    if watchdog is not None:
        watchdog.daemon = True
        watchdog.start()
    _current.watch = watch
    try:
        response = session.request(method, url, stream=True, timeout=(connect, read), **kwargs)
        if expired.is_set():
            response.close()
            raise DeadlineExceeded(f"{method} {url} did not finish in time")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            response.close()
            raise ReplyTooLarge(f"{method} {url}: reply of {declared} bytes is over {max_bytes}")
        body = bytearray()
        try:
            for chunk in response.iter_content(CHUNK):
                body.extend(chunk)
                if len(body) > max_bytes:
                    response.close()
                    raise ReplyTooLarge(f"{method} {url}: reply is over {max_bytes} bytes")
                if expired.is_set():
                    raise DeadlineExceeded(f"{method} {url} did not finish in time")
        except (requests.RequestException, OSError, ValueError) as error:
            if expired.is_set():
                raise DeadlineExceeded(f"{method} {url} did not finish in time") from None
            if isinstance(error, requests.RequestException):
                raise
            raise requests.ConnectionError(f"{method} {url}: connection lost") from None
        if expired.is_set():
            raise DeadlineExceeded(f"{method} {url} did not finish in time")
        response._content = bytes(body)  # requests' own cache for .content/.text/.json()
        response._content_consumed = True
        return response
    except requests.RequestException:
        if expired.is_set():
            raise DeadlineExceeded(f"{method} {url} did not finish in time") from None
        raise
    finally:
        _current.watch = None
        if watchdog is not None:
            watchdog.cancel()


def _shut_down(response: requests.Response) -> None:
    connection = getattr(response.raw, "connection", None)
    _shut_down_socket(getattr(connection, "sock", None))
    response.close()


def _shut_down_socket(sock: socket.socket | None) -> None:
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed, or detached by a TLS wrap


# --- handing sockets to the watchdog before a response exists ---------------------------------

_current = threading.local()


class _Watch:
    """The sockets one exchange uses; once expired, each is shut down (also one added later)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._expired = False

    def add(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            expired = self._expired
        if expired:
            _shut_down_socket(sock)

    def expire(self) -> None:
        with self._lock:
            self._expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut_down_socket(sock)


def _hand_over(sock: socket.socket | None) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.add(sock)


class _WatchedConnection(HTTPConnection):
    """A connection that hands its socket to the running exchange: a new one as soon as it is
    connected (before a TLS handshake), a reused one before the response is awaited."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _hand_over(sock)
        return sock

    def getresponse(self, *args, **kwargs):
        _hand_over(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _WatchedPool(HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedPool, "https": _WatchedHTTPSPool}


def _watch_connections(session: requests.Session) -> None:
    """Make the session's pools open watched connections (idempotent, cheap to repeat)."""
    for adapter in session.adapters.values():
        manager = getattr(adapter, "poolmanager", None)
        if manager is not None and manager.pool_classes_by_scheme is not _WATCHED_POOLS:
            manager.pool_classes_by_scheme = _WATCHED_POOLS
            manager.clear()  # pools made before hold plain connections
