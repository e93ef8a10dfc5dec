"""Fixture ladder: app -> client -> runner, plus the live server and databases.

Every test gets a fresh database. Tests marked ``both_databases`` run once on
SQLite and once on a throw-away PostgreSQL cluster started for the session.
"""
from __future__ import annotations

import os
import re

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.exc import OperationalError

from tests.support.consent import AccountCredentials, ClientCredentials
from tests.support.postgres import TemporaryPostgres
from tests.support.servers import ThreadedServer
from tests.support.smtp import start_smtp_server
from tests.support.snapshot import database_snapshot
from wizard import create_app
from wizard.extensions import db

TEST_SECRET = "test-secret-key-not-for-production-0123456789"


@pytest.fixture(autouse=True, scope="session")
def _isolated_environment():
    """A developer's WIZARD_* variables must not leak into the tests."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("WIZARD_")}
    for key in saved:
        del os.environ[key]
    yield
    os.environ.update(saved)


def pytest_generate_tests(metafunc):
    if "db_backend" in metafunc.fixturenames:
        backends = ["sqlite", "postgresql"] if metafunc.definition.get_closest_marker(
            "both_databases") else ["sqlite"]
        metafunc.parametrize("db_backend", backends, indirect=True)


@pytest.fixture
def db_backend(request):
    return request.param


@pytest.fixture(scope="session")
def postgres_server():
    server = TemporaryPostgres.start()
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries missing on CI: `make postgresql` installs them")
        pytest.skip("PostgreSQL binaries not installed (run `make postgresql`)")
    yield server
    server.stop()


@pytest.fixture
def database_url(db_backend, tmp_path, request):
    if db_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    server = request.getfixturevalue("postgres_server")
    return server.fresh_database_url()


@pytest.fixture(scope="session")
def sync_key_pair() -> tuple[str, str]:
    """The test sync backend's RSA key pair (private PEM, public PEM), made once per session."""
    from wizard.handoff.keys import generate_key_pair

    return generate_key_pair(2048)


@pytest.fixture(scope="session")
def sync_webhook_secret() -> str:
    from wizard.handoff.keys import new_webhook_secret

    return new_webhook_secret()


@pytest.fixture
def app_config(tmp_path, database_url, sync_key_pair, sync_webhook_secret) -> dict:
    """The one explicit test configuration; tests may tweak it before ``app`` is built."""
    return {
        "ENV": "testing",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEYS": [TEST_SECRET],
        "SECRET_KEY": TEST_SECRET,
        "ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
        "MAIL_BACKEND": "file",
        "PUBLIC_URL": "http://127.0.0.1:5000",
        "LOG_FORMAT": "json",
        # Port 9 (discard) on loopback: nothing listens; tests that deliver start a receiver.
        "SYNC_URL": "http://127.0.0.1:9/webhooks/onboarding",
        "SYNC_WEBHOOK_SECRET": sync_webhook_secret,
        "SYNC_PUBLIC_KEY": sync_key_pair[1],
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
        yield app
        runner = app.extensions.get("validation_runner")
        if runner is not None:
            runner.shutdown(wait=True)  # background checks finish before the database goes
        try:
            db.session.remove()
        except OperationalError:  # a test restarted the database under this connection
            db.session().invalidate()
            db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on a free loopback port; the app sends its email there.

    ``smtp_server.messages`` holds the parsed ``EmailMessage`` objects received;
    ``smtp_server.inbox.wait(n)`` waits for ``n`` of them.
    """
    server = start_smtp_server()
    app.config.update(server.config())
    yield server
    server.stop()


@pytest.fixture
def snapshot(app):
    """``snapshot()`` returns every row of every table (compare before and after a request)."""
    return database_snapshot


@pytest.fixture
def make_onboarding(app):
    """Factory: an onboarding plus a fresh invite link, committed."""
    from wizard.invites import issue_invite_link
    from wizard.models import Actor
    from wizard.lifecycle import create_onboarding

    def make(organisation="Bakkerij De Vries B.V.", email="hr@devries.example", **kwargs):
        onboarding = create_onboarding(organisation=organisation, contact_email=email,
                                       actor=Actor.SUPPORT, **kwargs)
        link = issue_invite_link(onboarding)
        db.session.commit()
        return onboarding, link

    return make


CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class WizardActions:
    """Client actions that read like what an HR manager does."""

    def __init__(self, client):
        self.client = client

    def open_invite(self, link: str):
        return self.client.get(link.replace("http://127.0.0.1:5000", ""))

    def csrf_token(self, step: str) -> str:
        page = self.client.get(f"/onboarding/{step}")
        match = CSRF_PATTERN.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on step {step} ({page.status_code})"
        return match.group(1)

    def submit(self, step: str, **fields):
        data = {"csrf_token": self.csrf_token(step), **fields}
        return self.client.post(f"/onboarding/{step}", data=data)

    def back(self, location: str):
        return self.client.get(location)


@pytest.fixture
def wizard(client):
    return WizardActions(client)


class LiveServer(ThreadedServer):
    """The app served by waitress (a real WSGI server) on a free loopback port."""


@pytest.fixture
def live_server(app):
    """Start the live server; PUBLIC_URL points at it so emailed links work."""
    server = LiveServer(app)
    app.config["PUBLIC_URL"] = server.url
    server.start()
    yield server
    server.stop()


@pytest.fixture
def simple_flow(app, monkeypatch):
    """Install a small flow of confirm-only steps, so generic wizard rules are tested
    independently of the real steps' forms. Its onboardings carry no credentials, so the
    hand-off to the sync backend (tested in tests/handoff and the real flows) is off."""
    monkeypatch.setattr("wizard.lifecycle.enqueue_handoff", lambda onboarding: None)
    from tests.support.steps import FinishingPlaceholderStep, PlaceholderStep
    from wizard.steps.base import StepMachine
    from wizard.steps.done import DoneStep

    flow = StepMachine([
        PlaceholderStep("first", "Eerste"),
        PlaceholderStep("second", "Tweede"),
        PlaceholderStep("third", "Derde"),
        FinishingPlaceholderStep("fourth", "Vierde"),
        DoneStep(),
    ])
    app.extensions["step_machine"] = flow
    return flow


class NmbrsSandboxServer(ThreadedServer):
    """The Nmbrs sandbox (SOAP, identity server, REST) served by waitress on a free loopback port.

    ``soap_url`` is the base URL to put in ``NMBRS_SOAP_URL``; ``login(scenario)`` gives the
    credentials of a scenario from ``wizard/sandbox/logins.toml``. For REST: ``identity_url`` and
    ``rest_url`` (both this server's root), ``oauth_client`` (the demo client's id and secret),
    ``subscription_key``, and ``consent_account(scenario)`` (username and password from
    ``wizard/sandbox/consent.toml``). ``state`` is the emulator's memory: stored documents,
    started tasks, requests, ``state.identity`` (grants, ``revoke_account``,
    ``register_client``), ``state.gateway`` (``limit``) and ``state.clock`` (``advance``).
    """

    def __init__(self, latency: float = 0.0, threads: int = 16, jitter: float = 0.0):
        from wizard.sandbox import make_sandbox_app

        self.app = make_sandbox_app(latency=latency, jitter=jitter)
        self.state = self.app.extensions["nmbrs_sandbox"]
        super().__init__(self.app, threads=threads)
        self.soap_url = f"{self.url}/soap/v3/"
        self.identity_url = self.url
        self.rest_url = self.url
        demo = self.state.consent.demo
        self.oauth_client = ClientCredentials(demo.client_id, demo.client_secret)
        self.subscription_key = demo.subscription_key

    def login(self, scenario: str):
        from wizard.nmbrs import NmbrsCredentials

        login = self.state.login(scenario)
        return NmbrsCredentials(login.username, login.token)

    def consent_account(self, scenario: str) -> AccountCredentials:
        account = self.state.consent_account(scenario)
        return AccountCredentials(account.username, account.password)


@pytest.fixture(scope="session")
def nmbrs_sandbox():
    """One running Nmbrs sandbox for the whole session (its state only grows)."""
    server = NmbrsSandboxServer().start()
    yield server
    server.stop()


@pytest.fixture
def sandbox_clock(nmbrs_sandbox):
    """The sandbox's clock, put back where it was after the test (the sandbox is shared)."""
    clock = nmbrs_sandbox.state.clock
    offset, real = clock._offset, clock.wait_for_real
    yield clock
    clock._offset, clock.wait_for_real = offset, real


@pytest.fixture
def sandbox(app, nmbrs_sandbox):
    """The running sandbox, with the app's SOAP, identity server and REST settings aimed at it."""
    from tests.support.connect import use_sandbox

    use_sandbox(app, nmbrs_sandbox)
    return nmbrs_sandbox


@pytest.fixture
def consent_started(make_onboarding, wizard, sandbox):
    """An onboarding on its "Inloggen bij Nmbrs" step (terms, package and method done)."""
    from tests.support.connect import to_consent

    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    to_consent(wizard)
    return onboarding
