"""The Flask app that plays Nmbrs: SOAP v3 at ``/soap/v3/<Service>.asmx``, the identity server
at ``/.well-known/openid-configuration`` and ``/connect/...``, the REST API at ``/api/...``."""
from __future__ import annotations

import hashlib
import random
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from flask import Flask, Response, abort, request

from wizard.nmbrs import contract
from wizard.sandbox import identity, rest, soap
from wizard.sandbox.authorization import AuthorizationServer
from wizard.sandbox.clock import Clock
from wizard.sandbox.consent_accounts import (CONSENT_FILE, ConsentAccount, ConsentSetup,
                                             load_consent_setup)
from wizard.sandbox.gateway import Gateway
from wizard.sandbox.operations import HANDLERS, Call
from wizard.sandbox.scenarios import LOGINS_FILE, Login, load_environments, load_logins

BASE_PATH = "/soap/v3/"
XML = "text/xml; charset=utf-8"
IIS_ERROR = ("<!DOCTYPE html><html><head><title>500 - Internal server error.</title></head>"
             "<body><h1>Server Error</h1><h2>500 - Internal server error.</h2></body></html>")


@dataclass(frozen=True)
class StoredDocument:
    """A document an UploadDocument call stored (the sandbox keeps them in memory)."""

    username: str
    employee_id: int
    name: str
    size: int
    document_type: str | None


@dataclass
class Task:
    """A document or report being produced for one user (SOAP report, REST document)."""

    owner: str
    content: str | bytes
    looks: int = 0


class Sandbox:
    """State of one emulator: SOAP scenario logins, stored documents and started tasks; the
    identity server (``identity``: consent accounts, clients, grants), the API ``gateway``
    (subscription keys and limits) and the ``clock`` both of them run on."""

    def __init__(self, logins: list[Login], latency: float = 0.0,
                 consent: ConsentSetup | None = None, jitter: float = 0.0):
        self.logins = logins
        self.latency = latency
        self.jitter = jitter
        self._accepted = {(login.username, login.token): login for login in logins if login.valid}
        self.documents: list[StoredDocument] = []
        self.tasks: dict[str, Task] = {}
        self.requests: list[tuple[str, str, str]] = []   # (scenario, service, operation)
        self.rest_calls: list[tuple[str, str]] = []      # (scenario, endpoint rule)
        self._attempts: dict[str, int] = {}
        self._lock = threading.Lock()
        self.consent = consent or load_consent_setup()
        self.clock = Clock()
        self.identity = AuthorizationServer(self.consent, self.clock)
        self.gateway = Gateway(self.consent.subscription_keys, self.clock)

    def login(self, scenario: str) -> Login:
        return next(login for login in self.logins if login.scenario == scenario)

    def consent_account(self, scenario: str) -> ConsentAccount:
        return self.consent.account(scenario)

    def record_rest_call(self, account: ConsentAccount, rule: str) -> None:
        with self._lock:
            self.rest_calls.append((account.scenario, rule))

    def authenticate(self, username: str, token: str) -> Login | None:
        return self._accepted.get((username.strip().lower(), token.strip()))

    def flaky_failure(self, login: Login, body: bytes) -> bool:
        """For a flaky login every odd attempt of each distinct call fails."""
        key = hashlib.sha256(login.username.encode() + b"\0" + body).hexdigest()
        with self._lock:
            self._attempts[key] = self._attempts.get(key, 0) + 1
            return self._attempts[key] % 2 == 1

    def record(self, login: Login, service: str, operation: str) -> None:
        with self._lock:
            self.requests.append((login.scenario, service, operation))

    def store_document(self, login: Login, employee_id: int, name: str, body: bytes,
                       document_type: str | None) -> None:
        with self._lock:
            self.documents.append(StoredDocument(login.username, employee_id, name, len(body),
                                                 document_type))

    def start_task(self, owner: str, content: str | bytes) -> str:
        """Remember content produced for the user ``owner``; returns its task id."""
        task_id = str(uuid.uuid4())
        with self._lock:
            self.tasks[task_id] = Task(owner, content)
        return task_id

    def look_at_task(self, owner: str, task_id: str) -> Task | None:
        """The task if ``owner`` started it (counting the look), else None."""
        with self._lock:
            task = self.tasks.get(task_id.lower())
            if task is None or task.owner != owner:
                return None
            task.looks += 1
            return task


def _service_name(name: str) -> str:
    """ASMX paths are case-insensitive on IIS."""
    match = next((s for s in contract.SERVICES if s.lower() == name.lower()), None)
    if match is None:
        abort(404)
    return match


@lru_cache(maxsize=64)
def _wsdl(service: str, address: str) -> bytes:
    return contract.render_wsdl(service, address).encode("utf-8")


def _xml(body: bytes, status: int = 200) -> Response:
    return Response(body, status=status, content_type=XML)


def _fault(fault: soap.SoapFault) -> Response:
    return _xml(soap.render_fault(fault), 500)


def make_sandbox_app(latency: float = 0.0, logins_file: Path = LOGINS_FILE,
                     consent_file: Path = CONSENT_FILE, jitter: float = 0.0) -> Flask:
    """The emulator as a WSGI app; every SOAP call takes ``latency`` ± ``jitter`` seconds more
    (uniformly spread, never below zero)."""
    app = Flask("wizard.sandbox")
    app.config.update(
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        # The identity server's login session: a signed cookie, its key new on every start.
        SECRET_KEY=secrets.token_bytes(32), SESSION_COOKIE_NAME="idsrv.session",
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True)
    environments = load_environments(logins_file)
    sandbox = Sandbox(load_logins(logins_file, environments), latency,
                      load_consent_setup(consent_file, environments), jitter=jitter)
    app.extensions["nmbrs_sandbox"] = sandbox
    app.register_blueprint(identity.bp)
    app.register_blueprint(rest.bp)

    @app.get(BASE_PATH)
    def index():
        items = "".join(f'<li><a href="{s}.asmx">{s}</a> (<a href="{s}.asmx?WSDL">WSDL</a>)</li>'
                        for s in contract.SERVICES)
        return (f"<!doctype html><html lang=en><title>Nmbrs SOAP v3 sandbox</title>"
                f"<h1>Nmbrs SOAP v3 sandbox</h1><p>A local stand-in for Nmbrs. Services:</p>"
                f"<ul>{items}</ul>")

    @app.get(f"{BASE_PATH}<name>.asmx")
    def describe(name: str):
        service = _service_name(name)
        if any(key.lower() == "wsdl" for key in request.args):
            address = f"{request.url_root}{BASE_PATH.lstrip('/')}{service}.asmx"
            return _xml(_wsdl(service, address))
        items = "".join(f"<li>{escape(op)}</li>" for op in contract.OPERATIONS[service])
        return (f"<!doctype html><html lang=en><title>{service}</title><h1>{service}</h1>"
                f'<p><a href="?WSDL">Service description</a></p><ul>{items}</ul>')

    @app.post(f"{BASE_PATH}<name>.asmx")
    def call(name: str):
        service = _service_name(name)
        try:
            return _xml(_dispatch(sandbox, service, request.get_data()))
        except soap.SoapFault as fault:
            return _fault(fault)
        except _HttpFailure:
            return Response(IIS_ERROR, status=500, content_type="text/html")

    return app


class _HttpFailure(Exception):
    """Make the whole HTTP response an IIS error page (the flaky scenario)."""


def _dispatch(sandbox: Sandbox, service: str, body: bytes) -> bytes:
    header, element = soap.parse_envelope(body)
    ns = contract.namespace(service)
    qname = element.tag
    operation = qname.split("}", 1)[-1]
    if not qname.startswith(f"{{{ns}}}") or operation not in contract.OPERATIONS[service]:
        raise soap.SoapFault(f"Server did not recognize the value of HTTP Header SOAPAction: "
                             f"{request.headers.get('SOAPAction', '')}.", "soap:Client")
    spec = contract.OPERATIONS[service][operation]
    action = request.headers.get("SOAPAction", "").strip('"')
    if action and action != spec.soap_action:
        raise soap.SoapFault(f"Server did not recognize the value of HTTP Header SOAPAction: "
                             f"{action}.", "soap:Client")
    if sandbox.latency or sandbox.jitter:
        time.sleep(max(0.0, sandbox.latency + random.uniform(-sandbox.jitter, sandbox.jitter)))
    auth = soap.header_fields(header, f"{{{ns}}}{spec.header}")
    login = sandbox.authenticate(auth.get("Username", ""), auth.get("Token", "")) if auth else None
    if login is None:
        raise soap.SoapFault.nmbrs(1001)
    if login.latency:
        time.sleep(login.latency)
    if login.flaky and sandbox.flaky_failure(login, body):
        raise _HttpFailure()
    sandbox.record(login, service, operation)
    if not login.environment.subscription:
        raise soap.SoapFault.nmbrs(1004)
    if login.fault:
        raise soap.SoapFault.nmbrs(login.fault)
    domain = (auth.get("Domain") or "").strip().lower()
    if spec.header == "AuthHeaderWithDomain" and domain and domain != login.domain:
        raise soap.SoapFault.nmbrs(1001)
    # Nmbrs checks the template's right to the operation before it looks at any id.
    if not login.allowed(service, operation):
        raise soap.SoapFault.nmbrs(1002)
    args = soap.parse_arguments(spec, element)
    result = HANDLERS[(service, operation)](Call(sandbox, login), **args)
    return soap.render_response(spec, result)
