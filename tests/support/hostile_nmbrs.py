"""A hostile Nmbrs: the sandbox's real answers, mangled per operation on a raw socket.

Each request is answered by a private sandbox app (so ids, faults and rights are
real), then sent back as the mode of its operation says:

``pass``          the sandbox's reply, untouched
``truncated``     the reply cut in half, with a Content-Length that matches the cut
``broken_off``    the reply's full Content-Length declared, half of it sent, connection closed
``wrong_shape``   a complete envelope holding another operation's response
``empty_response`` ``<Op>Response`` without its result (a value result must be there)
``html``          200 text/html maintenance page
``html_500``      500 text/html IIS error page
``drip_body``     the headers at once, then the body one byte every ``drip_seconds``
``drip_headers``  the status line, then one header line every ``drip_seconds``
``oversized``     a 200 text/xml envelope that never ends (up to ``flood_bytes``)
``canary``        a complete, well-formed reply of the right shape whose values are canaries
``canary_in_ids`` the same, with canaries where numbers belong (zeep cannot convert them)

``delay`` seconds pass before any answer. ``sent`` counts the bytes each mode managed to write (to see how much a client read).
"""
from __future__ import annotations

import socket
import threading
import time

from wizard.nmbrs import contract

CANARY_BSN = "999999990"
CANARY_NAME = "Kanarie-Geheimnaam"
CANARY_SALARY = "98765.43"
IIS_ERROR = (b"<!DOCTYPE html><html><head><title>500 - Internal server error.</title></head>"
             b"<body><h1>Server Error</h1></body></html>")
MAINTENANCE = (b"<!DOCTYPE html><html><head><title>Onderhoud</title></head><body><p>Nmbrs is "
               b"tijdelijk niet beschikbaar.</p></body></html>")
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def envelope(inner: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_ENV}">'
            f"<soap:Body>{inner}</soap:Body></soap:Envelope>").encode()


def canary_reply(service: str, operation: str, *, in_ids: bool = False) -> bytes:
    """A reply of the right shape for any operation, every text field a canary (and every
    number too, with ``in_ids``)."""
    spec = contract.operation(service, operation)
    ns = contract.namespace(service)
    result = ""
    if spec.result:
        base, _ = contract.split_type(spec.result)
        item = contract.array_item(base)
        fake = _fake(item or base, item is not None)
        if in_ids:
            fake = fake.replace(">7<", f">{CANARY_NAME} {CANARY_BSN}<")
        result = f"<{operation}Result>{fake}</{operation}Result>"
    return envelope(f'<{operation}Response xmlns="{ns}">{result}</{operation}Response>')


def _fake(kind: str, as_list: bool) -> str:
    if as_list:
        return f"<{kind}>{_fake(kind, False)}</{kind}>"
    if kind in contract.TYPES:
        plain = [(name, field_kind) for name, field_kind in contract.TYPES[kind]
                 if contract.split_type(field_kind)[0] not in contract.TYPES
                 and not contract.array_item(field_kind)]
        return "".join(f"<{name}>{_value(field_kind)}</{name}>" for name, field_kind in plain)
    return _value(kind)


def _value(kind: str) -> str:
    base, _ = contract.split_type(kind)
    if base == "int":
        return "7"
    if base == "decimal":
        return CANARY_SALARY
    if base == "boolean":
        return "true"
    if base == "dateTime":
        return "1980-02-29T00:00:00"
    if base == "guid":
        return "0f0f0f0f-0000-4000-8000-000000000000"
    if base == "base64Binary":
        return "S2FuYXJpZQ=="
    if base in contract.ENUMS:
        return contract.ENUMS[base][0]
    return f"{CANARY_NAME} {CANARY_BSN}"


class HostileNmbrs:
    """A loopback server; ``modes[(service, operation)]`` or ``default`` picks the misbehaviour."""

    def __init__(self, *, drip_seconds: float = 0.2, flood_bytes: int = 64 * 1024 * 1024):
        from wizard.sandbox import make_sandbox_app

        self.sandbox = make_sandbox_app()
        self.state = self.sandbox.extensions["nmbrs_sandbox"]
        self.default = "pass"
        self.modes: dict[tuple[str, str], str] = {}
        self.drip_seconds = drip_seconds
        self.delay = 0.0
        self.flood_bytes = flood_bytes
        self.sent: list[tuple[str, int]] = []
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.soap_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/soap/v3/"
        threading.Thread(target=self._serve, daemon=True).start()

    def login(self, scenario: str, *, with_domain: bool = False):
        from wizard.nmbrs import NmbrsCredentials

        login = self.state.login(scenario)
        return NmbrsCredentials(login.username, login.token,
                                login.domain if with_domain else None)

    def mode(self, service: str, operation: str) -> str:
        return self.modes.get((service, operation), self.default)

    def close(self) -> None:
        self.sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                path, headers, body = _read_request(conn)
            except (OSError, ValueError):
                return
            service = path.rsplit("/", 1)[-1].removesuffix(".asmx")
            operation = headers.get("soapaction", "").strip('"').rsplit("/", 1)[-1]
            with self._lock:
                self.requests.append((service, operation))
            mode = self.mode(service, operation)
            if self.delay:
                time.sleep(self.delay)
            reply = self.sandbox.test_client().post(
                path, data=body, headers={"Content-Type": headers.get("content-type", ""),
                                          "SOAPAction": headers.get("soapaction", "")})
            written = 0
            try:
                written = getattr(self, f"_{mode}")(conn, service, operation, reply.status_code,
                                                    reply.data)
            except OSError:
                written = -1  # the client hung up on us
            with self._lock:
                self.sent.append((mode, written))

    # --- modes: each writes a whole HTTP answer (or tries to) and returns the bytes written ---

    @staticmethod
    def _send(conn, status: str, content_type: str, body: bytes, length: int | None = None) -> int:
        head = (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body) if length is None else length}\r\n"
                "Connection: close\r\n\r\n").encode()
        conn.sendall(head + body)
        return len(body)

    def _pass(self, conn, service, operation, status, data):
        return self._send(conn, f"{status} X", "text/xml; charset=utf-8", data)

    def _truncated(self, conn, service, operation, status, data):
        return self._send(conn, "200 OK", "text/xml; charset=utf-8", data[: len(data) // 2])

    def _broken_off(self, conn, service, operation, status, data):
        return self._send(conn, "200 OK", "text/xml; charset=utf-8", data[: len(data) // 2],
                          length=len(data))

    def _wrong_shape(self, conn, service, operation, status, data):
        ns = contract.namespace("DebtorService")
        body = envelope(f'<Environment_GetResponse xmlns="{ns}"><Environment_GetResult>'
                        "<Domain>x</Domain><SubDomain>x</SubDomain></Environment_GetResult>"
                        "</Environment_GetResponse>")
        if (service, operation) == ("DebtorService", "Environment_Get"):
            body = envelope(f'<List_GetAllResponse xmlns="{ns}"/>')
        return self._send(conn, "200 OK", "text/xml; charset=utf-8", body)

    def _empty_response(self, conn, service, operation, status, data):
        ns = contract.namespace(service)
        return self._send(conn, "200 OK", "text/xml; charset=utf-8",
                          envelope(f'<{operation}Response xmlns="{ns}"/>'))

    def _html(self, conn, service, operation, status, data):
        return self._send(conn, "200 OK", "text/html; charset=utf-8", MAINTENANCE)

    def _html_500(self, conn, service, operation, status, data):
        return self._send(conn, "500 Internal Server Error", "text/html", IIS_ERROR)

    def _canary(self, conn, service, operation, status, data):
        return self._send(conn, "200 OK", "text/xml; charset=utf-8",
                          canary_reply(service, operation))

    def _canary_in_ids(self, conn, service, operation, status, data):
        return self._send(conn, "200 OK", "text/xml; charset=utf-8",
                          canary_reply(service, operation, in_ids=True))

    def _drip_body(self, conn, service, operation, status, data):
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n"
                     f"Content-Length: {len(data)}\r\n\r\n".encode())
        for byte in data:
            conn.sendall(bytes([byte]))
            time.sleep(self.drip_seconds)
        return len(data)

    def _drip_headers(self, conn, service, operation, status, data):
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(10_000):
            conn.sendall(b"X-Padding: a\r\n")
            time.sleep(self.drip_seconds)
        return 0

    def _oversized(self, conn, service, operation, status, data):
        ns = contract.namespace(service)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n"
                     b"Connection: close\r\n\r\n")
        written = 0
        head = envelope(f'<{operation}Response xmlns="{ns}"><{operation}Result>').split(
            f"</{operation}Result>".encode())[0]
        conn.sendall(head)
        chunk = (f"<Debtor><Id>1</Id><Number>1</Number><Name>{'x' * 200}</Name></Debtor>" * 256
                 ).encode()
        while written < self.flood_bytes:
            conn.sendall(chunk)
            written += len(chunk)
        return written


def _read_request(conn: socket.socket) -> tuple[str, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        more = conn.recv(65536)
        if not more:
            raise ValueError("no request")
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    path = lines[0].split(" ")[1]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        more = conn.recv(65536)
        if not more:
            break
        body += more
    return path, headers, body
