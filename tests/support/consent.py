"""Play the user at the Nmbrs sandbox's identity server over plain HTTP (``requests``, no browser).

``give_consent(authorize_url, username, password)`` opens the authorize URL, logs in when the
identity server asks, leaves the consent page's boxes as they are (minus ``untick``), presses
Allow (or Deny) and returns the redirect back to the app, without following it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Iterable, NamedTuple
from urllib.parse import urljoin, urlsplit

import requests


class AccountCredentials(NamedTuple):
    """A consent account's login at the sandbox's identity server."""

    username: str
    password: str


class ClientCredentials(NamedTuple):
    """An OAuth client registered at the sandbox's identity server."""

    client_id: str
    client_secret: str


class IdentityServerRefused(AssertionError):
    """The identity server answered with a page (error, login failure) where a redirect was due."""

    def __init__(self, message: str, response: requests.Response):
        super().__init__(f"{message} (HTTP {response.status_code} at {response.url})")
        self.response = response


@dataclass
class Form:
    """One HTML form: where it posts and its fields."""

    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    checkboxes: list[tuple[str, str, bool]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(Form(attributes.get("action") or ""))
        elif not self.forms or "name" not in attributes:
            return
        elif tag == "input" and attributes.get("type") == "checkbox":
            self.forms[-1].checkboxes.append((attributes["name"], attributes.get("value", "on"),
                                              "checked" in attributes))
        elif tag == "input" and attributes.get("type") not in ("submit", "button"):
            self.forms[-1].fields.append((attributes["name"], attributes.get("value") or ""))
        elif tag == "button":
            self.forms[-1].buttons.append((attributes["name"], attributes.get("value") or ""))


def read_form(html: str) -> Form | None:
    """The first form of a page, or None."""
    reader = _FormReader()
    reader.feed(html)
    return reader.forms[0] if reader.forms else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _visit(session: requests.Session, response: requests.Response, sandbox: str):
    """Follow redirects within the identity server; stop at one that leaves it."""
    while response.is_redirect:
        location = urljoin(response.url, response.headers["Location"])
        if _origin(location) != sandbox:
            return location, response
        response = session.get(location, allow_redirects=False, timeout=10)
    return None, response


def give_consent(authorize_url: str, username: str, password: str, *,
                 untick: Iterable[str] = (), deny: bool = False,
                 session: requests.Session | None = None) -> str:
    """The redirect URL back to the app (``code``+``state`` or ``error``), not followed.

    Pass the same ``session`` again to reuse the identity server's login cookie.
    """
    session = session or requests.Session()
    sandbox = _origin(authorize_url)
    leaving, page = _visit(session, session.get(authorize_url, allow_redirects=False, timeout=10),
                           sandbox)
    if leaving:
        return leaving
    form = read_form(page.text)
    if form is not None and form.action.endswith("/account/login"):
        data = dict(form.fields) | {"username": username, "password": password}
        leaving, page = _visit(session, session.post(urljoin(page.url, form.action), data=data,
                                                     allow_redirects=False, timeout=10), sandbox)
        if leaving:
            return leaving
        form = read_form(page.text)
    if form is None or not form.action.endswith("/consent"):
        raise IdentityServerRefused("no consent page", page)
    dropped = set(untick)
    data = form.fields + [(name, value) for name, value, ticked in form.checkboxes
                          if ticked and value not in dropped]
    data.append(("decision", "deny" if deny else "allow"))
    response = session.post(urljoin(page.url, form.action), data=data, allow_redirects=False,
                            timeout=10)
    leaving, page = _visit(session, response, sandbox)
    if leaving is None:
        raise IdentityServerRefused("the consent page did not send the user back", page)
    return leaving
