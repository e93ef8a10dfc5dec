"""The sandbox identity server's login and consent pages in a browser (axe on every page load):
by keyboard, in Dutch and English, on a 390 px phone."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.support.oauth import OAuthActions

CALLBACK_PAGE = ('<!doctype html><html lang="en"><head><title>Back at the app</title></head>'
                 "<body><main><h1>Back at the app</h1></main></body></html>")


def land_on_callback(page) -> None:
    """The app's callback: a stand-in page, so the browser has somewhere to arrive."""
    page.route(re.compile(r"http://127\.0\.0\.1:8765/oauth/nmbrs/callback.*"),
               lambda route: route.fulfill(status=200, content_type="text/html",
                                           body=CALLBACK_PAGE))


def returned(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def focus_is_visible(page) -> bool:
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle !== 'none'")


def test_log_in_untick_and_allow_by_keyboard(audited_page, nmbrs_sandbox):
    page = audited_page
    oauth = OAuthActions(nmbrs_sandbox)
    land_on_callback(page)
    page.goto(oauth.authorize_url(state="by-keyboard", ui_locales="nl"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen bij Nmbrs")
    account = nmbrs_sandbox.consent_account("full")
    page.get_by_label("E-mailadres").focus()
    page.keyboard.type(account.username)
    page.keyboard.press("Tab")
    assert focus_is_visible(page)
    page.keyboard.type(account.password)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Onboarding wizard (demo) vraagt toegang tot je Nmbrs-gegevens")
    expect(page.get_by_role("group", name="Geef Onboarding wizard (demo) toegang tot:")).to_be_visible()
    salaries = page.get_by_label("Dienstverbanden bekijken: contracten, salarissen en roosters")
    expect(salaries).to_be_checked()
    salaries.focus()
    assert focus_is_visible(page)
    page.keyboard.press("Space")
    expect(salaries).not_to_be_checked()
    page.get_by_role("button", name="Toestaan").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Back at the app")
    callback = returned(page)
    assert callback["state"] == "by-keyboard"
    token = oauth.exchange(callback["code"]).json()
    assert "employee.employment.read" not in token["scope"].split()


def test_deny_in_english_on_a_phone(browser, axe, nmbrs_sandbox):
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True,
                                  locale="en-GB")
    page = context.new_page()
    page.on("load", axe.check)
    land_on_callback(page)

    def fits():
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url

    oauth = OAuthActions(nmbrs_sandbox)
    page.goto(oauth.authorize_url(state="on-a-phone"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to Nmbrs")
    fits()
    account = nmbrs_sandbox.consent_account("accountant")
    page.get_by_label("Email address").fill(account.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("The email address or password is not correct")
    expect(page.locator(".error-summary")).to_be_focused()
    fits()
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
    fits()
    page.get_by_role("button", name="Deny").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Back at the app")
    assert returned(page)["error"] == "access_denied" and returned(page)["state"] == "on-a-phone"
    context.close()


def test_an_unknown_client_gets_an_error_page(audited_page, nmbrs_sandbox):
    page = audited_page
    page.goto(OAuthActions(nmbrs_sandbox).authorize_url(client_id="nobody", ui_locales="en"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
    expect(page.get_by_text("invalid_client")).to_be_visible()
