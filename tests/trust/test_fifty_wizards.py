"""Fifty clients walk the wizard at once over real HTTP against PostgreSQL and the Nmbrs sandbox:
no 5xx, every stored secret is its own client's, and no page shows another client's data."""
from __future__ import annotations

import random
import secrets

import pytest
from sqlalchemy import select

from tests.support.http_wizard import HttpWizard
from tests.support.servers import ThreadedServer
from tests.trust.test_concurrency import in_parallel
from wizard.extensions import db
from wizard.handoff.payload import open_credentials
from wizard.models import Onboarding, OnboardingStatus, OutboxMessage
from wizard.terms import current_terms_version

CLIENTS = 50


@pytest.fixture
def database_url(postgres_server):
    return postgres_server.fresh_database_url()


def spellings(address: str, count: int) -> list[str]:
    """``count`` distinct capitalisations of ``address``: Nmbrs (and the sandbox) match usernames
    without case, so each client logs in with the sandbox's own token under a username only it uses."""
    letters = [i for i, char in enumerate(address) if char.isalpha()]
    chosen, rng = set(), random.Random(13)
    while len(chosen) < count:
        upper = {i for i in letters if rng.random() < 0.5}
        chosen.add("".join(c.upper() if i in upper else c for i, c in enumerate(address)))
    chosen.discard(address)
    return sorted(chosen)[:count]


def test_fifty_concurrent_wizards_keep_to_themselves(app, sandbox, make_onboarding, sync_key_pair):
    login = sandbox.login("full")
    usernames = spellings(login.username, CLIENTS)
    assert len(usernames) == CLIENTS
    clients = []
    for number, username in enumerate(usernames):
        tag = secrets.token_hex(4)
        onboarding, link = make_onboarding(
            organisation=f"Canary {tag} Organisatie B.V.", email=f"canary-{tag}@klant{number}.example",
            contact_name=f"Canary Contact {tag}", language=random.Random(number).choice(["nl", "en"]))
        clients.append({"id": onboarding.id, "link": link, "username": username,
                        "canaries": {onboarding.organisation, onboarding.contact_email,
                                     onboarding.contact_name, username, f"Canary Signer {tag}"},
                        "signer": f"Canary Signer {tag}"})

    version = current_terms_version()
    with ThreadedServer(app, threads=16) as server:
        app.config["PUBLIC_URL"] = server.url

        def walk(index: int) -> HttpWizard:
            client = clients[index]
            browser = HttpWizard(server.url, timeout=180)
            browser.open_invite(client["link"])
            companies = browser.to_entities(client["username"], login.token, name=client["signer"],
                                            terms_version=version)
            finished = browser.submit("entities", [("company", c) for c in companies])
            assert finished.status_code == 302, finished.status_code
            assert browser.get("/onboarding/done").status_code == 200
            return browser

        browsers = in_parallel(walk, CLIENTS)

    errors = [b for b in browsers if isinstance(b, BaseException)]
    assert errors == []
    server_errors = [(i, r.request.method, r.request.path_url, r.status_code)
                     for i, b in enumerate(browsers) for r in b.responses if r.status_code >= 500]
    assert server_errors == []

    db.session.remove()
    for index, (client, browser) in enumerate(zip(clients, browsers)):
        onboarding = db.session.get(Onboarding, client["id"])
        assert onboarding.status is OnboardingStatus.COMPLETED
        # The stored credential (decrypted by the vault) and the sealed hand-off are its own.
        secret = onboarding.credential.secret
        assert (secret["username"], secret["token"]) == (client["username"], login.token)
        message = db.session.scalar(select(OutboxMessage).filter_by(onboarding_id=onboarding.id))
        sealed = open_credentials(message.payload["data"]["credentials"], sync_key_pair[0])
        assert sealed["onboarding_id"] == onboarding.public_id
        assert sealed["secret"]["username"] == client["username"]
        assert message.payload["data"]["organisation"]["contact_email"] in client["canaries"]
        # No page this browser saw carries another client's data.
        others = set().union(*(c["canaries"] for c in clients if c is not client))
        seen = "\n".join(r.text + str(r.headers) for r in browser.responses)
        assert [canary for canary in others if canary in seen] == [], index
    assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == CLIENTS
