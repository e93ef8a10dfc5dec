"""Support logins: argon2 passwords, lockout with back-off, server-side sessions that really end,
a cookie of their own that a client's session neither replaces nor stands in for."""
from datetime import timedelta

import pytest

from tests.dashboard.conftest import PASSWORD, SupportActions
from wizard.extensions import db
from wizard.models import AuditEvent, LoginThrottle, SupportSession
from wizard.models.base import utcnow
from wizard.staff import LoginRefused, authenticate, resume_session, start_session
from wizard.staff.accounts import AccountError, create_user
from wizard.support.forms import AccountForm, InviteForm, PasswordForm


def test_passwords_are_argon2_hashes(agent_user):
    assert agent_user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in agent_user.password_hash


def test_login_sets_a_support_cookie_only_and_lands_on_the_list(support, agent_user):
    response = support.login(agent_user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/support/"
    cookie = response.headers.getlist("Set-Cookie")
    support_cookie = next(c for c in cookie if c.startswith("wizard_support="))
    assert "HttpOnly" in support_cookie and "Path=/support" in support_cookie
    assert "SameSite=Lax" in support_cookie
    session_row = db.session.scalar(db.select(SupportSession))
    assert support.cookie not in (session_row.token_hash, None)  # only the digest is stored
    assert support.client.get("/support/").status_code == 200


def test_every_login_makes_a_new_session_and_ends_the_old_one(support, agent_user):
    support.login(agent_user.email)
    first = support.cookie
    support.login(agent_user.email)
    assert support.cookie != first
    assert resume_session(first) is None
    ended = db.session.scalars(db.select(SupportSession).order_by(SupportSession.id)).all()
    assert [s.ended_reason for s in ended] == ["replaced", None]


@pytest.mark.parametrize("email, password", [
    ("agent@support.example", "wrong password here"),
    ("nobody@support.example", PASSWORD),
    ("not an address", PASSWORD),
    ("agent@support.example", ""),
])
def test_wrong_logins_get_the_same_answer(support, agent_user, email, password):
    response = support.login(email, password)
    page = response.get_data(as_text=True)
    assert response.status_code in (401, 422)
    assert "wizard_support" not in "".join(response.headers.getlist("Set-Cookie"))
    if response.status_code == 401:
        assert "horen niet bij elkaar" in page


def test_lockout_after_repeated_failures_doubles_and_does_not_tell_whether_the_account_exists(
        app, agent_user):
    app.config["SUPPORT_LOGIN_ATTEMPTS"] = 3
    now = utcnow()
    for address in (agent_user.email, "nobody@support.example"):
        for attempt in range(3):
            with pytest.raises(LoginRefused) as refused:
                authenticate(address, "wrong password!!", now=now)
        assert refused.value.locked_for == timedelta(minutes=1)
        with pytest.raises(LoginRefused) as locked:  # even the right password is refused now
            authenticate(address, PASSWORD, now=now + timedelta(seconds=30))
        assert locked.value.locked_for == timedelta(seconds=30)
        with pytest.raises(LoginRefused) as again:  # the next failure doubles the lock
            authenticate(address, "wrong password!!", now=now + timedelta(minutes=2))
        assert again.value.locked_for == timedelta(minutes=2)
    assert authenticate(agent_user.email, PASSWORD, now=now + timedelta(minutes=5)) == agent_user
    # Success clears the count; the unknown address keeps its own.
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginThrottle)) == 1


def test_a_locked_address_sees_when_to_try_again(app, support, agent_user):
    app.config["SUPPORT_LOGIN_ATTEMPTS"] = 1
    support.login(agent_user.email, "wrong password!!")
    response = support.login(agent_user.email)
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.get_data(as_text=True)


def test_logout_ends_the_session_and_the_old_cookie_is_refused(app, agent):
    cookie = agent.cookie
    response = agent.logout()
    assert response.status_code == 302 and response.headers["Location"] == "/support/login"
    thief = app.test_client()
    thief.set_cookie("wizard_support", cookie, path="/support")
    assert thief.get("/support/").status_code == 302
    assert db.session.scalar(db.select(SupportSession)).ended_reason == "logout"


def test_idle_and_absolute_timeouts_end_sessions(app, agent_user):
    app.config.update(SUPPORT_IDLE_MINUTES=30, SUPPORT_SESSION_HOURS=8)
    start = utcnow()
    _, token = start_session(agent_user, now=start)
    assert resume_session(token, now=start + timedelta(minutes=29)) is not None
    assert resume_session(token, now=start + timedelta(minutes=58)) is not None  # touched at 29
    assert resume_session(token, now=start + timedelta(minutes=89)) is None
    assert resume_session(token, now=start + timedelta(minutes=90)) is None  # ended stays ended

    _, busy = start_session(agent_user, now=start)
    moment = start
    while moment < start + timedelta(hours=8):
        assert resume_session(busy, now=moment) is not None
        moment += timedelta(minutes=20)
    assert resume_session(busy, now=start + timedelta(hours=8)) is None
    reasons = [s.ended_reason for s in db.session.scalars(db.select(SupportSession).order_by(SupportSession.id))]
    assert reasons == ["idle", "expired"]


def test_deactivating_a_user_ends_their_sessions(admin, agent, agent_user):
    response = admin.post(f"/support/accounts/{agent_user.id}/deactivate", page="/support/accounts")
    assert response.status_code == 302
    assert agent.client.get("/support/").status_code == 302
    assert agent.login(agent_user.email).status_code == 401


def test_a_client_link_in_the_same_browser_keeps_the_support_login(agent, make_onboarding, wizard):
    _, link = make_onboarding()
    wizard.client = agent.client
    assert wizard.open_invite(link).status_code == 302  # bind() clears Flask's session
    assert agent.client.get("/onboarding/terms").status_code == 200
    assert agent.client.get("/support/").status_code == 200


def test_a_client_session_never_opens_support_pages(client, wizard, make_onboarding):
    _, link = make_onboarding()
    wizard.open_invite(link)
    assert client.get("/onboarding/terms").status_code == 200
    response = client.get("/support/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/support/login")


def test_the_login_redirects_only_to_support_pages(support, agent_user):
    for target, expected in [("/support/funnel", "/support/funnel"), ("https://evil.example/", "/support/"),
                             ("//evil.example", "/support/"), ("/onboarding/", "/support/")]:
        assert support.login(agent_user.email, next=target).headers["Location"] == expected


def test_changing_the_password_ends_other_sessions(app, agent, agent_user):
    other = SupportActions(app.test_client())
    other.login(agent_user.email)
    response = agent.post("/support/account/password", page="/support/account/password",
                          current=PASSWORD, new="another long password", confirm="another long password")
    assert response.status_code == 200 and "gewijzigd" in response.get_data(as_text=True)
    assert other.client.get("/support/").status_code == 302
    assert agent.client.get("/support/").status_code == 200


def test_admins_create_accounts_with_a_password_shown_once(admin, app):
    response = admin.post("/support/accounts", page="/support/accounts", email="new@support.example",
                          role="agent")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "new@support.example" in page
    initial = page.split('id="initial-password" value="')[1].split('"')[0]
    assert SupportActions(app.test_client()).login("new@support.example", initial).status_code == 302
    assert initial not in admin.client.get("/support/accounts").get_data(as_text=True)
    events = db.session.scalars(db.select(AuditEvent).filter_by(event_type="support_user.created")).all()
    assert events[-1].support_user.email == "admin@support.example"


def test_agents_cannot_manage_accounts_or_keys(agent):
    assert agent.client.get("/support/accounts").status_code == 403
    assert agent.client.get("/support/api-keys").status_code == 403
    assert agent.post("/support/accounts", email="x@support.example", role="admin").status_code == 403
    page = agent.client.get("/support/").get_data(as_text=True)
    assert "/support/accounts" not in page and "/support/api-keys" not in page


def test_cli_creates_a_user_from_standard_input(runner, app):
    result = runner.invoke(args=["support", "create-user", "--email", "Lead@Support.Example",
                                 "--role", "admin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert authenticate("lead@support.example", PASSWORD).is_admin
    again = runner.invoke(args=["support", "create-user", "--email", "lead@support.example",
                                "--role", "agent"], input=PASSWORD + "\n")
    assert again.exit_code != 0 and "already" in again.output
    short = runner.invoke(args=["support", "create-user", "--email", "x@support.example",
                                "--role", "agent"], input="short\n")
    assert short.exit_code != 0 and "12 characters" in short.output


def test_account_rules(app):
    with pytest.raises(AccountError):
        create_user(email="not-an-address", role="agent", password=PASSWORD)
    with pytest.raises(AccountError):
        create_user(email="a@support.example", role="agent", password="short")


@pytest.mark.parametrize("form_class, data, valid", [
    (AccountForm, {"email": "a@support.example", "role": "admin"}, True),
    (AccountForm, {"email": "a@support.example", "role": "root"}, False),
    (PasswordForm, {"current": "old password 123", "new": "new password 123", "confirm": "new password 123"}, True),
    (PasswordForm, {"current": "old password 123", "new": "new password 123", "confirm": "other"}, False),
    (PasswordForm, {"current": "same password 1", "new": "same password 1", "confirm": "same password 1"}, False),
    (InviteForm, {"organisation": "Bakkerij", "contact_email": "hr@b.example", "language": "nl",
                  "profile": "payroll", "expires_days": "14"}, True),
    (InviteForm, {"organisation": "Bakkerij", "contact_email": "hr@b.example", "language": "nl",
                  "profile": "payroll", "expires_days": "0"}, False),
    (InviteForm, {"organisation": "", "contact_email": "nope", "language": "de",
                  "profile": "unknown", "expires_days": "14"}, False),
])
def test_forms_validate_themselves(app, form_class, data, valid):
    from werkzeug.datastructures import MultiDict

    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict(data), meta={"csrf": False})
        assert form.validate() is valid, form.errors


def test_the_demo_prints_a_working_support_login_new_on_every_start(app):
    from wizard.cli.demo import demo_support_login

    email, first = demo_support_login()
    assert authenticate(email, first).is_admin
    _, second = demo_support_login()
    assert second != first
    with pytest.raises(LoginRefused):
        authenticate(email, first)
    assert authenticate(email, second).is_admin
