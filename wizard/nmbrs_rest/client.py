"""The Nmbrs REST client: bearer token and subscription key in, Nmbrs' envelope checked, data out.

A ``NmbrsRestClient`` is built once per process and configuration and is safe to share
between threads. Every call is bounded (an overall deadline and a maximum reply size,
``wizard.bounded_http``), replays once with a renewed access token when Nmbrs says the
token expired (401 ``40102``), waits out a short ``Retry-After`` on 429 ``42908`` when the
deadline allows, and turns everything else into a ``RestError``. A reply counts only when
it is JSON in Nmbrs' envelope: ``{"pagination": {...}, "data": [...]}``.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter

from wizard.bounded_http import fetch, remaining
from wizard.nmbrs_rest.errors import RestError, RestErrorKind, classify

log = logging.getLogger("wizard.nmbrs_rest")

USER_AGENT = "wizard-nmbrs-rest-connector/1"
MAX_PAGE_SIZE = 100  # Nmbrs refuses more (400 40033)
CONNECT_TIMEOUT = 5.0
#: The longest ``Retry-After`` we wait out inside one call; longer means "try later".
MAX_RETRY_AFTER = 5.0


class TokenSource(Protocol):
    """Where the client gets the access token, and a fresh one after Nmbrs refused it."""

    def current(self) -> str:
        """The access token to send now."""

    def renew(self) -> str:
        """A new access token (refreshing the grant); raises ``RestError`` when it cannot."""


@dataclass(frozen=True)
class Page:
    """One page of a list: its items and what the pagination object says of the whole."""

    data: list
    total_pages: int
    total_records: int


class NmbrsRestClient:
    """Calls ``base_url`` + ``/api/...`` with our subscription key; see the module docstring."""

    def __init__(self, base_url: str, subscription_key: str, *, timeout: float = 20.0,
                 max_bytes: int = 8 * 1024 * 1024, workers: int = 6):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.workers = max(1, workers)
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_maxsize=max(self.workers, 4))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json",
                                     "X-Subscription-Key": subscription_key})

    def __repr__(self) -> str:
        return f"NmbrsRestClient({self.base_url!r})"

    def close(self) -> None:
        self.session.close()

    def get(self, path: str, tokens: TokenSource, *, params: dict | None = None,
            deadline: float | None = None) -> dict:
        """GET one resource or page; the checked envelope back, or ``RestError``."""
        renewed = throttled = False
        while True:
            try:
                return self._get_once(path, tokens.current(), params, deadline)
            except RestError as error:
                if error.kind is RestErrorKind.CONSENT_REVOKED and error.code == 40102 \
                        and not renewed:
                    renewed = True
                    tokens.renew()  # raises when the grant itself is gone
                    continue
                if error.kind is RestErrorKind.THROTTLED and not throttled \
                        and _may_wait(error.retry_after, deadline):
                    throttled = True
                    time.sleep(error.retry_after)
                    continue
                raise

    def get_page(self, path: str, tokens: TokenSource, *, number: int = 1,
                 size: int = MAX_PAGE_SIZE, params: dict | None = None,
                 deadline: float | None = None) -> Page:
        """One page of a paginated list."""
        body = self.get(path, tokens, params={**(params or {}), "pageNumber": number,
                                              "pageSize": min(size, MAX_PAGE_SIZE)},
                        deadline=deadline)
        pagination = body.get("pagination")
        if not isinstance(pagination, dict):
            raise RestError(RestErrorKind.MALFORMED_RESPONSE,
                            f"GET {path}: the reply has no pagination object")
        total_pages = _count(pagination.get("totalPages"))
        total_records = _count(pagination.get("totalRecords"))
        if total_pages is None or total_records is None:
            raise RestError(RestErrorKind.MALFORMED_RESPONSE,
                            f"GET {path}: the pagination object has no totals")
        return Page(body["data"], total_pages, total_records)

    def get_all(self, path: str, tokens: TokenSource, *, params: dict | None = None,
                deadline: float | None = None, pool: ThreadPoolExecutor | None = None) -> list:
        """Every item of a paginated list: page 1 tells how many pages; the rest come at once."""
        first = self.get_page(path, tokens, params=params, deadline=deadline)
        rest = range(2, max(first.total_pages, 1) + 1)

        def page(number: int) -> list:
            return self.get_page(path, tokens, number=number, params=params,
                                 deadline=deadline).data

        if not rest:
            return list(first.data)
        if pool is not None:
            pages = list(pool.map(page, rest))
        else:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(rest)),
                                    thread_name_prefix="nmbrs-rest") as own:
                pages = list(own.map(page, rest))
        return [item for items in [first.data, *pages] for item in items]

    def _get_once(self, path: str, access_token: str, params: dict | None,
                  deadline: float | None) -> dict:
        url = f"{self.base_url}{path}"
        own_deadline = time.monotonic() + self.timeout
        deadline = own_deadline if deadline is None else min(deadline, own_deadline)
        started = time.perf_counter()
        try:
            response = fetch(self.session, "GET", url, params=params, deadline=deadline,
                             max_bytes=self.max_bytes,
                             timeout=(CONNECT_TIMEOUT, self.timeout),
                             headers={"Authorization": f"Bearer {access_token}"})
        except requests.Timeout:
            log.debug("GET %s timed out after %.0f ms", path, _ms_since(started))
            raise RestError(RestErrorKind.TIMEOUT, f"GET {path}: Nmbrs did not answer in time") \
                from None
        except requests.RequestException as error:
            log.debug("GET %s failed after %.0f ms: %s", path, _ms_since(started),
                      type(error).__name__)
            raise RestError(RestErrorKind.UNREACHABLE,
                            f"GET {path}: Nmbrs could not be reached ({type(error).__name__})") \
                from None
        # Operation, status, duration and size only: replies carry personal data.
        log.debug("GET %s -> %s in %.0f ms, %d bytes", path, response.status_code,
                  _ms_since(started), len(response.content))
        body = _json(response)
        if response.status_code >= 400:
            kind, code = classify(response.status_code, body)
            title = body.get("title") if isinstance(body, dict) else None
            raise RestError(kind, f"GET {path}: HTTP {response.status_code} {code or ''} "
                                  f"{title or ''}".strip(),
                            status=response.status_code, code=code,
                            retry_after=_retry_after(response))
        if response.status_code != 200:
            raise RestError(RestErrorKind.MALFORMED_RESPONSE,
                            f"GET {path}: unexpected HTTP {response.status_code}",
                            status=response.status_code)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise RestError(RestErrorKind.MALFORMED_RESPONSE,
                            f"GET {path}: the reply is not Nmbrs' envelope", status=200)
        return body


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _json(response: requests.Response) -> Any:
    """The reply's JSON, or None when it is not JSON (a gateway's HTML page, a cut-off body)."""
    if "json" not in response.headers.get("Content-Type", "").lower():
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _retry_after(response: requests.Response) -> float | None:
    """``Retry-After`` in seconds (a number or an HTTP date), when the answer has one."""
    header = response.headers.get("Retry-After", "").strip()
    if not header:
        return None
    if header.isdigit():
        return float(header)
    try:
        return max(0.0, parsedate_to_datetime(header).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _may_wait(seconds: float | None, deadline: float | None) -> bool:
    if seconds is None or seconds > MAX_RETRY_AFTER:
        return False
    left = remaining(deadline)
    return left is None or seconds < left - 1


_clients: dict[tuple, NmbrsRestClient] = {}
_clients_lock = threading.Lock()


def rest_client(base_url: str, subscription_key: str, *, timeout: float,
                workers: int) -> NmbrsRestClient:
    """The per-process client for this configuration, built on first use."""
    key = (base_url, subscription_key, timeout, workers)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = NmbrsRestClient(base_url, subscription_key, timeout=timeout,
                                                     workers=workers)
    return client

