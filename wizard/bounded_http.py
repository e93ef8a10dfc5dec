"""HTTP exchanges with a third party that end on time and never read more than allowed.

A read timeout bounds each wait on the socket, not the exchange: a server that
drips one byte just inside the timeout can hold a call for minutes, and one that
sends 60 MB fills the memory. ``fetch`` gives every exchange an overall deadline
(connect, headers and body) and a maximum reply size, reading the body as a
stream and stopping as soon as either limit is passed.
"""
from __future__ import annotations

import socket
import threading
import time

import requests

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

    def cut_off() -> None:
        # Shutting the socket down wakes a read that is blocked on a dripping server
        # (closing it from another thread would not).
        expired.set()
        if response is not None:
            _shut_down(response)

    watchdog = threading.Timer(left, cut_off) if left is not None else None
    if watchdog is not None:
        watchdog.daemon = True
        watchdog.start()
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
        if watchdog is not None:
            watchdog.cancel()


def _shut_down(response: requests.Response) -> None:
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed
    response.close()
