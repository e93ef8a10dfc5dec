"""A link opened in a second browser asks for a mailed code; the first browser never does."""
import re

from playwright.sync_api import expect

from tests.e2e.helpers import accept_terms
from wizard.extensions import db
from wizard.models import AuditEvent

CODE = re.compile(r"^\s+(\d{6})\s*$", re.MULTILINE)


def code_in(message) -> str:
    return CODE.search(message.get_body(("plain",)).get_content()).group(1)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_second_browser_verifies_with_a_mailed_code_and_the_first_resumes_freely(
        live_server, smtp_server, make_onboarding, browser, audited_page, axe):
    onboarding, link = make_onboarding()
    verify = f"{live_server.url}/onboarding/verify-browser"

    # The invitee starts in their own browser (desktop).
    first = audited_page
    first.goto(link)
    expect(first.get_by_role("heading", level=1)).to_have_text("Voorwaarden")
    accept_terms(first)
    expect(first).to_have_url(f"{live_server.url}/onboarding/package")

    # The same link in another browser, on a phone: the page says why and offers a code.
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = phone_context.new_page()
    phone.on("load", axe.check)
    phone.goto(link)
    expect(phone).to_have_url(verify)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Bevestig dat jij het bent")
    expect(phone.get_by_text("toegang tot salarisgegevens")).to_be_visible()
    expect(phone.get_by_text("h***@devries.example")).to_be_visible()
    expect(phone.get_by_text(onboarding.organisation)).to_have_count(0)
    assert fits(phone)
    phone.get_by_role("button", name="Stuur de code").click()
    expect(phone.get_by_role("status")).to_contain_text(
        "We hebben een code van 6 cijfers gestuurd naar h***@devries.example")
    (message,) = smtp_server.inbox.wait(1)
    assert message["To"].addresses[0].addr_spec == "hr@devries.example"
    code = code_in(message)

    # A wrong code: the error summary, focused, linking to the field that says the same.
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    phone.get_by_label("Code uit de e-mail").fill(wrong)
    phone.get_by_role("button", name="Bevestigen").click()
    summary = phone.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", level=2)).to_have_text("Er is een probleem")
    expect(summary.get_by_role("link")).to_have_text(
        "Deze code klopt niet. Je kunt het nog 4 keer proberen.")
    field = phone.get_by_label("Code uit de e-mail")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("")
    expect(phone.locator("#code-error")).to_have_text(
        "Deze code klopt niet. Je kunt het nog 4 keer proberen.")
    assert fits(phone)
    summary.get_by_role("link").click()
    expect(field).to_be_focused()

    # The right code, typed with the keyboard: on to where the invitee is.
    phone.keyboard.type(code)
    phone.keyboard.press("Enter")
    expect(phone).to_have_url(f"{live_server.url}/onboarding/package")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Salarispakket")
    phone.goto(link)  # the phone is remembered now
    expect(phone).to_have_url(f"{live_server.url}/onboarding/package")

    # The first browser keeps working, also once its session cookie is gone.
    first.reload()
    expect(first.get_by_role("heading", level=1)).to_have_text("Salarispakket")
    kept = [c for c in first.context.cookies() if c["name"] != "session"]
    assert [c["name"] for c in kept] == ["device"]
    first.context.clear_cookies()
    first.context.add_cookies(kept)
    first.goto(link)
    expect(first).to_have_url(f"{live_server.url}/onboarding/package")
    assert len(smtp_server.inbox.messages) == 1  # no code was needed
    phone_context.close()

    db.session.expire_all()
    kinds = [e.event_type for e in db.session.scalars(
        db.select(AuditEvent).filter(AuditEvent.event_type.like("device.%")).order_by(AuditEvent.id))]
    assert kinds == ["device.remembered", "device.challenged", "device.code_sent",
                     "device.code_failed", "device.verified"]


def test_the_verification_page_in_english_on_a_desktop(live_server, smtp_server, make_onboarding,
                                                       browser, audited_page):
    _, link = make_onboarding(language="en")
    first_context = browser.new_context()
    first_context.new_page().goto(link)  # someone started elsewhere
    first_context.close()

    page = audited_page
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    expect(page.get_by_text("payroll data")).to_be_visible()
    page.get_by_role("button", name="Send the code").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("We sent a 6-digit code to h***@devries.example")
    page.get_by_label("Code from the email").fill("12")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#code-error")).to_have_text("A code is 6 digits, for example 123456.")
    page.get_by_role("link", name="Nederlands").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bevestig dat jij het bent")
