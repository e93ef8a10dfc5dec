"""Every rate limit, lowered, refuses the request past it; other onboardings, addresses and keys
still pass. Each test fails when its limit is removed from ``wizard.rate_limits.RULES``."""
from __future__ import annotations

import pytest

from tests.conftest import WizardActions
from tests.dashboard.conftest import PASSWORD, SupportActions
from tests.limits.conftest import lowered
from tests.support.connect import to_consent, to_credentials
from wizard.connection.token.login import LoginProblem, LoginRejected
from wizard.extensions import db
from wizard.models import ApiScope, SupportRole
from wizard.staff import create_api_key, create_user

OTHER_ADDRESS = "203.0.113.7"


@pytest.fixture
def nmbrs_logins(monkeypatch):
    """Counts the logins the token form would try at Nmbrs (each one refused as wrong)."""
    tried = []

    def check_login(username, token, domain):
        tried.append(username)
        raise LoginRejected(LoginProblem.BAD_CREDENTIALS)

    monkeypatch.setattr("wizard.steps.credentials.check_login", check_login)
    return tried


@pytest.fixture
def browser(app, make_onboarding):
    """``browser(address)``: a new client's browser, from ``address``, with its invite opened."""
    def open_one(address: str = "127.0.0.1", **onboarding) -> WizardActions:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        actions = WizardActions(client)
        _, link = make_onboarding(**onboarding)
        assert actions.open_invite(link).status_code == 302
        return actions
    return open_one


def submit_token(actions: WizardActions):
    return actions.submit("credentials", username="hr@devries.example",
                          token="0123456789abcdef-guess", domain="")


def assert_refused(response) -> int:
    """A 429 with a usable ``Retry-After``; the seconds it says."""
    assert response.status_code == 429, response.status_code
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 24 * 3600
    return seconds


@lowered(RATELIMIT_INVITE_OPEN_PER_IP="2/minute")
def test_invite_links_per_ip(app, client, make_onboarding):
    _, link = make_onboarding()
    for _ in range(2):
        assert client.get("/i/not-a-real-token").status_code == 400
    assert assert_refused(client.get(link.replace(app.config["PUBLIC_URL"], ""))) <= 61
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = OTHER_ADDRESS
    assert elsewhere.get(link.replace(app.config["PUBLIC_URL"], "")).status_code == 302


@lowered(RATELIMIT_INVITE_OPEN_PER_IP="2/minute")
def test_administrator_links_count_with_invite_links(client):
    """Guessing Nmbrs administrators' links (/a/…) is opening links too."""
    assert client.get("/i/not-a-real-token").status_code == 400
    assert client.get("/a/not-a-real-token").status_code == 400
    assert_refused(client.get("/a/another-guess"))


@lowered(RATELIMIT_CREDENTIALS_PER_ONBOARDING="2/minute")
def test_token_submissions_per_onboarding_never_reach_nmbrs(browser, nmbrs_logins):
    first = browser()
    to_credentials(first)
    for _ in range(2):
        assert submit_token(first).status_code == 422  # the inline "token wrong" error
    assert_refused(submit_token(first))
    assert len(nmbrs_logins) == 2, "a refused submission must not log in at Nmbrs"
    # Only this onboarding is held back: another one from the same address goes on.
    second = browser()
    to_credentials(second)
    assert submit_token(second).status_code == 422
    assert len(nmbrs_logins) == 3


@lowered(RATELIMIT_CREDENTIALS_PER_IP="3/minute")
def test_token_submissions_per_ip_over_onboardings(browser, nmbrs_logins):
    first, second = browser(), browser()
    for actions in (first, second):
        to_credentials(actions)
    assert [submit_token(a).status_code for a in (first, first, second)] == [422, 422, 422]
    assert_refused(submit_token(second))  # a fresh onboarding does not reset the address
    assert len(nmbrs_logins) == 3
    elsewhere = browser(OTHER_ADDRESS)
    to_credentials(elsewhere)
    assert submit_token(elsewhere).status_code == 422


@lowered(RATELIMIT_CREDENTIALS_PER_ONBOARDING="1/minute", RATELIMIT_CREDENTIALS_PER_IP="1/minute")
def test_only_token_submissions_count(browser, nmbrs_logins):
    """Other steps' forms and showing the token form are not credential submissions."""
    actions = browser()
    to_credentials(actions)  # three POSTs of other steps
    for _ in range(3):
        assert actions.client.get("/onboarding/credentials").status_code == 200
    assert submit_token(actions).status_code == 422
    assert_refused(submit_token(actions))


def press_recheck(actions: WizardActions, step: str = "validation"):
    action = {"validation": "check", "entities": "recheck"}[step]
    return actions.client.post(f"/onboarding/{step}/{action}",
                               data={"csrf_token": actions.csrf_token("credentials")})


@lowered(RATELIMIT_RECHECKS_PER_ONBOARDING="2/minute")
def test_rechecks_and_company_rereads_per_onboarding(browser):
    actions = browser()
    to_credentials(actions)
    # "Opnieuw controleren" and reading the companies again share one count.
    assert press_recheck(actions, "validation").status_code == 302
    assert press_recheck(actions, "entities").status_code == 302
    assert_refused(press_recheck(actions, "validation"))
    assert_refused(press_recheck(actions, "entities"))
    other = browser()
    to_credentials(other)
    assert press_recheck(other).status_code == 302


@lowered(RATELIMIT_RECHECKS_PER_IP="2/minute")
def test_rechecks_per_ip(browser):
    first, second = browser(), browser()
    for actions in (first, second):
        to_credentials(actions)
    assert press_recheck(first).status_code == 302
    assert press_recheck(second, "entities").status_code == 302
    assert_refused(press_recheck(second))
    elsewhere = browser(OTHER_ADDRESS)
    to_credentials(elsewhere)
    assert press_recheck(elsewhere).status_code == 302


@lowered(RATELIMIT_CONSENT_PER_ONBOARDING="1/minute")
def test_trips_to_nmbrs_login_per_onboarding(browser, sandbox):
    actions = browser()
    to_consent(actions)
    assert actions.submit("consent").status_code == 302
    assert_refused(actions.submit("consent"))
    other = browser()
    to_consent(other)
    assert other.submit("consent").status_code == 302


@lowered(RATELIMIT_CONSENT_PER_IP="2/minute")
def test_trips_to_nmbrs_login_per_ip(browser, sandbox):
    first, second = browser(), browser()
    for actions in (first, second):
        to_consent(actions)
    assert first.submit("consent").status_code == 302
    assert second.submit("consent").status_code == 302
    assert_refused(first.submit("consent"))
    elsewhere = browser(OTHER_ADDRESS)
    to_consent(elsewhere)
    assert elsewhere.submit("consent").status_code == 302


def support_from(app, address: str) -> SupportActions:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return SupportActions(client)


@lowered(RATELIMIT_SUPPORT_LOGIN_PER_IP="3/minute")
def test_support_login_per_ip(app):
    create_user(email="agent@support.example", role=SupportRole.AGENT, password=PASSWORD)
    guesser = support_from(app, "127.0.0.1")
    for number in range(3):
        assert guesser.login(f"someone{number}@support.example", "wrong password").status_code == 401
    # Past the limit even the right password is refused: nothing is checked at all.
    assert_refused(guesser.login("agent@support.example"))
    assert support_from(app, OTHER_ADDRESS).login("agent@support.example").status_code == 302


@lowered(RATELIMIT_SUPPORT_LOGIN_PER_IP="2/minute")
def test_single_sign_on_per_ip(app, client):
    """Starting single sign-on and coming back from it count apart from the password form."""
    assert client.get("/support/login/sso").status_code == 404  # not configured in the tests
    assert client.get("/support/login/sso/callback?state=x&code=y").status_code == 404
    assert_refused(client.get("/support/login/sso"))
    assert support_from(app, "127.0.0.1").login("agent@support.example", "wrong").status_code == 401
    assert support_from(app, OTHER_ADDRESS).client.get("/support/login/sso").status_code == 404


@lowered(RATELIMIT_SUPPORT_LOGIN_PER_ACCOUNT="2/minute")
def test_support_login_per_account_from_any_address(app):
    create_user(email="agent@support.example", role=SupportRole.AGENT, password=PASSWORD)
    create_user(email="admin@support.example", role=SupportRole.ADMIN, password=PASSWORD)
    assert support_from(app, "198.51.100.1").login("agent@support.example", "wrong").status_code == 401
    assert support_from(app, "198.51.100.2").login(" Agent@Support.example", "wrong").status_code == 401
    assert_refused(support_from(app, "198.51.100.3").login("agent@support.example"))
    assert support_from(app, "198.51.100.3").login("admin@support.example").status_code == 302


@lowered(RATELIMIT_SUPPORT_LOGIN_PER_IP="1/minute", RATELIMIT_SUPPORT_LOGIN_PER_ACCOUNT="1/minute")
def test_showing_the_login_page_is_not_an_attempt(client):
    for _ in range(3):
        assert client.get("/support/login").status_code == 200


@lowered(RATELIMIT_API_PER_KEY="2/minute")
def test_api_per_key(app, client):
    admin = create_user(email="admin@support.example", role=SupportRole.ADMIN, password=PASSWORD)
    _, busy = create_api_key(name="CRM", scope=ApiScope.READ, by=admin)
    _, other = create_api_key(name="Other CRM", scope=ApiScope.READ, by=admin)
    db.session.commit()

    def list_with(key: str):
        return client.get("/api/v1/onboardings", headers={"Authorization": f"Bearer {key}"})

    assert [list_with(busy).status_code for _ in range(2)] == [200, 200]
    refused = list_with(busy)
    seconds = assert_refused(refused)
    assert refused.get_json() == {"error": {
        "code": "too_many_requests", "retry_after": seconds,
        "message": f"Too many requests; retry in {seconds} s."}}
    assert list_with(other).status_code == 200


@lowered(RATELIMIT_DEVICE_CODE_PER_IP="3/minute")
def test_second_browser_codes_per_ip(app, make_onboarding, smtp_server):
    """Entering codes for several onboardings from one address: guesses stop at the limit."""
    from tests.test_device_verification import VERIFY, enter_code, path_of

    def guesser(address: str):
        first, second = app.test_client(), app.test_client()
        second.environ_base["REMOTE_ADDR"] = address
        _, link = make_onboarding()
        first.get(path_of(link))  # the invitee started it
        assert second.get(path_of(link)).headers["Location"].endswith(VERIFY)
        return second

    one, two = guesser("127.0.0.1"), guesser("127.0.0.1")
    for attempt in range(3):
        assert enter_code(one if attempt % 2 else two, "000000").status_code != 429
    assert_refused(enter_code(one, "000000"))
    assert enter_code(guesser(OTHER_ADDRESS), "000000").status_code != 429
