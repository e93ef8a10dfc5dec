"""A database that goes away mid-wizard: a calm 503 in the client's language, nothing half-written,
and the next request works. The restart test runs against a PostgreSQL cluster of its own."""
from __future__ import annotations

import threading
import time

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tests.support.http_wizard import HttpWizard
from tests.support.postgres import TemporaryPostgres
from tests.support.servers import ThreadedServer
from wizard.extensions import db
from wizard.models import Onboarding, TermsAcceptance
from wizard.terms import current_terms_version

DUTCH, ENGLISH = "Even niet bereikbaar", "Temporarily unavailable"


def test_an_unreachable_database_gives_a_503_page_in_the_clients_language(
        app, client, wizard, make_onboarding, monkeypatch):
    _, link = make_onboarding(language="en")
    wizard.open_invite(link)

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr("wizard.onboarding.views.current_onboarding", unreachable)
    monkeypatch.setattr("wizard.i18n.current_onboarding", unreachable)
    response = client.get("/onboarding/terms")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    page = response.get_data(as_text=True)
    assert ENGLISH in page and '<html lang="en"' in page and "nothing was lost" in page.lower()

    client.get("/language/nl")  # an explicit choice wins
    assert DUTCH in client.get("/onboarding/terms").get_data(as_text=True)
    readiness = client.get("/readyz")
    assert readiness.status_code in (200, 503)  # readyz answers on its own terms, never 500


@pytest.fixture(scope="module")
def own_cluster():
    """A PostgreSQL cluster only this module restarts, so the suite's shared one stays up."""
    import os

    if os.environ.get("WIZARD_TEST_POSTGRES_URL"):
        pytest.skip("an external PostgreSQL cannot be restarted by the tests")
    cluster = TemporaryPostgres.start()
    if cluster is None:
        pytest.skip("PostgreSQL binaries not installed (run `make postgresql`)")
    yield cluster
    cluster.stop()


@pytest.fixture
def database_url(own_cluster):
    return own_cluster.fresh_database_url()


def forget_connection() -> None:
    """The test's own session: drop its connection (the restart may have killed it)."""
    try:
        db.session.remove()
    except OperationalError:
        db.session().invalidate()
        db.session.remove()


def restart(cluster) -> None:
    """``pg_ctl restart -m fast``: every session is terminated, then the server comes back."""
    cluster._run("pg_ctl", "-D", str(cluster.datadir), "-w", "-m", "fast", "restart")


def waiting_on_locks(cluster, count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=postgres dbname=postgres",
                         autocommit=True) as admin:
        while time.monotonic() < deadline:
            waiting = admin.execute("SELECT count(*) FROM pg_stat_activity "
                                    "WHERE wait_event_type = 'Lock'").fetchone()[0]
            if waiting >= count:
                return
            time.sleep(0.05)
    raise AssertionError(f"fewer than {count} requests got stuck on the lock")


def test_a_restart_mid_wizard_gives_503s_then_the_next_request_works(
        app, own_cluster, database_url, make_onboarding):
    with ThreadedServer(app, threads=8) as server:
        app.config["PUBLIC_URL"] = server.url
        dutch_onboarding, dutch_link = make_onboarding(organisation="Nederlands B.V.")
        english_onboarding, english_link = make_onboarding(organisation="English Ltd", language="en")
        dutch_id, english_id = dutch_onboarding.id, english_onboarding.id
        dutch, english = HttpWizard(server.url), HttpWizard(server.url)
        dutch.open_invite(dutch_link)
        english.open_invite(english_link)
        terms = {"version": current_terms_version(), "accept": "y", "name": "Sanne de Vries"}
        assert english.submit("terms", terms).status_code == 302
        dutch_token, english_token = dutch.csrf_token("terms"), english.csrf_token("package")

        # Hold every write of the audit trail, so both requests are mid-transaction (the terms
        # acceptance and the package answer already written) when the server goes down.
        database = database_url.split("/")[-1]
        holder = psycopg.connect(f"host=127.0.0.1 port={own_cluster.port} user=postgres dbname={database}")
        holder.execute("LOCK TABLE audit_event IN ACCESS EXCLUSIVE MODE")
        answers = {}
        requests_in_flight = [
            threading.Thread(target=lambda: answers.__setitem__("nl", dutch.submit(
                "terms", terms, token=dutch_token))),
            threading.Thread(target=lambda: answers.__setitem__("en", english.submit(
                "package", {"package": "nmbrs"}, token=english_token))),
        ]
        for thread in requests_in_flight:
            thread.start()
        waiting_on_locks(own_cluster, 2)
        restart(own_cluster)
        for thread in requests_in_flight:
            thread.join(timeout=30)
        holder.close()

        for language, heading in (("nl", DUTCH), ("en", ENGLISH)):
            response = answers[language]
            assert response.status_code == 503, (language, response.status_code)
            assert response.headers["Retry-After"] == "30"
            assert heading in response.text and f'<html lang="{language}"' in response.text

        # Nothing of either request was kept: no half-written onboarding.
        forget_connection()
        assert db.session.scalar(select(db.func.count(TermsAcceptance.id)).where(
            TermsAcceptance.onboarding_id == dutch_id)) == 0
        stored = {o.id: o.raw_answers for o in db.session.scalars(select(Onboarding))}
        assert "terms" not in stored[dutch_id]
        assert "package" not in stored[english_id] and "terms" in stored[english_id]

        # The next request works (the pool tests its connections before use), and so does the step.
        assert dutch.get("/onboarding/terms").status_code == 200
        assert english.get("/onboarding/package").status_code == 200
        assert dutch.submit("terms", terms).status_code == 302
        assert english.submit("package", {"package": "nmbrs"}).status_code == 302
        forget_connection()
        assert db.session.scalar(select(db.func.count(TermsAcceptance.id)).where(
            TermsAcceptance.onboarding_id == dutch_id)) == 1
        statuses = [r.status_code for r in dutch.responses + english.responses]
        assert not [s for s in statuses if s >= 500 and s != 503]

        # A restart while nobody is mid-request: the pooled connections are dead, yet the very
        # next requests work, because each connection is tested before it is handed out.
        restart(own_cluster)
        assert [dutch.get("/onboarding/package").status_code,
                english.get("/onboarding/method").status_code] == [200, 200]
    forget_connection()
