"""Parallel requests on one onboarding: exactly one completion, never a 500."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from tests.support.http_wizard import HttpWizard
from tests.support.servers import ThreadedServer
from wizard.extensions import db
from wizard.models import AuditEvent, MailMessage, OnboardingStatus, OutboxMessage, TermsAcceptance
from wizard.terms import current_terms_version

PARALLEL = 10


@pytest.fixture
def server(app):
    """The app on a waitress server with enough threads to run the requests truly in parallel."""
    with ThreadedServer(app, threads=PARALLEL + 2) as running:
        app.config["PUBLIC_URL"] = running.url
        yield running


def in_parallel(action, count: int = PARALLEL) -> list:
    """Run ``action(i)`` in ``count`` threads released at the same moment; their results."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(index):
        barrier.wait()
        try:
            results[index] = action(index)
        except Exception as error:  # noqa: BLE001 - the test looks at it
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def count(model, **filters) -> int:
    db.session.expire_all()
    return db.session.scalar(select(db.func.count()).select_from(model).filter_by(**filters))


@pytest.mark.both_databases
def test_ten_parallel_final_posts_complete_once_and_losers_see_the_done_page(
        app, server, sandbox, make_onboarding):
    onboarding, link = make_onboarding()
    browser = HttpWizard(server.url)
    browser.open_invite(link)
    login = sandbox.login("full")
    companies = browser.to_entities(login.username, login.token)
    token = browser.csrf_token("entities")
    fields = [("company", company) for company in companies]

    tabs = [browser.clone() for _ in range(PARALLEL)]
    answers = in_parallel(lambda i: tabs[i].submit("entities", fields, token=token))

    assert [a for a in answers if isinstance(a, Exception)] == []
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [302] * PARALLEL, statuses
    assert {a.headers["Location"].rsplit("/", 1)[-1] for a in answers} == {"done"}
    for tab in tabs:
        page = tab.get("/onboarding/done")
        assert page.status_code == 200 and "<h1" in page.text
    db.session.refresh(onboarding)
    assert onboarding.status is OnboardingStatus.COMPLETED and onboarding.revision == 1
    assert count(OutboxMessage) == 1
    assert count(AuditEvent, onboarding_id=onboarding.id, event_type="onboarding.completed") == 1
    assert count(MailMessage, onboarding_id=onboarding.id, kind="completed") == 1


@pytest.mark.both_databases
def test_resubmitting_the_terms_keeps_one_acceptance_per_version_and_person(
        app, server, make_onboarding):
    onboarding, link = make_onboarding()
    browser = HttpWizard(server.url)
    browser.open_invite(link)
    token = browser.csrf_token("terms")
    fields = {"version": current_terms_version(), "accept": "y", "name": "Sanne de Vries"}

    for _ in range(3):
        assert browser.submit("terms", fields, token=token).status_code == 302
    answers = in_parallel(lambda i: browser.clone().submit("terms", fields, token=token))
    assert sorted(a.status_code for a in answers) == [302] * PARALLEL
    # The same person again, spelled with other capitals and spaces: still the same person.
    assert browser.submit("terms", {**fields, "name": "  sanne DE vries "}, token=token).status_code == 302
    assert count(TermsAcceptance, onboarding_id=onboarding.id) == 1
    assert count(AuditEvent, onboarding_id=onboarding.id, event_type="terms.accepted") == 1

    # Another person accepting is evidence of its own.
    assert browser.submit("terms", {**fields, "name": "Pieter Bakker"}, token=token).status_code == 302
    assert count(TermsAcceptance, onboarding_id=onboarding.id) == 2
