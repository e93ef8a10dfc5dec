"""The SOAP client: zeep services built from our packaged WSDLs, one HTTP session.

A ``NmbrsClient`` is built once per process and base URL (see ``nmbrs_client``)
and is safe to share between threads. ``call`` takes typed arguments and gives
back plain data (dicts and lists), or raises ``NmbrsError``.

Every call is bounded: one overall deadline for all its attempts (``call_deadline``
seconds, never later than a ``deadline`` the caller passes, such as the end of a
validation run) and a maximum reply size, both kept while the reply streams in
(``wizard.bounded_http.fetch``). A reply counts only when it is a whole SOAP
envelope of the shape the operation promises (``wizard.nmbrs.reply``). The log
gets the operation, outcome, HTTP status, duration and size of each attempt,
never an envelope: replies hold BSNs, salaries and addresses.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Mapping

import requests
import zeep
from flask import current_app
from requests.adapters import HTTPAdapter
from zeep.exceptions import TransportError
from zeep.helpers import serialize_object
from zeep.transports import Transport

from wizard.bounded_http import fetch, remaining
from wizard.config import NMBRS_PRODUCTION_SOAP_URL
from wizard.nmbrs import contract
from wizard.nmbrs.credentials import NmbrsCredentials
from wizard.nmbrs.errors import NmbrsError, UnusableReply, translate
from wizard.nmbrs.reply import check_reply, is_fault, parse_whole
from wizard.nmbrs.wsdl import wsdl_path

CONNECT_TIMEOUT = 5.0
USER_AGENT = "wizard-nmbrs-connector/1"
MEGABYTE = 1024 * 1024

log = logging.getLogger("wizard.nmbrs")


class _WithoutContent(logging.Filter):
    """zeep's records can quote what it received (a value it could not convert, raw data):
    keep only their fixed wording, never their arguments or exception text."""

    PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifxXeEgG]")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args or record.exc_info or record.exc_text or record.stack_info:
            kind = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
            text = self.PLACEHOLDER.sub("…", str(record.msg))
            record.msg = f"{text} [content withheld{': ' + kind if kind else ''}]"
            record.args, record.exc_info, record.exc_text, record.stack_info = (), None, None, None
        return True


_WITHOUT_CONTENT = _WithoutContent()


def _withhold_zeep_content() -> None:
    """Put the filter on every zeep logger (a logger's filters do not reach its children)."""
    for name in list(logging.root.manager.loggerDict):
        if name == "zeep" or name.startswith("zeep."):
            logger = logging.getLogger(name)
            if _WITHOUT_CONTENT not in logger.filters:
                logger.addFilter(_WITHOUT_CONTENT)


def zeep_settings() -> zeep.Settings:
    """Parsing rules for everything Nmbrs sends: no DTDs, no entities, no external fetches.

    Not strict: Nmbrs adds fields over time, and unknown elements must not break us.
    (Lenient parsing would also repair a reply cut off mid-way; ``check_reply`` refuses
    those before zeep sees them.)
    """
    return zeep.Settings(strict=False, forbid_dtd=True, forbid_entities=True,
                         forbid_external=True, xml_huge_tree=False)


@dataclass
class _Exchange:
    """The attempt running on this thread: its limits, and what the transport saw."""

    spec: contract.Operation
    deadline: float
    status: int | None = None
    size: int = 0


_in_flight = threading.local()


class _Transport(Transport):
    """zeep's transport over ``bounded_http.fetch``, letting through only usable replies.

    An HTTP error status without a whole SOAP fault (an IIS page, a gateway's 502) is a
    transport failure; a 2xx must be the operation's complete response (or a fault).
    """

    def __init__(self, session: requests.Session, *, timeout: tuple[float, float],
                 max_bytes: int):
        super().__init__(session=session, timeout=timeout[0], operation_timeout=timeout)
        self.max_bytes = max_bytes

    def post(self, address, message, headers):
        exchange: _Exchange = _in_flight.exchange
        response = fetch(self.session, "POST", address, data=message, headers=headers,
                         deadline=exchange.deadline, max_bytes=self.max_bytes,
                         timeout=self.operation_timeout, allow_redirects=False)
        exchange.status, exchange.size = response.status_code, len(response.content)
        if response.status_code >= 400 and not _whole_fault(response.content):
            raise TransportError(f"HTTP {response.status_code}", status_code=response.status_code)
        check_reply(response.content, exchange.spec)
        return response


def _whole_fault(content: bytes) -> bool:
    try:
        return is_fault(parse_whole(content))
    except UnusableReply:
        return False


class NmbrsClient:
    """zeep clients for the four services, aimed at ``base_url``, sharing one pooled session.

    ``timeout`` bounds each wait for data, ``call_deadline`` a whole call (all attempts),
    ``max_reply_bytes`` the size of one reply. A run of calls (``wizard.nmbrs.run``: a
    validation, a re-read of the companies) has by default ``workers`` calls in flight at
    most and ends ``run_deadline`` seconds after it starts.
    """

    def __init__(self, base_url: str = NMBRS_PRODUCTION_SOAP_URL, *, timeout: float = 20.0,
                 connect_timeout: float = CONNECT_TIMEOUT, workers: int = 6, retries: int = 2,
                 backoff: float = 0.2, call_deadline: float = 10.0,
                 max_reply_bytes: int = 8 * MEGABYTE, run_deadline: float = 20.0):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.workers = max(1, workers)
        self.retries = retries
        self.backoff = backoff
        self.call_deadline = call_deadline
        self.run_deadline = run_deadline
        self.max_reply_bytes = max_reply_bytes
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=len(contract.SERVICES),
                              pool_maxsize=max(self.workers, 4))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT
        transport = _Transport(self.session, timeout=(connect_timeout, timeout),
                               max_bytes=max_reply_bytes)
        settings = zeep_settings()
        self._proxies = {}
        for service in contract.SERVICES:
            client = zeep.Client(str(wsdl_path(service)), transport=transport, settings=settings)
            self._proxies[service] = client.create_service(
                f"{{{contract.namespace(service)}}}{service}Soap",
                f"{self.base_url}{service}.asmx")
        _withhold_zeep_content()

    def close(self) -> None:
        """Close the pooled connections (the client is unusable afterwards)."""
        self.session.close()

    def __repr__(self) -> str:
        return f"NmbrsClient({self.base_url!r})"

    def call(self, credentials: NmbrsCredentials, service: str, operation: str, *,
             retry: bool = True, deadline: float | None = None, **args: Any) -> Any:
        """Call ``service.operation`` as ``credentials``; plain data back, ``NmbrsError`` on failure.

        Transient failures (HTTP 5xx, refused connection, a reply that broke off, Nmbrs 1006)
        are retried ``retries`` times unless ``retry`` is False (calls that start work at
        Nmbrs), and only while the call's deadline leaves time for the pause: ``deadline``
        (a ``time.monotonic()`` value) caps the call's own ``call_deadline``.
        """
        spec = contract.operation(service, operation)
        method = getattr(self._proxies[service], operation)
        headers = {spec.header: self._header(credentials, spec.header)}
        own = time.monotonic() + self.call_deadline
        deadline = own if deadline is None else min(own, deadline)
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(1, attempts + 1):
            exchange = _in_flight.exchange = _Exchange(spec, deadline)
            started = time.perf_counter()
            try:
                result, error = _plain(spec, method(**args, _soapheaders=headers)), None
            except Exception as exc:  # noqa: BLE001 - translate() re-raises what it does not know
                error = translate(exc, f"{service}.{operation}", credentials.token)
            finally:
                _in_flight.exchange = None
            _log_attempt(exchange, attempt, error, time.perf_counter() - started)
            if error is None:
                return result
            pause = self.backoff * attempt
            if not error.transient or attempt == attempts or remaining(deadline) <= pause:
                raise error
            time.sleep(pause)
        raise AssertionError("unreachable")

    @staticmethod
    def _header(credentials: NmbrsCredentials, header: str) -> dict:
        fields = {"Username": credentials.username, "Token": credentials.token}
        if header == "AuthHeaderWithDomain":
            fields["Domain"] = credentials.domain
        return fields


def _log_attempt(exchange: _Exchange, attempt: int, error: NmbrsError | None,
                 seconds: float) -> None:
    """One line per attempt: operation, outcome, HTTP status, size, duration. No content."""
    outcome = "ok" if error is None else error.kind.value + (f" {error.code}" if error.code else "")
    log.debug("Nmbrs %s.%s attempt %d: %s, HTTP %s, %d bytes, %.0f ms", exchange.spec.service,
              exchange.spec.name, attempt, outcome, exchange.status or "-", exchange.size,
              seconds * 1000)


def _plain(spec: contract.Operation, result: Any) -> Any:
    """zeep objects -> dicts/lists; an ``ArrayOf<T>`` result becomes a (possibly empty) list."""
    data = serialize_object(result, dict)
    item = contract.array_item(spec.result or "")
    if item:
        return list((data or {}).get(item) or []) if isinstance(data, dict) else list(data or [])
    return data


# One client per distinct setting; a process normally has one, tests and re-configured apps
# more. The least recently used beyond a few are closed so their idle pooled connections
# do not pile up at Nmbrs.
_clients: OrderedDict[tuple, NmbrsClient] = OrderedDict()
_clients_lock = threading.Lock()
_MAX_CLIENTS = 4


def _client_settings(config: Mapping) -> dict:
    return {"timeout": float(config["NMBRS_TIMEOUT"]),
            "workers": int(config["NMBRS_PROBE_WORKERS"]),
            "call_deadline": float(config["NMBRS_CALL_DEADLINE"]),
            "run_deadline": float(config["NMBRS_VALIDATION_DEADLINE"]),
            "max_reply_bytes": int(float(config["NMBRS_MAX_REPLY_MB"]) * MEGABYTE)}


def client_from_config(config: Mapping, base_url: str | None = None) -> NmbrsClient:
    """A new client with the limits of ``config``, aimed at ``base_url`` (default the config's)."""
    return NmbrsClient(base_url or config["NMBRS_SOAP_URL"], **_client_settings(config))


def nmbrs_client() -> NmbrsClient:
    """The per-process client for ``current_app``'s ``NMBRS_SOAP_URL``, built on first use."""
    config = current_app.config
    key = (config["NMBRS_SOAP_URL"], *sorted(_client_settings(config).items()))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = client_from_config(config)
        _clients.move_to_end(key)
        while len(_clients) > _MAX_CLIENTS:
            _clients.popitem(last=False)[1].close()
    return client
