"""Health endpoints for load balancers and orchestrators."""
from sqlalchemy.exc import OperationalError


def test_healthz_says_the_process_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json["database"] == "ok"


def test_readyz_reports_an_unreachable_database(client, app, monkeypatch):
    from wizard.extensions import db

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable",
                             "error": "OperationalError"}


def test_unknown_json_paths_answer_json(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
