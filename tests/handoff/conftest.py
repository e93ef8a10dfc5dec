"""Hand-off fixtures: completed onboardings (per the data contract) and a live reference receiver."""
from __future__ import annotations

import secrets
import socket

import pytest

from wizard.terms import current_terms_version
from wizard.extensions import db
from wizard.models import Credential, OutboxMessage
from wizard.models.base import utcnow
from wizard.lifecycle import complete_onboarding
from wizard.sandbox.receiver import WEBHOOK_PATH, ReceiverStore, create_receiver_app
from tests.support.servers import ThreadedServer

COMPANIES = [{"id": 101, "number": 1, "name": "De Vries Bakkerij B.V.", "debtor_id": 11},
             {"id": 102, "number": 2, "name": "De Vries Horeca B.V.", "debtor_id": 11}]


def contract_answers(domain: str = "devries", username: str = "hr@devries.example") -> dict:
    """Every step's answer as issues 3 and 5 store them (see HELPER_BRIEF data contract)."""
    at = utcnow().isoformat()
    return {
        "terms": {"at": at, "version": current_terms_version()},
        "package": {"at": at, "package": "nmbrs"},
        "method": {"at": at, "method": "token"},
        "credentials": {"at": at, "domain": domain, "username": username},
        "validation": {"at": at, "run_id": 7, "required_ok": True, "checked": 12, "ok": 11,
                       "optional_failed": ["Employee_GetAll_AllCompanies"]},
        "entities": {"at": at, "debtors": [{"id": 11, "number": 1, "name": "De Vries Groep"}],
                     "companies": COMPANIES},
    }


def new_token() -> str:
    return "nmbrs" + secrets.token_hex(16)


@pytest.fixture
def complete_with_credentials(make_onboarding):
    """Factory: an onboarding with answers and a token credential, completed and committed."""

    def make(token: str | None = None, organisation: str = "Bakkerij De Vries B.V.", **kwargs):
        onboarding, _ = make_onboarding(organisation=organisation, **kwargs)
        onboarding.raw_answers.update(contract_answers())
        db.session.add(Credential(onboarding=onboarding, method="token", secret={
            "username": "hr@devries.example", "token": token or new_token(), "domain": "devries"}))
        complete_onboarding(onboarding)
        db.session.commit()
        return onboarding

    return make


def outbox_message(onboarding) -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.onboarding_id == onboarding.id))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningReceiver(ThreadedServer):
    """The reference receiver served by waitress on loopback, in a thread (started at once)."""

    def __init__(self, secret: str, private_pem: str, port: int = 0):
        self.store = ReceiverStore()
        self.lines: list[str] = []
        app = create_receiver_app(webhook_secret=secret, private_key_pem=private_pem,
                                  store=self.store, echo=self.lines.append)
        super().__init__(app, port=port)
        self.url = f"{self.url}{WEBHOOK_PATH}"
        self.start()


@pytest.fixture
def start_receiver(app, sync_key_pair, sync_webhook_secret):
    """Factory: start a receiver (on ``port``, or a free one) and point SYNC_URL at it."""
    running = []

    def start(port: int = 0, private_pem: str | None = None) -> RunningReceiver:
        receiver = RunningReceiver(sync_webhook_secret, private_pem or sync_key_pair[0], port)
        running.append(receiver)
        app.config["SYNC_URL"] = receiver.url
        return receiver

    yield start
    for receiver in running:
        receiver.stop()


@pytest.fixture
def receiver(start_receiver):
    return start_receiver()
