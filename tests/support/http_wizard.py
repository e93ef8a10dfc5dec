"""A client walking the wizard over real HTTP (requests against a live server), like a browser would.

The flask test client shares the app's thread; these tests need real parallel requests.
"""
from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import requests

from wizard.terms import current_terms_version

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
COMPANY = re.compile(r'name="company" value="(\d+)"')


class HttpWizard:
    """One browser: its own cookie jar, every request and response kept for inspection."""

    def __init__(self, base_url: str, timeout: float = 60):
        self.base_url, self.timeout = base_url, timeout
        self.http = requests.Session()
        self.responses: list[requests.Response] = []

    def clone(self) -> "HttpWizard":
        """Another connection of the same browser (same cookies), for parallel requests."""
        twin = HttpWizard(self.base_url, self.timeout)
        twin.http.cookies.update(self.http.cookies)
        return twin

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.http.request(method, self.base_url + path, allow_redirects=False,
                                     timeout=self.timeout, **kwargs)
        self.responses.append(response)
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def open_invite(self, link: str) -> requests.Response:
        return self.get(urlsplit(link).path)

    def csrf_token(self, step: str) -> str:
        page = self.get(f"/onboarding/{step}")
        match = CSRF.search(page.text)
        assert match, f"no CSRF token on step {step} ({page.status_code})"
        return match.group(1)

    def submit(self, step: str, fields: list[tuple[str, str]] | dict | None = None,
               token: str | None = None) -> requests.Response:
        data = list(fields.items()) if isinstance(fields, dict) else list(fields or [])
        data.append(("csrf_token", token or self.csrf_token(step)))
        return self.request("POST", f"/onboarding/{step}", data=data)

    def wait_for_checks(self, timeout: float = 60) -> None:
        """Wait until no check runs for this browser's onboarding."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.get("/onboarding/validation/progress").json().get("running"):
                return
            time.sleep(0.1)
        raise AssertionError("the validation run did not finish")

    def action(self, step: str, action: str) -> requests.Response:
        return self.request("POST", f"/onboarding/{step}/{action}",
                            data={"csrf_token": self.csrf_token(step)})

    def to_entities(self, username: str, token: str, name: str = "Sanne de Vries",
                    terms_version: str | None = None) -> list[str]:
        """Terms, Nmbrs, API token, the login, the check: on the company step; its company ids.

        Outside an app context (a thread of its own) pass ``terms_version``."""
        version = terms_version or current_terms_version()
        steps = [("terms", {"version": version, "accept": "y", "name": name}),
                 ("package", {"package": "nmbrs"}), ("method", {"method": "token"}),
                 ("credentials", {"username": username, "token": token, "domain": ""})]
        for step, fields in steps:
            response = self.submit(step, fields)
            assert response.status_code == 302, (step, response.status_code)
        self.wait_for_checks()  # saving the login started the check, in the background
        assert self.submit("validation").status_code == 302
        return COMPANY.findall(self.get("/onboarding/entities").text)
