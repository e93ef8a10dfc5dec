"""The REST client against a scripted fake Nmbrs: what counts as an answer, and every error."""
import json
import threading
import time

import pytest
from flask import Flask, Response, request

from tests.support.servers import ThreadedServer
from wizard.nmbrs_rest import NmbrsRestClient, RestError, RestErrorKind
from wizard.nmbrs_rest.errors import classify


class Tokens:
    """A token source that counts renewals."""

    def __init__(self, renew_to="fresh"):
        self.token, self.renewals, self.renew_to = "stale", 0, renew_to

    def current(self):
        return self.token

    def renew(self):
        self.renewals += 1
        if self.renew_to is None:
            raise RestError(RestErrorKind.CONSENT_REVOKED, "invalid_grant")
        self.token = self.renew_to
        return self.token


def envelope(data, page=1, pages=1, records=None):
    return {"pagination": {"pageNumber": page, "pageSize": 100, "totalPages": pages,
                           "totalRecords": len(data) if records is None else records},
            "data": data}


def nmbrs_error(status, code, title="Error"):
    return Response(json.dumps({"type": "apiError", "httpStatus": status, "code": code,
                                "title": title, "detail": "..."}),
                    status=status, content_type="application/json")


class Script:
    """The fake's answers, by path; each a callable returning a Flask response."""

    def __init__(self):
        self.routes, self.seen, self.lock = {}, [], threading.Lock()


@pytest.fixture(scope="module")
def fake():
    script = Script()
    app = Flask("fake-nmbrs")

    @app.get("/api/<path:path>")
    def answer(path):
        with script.lock:
            script.seen.append((f"/api/{path}", dict(request.args),
                                request.headers.get("Authorization"),
                                request.headers.get("X-Subscription-Key")))
        return script.routes[f"/api/{path}"]()

    server = ThreadedServer(app, threads=8).start()
    yield server.url, script
    server.stop()


@pytest.fixture
def client(fake):
    url, script = fake
    script.routes.clear()
    script.seen.clear()
    return NmbrsRestClient(url, "our-key", timeout=2, max_bytes=64 * 1024), script


def test_bearer_token_and_subscription_key_are_sent(client):
    rest, script = client
    script.routes["/api/user/info"] = lambda: envelope([{"name": "Sanne"}])
    assert rest.get("/api/user/info", Tokens())["data"] == [{"name": "Sanne"}]
    assert script.seen[0][2:] == ("Bearer stale", "our-key")


@pytest.mark.parametrize("answer, kind", [
    (lambda: Response("<html>502 Bad Gateway</html>", 502, content_type="text/html"), "unreachable"),
    (lambda: Response("<html>ok?</html>", 200, content_type="text/html"), "malformed_response"),
    (lambda: Response('{"pagination": {}, "da', 200, content_type="application/json"),
     "malformed_response"),
    (lambda: {"items": []}, "malformed_response"),
    (lambda: nmbrs_error(403, 40303, "Unauthorized_AccessData"), "no_access"),
    (lambda: nmbrs_error(403, 40304, "Invalid_Subscription"), "no_subscription"),
    (lambda: nmbrs_error(403, 40306), "multiple_debtors"),
    (lambda: nmbrs_error(404, 40401, "Not_Found"), "not_found"),
    (lambda: nmbrs_error(429, 42909, "Quota_Exceeded"), "quota"),
    (lambda: nmbrs_error(500, 50001), "unreachable"),
    (lambda: Response('{"statusCode": 401, "message": "Access denied due to invalid subscription '
                      'key."}', 401, content_type="application/json"), "configuration"),
    (lambda: Response("x" * 100_000, 200, content_type="application/json"), "unreachable"),
])
def test_every_failure_has_its_kind(client, answer, kind):
    rest, script = client
    script.routes["/api/debtors"] = answer
    with pytest.raises(RestError) as caught:
        rest.get("/api/debtors", Tokens())
    assert caught.value.kind.value == kind


def test_an_expired_token_is_renewed_once_and_the_call_replayed(client):
    rest, script = client
    calls = iter([nmbrs_error(401, 40102, "Invalid_Token"), envelope([{"debtorId": "d"}])])
    script.routes["/api/debtors"] = lambda: next(calls)
    tokens = Tokens()
    assert rest.get("/api/debtors", tokens)["data"] == [{"debtorId": "d"}]
    assert tokens.renewals == 1 and script.seen[-1][2] == "Bearer fresh"


def test_a_token_refused_after_renewal_means_the_consent_is_gone(client):
    rest, script = client
    script.routes["/api/debtors"] = lambda: nmbrs_error(401, 40102, "Invalid_Token")
    with pytest.raises(RestError) as caught:
        rest.get("/api/debtors", Tokens())
    assert caught.value.kind is RestErrorKind.CONSENT_REVOKED
    with pytest.raises(RestError) as caught:
        rest.get("/api/debtors", Tokens(renew_to=None))
    assert caught.value.kind is RestErrorKind.CONSENT_REVOKED


def test_a_short_retry_after_is_waited_out_within_the_deadline(client):
    rest, script = client
    throttled = Response(json.dumps({"code": 42908, "title": "Too_Many_Calls"}), 429,
                         content_type="application/json", headers={"Retry-After": "1"})
    calls = iter([throttled, envelope([])])
    script.routes["/api/debtors"] = lambda: next(calls)
    started = time.monotonic()
    assert rest.get("/api/debtors", Tokens(), deadline=time.monotonic() + 5)["data"] == []
    assert 1 <= time.monotonic() - started < 3
    # Without the time to wait, it is reported, not slept through.
    script.routes["/api/debtors"] = lambda: throttled
    with pytest.raises(RestError) as caught:
        rest.get("/api/debtors", Tokens(), deadline=time.monotonic() + 1.5)
    assert caught.value.kind is RestErrorKind.THROTTLED and caught.value.retry_after == 1


def test_every_page_is_read_and_pages_after_the_first_side_by_side(client):
    rest, script = client
    items = [{"companyId": str(n)} for n in range(250)]

    def page():
        number = int(request.args["pageNumber"])
        time.sleep(0.2)
        return envelope(items[(number - 1) * 100:number * 100], page=number, pages=3, records=250)

    script.routes["/api/debtors/x/companies"] = page
    started = time.monotonic()
    assert rest.get_all("/api/debtors/x/companies", Tokens()) == items
    assert time.monotonic() - started < 0.6  # page 1, then pages 2 and 3 at once
    assert {args["pageSize"] for _, args, _, _ in script.seen} == {"100"}


def test_pagination_without_totals_is_not_an_answer(client):
    rest, script = client
    script.routes["/api/debtors"] = lambda: {"pagination": {"pageNumber": 1}, "data": []}
    with pytest.raises(RestError) as caught:
        rest.get_page("/api/debtors", Tokens())
    assert caught.value.kind is RestErrorKind.MALFORMED_RESPONSE


@pytest.mark.parametrize("status, body, kind", [
    (401, {"code": 40101}, RestErrorKind.CONSENT_REVOKED),
    (401, None, RestErrorKind.CONSENT_REVOKED),
    (401, {"statusCode": 401}, RestErrorKind.CONFIGURATION),
    (403, None, RestErrorKind.NO_ACCESS),
    (429, None, RestErrorKind.THROTTLED),
    (503, None, RestErrorKind.UNREACHABLE),
    (418, None, RestErrorKind.UNKNOWN),
])
def test_classification_by_code_then_status(status, body, kind):
    assert classify(status, body)[0] is kind
