"""The SOAP client: zeep services built from our packaged WSDLs, one HTTP session.

A ``NmbrsClient`` is built once per process and base URL (see ``nmbrs_client``)
and is safe to share between threads. ``call`` takes typed arguments and gives
back plain data (dicts and lists), or raises ``NmbrsError``.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

import requests
import zeep
from flask import current_app
from requests.adapters import HTTPAdapter
from zeep.exceptions import TransportError
from zeep.helpers import serialize_object
from zeep.transports import Transport

from wizard.config import NMBRS_PRODUCTION_SOAP_URL
from wizard.nmbrs import contract
from wizard.nmbrs.credentials import NmbrsCredentials
from wizard.nmbrs.errors import translate
from wizard.nmbrs.wsdl import wsdl_path

CONNECT_TIMEOUT = 5.0
USER_AGENT = "wizard-nmbrs-connector/1"


class _TokenRedactor(logging.Filter):
    """zeep logs whole envelopes at DEBUG; blank out the ``Token`` header before it does."""

    PATTERN = re.compile(r"(<(?:[\w-]+:)?Token\b[^>]*>)[^<]*(</(?:[\w-]+:)?Token>)")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "Token" in message:
            record.msg, record.args = self.PATTERN.sub(r"\1***\2", message), ()
        return True


logging.getLogger("zeep.transports").addFilter(_TokenRedactor())


def zeep_settings() -> zeep.Settings:
    """Parsing rules for everything Nmbrs sends: no DTDs, no entities, no external fetches.

    Not strict: Nmbrs adds fields over time, and unknown elements must not break us.
    """
    return zeep.Settings(strict=False, forbid_dtd=True, forbid_entities=True,
                         forbid_external=True, xml_huge_tree=False)


class _Transport(Transport):
    """zeep's transport, but an HTTP error page (IIS, a gateway) is a transport failure.

    zeep would try to parse the HTML as SOAP and, with DTDs forbidden, report a
    forbidden DTD instead of the HTTP status that matters.
    """

    def post(self, address, message, headers):
        response = super().post(address, message, headers)
        content_type = response.headers.get("Content-Type", "")
        if response.status_code >= 400 and "xml" not in content_type.lower():
            raise TransportError(f"HTTP {response.status_code}", status_code=response.status_code)
        if response.content and not response.content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            # zeep parses leniently and would get no document at all from this
            raise TransportError("not XML", status_code=response.status_code)
        return response


class NmbrsClient:
    """zeep clients for the four services, aimed at ``base_url``, sharing one pooled session."""

    def __init__(self, base_url: str = NMBRS_PRODUCTION_SOAP_URL, *, timeout: float = 20.0,
                 connect_timeout: float = CONNECT_TIMEOUT, workers: int = 6, retries: int = 2,
                 backoff: float = 0.2):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.workers = max(1, workers)
        self.retries = retries
        self.backoff = backoff
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=len(contract.SERVICES),
                              pool_maxsize=max(self.workers, 4))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT
        transport = _Transport(session=self.session, timeout=connect_timeout,
                              operation_timeout=(connect_timeout, timeout))
        settings = zeep_settings()
        self._proxies = {}
        for service in contract.SERVICES:
            client = zeep.Client(str(wsdl_path(service)), transport=transport, settings=settings)
            self._proxies[service] = client.create_service(
                f"{{{contract.namespace(service)}}}{service}Soap",
                f"{self.base_url}{service}.asmx")

    def close(self) -> None:
        """Close the pooled connections (the client is unusable afterwards)."""
        self.session.close()

    def __repr__(self) -> str:
        return f"NmbrsClient({self.base_url!r})"

    def call(self, credentials: NmbrsCredentials, service: str, operation: str, *,
             retry: bool = True, **args: Any) -> Any:
        """Call ``service.operation`` as ``credentials``; plain data back, ``NmbrsError`` on failure.

        Transient failures (HTTP 5xx, refused connection, Nmbrs 1006) are retried
        ``retries`` times unless ``retry`` is False (calls that start work at Nmbrs).
        """
        spec = contract.operation(service, operation)
        method = getattr(self._proxies[service], operation)
        headers = {spec.header: self._header(credentials, spec.header)}
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(1, attempts + 1):
            try:
                return _plain(spec, method(**args, _soapheaders=headers))
            except Exception as exc:  # noqa: BLE001 - translate() re-raises what it does not know
                error = translate(exc, f"{service}.{operation}", credentials.token)
            if not error.transient or attempt == attempts:
                raise error
            time.sleep(self.backoff * attempt)
        raise AssertionError("unreachable")

    @staticmethod
    def _header(credentials: NmbrsCredentials, header: str) -> dict:
        fields = {"Username": credentials.username, "Token": credentials.token}
        if header == "AuthHeaderWithDomain":
            fields["Domain"] = credentials.domain
        return fields


def _plain(spec: contract.Operation, result: Any) -> Any:
    """zeep objects -> dicts/lists; an ``ArrayOf<T>`` result becomes a (possibly empty) list."""
    data = serialize_object(result, dict)
    item = contract.array_item(spec.result or "")
    if item:
        return list((data or {}).get(item) or []) if isinstance(data, dict) else list(data or [])
    return data


_clients: dict[tuple, NmbrsClient] = {}
_clients_lock = threading.Lock()


def nmbrs_client() -> NmbrsClient:
    """The per-process client for ``current_app``'s ``NMBRS_SOAP_URL``, built on first use."""
    config = current_app.config
    key = (config["NMBRS_SOAP_URL"], float(config["NMBRS_TIMEOUT"]),
           int(config["NMBRS_PROBE_WORKERS"]))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = NmbrsClient(key[0], timeout=key[1], workers=key[2])
    return client
