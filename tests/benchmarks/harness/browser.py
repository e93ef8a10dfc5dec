"""One HR manager's browser: a ``requests`` session with cookies, timing every request.

In production the wizard sits behind a TLS-terminating proxy at ``PUBLIC_URL``, and its
session cookie is ``__Host-session``, ``Secure``. The bench leaves the proxy out: the
browser sends what is addressed to ``PUBLIC_URL`` (invite links, Nmbrs' redirect back) to
the gunicorn port on loopback instead, and its cookie policy lets ``Secure`` cookies travel
on that one hop, as the proxy would carry them (``requests`` copies the cookie jar for each
request, dropping any cookie policy, so the browser clears the ``Secure`` flag of loopback
cookies as they arrive). Everything else (the sandbox's identity server) is real https,
checked against the run's CA.
"""
from __future__ import annotations

import itertools
import re
import threading
import time
import requests

from tests.benchmarks.harness.stats import Sample

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_ids = itertools.count(1)


class UnexpectedAnswer(RuntimeError):
    """The wizard answered something a working journey never gets."""


class Recorder:
    """Every timed request of a phase, from every manager's thread."""

    def __init__(self):
        self.samples: list[tuple[str, Sample]] = []
        self._lock = threading.Lock()

    def add(self, request_id: str, sample: Sample) -> None:
        with self._lock:
            self.samples.append((request_id, sample))


class BenchBrowser:
    """Requests to the wizard by path or public URL, each labelled with the step it serves."""

    def __init__(self, local_url: str, public_url: str, ca: str, recorder: Recorder,
                 timeout: float = 60):
        self.local_url, self.public_url = local_url.rstrip("/"), public_url.rstrip("/")
        self.recorder, self.timeout = recorder, timeout
        self.http = requests.Session()
        self.http.trust_env = False  # REQUESTS_CA_BUNDLE or a proxy variable would win over ``ca``
        self.http.verify = ca

    def local(self, path_or_url: str) -> str:
        """Where a path, or a URL under ``PUBLIC_URL``, is served on loopback."""
        if path_or_url.startswith(self.public_url):
            path_or_url = path_or_url[len(self.public_url):]
        if path_or_url.startswith("/"):
            return self.local_url + path_or_url
        if path_or_url.startswith(self.local_url):
            return path_or_url
        raise UnexpectedAnswer(f"the wizard sent the browser elsewhere: {path_or_url}")

    def request(self, step: str, method: str, path_or_url: str, *, expect: tuple[int, ...] = (200,),
                **kwargs) -> requests.Response:
        """One timed request; an answer outside ``expect`` is recorded and raised as an error."""
        request_id = f"r{next(_ids)}"
        headers = {"X-Bench-Step": step, "X-Bench-Id": request_id, **kwargs.pop("headers", {})}
        started = time.perf_counter()
        try:
            response = self.http.request(method, self.local(path_or_url), headers=headers,
                                         allow_redirects=False, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            self.recorder.add(request_id, Sample(step, time.perf_counter() - started,
                                                 error=type(error).__name__))
            raise
        elapsed = time.perf_counter() - started
        self._carry_secure_cookies()
        error = None if response.status_code in expect else f"HTTP {response.status_code}"
        self.recorder.add(request_id, Sample(step, elapsed, error=error))
        if error:
            raise UnexpectedAnswer(f"{step}: {error} from {method} {path_or_url}")
        return response

    def _carry_secure_cookies(self) -> None:
        """The wizard's ``Secure`` cookies travel on the loopback hop behind the TLS proxy."""
        for cookie in self.http.cookies:
            if cookie.secure and cookie.domain in ("127.0.0.1", "127.0.0.1.local"):
                cookie.secure = False

    def get(self, step: str, path_or_url: str, **kwargs) -> requests.Response:
        return self.request(step, "GET", path_or_url, **kwargs)

    def post(self, step: str, path: str, data, **kwargs) -> requests.Response:
        return self.request(step, "POST", path, data=data, **kwargs)

    def follow(self, step: str, response: requests.Response, **kwargs) -> requests.Response:
        """Follow the redirect ``response`` gave (post/redirect/get)."""
        if not response.is_redirect:
            raise UnexpectedAnswer(f"{step}: expected a redirect, got HTTP {response.status_code}")
        return self.get(step, response.headers["Location"], **kwargs)

    def close(self) -> None:
        self.http.close()


def csrf_token(page: requests.Response) -> str:
    """The CSRF token of a wizard page (every form of a page carries the same one)."""
    match = CSRF.search(page.text)
    if not match:
        raise UnexpectedAnswer(f"no CSRF token on {page.url} (HTTP {page.status_code})")
    return match.group(1)
