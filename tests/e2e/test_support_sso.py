"""Support logs in through the company's identity provider, by keyboard, in a real browser."""
import pytest
from playwright.sync_api import expect

from tests.support.oidc_provider import Identity, OidcProvider
from wizard.models import SupportRole
from wizard.staff import create_user


@pytest.fixture
def provider():
    server = OidcProvider().start()
    yield server
    server.stop()


def test_support_signs_on_with_the_company_account(app, live_server, provider, audited_page):
    app.config.update(SUPPORT_OIDC_DISCOVERY_URL=provider.discovery_url,
                      SUPPORT_OIDC_CLIENT_ID=OidcProvider.CLIENT_ID,
                      SUPPORT_OIDC_CLIENT_SECRET=OidcProvider.CLIENT_SECRET,
                      SUPPORT_OIDC_PROVIDER_NAME="Microsoft")
    create_user(email="agent@support.example", role=SupportRole.AGENT,
                password="a long enough emergency password")
    page = audited_page
    page.goto(live_server.url + "/support/funnel")

    # A colleague without a support account is told why, and stays out.
    provider.next_identity = Identity("colleague@support.example")
    page.get_by_role("link", name="Inloggen met Microsoft").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("geen support-account")

    provider.next_identity = Identity("agent@support.example")
    page.goto(live_server.url + "/support/funnel")
    page.get_by_role("link", name="Inloggen met Microsoft").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/support/funnel")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.get_by_role("button", name="Uitloggen").count() == 1
