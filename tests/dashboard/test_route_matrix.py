"""Every route of the URL map, asked by everyone who could ask: anonymous, the client of
onboarding A, the client of onboarding B, a support agent, an admin, and the CRM with a read,
a write and a revoked API key. A new route fails this test until it is classified here."""
from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import CSRF, PASSWORD, SupportActions
from wizard.extensions import db
from wizard.models import ApiScope, OutboxMessage, OutboxState
from wizard.staff import create_api_key

(PUBLIC, INVITE_LINK, CLIENT, SUPPORT_OPEN, SUPPORT, ADMIN, API, API_PUBLIC, OAUTH_CALLBACK,
 DEVICE_CHECK) = (
    "public", "invite_link", "client", "support_open", "support", "admin", "api", "api_public",
    "oauth_callback", "device_check")
SUPPORT_SSO = "support_sso"  # single sign-on, not configured in this world (tested on its own)

#: Every endpoint and who may use it. Add new routes here (the test fails until you do).
ENDPOINTS = {
    "static": PUBLIC, "main.index": PUBLIC, "main.healthz": PUBLIC, "main.readyz": PUBLIC,
    "i18n.switch": PUBLIC,
    "onboarding.open_invite": INVITE_LINK, "onboarding.open_delegation_link": INVITE_LINK,
    "onboarding.current": CLIENT, "onboarding.step": CLIENT, "onboarding.step_action": CLIENT,
    "onboarding.validation_progress": CLIENT, "onboarding.send_to_admin": CLIENT,
    "onboarding.change_request": CLIENT,
    "onboarding.verify_device": DEVICE_CHECK, "onboarding.send_verification_code": DEVICE_CHECK,
    "onboarding.check_verification_code": DEVICE_CHECK,
    "oauth.nmbrs_callback": OAUTH_CALLBACK,
    "support.login": SUPPORT_OPEN,
    "support.sso_start": SUPPORT_SSO, "support.sso_callback": SUPPORT_SSO,
    "support.logout": SUPPORT, "support.password": SUPPORT, "support.index": SUPPORT,
    "support.export": SUPPORT, "support.new_invite": SUPPORT, "support.detail": SUPPORT,
    "support.resend": SUPPORT, "support.revoke": SUPPORT, "support.copy_link": SUPPORT,
    "support.relink": SUPPORT, "support.switch_to_consent": SUPPORT, "support.reminders": SUPPORT,
    "support.retry_handoff": SUPPORT, "support.funnel_page": SUPPORT,
    "support.change_request_relink": SUPPORT, "support.change_request_close": SUPPORT,
    "support.accounts": ADMIN, "support.account_state": ADMIN, "support.api_keys": ADMIN,
    "support.revoke_key": ADMIN,
    "api.create_onboarding": API, "api.get_onboarding": API, "api.list_onboardings": API,
    "api.resend": API, "api.revoke": API, "api.relink": API,
    "api.openapi": API_PUBLIC,
}

PRINCIPALS = ("anonymous", "client_a", "client_b", "key_read", "key_write", "key_revoked",
              "agent", "admin")
TO_LOGIN = "to_login"
ANY_ANSWER = {200, 201, 302, 400, 404, 409, 422}


def expected(category: str, principal: str, method: str):
    """The set of acceptable statuses, or TO_LOGIN (a redirect to support's login page)."""
    browser_support = principal in ("agent", "admin")
    if category == PUBLIC or category == API_PUBLIC:
        return {200, 302}
    if category == INVITE_LINK:
        return {400}
    if category == OAUTH_CALLBACK:
        return {400}  # nobody here is on their way back from Nmbrs
    if category == DEVICE_CHECK:
        return {401}  # nobody here opened a link in a browser that must verify first
    if category == CLIENT:
        return {200, 302, 404, 422} if principal.startswith("client") else {401}
    if category == SUPPORT_OPEN:
        return {200, 302, 401, 422}
    if category == SUPPORT_SSO:
        return {404}
    if category in (SUPPORT, ADMIN):
        if not browser_support:
            return TO_LOGIN
        if category == ADMIN and principal == "agent":
            return {403}
        return ANY_ANSWER
    if category == API:
        if principal in ("key_read", "key_write"):
            if method == "POST" and principal == "key_read":
                return {403}
            return {200, 201, 404, 409, 422}
        return {401}
    raise AssertionError(category)


@pytest.fixture
def world(app, make_onboarding, make_support_user, wizard):
    """Two onboardings with their clients, support users, keys, and things to act on."""
    a, link_a = make_onboarding("Alfa Bakkerij B.V.", "hr@alfa.example")
    b, link_b = make_onboarding("Bravo Transport B.V.", "hr@bravo.example")
    db.session.add(OutboxMessage(event_type="onboarding.completed", onboarding=a, payload={},
                                 state=OutboxState.FAILED, attempts=1))
    admin_user = make_support_user("admin@support.example", "admin")
    make_support_user("agent@support.example", "agent")
    victim = make_support_user("victim@support.example", "agent")
    victim_key, _ = create_api_key(name="victim", scope=ApiScope.READ, by=admin_user)
    keys = {scope: create_api_key(name=scope, scope=ApiScope(scope), by=admin_user)[1]
            for scope in ("read", "write")}
    revoked_key, revoked = create_api_key(name="revoked", scope=ApiScope.WRITE, by=admin_user)
    from wizard.staff import revoke_api_key
    revoke_api_key(revoked_key, by=admin_user)
    db.session.commit()

    browsers = {}
    for principal in PRINCIPALS:
        browsers[principal] = app.test_client()
    for principal, link in (("client_a", link_a), ("client_b", link_b)):
        assert browsers[principal].get(link.replace("http://127.0.0.1:5000", "")).status_code == 302
    for principal in ("agent", "admin"):
        assert SupportActions(browsers[principal]).login(f"{principal}@support.example").status_code == 302
    headers = {principal: {} for principal in PRINCIPALS}
    headers.update(key_read={"Authorization": f"Bearer {keys['read']}"},
                   key_write={"Authorization": f"Bearer {keys['write']}"},
                   key_revoked={"Authorization": f"Bearer {revoked}"})
    values = {"filename": "css/app.css", "code": "en", "token": "not-a-token", "name": "terms",
              "action": "check", "public_id": a.public_id, "user_id": victim.id,
              "change": "deactivate", "key_id": victim_key.id,
              "message_id": db.session.scalar(db.select(OutboxMessage.id))}
    return {"a": a, "b": b, "browsers": browsers, "headers": headers, "values": values}


def url_for_rule(rule, values: dict) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = re.sub(r"<(?:[^:<>]+(?:\([^)]*\))?:)?" + argument + ">", str(values[argument]), path)
    return path


def csrf_token(browser) -> str:
    """A valid CSRF token for this browser's session (the login page hands one to anyone)."""
    return CSRF.search(browser.get("/support/login").get_data(as_text=True)).group(1)


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ENDPOINTS), "classify new routes in ENDPOINTS"


def test_every_route_for_everyone(app, world):
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "support.logout", r.rule))
    failures, asked = [], 0
    for principal in PRINCIPALS:
        browser, headers = world["browsers"][principal], world["headers"][principal]
        for rule in rules:
            url = url_for_rule(rule, world["values"])
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                body = {}
                if method == "POST" and rule.endpoint.startswith("api."):
                    body = {"json": {}, "headers": {**headers,
                                                    "Idempotency-Key": f"{principal}-{rule.endpoint}"}}
                elif method == "POST":
                    body = {"data": {"csrf_token": csrf_token(browser)}, "headers": headers}
                else:
                    body = {"headers": headers}
                response = browser.open(url, method=method, **body)
                asked += 1
                want = expected(ENDPOINTS[rule.endpoint], principal, method)
                got = response.status_code
                if want == TO_LOGIN:
                    ok = got == 302 and response.headers["Location"].startswith("/support/login")
                else:
                    ok = got in want
                if not ok:
                    failures.append(f"{principal} {method} {url}: {got}, expected {want}")
                if rule.endpoint.startswith("api.") and got >= 400:
                    assert response.is_json and "code" in response.json["error"], url
                assert got != 500, f"{principal} {method} {url}"
    assert not failures, "\n".join(failures)
    assert asked >= len(PRINCIPALS) * len(ENDPOINTS)


def test_a_client_acts_only_on_their_own_onboarding(world):
    from wizard.models import TermsAcceptance
    from wizard.terms import current_terms_version

    for principal in ("client_a", "client_b"):
        browser = world["browsers"][principal]
        page = browser.get("/onboarding/terms").get_data(as_text=True)
        browser.post("/onboarding/terms", data={
            "csrf_token": CSRF.search(page).group(1), "version": current_terms_version(),
            "accept": "y", "name": f"Person of {principal}"})
    accepted = {row.onboarding_id: row.accepted_name
                for row in db.session.scalars(db.select(TermsAcceptance))}
    assert accepted == {world["a"].id: "Person of client_a", world["b"].id: "Person of client_b"}


def test_ids_cannot_be_guessed_or_forged(app, world, agent_user=None):
    browser = world["browsers"]["admin"]
    a = world["a"]
    assert browser.get(f"/support/onboardings/{a.id}").status_code == 404  # numeric ids mean nothing
    read = world["headers"]["key_read"]
    assert app.test_client().get(f"/api/v1/onboardings/{a.id}", headers=read).status_code == 404
    # A session cookie signed with another key is not a session.
    from flask.sessions import SecureCookieSessionInterface

    forger = app.test_client()
    with app.test_request_context():
        other_app = type(app)(__name__)
        other_app.secret_key = "not-our-key-" + "x" * 30
        forged = SecureCookieSessionInterface().get_signing_serializer(other_app).dumps(
            {"onboarding": a.public_id})
    forger.set_cookie("session", forged)
    assert forger.get("/onboarding/terms").status_code == 401
    # A made-up support cookie is not a support session.
    forger.set_cookie("wizard_support", "made-up-token", path="/support")
    assert forger.get("/support/").status_code == 302


def test_logout_in_the_matrix_really_ended_the_admin_session(world):
    browser = world["browsers"]["admin"]
    SupportActions(browser).logout()
    assert browser.get("/support/").status_code == 302
    assert SupportActions(browser).login("admin@support.example", PASSWORD).status_code == 302
