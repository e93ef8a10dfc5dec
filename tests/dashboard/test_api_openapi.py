"""The OpenAPI document names exactly the API's routes, and real answers fit its schemas."""
import re

import pytest
from jsonschema import Draft202012Validator

from tests.dashboard.test_api import NEW, Crm


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len("/api/v1"):])
            path = path.replace("{public_id}", "{id}")
            routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_the_document_describes_exactly_the_routes(app, document):
    assert document["openapi"].startswith("3.1")
    described = {(path, method) for path, operations in document["paths"].items()
                 for method in operations}
    assert described == api_routes(app)
    assert document["servers"] == [{"url": "http://127.0.0.1:5000/api/v1"}]


def test_every_operation_has_responses_and_known_references(document):
    schemas = document["components"]["schemas"]
    text = str(document)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in schemas, name
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"], (path, method)
            if method == "post":
                assert any(p["name"] == "Idempotency-Key" and p["required"]
                           for p in operation.get("parameters", ())), path
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)


def check(document, schema: str, answer) -> None:
    validator = Draft202012Validator({"$ref": f"#/components/schemas/{schema}",
                                      "components": document["components"]})
    errors = sorted(validator.iter_errors(answer), key=str)
    assert not errors, [e.message for e in errors]


def test_real_answers_fit_the_schemas(client, api_keys, document):
    crm = Crm(client, api_keys["write"])
    created = crm.post("/onboardings", NEW)
    check(document, "InviteAnswer", created.json)
    public_id = created.json["onboarding"]["id"]
    check(document, "OnboardingAnswer", crm.get(f"/onboardings/{public_id}").json)
    check(document, "OnboardingList", crm.get("/onboardings").json)
    check(document, "InviteAnswer", crm.post(f"/onboardings/{public_id}/resend").json)
    check(document, "OnboardingAnswer", crm.post(f"/onboardings/{public_id}/revoke").json)
    for failing in (crm.get("/onboardings/nope"), crm.post("/onboardings", {}),
                    Crm(client, None).get("/onboardings")):
        check(document, "Error", failing.json)
        assert failing.json["error"]["code"] in str(document["components"]["schemas"]["Error"])
