"""From the invite email to the first real steps, and the pages for links that no longer work."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import accept_terms, choose_package
from wizard.extensions import db
from wizard.invites import issue_invite_link, revoke_invite
from wizard.models import Onboarding
from wizard.models.base import utcnow


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return next(word for word in text.split() if "/i/" in word)


def test_from_the_invite_email_through_terms_and_package(live_server, smtp_server, runner,
                                                         audited_page):
    result = runner.invoke(args=["invite", "create", "--company", "Bakkerij De Vries B.V.",
                                 "--email", "hr@devries.example", "--name", "Sanne de Vries"])
    assert result.exit_code == 0, result.output
    (message,) = smtp_server.inbox.wait(1)
    link = link_in(message)
    assert link.startswith(live_server.url) and link == result.output.strip().splitlines()[-1]

    page = audited_page
    page.goto(link)
    expect(page).to_have_url(f"{live_server.url}/onboarding/terms")
    expect(page.get_by_role("heading", level=1)).to_have_text("Voorwaarden")
    expect(page.get_by_text("Versie 2026-11", exact=True)).to_be_visible()
    assert page.evaluate("document.referrer") == ""

    # Not ticking the box: an inline error next to the box, still on the terms step.
    page.get_by_label("Je volledige naam").fill("Sanne de Vries")
    page.get_by_role("button", name="Volgende").click()
    expect(page.locator("#accept-error")).to_have_text("Vink het vakje aan om verder te gaan.")
    expect(page.get_by_label("Ik heb de voorwaarden gelezen en ga ermee akkoord")).to_have_attribute(
        "aria-invalid", "true")

    accept_terms(page)
    expect(page).to_have_url(f"{live_server.url}/onboarding/package")
    expect(page.get_by_role("heading", level=1)).to_have_text("Salarispakket")

    # An unsupported package ends on a friendly page that offers a way on.
    choose_package(page, "Loket.nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Loket.nl koppelen we nog niet")
    expect(page.get_by_role("link", name="Bel 020 123 4567")).to_have_attribute(
        "href", "tel:0201234567")
    expect(page.get_by_role("link", name="Vorige")).to_be_visible()

    choose_package(page, "Visma Nmbrs")
    expect(page).to_have_url(f"{live_server.url}/onboarding/method")
    expect(page.get_by_role("heading", level=1)).to_have_text("Koppelmethode")


def _expire(onboarding: Onboarding, link: str) -> str:
    onboarding.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    return link


def _tamper(onboarding: Onboarding, link: str) -> str:
    head, _, signature = link.rpartition(".")
    return f"{head}.{signature[::-1]}"


def _revoke(onboarding: Onboarding, link: str) -> str:
    revoke_invite(onboarding)
    return link


@pytest.mark.parametrize("spoil, status, heading, english", [
    (_expire, 410, "Deze link is verlopen", "This link has expired"),
    (_tamper, 400, "Deze link klopt niet", "This link is not valid"),
    (_revoke, 410, "Deze uitnodiging is ingetrokken", "This invitation has been withdrawn"),
], ids=["expired", "tampered", "revoked"])
@pytest.mark.browser_context_args(locale="nl-NL")  # a tampered link names nobody: the browser's
def test_a_spoiled_link_shows_its_page_and_changes_nothing(
        live_server, make_onboarding, snapshot, audited_page, spoil, status, heading, english):
    onboarding, _ = make_onboarding()
    link = issue_invite_link(onboarding)  # after live_server: the link points at it
    db.session.commit()
    link = spoil(onboarding, link)
    before = snapshot()

    page = audited_page
    response = page.goto(link)
    assert response.status == status
    assert response.headers["referrer-policy"] == "no-referrer"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_text("support@example.nl").first).to_be_visible()
    assert snapshot() == before

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(english)
    expect(page.get_by_text("Need a new link?")).to_be_visible()
    assert snapshot() == before


def current_step(page):
    return page.locator('.progress-steps [aria-current="step"] .step-title')


def test_terms_and_package_by_keyboard_in_english(live_server, make_onboarding, audited_page):
    _, link = make_onboarding(language="en")
    page = audited_page
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Terms")
    expect(page.get_by_role("heading", name="Terms for connecting your payroll package")).to_be_visible()

    page.get_by_label("I have read the terms and agree to them").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # to the name field
    page.keyboard.type("Sanne de Vries")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/onboarding/package")
    expect(current_step(page)).to_have_text("Payroll package")

    page.get_by_role("radio", name="Visma Nmbrs").focus()
    page.keyboard.press("ArrowDown")  # arrows move through the group and select
    expect(page.get_by_role("radio", name="Loket.nl")).to_be_checked()
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("radio", name="Visma Nmbrs")).to_be_checked()
    page.get_by_role("button", name="Next").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/onboarding/method")


def test_terms_and_package_fit_a_phone(live_server, make_onboarding, browser, axe):
    _, link = make_onboarding()
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.on("load", axe.check)
    page.goto(link)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    accept_terms(page)
    expect(page).to_have_url(f"{live_server.url}/onboarding/package")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    choose_package(page, "Exact Online Loonadministratie")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Exact Online Loonadministratie koppelen we nog niet")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    choose_package(page)
    expect(page).to_have_url(f"{live_server.url}/onboarding/method")
    context.close()
