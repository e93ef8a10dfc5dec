"""The step machine as a person meets it: forward, back, reload, resume elsewhere."""
from playwright.sync_api import expect

from tests.e2e.helpers import accept_terms, choose_package


def current_step(page):
    return page.locator('.progress-steps [aria-current="step"] .step-title')


def test_walk_forward_back_reload_and_resume(live_server, make_onboarding, audited_page, browser):
    _, link = make_onboarding()
    page = audited_page

    page.goto(link)
    expect(page).to_have_url(f"{live_server.url}/onboarding/terms")
    expect(page.get_by_role("heading", level=1)).to_have_text("Voorwaarden")
    expect(current_step(page)).to_have_text("Voorwaarden")
    assert "/i/" not in page.url  # the token is gone from the address bar

    accept_terms(page)
    expect(page).to_have_url(f"{live_server.url}/onboarding/package")
    choose_package(page)
    expect(page).to_have_url(f"{live_server.url}/onboarding/method")

    page.get_by_role("link", name="Vorige").click()
    expect(page).to_have_url(f"{live_server.url}/onboarding/package")
    expect(current_step(page)).to_have_text("Salarispakket")

    expect(page.get_by_role("radio", name="Visma Nmbrs")).to_be_checked()  # the answer is kept

    page.reload()
    expect(current_step(page)).to_have_text("Salarispakket")

    # Skipping ahead by URL lands on the first unfinished step.
    page.goto(f"{live_server.url}/onboarding/entities")
    expect(page).to_have_url(f"{live_server.url}/onboarding/method")

    # A fresh browser (closed and reopened) resumes where the client left off.
    fresh = browser.new_context()
    other = fresh.new_page()
    other.goto(link)
    expect(other).to_have_url(f"{live_server.url}/onboarding/method")
    fresh.close()


def test_keyboard_only_progress_and_language_switch(live_server, make_onboarding, audited_page):
    _, link = make_onboarding()
    page = audited_page
    page.goto(link)

    page.get_by_role("link", name="English").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Terms")

    page.get_by_label("I have read the terms and agree to them").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # to the name field
    page.keyboard.type("Sanne de Vries")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/onboarding/package")
    expect(current_step(page)).to_have_text("Payroll package")

    page.get_by_role("radio", name="Visma Nmbrs").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Next").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/onboarding/method")


def test_whole_wizard_to_done_on_a_phone(live_server, make_onboarding, browser, axe):
    _, link = make_onboarding()
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.on("load", axe.check)
    page.goto(link)
    accept_terms(page)
    choose_package(page)
    for _ in range(4):
        page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("De koppeling is ingesteld")
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze koppeling is al afgerond")
    context.close()
