"""The step machine as a person meets it: forward, back, reload, resume elsewhere."""
from playwright.sync_api import expect


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

    page.get_by_label("Ik heb de voorwaarden gelezen en ga ermee akkoord").check()
    page.get_by_label("Je volledige naam").fill("Sanne de Vries")
    page.get_by_role("button", name="Volgende").click()
    expect(page).to_have_url(f"{live_server.url}/onboarding/package")
    page.get_by_label("Visma Nmbrs").check()
    page.get_by_role("button", name="Volgende").click()
    expect(page).to_have_url(f"{live_server.url}/onboarding/method")

    page.get_by_role("link", name="Vorige").click()
    expect(page).to_have_url(f"{live_server.url}/onboarding/package")
    expect(current_step(page)).to_have_text("Salarispakket")

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
    page.keyboard.press("Tab")
    page.keyboard.type("Sanne de Vries")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/onboarding/package")
    expect(current_step(page)).to_have_text("Payroll package")
