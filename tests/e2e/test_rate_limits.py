"""A client who sends the token form too often sees a calm page in their language (axe, 390 px)."""
import re

import pytest
from playwright.sync_api import expect

from wizard.invites.links import issue_invite_link
from wizard.extensions import db
from wizard.lifecycle import create_onboarding
from wizard.models import Actor


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_CREDENTIALS_PER_ONBOARDING": "2/hour"}


@pytest.fixture
def invite_link(app, live_server, nmbrs_sandbox):
    app.config["NMBRS_SOAP_URL"] = nmbrs_sandbox.soap_url

    def make(language: str) -> str:
        onboarding = create_onboarding(organisation="Bakkerij Van den Berg B.V.",
                                       contact_email="hr@vandenberg.example", actor=Actor.SUPPORT,
                                       language=language)
        link = issue_invite_link(onboarding)
        db.session.commit()
        return link
    return make


def to_token_form(page, link, *, accept, name_label, next_label, token_label):
    page.goto(link)
    page.get_by_label(accept).check()
    page.get_by_label(name_label).fill("Sanne de Vries")
    page.get_by_role("button", name=next_label).click()
    page.get_by_label(re.compile("Nmbrs")).check()
    page.get_by_role("button", name=next_label).click()
    page.get_by_label(token_label).check()
    page.get_by_role("button", name=next_label).click()


def send_token(page, username, token, *, username_label, token_label):
    """Fill the form and press Enter in the token field (by keyboard); wait for the next page."""
    page.get_by_label(username_label).fill(username)
    page.get_by_label(token_label, exact=True).fill(token)
    with page.expect_navigation():
        page.get_by_label(token_label, exact=True).press("Enter")


def test_too_many_token_submissions_dutch_on_a_phone(invite_link, audited_page, nmbrs_sandbox):
    page = audited_page
    page.set_viewport_size({"width": 390, "height": 844})
    to_token_form(page, invite_link("nl"), accept="Ik heb de voorwaarden gelezen en ga ermee akkoord",
                  name_label="Je volledige naam", next_label="Volgende",
                  token_label="Met een API-token")
    login = nmbrs_sandbox.login("full")
    labels = {"username_label": "E-mailadres van de Nmbrs-login", "token_label": "API-token"}
    for _ in range(2):
        send_token(page, login.username, "wrong-token-0123456789abcdef", **labels)
        expect(page.locator("#token-error")).to_contain_text("Nmbrs herkent deze combinatie")
    # Even the right token waits now: the wizard does not pass a third try on to Nmbrs.
    send_token(page, login.username, login.token, **labels)
    expect(page.get_by_role("heading", level=1)).to_have_text("Even geduld")
    expect(page.get_by_text("Elke poging controleren we bij Nmbrs")).to_be_visible()
    expect(page.get_by_text("Probeer het over 60 minuten opnieuw.")).to_be_visible()
    expect(page.get_by_text("Wat je al had ingevuld, is bewaard.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_too_many_token_submissions_in_english(invite_link, audited_page, nmbrs_sandbox):
    page = audited_page
    to_token_form(page, invite_link("en"), accept="I have read the terms and agree to them",
                  name_label="Your full name", next_label="Next", token_label="With an API token")
    login = nmbrs_sandbox.login("full")
    for _ in range(3):
        send_token(page, login.username, "wrong-token-0123456789abcdef",
                   username_label="Email address of the Nmbrs login", token_label="API token")
    expect(page.get_by_role("heading", level=1)).to_have_text("Please wait")
    expect(page.get_by_text("We check every attempt with Nmbrs")).to_be_visible()
    expect(page.get_by_text("Please try again in 60 minutes.")).to_be_visible()
