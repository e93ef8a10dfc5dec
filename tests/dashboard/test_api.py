"""The CRM's API: keys (valid, missing, revoked, wrong scope), idempotent POSTs, cursors,
and malformed input that always gets a 4xx JSON error, never a 500."""
import json
import uuid

import pytest

from wizard.extensions import db
from wizard.models import Actor, AuditEvent, IdempotencyRecord, Onboarding
from wizard.staff.api_keys import KEY_PREFIX

NEW = {"organisation": "Bakkerij Jansen B.V.", "contact_email": "hr@jansen.example",
       "contact_name": "Piet Jansen", "language": "en", "expires_days": 10}


class Crm:
    """The CRM's side of the API, over the test client."""

    def __init__(self, client, key):
        self.client, self.key = client, key

    def headers(self, idempotency_key: str | None = "auto", **extra):
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        if idempotency_key == "auto":
            idempotency_key = str(uuid.uuid4())
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return {**headers, **extra}

    def get(self, path, **kwargs):
        return self.client.get("/api/v1" + path, headers=self.headers(None), **kwargs)

    def post(self, path, body=None, idempotency_key="auto", **kwargs):
        if body is not None:
            kwargs["json"] = body
        return self.client.post("/api/v1" + path, headers=self.headers(idempotency_key), **kwargs)


@pytest.fixture
def crm(client, api_keys):
    return Crm(client, api_keys["write"])


@pytest.fixture
def reader(client, api_keys):
    return Crm(client, api_keys["read"])


def error_code(response) -> str:
    assert response.is_json, response.get_data(as_text=True)[:200]
    return response.json["error"]["code"]


def test_create_returns_id_status_and_link_and_emails_the_invite(crm, smtp_server):
    response = crm.post("/onboardings", NEW)
    assert response.status_code == 201, response.json
    onboarding = response.json["onboarding"]
    assert onboarding["status"] == "invited" and onboarding["current_step"] == "terms"
    assert onboarding["contact"] == {"name": "Piet Jansen", "email": "hr@jansen.example"}
    assert response.headers["Location"] == f"/api/v1/onboardings/{onboarding['id']}"
    assert response.json["link"].startswith("http://127.0.0.1:5000/i/")
    email = smtp_server.inbox.wait(1)[0]
    assert response.json["link"] in email.get_body(("plain",)).get_content()
    event = db.session.scalar(db.select(AuditEvent).filter_by(event_type="invite.sent"))
    assert event.actor is Actor.SUPPORT and event.api_key.name == "CRM"


def test_get_and_list_show_state_never_a_link(crm, reader):
    created = crm.post("/onboardings", NEW).json["onboarding"]
    one = reader.get(f"/onboardings/{created['id']}")
    assert one.status_code == 200 and one.json["onboarding"]["id"] == created["id"]
    assert "link" not in one.json and "/i/" not in one.get_data(as_text=True)
    listed = reader.get("/onboardings?status=invited")
    assert [o["id"] for o in listed.json["data"]] == [created["id"]]
    assert reader.get("/onboardings?status=completed").json["data"] == []


def test_the_list_pages_with_a_cursor_and_updated_since(crm):
    ids = [crm.post("/onboardings", {**NEW, "organisation": f"Org {n}"}).json["onboarding"]["id"]
           for n in range(5)]
    seen, cursor = [], None
    while True:
        page = crm.get("/onboardings?limit=2" + (f"&cursor={cursor}" if cursor else "")).json
        seen += [o["id"] for o in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids
    third = db.session.scalar(db.select(Onboarding).filter_by(public_id=ids[2]))
    since = third.updated_at.isoformat()
    later = crm.get("/onboardings", query_string={"updated_since": since}).json["data"]
    assert [o["id"] for o in later] == ids[2:]


def test_actions_resend_revoke_relink(crm, wizard):
    created = crm.post("/onboardings", NEW).json
    public_id = created["onboarding"]["id"]
    resent = crm.post(f"/onboardings/{public_id}/resend", {"expires_days": 20})
    assert resent.status_code == 200 and resent.json["link"] != created["link"]
    assert wizard.open_invite(created["link"]).status_code == 410
    relink = crm.post(f"/onboardings/{public_id}/relink")
    assert relink.status_code == 409 and error_code(relink) == "invalid_state"
    revoked = crm.post(f"/onboardings/{public_id}/revoke")
    assert revoked.status_code == 200 and revoked.json["onboarding"]["status"] == "revoked"
    again = crm.post(f"/onboardings/{public_id}/resend")
    assert again.status_code == 409 and "revoked" in again.json["error"]["message"]


@pytest.mark.both_databases
def test_a_replayed_idempotency_key_never_creates_two_invites(crm, smtp_server):
    first = crm.post("/onboardings", NEW, idempotency_key="crm-42")
    replay = crm.post("/onboardings", NEW, idempotency_key="crm-42")
    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json["onboarding"]["id"] == first.json["onboarding"]["id"]
    assert replay.json["link"] is None  # a link is never stored, so never replayed
    assert db.session.scalar(db.select(db.func.count()).select_from(Onboarding)) == 1
    assert len(smtp_server.inbox.wait(1)) == 1
    stored = db.session.scalar(db.select(IdempotencyRecord))
    assert first.json["link"] not in json.dumps(stored.response)

    other = crm.post("/onboardings", {**NEW, "organisation": "Other"}, idempotency_key="crm-42")
    assert other.status_code == 422 and error_code(other) == "idempotency_key_reused"
    assert crm.post("/onboardings", NEW, idempotency_key=None).status_code == 400
    assert error_code(crm.post("/onboardings", NEW, idempotency_key="x" * 201)) == "invalid_idempotency_key"


def test_keys_are_per_api_key_and_errors_replay_too(client, api_keys, crm):
    other = Crm(client, api_keys["write"])
    bad = {**NEW, "language": "fr"}
    assert crm.post("/onboardings", bad, idempotency_key="k1").status_code == 422
    replay = crm.post("/onboardings", bad, idempotency_key="k1")
    assert replay.status_code == 422 and replay.headers["Idempotent-Replayed"] == "true"
    assert other.post("/onboardings", NEW, idempotency_key="k2").status_code == 201


def test_a_request_in_flight_holds_its_key(crm, api_keys):
    from wizard.api.idempotency import fingerprint
    from wizard.models import ApiKey

    key = db.session.scalar(db.select(ApiKey).filter_by(name="CRM"))
    body = json.dumps(NEW).encode()
    db.session.add(IdempotencyRecord(api_key_id=key.id, key="busy", fingerprint=fingerprint(
        "POST", "/api/v1/onboardings", body)))
    db.session.commit()
    response = crm.client.post("/api/v1/onboardings", data=body, content_type="application/json",
                               headers=crm.headers("busy"))
    assert response.status_code == 409 and error_code(response) == "idempotency_in_progress"


@pytest.mark.parametrize("key_name, method, path, status, code", [
    (None, "GET", "/onboardings", 401, "missing_api_key"),
    ("garbage", "GET", "/onboardings", 401, "invalid_api_key"),
    ("unknown", "GET", "/onboardings", 401, "invalid_api_key"),
    ("revoked", "GET", "/onboardings", 401, "revoked_api_key"),
    ("revoked", "POST", "/onboardings", 401, "revoked_api_key"),
    ("read", "POST", "/onboardings", 403, "insufficient_scope"),
    ("read", "POST", "/onboardings/x/revoke", 403, "insufficient_scope"),
    ("read", "GET", "/onboardings", 200, None),
    ("write", "GET", "/onboardings", 200, None),
])
def test_keys_and_scopes(client, api_keys, key_name, method, path, status, code):
    key = {"garbage": "not-a-key", "unknown": KEY_PREFIX + "x" * 43}.get(key_name) or api_keys.get(key_name)
    crm = Crm(client, key)
    response = crm.get(path) if method == "GET" else crm.post(path, NEW)
    assert response.status_code == status
    if code:
        assert error_code(response) == code
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_session_cookie_is_not_an_api_credential(agent):
    response = agent.client.get("/api/v1/onboardings")
    assert response.status_code == 401 and error_code(response) == "missing_api_key"


@pytest.mark.parametrize("body, content_type, status, code", [
    (b"{not json", "application/json", 400, "invalid_json"),
    (b"[1, 2]", "application/json", 400, "invalid_json"),
    (b'"text"', "application/json", 400, "invalid_json"),
    (b"organisation=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    (b"{}", "application/json", 422, "validation_failed"),
    (json.dumps({**NEW, "contact_email": "not-an-address"}).encode(), "application/json", 422, "validation_failed"),
    (json.dumps({**NEW, "organisation": 5}).encode(), "application/json", 422, "validation_failed"),
    (json.dumps({**NEW, "organisation": "x" * 201}).encode(), "application/json", 422, "validation_failed"),
    (json.dumps({**NEW, "profile": "root"}).encode(), "application/json", 422, "validation_failed"),
    (json.dumps({**NEW, "expires_days": 0}).encode(), "application/json", 422, "validation_failed"),
    (json.dumps({**NEW, "expires_days": True}).encode(), "application/json", 422, "validation_failed"),
    (json.dumps({**NEW, "expires_days": "10"}).encode(), "application/json", 422, "validation_failed"),
    (json.dumps({**NEW, "admin": True}).encode(), "application/json", 422, "validation_failed"),
    (json.dumps({**NEW, "organisation": None}).encode(), "application/json", 422, "validation_failed"),
    (b"\xff\xfe\x00garbage", "application/json", 400, "invalid_json"),
    (b"x" * (1024 * 1024 + 10), "application/json", 413, "payload_too_large"),
])
def test_malformed_bodies_get_a_4xx_json_error(crm, body, content_type, status, code):
    response = crm.client.post("/api/v1/onboardings", data=body, content_type=content_type,
                               headers=crm.headers())
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert error_code(response) == code


@pytest.mark.parametrize("query", ["status=weird", "limit=0", "limit=101", "limit=abc",
                                   "updated_since=yesterday", "updated_since=2026-11-01T00:00:00",
                                   "cursor=not-a-cursor", "cursor=WzEsMl0", "cursor=%00%ff"])
def test_malformed_queries_get_a_4xx_json_error(reader, query):
    response = reader.get(f"/onboardings?{query}")
    assert 400 <= response.status_code < 500 and error_code(response) in (
        "invalid_parameter", "invalid_cursor")


@pytest.mark.parametrize("path", ["/onboardings/does-not-exist", "/onboardings/" + "x" * 500,
                                  "/onboardings/%00", "/nothing-here"])
def test_unknown_things_are_json_404s(reader, path):
    response = reader.get(path)
    assert response.status_code == 404 and error_code(response) == "not_found"


def test_wrong_methods_are_json_405s(crm):
    response = crm.client.delete("/api/v1/onboardings", headers=crm.headers())
    assert response.status_code == 405 and error_code(response) == "method_not_allowed"


def test_actions_on_unknown_ids_are_404_and_refuse_bodies_they_do_not_know(crm):
    assert error_code(crm.post("/onboardings/nope/resend")) == "not_found"
    created = crm.post("/onboardings", NEW).json["onboarding"]["id"]
    response = crm.post(f"/onboardings/{created}/revoke", {"reason": "x"})
    assert response.status_code == 422 and response.json["error"]["fields"] == {"reason": "unknown field"}


def test_the_api_needs_no_csrf_token_but_support_forms_still_do(crm, agent, make_onboarding):
    assert crm.post("/onboardings", NEW).status_code == 201
    onboarding, _ = make_onboarding()
    assert agent.client.post(f"/support/onboardings/{onboarding.public_id}/resend").status_code == 400


def test_only_the_api_is_exempt_from_csrf(app):
    from wizard.extensions import csrf

    assert {bp.name for bp in csrf._exempt_blueprints} == {"api"} and csrf._exempt_views == set()
