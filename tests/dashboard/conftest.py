"""Support users, their logged-in browsers, API keys, and a few onboardings in known states."""
from __future__ import annotations

import re

import pytest

from wizard.models import ApiScope, SupportRole
from wizard.staff import create_api_key, create_user

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class SupportActions:
    """What a support employee does in the browser, over the test client."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, page: str = "/support/login") -> str:
        match = CSRF.search(self.client.get(page).get_data(as_text=True))
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def login(self, email: str, password: str = PASSWORD, next: str = ""):
        return self.client.post("/support/login", data={
            "csrf_token": self.csrf_token(), "email": email, "password": password, "next": next})

    def post(self, path: str, page: str = "/support/", **fields):
        return self.client.post(path, data={"csrf_token": self.csrf_token(page), **fields})

    def logout(self):
        return self.post("/support/logout")

    @property
    def cookie(self) -> str | None:
        cookie = self.client.get_cookie("wizard_support", path="/support")
        return cookie.value if cookie else None


@pytest.fixture
def make_support_user(app):
    def make(email: str = "agent@support.example", role: str = "agent", password: str = PASSWORD):
        return create_user(email=email, role=SupportRole(role), password=password)
    return make


@pytest.fixture
def agent_user(make_support_user):
    return make_support_user("agent@support.example", "agent")


@pytest.fixture
def admin_user(make_support_user):
    return make_support_user("admin@support.example", "admin")


@pytest.fixture
def support(client):
    return SupportActions(client)


@pytest.fixture
def agent(app, agent_user):
    actions = SupportActions(app.test_client())
    assert actions.login(agent_user.email).status_code == 302
    return actions


@pytest.fixture
def admin(app, admin_user):
    actions = SupportActions(app.test_client())
    assert actions.login(admin_user.email).status_code == 302
    return actions


@pytest.fixture
def api_keys(app, admin_user):
    """Plain keys: ``read``, ``write`` and ``revoked`` (a revoked write key)."""
    from wizard.staff import revoke_api_key

    _, read = create_api_key(name="CRM read", scope=ApiScope.READ, by=admin_user)
    _, write = create_api_key(name="CRM", scope=ApiScope.WRITE, by=admin_user)
    revoked_key, revoked = create_api_key(name="Old CRM", scope=ApiScope.WRITE, by=admin_user)
    revoke_api_key(revoked_key, by=admin_user)
    return {"read": read, "write": write, "revoked": revoked}
