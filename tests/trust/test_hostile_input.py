"""Malformed input never answers 5xx: every route of the app, walked with hostile values in the
path, the query, the form and the headers, anonymous and with a session; then raw bytes on a socket."""
from __future__ import annotations

import http.client
import re
import socket
from urllib.parse import quote, urlencode, urlsplit

import pytest
import requests

from tests.support.servers import ThreadedServer

HOSTILE = [
    "\r\nSet-Cookie: pwned=1", "\x00", "\x7f\x1b[31m", "a" * 5000, "//evil.example",
    "\\\\evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example",
    "javascript:alert(1)", "../../../etc/passwd", "😀‮", "<script>alert(1)</script>",
    "' OR 1=1 --", "{{7*7}}", " ", "",
    # The same behind a leading slash, which a same-site check lets through first.
    "/\r\nSet-Cookie: pwned=1", "/\x00", "/" + "a" * 5000, "/😀‮", "/\x7f",
]
#: Already percent-encoded: invalid UTF-8, encoded CR/LF and NUL, a lone surrogate.
RAW_ESCAPES = ["%ff%fe%c0%af", "%0d%0aSet-Cookie:%20pwned=1", "%00", "%ed%a0%80", "%", "%zz", "%%0",
               "/%0d%0aSet-Cookie:%20pwned=1", "/%ff%fe", "/%00"]
PARAMETERS = ("next", "state", "code", "error", "error_description", "lang")
FIELDS = ("csrf_token", "version", "accept", "name", "package", "method", "username", "token",
          "domain", "company", "whole_debtor", "accept_excess")
HEADERS = {
    "X-Request-ID": "\u00ff" * 200, "Accept-Language": "xx-INVALID;q=abc,*;q=-1",
    "Cookie": "session=" + "A" * 3000 + "; __Host-session=%ff",
    "User-Agent": "U" * 10000, "Referer": "javascript:alert(1)", "X-Forwarded-For": "not-an-ip, ::zz",
    "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "gopher",
    "Host": "evil.example:99999", "Content-Type": "multipart/form-data",
    "If-Modified-Since": "yesterday", "Range": "bytes=-999999999999999999999",
}


def paths(rule) -> list[str]:
    """The rule's path with every argument replaced by each hostile value (encoded and raw), then
    by plausible ones ("terms", "en", "check") so the view itself runs."""
    arguments = re.findall(r"<(?:[^:>]+:)?([^>]+)>", rule.rule)
    if not arguments:
        return [rule.rule]
    values = [quote(value, safe="") for value in HOSTILE] + RAW_ESCAPES + ["terms", "en", "check"]
    return [re.sub(r"<[^>]+>", value, rule.rule) for value in values]


def queries() -> list[str]:
    encoded = [quote(value, safe="") for value in HOSTILE] + RAW_ESCAPES
    return ["&".join(f"{name}={value}" for name in PARAMETERS) for value in encoded]


class Wire:
    """Requests sent as given (no re-quoting, no header checks) to the app behind waitress,
    so what a real server refuses (a CR/LF in a header) shows up as it would in production."""

    def __init__(self, port: int, cookie: str = ""):
        self.port, self.cookie = port, cookie
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def status(self, method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> int:
        headers = {"Cookie": self.cookie, **(headers or {})} if self.cookie else dict(headers or {})
        if body is not None:
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        for attempt in (1, 2):
            try:
                self.connection.request(method, url, body=body, headers=headers)
                response = self.connection.getresponse()
                response.read()
                if response.will_close:
                    self.connection.close()
                return response.status
            except (ConnectionError, http.client.HTTPException):
                self.connection.close()  # the server may close after an error: reconnect once
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


@pytest.fixture
def server(app):
    with ThreadedServer(app, threads=4) as running:
        yield running


@pytest.fixture
def wires(app, server, make_onboarding):
    """An anonymous browser and one bound to an onboarding (on its first step), with its CSRF token."""
    browser = requests.Session()
    _, link = make_onboarding()
    assert browser.get(server.url + urlsplit(link).path, allow_redirects=False).status_code == 302
    page = browser.get(server.url + "/onboarding/terms").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    return {"anonymous": (Wire(server.port), ""), "bound": (Wire(server.port, cookie), token)}


def test_every_route_survives_hostile_paths_queries_forms_and_headers(app, wires):
    failures = []

    def check(wire, method, url, **kwargs):
        try:
            status = wire.status(method, url, **kwargs)
        except Exception as error:  # noqa: BLE001 - no answer at all is a failure too
            failures.append((method, url[:120], f"{type(error).__name__}: {error}"[:200]))
            return
        if status >= 500:
            failures.append((method, url[:120], kwargs.get("headers"), status))

    rules = list(app.url_map.iter_rules())
    for wire, token in wires.values():
        for rule in rules:
            every_path = paths(rule)
            for path in every_path:
                for method in ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"):
                    check(wire, method, path)
            for path in every_path[:2] + every_path[-3:]:
                for query in queries():
                    check(wire, "GET", f"{path}?{query}")
            for value in HOSTILE + RAW_ESCAPES:
                form = [(field, value) for field in FIELDS]
                if token:
                    form[0] = ("csrf_token", token)  # past CSRF: the form itself meets the values
                body = urlencode(form).encode()
                for path in every_path[:2] + every_path[-3:]:
                    check(wire, "POST", path, body=body)
            for name, value in HEADERS.items():
                for path in every_path[:1] + every_path[-3:]:
                    check(wire, "GET", path, headers={name: value})
                    check(wire, "POST", path, headers={name: value}, body=b"--x\r\n")
    assert failures == []


def test_the_language_switch_redirects_every_malformed_next_home(client):
    for value in [quote(v, safe="") for v in HOSTILE] + RAW_ESCAPES:
        response = client.get(f"/language/en?next={value}")
        assert response.status_code == 302, value
        location = response.headers["Location"]
        assert "\r" not in location and "\n" not in location and "\x00" not in location
        assert location.startswith("/") and not location.startswith("//") and "\\" not in location
    assert client.get("/language/en?next=/onboarding/terms%3Fx%3D1").headers["Location"] \
        == "/onboarding/terms?x=1"


@pytest.mark.parametrize("request_bytes", [
    b"GET /language/en?next=/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /onboarding/\xc0\xaf HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /i/\x00abc HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Request-ID: \xff\xfe\x00\r\nCookie: session=\xff\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: " + b"u" * 200_000 + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % n for n in range(2000)) + b"\r\n",
    b"POST /onboarding/terms HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999999999\r\n\r\nabc",
    b"POST /onboarding/terms HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
    b"boundary=\r\nContent-Length: 5\r\n\r\n--\r\n\r",
    b"GET /language/en?next=%2F%0D%0ASet-Cookie:%20x=1 HTTP/1.1\r\nHost: x\r\n\r\n",
])
def test_raw_hostile_requests_on_the_wire_get_no_5xx(app, request_bytes):
    with ThreadedServer(app) as server, socket.create_connection(("127.0.0.1", server.port), 10) as sock:
        sock.sendall(request_bytes)
        sock.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    status_line = reply.split(b"\r\n", 1)[0]
    assert re.match(rb"HTTP/1\.[01] [1-4]\d\d ", status_line), status_line
    assert b"\r\nSet-Cookie: x=1" not in reply and b"pwned" not in reply
