"""The step machine as a person meets it: forward, back, reload, resume elsewhere.

Runs on the small confirm-only flow (``simple_flow``) so it tests the machine, not the
real steps' forms (those have their own browser tests).
"""
from playwright.sync_api import expect


def current_step(page):
    return page.locator('.progress-steps [aria-current="step"] .step-title')


def test_walk_forward_back_reload_and_resume(simple_flow, live_server, make_onboarding, audited_page, browser):
    _, link = make_onboarding()
    page = audited_page

    page.goto(link)
    expect(page).to_have_url(f"{live_server.url}/onboarding/first")
    expect(page.get_by_role("heading", level=1)).to_have_text("Eerste")
    expect(current_step(page)).to_have_text("Eerste")
    assert "/i/" not in page.url  # the token is gone from the address bar

    page.get_by_role("button", name="Volgende").click()
    expect(page).to_have_url(f"{live_server.url}/onboarding/second")
    page.get_by_role("button", name="Volgende").click()
    expect(page).to_have_url(f"{live_server.url}/onboarding/third")

    page.get_by_role("link", name="Vorige").click()
    expect(page).to_have_url(f"{live_server.url}/onboarding/second")
    expect(current_step(page)).to_have_text("Tweede")

    page.reload()
    expect(current_step(page)).to_have_text("Tweede")

    # Skipping ahead by URL lands on the first unfinished step.
    page.goto(f"{live_server.url}/onboarding/fourth")
    expect(page).to_have_url(f"{live_server.url}/onboarding/third")

    # The browser closed and reopened after its session ended (the device cookie lives on)
    # resumes where the client left off, without a code.
    kept = [c for c in page.context.cookies() if c["name"] != "session"]
    fresh = browser.new_context()
    fresh.add_cookies(kept)
    other = fresh.new_page()
    other.goto(link)
    expect(other).to_have_url(f"{live_server.url}/onboarding/third")
    fresh.close()


def test_keyboard_only_progress_and_language_switch(simple_flow, live_server, make_onboarding, audited_page):
    _, link = make_onboarding()
    page = audited_page
    page.goto(link)

    page.get_by_role("link", name="English").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Eerste")

    page.get_by_role("button", name="Next").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/onboarding/second")
    expect(current_step(page)).to_have_text("Tweede")


def test_whole_wizard_to_done_on_a_phone(simple_flow, live_server, make_onboarding, browser, axe):
    _, link = make_onboarding()
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.on("load", axe.check)
    page.goto(link)
    for _ in range(4):
        page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("De koppeling is ingesteld")
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze koppeling is al afgerond")
    context.close()
