"""What makes a newcomer trust the page and fix their own mistakes, on a desktop and a phone.

The branded header and emails; the error summary taking the focus; the language switch
keeping what was typed (never the token); "come back later" when rights are missing; a refused
last step bringing the client back to the step that failed. Axe checks every page.
"""
import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import accept_terms, choose_package
from wizard.invites.service import create_invite

BRAND = {"PRODUCT_NAME": "Loonlink", "COMPANY_NAME": "Loonlink Software B.V.",
         "PRIVACY_URL": "https://loonlink.example/privacy", "LOGO_URL": "/static/img/logo.png",
         "MAIL_FROM": "onboarding@loonlink.example"}
DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
CONTACT = "hr@vandenberg.example"


@pytest.fixture(params=sorted(DEVICES))
def device(request, browser, axe):
    """A page on a desktop or a phone, checked by axe-core after every document it loads."""
    context = browser.new_context(**DEVICES[request.param])
    page = context.new_page()
    page.on("load", axe.check)
    yield page
    if not page.is_closed():
        page.wait_for_load_state("load")
        page.evaluate("0")
    context.close()


@pytest.fixture
def invited(app, live_server, nmbrs_sandbox, smtp_server):
    """The HR manager's invite, emailed for real; its link."""
    app.config["NMBRS_SOAP_URL"] = nmbrs_sandbox.soap_url
    create_invite(organisation="Bakkerij Van den Berg B.V.", contact_email=CONTACT,
                  contact_name="Sanne de Vries")
    return link_in(smtp_server.inbox.wait(1)[0])


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://127\.0\.0\.1:\d+/i/\S+", text).group(0)


def heading(page):
    return page.get_by_role("heading", level=1)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= page.viewport_size["height"]


def to_credentials(page, link):
    page.goto(link)
    accept_terms(page)
    choose_package(page)
    page.get_by_label("Met een API-token").check()
    page.get_by_role("button", name="Volgende").click()
    expect(heading(page)).to_have_text("Inloggegevens")


def test_the_header_titles_and_emails_name_who_the_client_deals_with(app, live_server, smtp_server,
                                                                     device, axe):
    audited = len(axe.audited)
    app.config.update(BRAND)
    create_invite(organisation="Bakkerij De Vries B.V.", contact_email="hr@devries.example",
                  contact_name="Sanne de Vries")
    (message,) = smtp_server.inbox.wait(1)
    assert message["From"] == "Loonlink <onboarding@loonlink.example>"
    assert " ".join(message["Subject"].split()).endswith("aan Loonlink")

    # The email as the client's mail program shows it: the logo loads, the product signs it.
    page = device
    html = message.get_body(("html",)).get_content()
    page.route(f"{live_server.url}/mail-program", lambda route: route.fulfill(
        body=html, content_type="text/html; charset=utf-8"))
    page.goto(f"{live_server.url}/mail-program")
    for _ in range(100):  # the audit runs in the page's "load" handler: let it finish
        if len(axe.audited) > audited:
            break
        page.wait_for_timeout(100)
    assert len(axe.audited) == audited + 1  # the email itself passed axe-core
    logo = page.locator("img").first
    expect(logo).to_have_attribute("src", f"{live_server.url}/static/img/logo.png")
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", logo.element_handle())
    expect(page.get_by_text("Het team van Loonlink")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("[Pp]rivacy"))).to_have_attribute(
        "href", "https://loonlink.example/privacy")

    page.goto(link_in(message))
    expect(page).to_have_title("Voorwaarden · Salarispakket koppelen · Loonlink")
    header = page.get_by_role("banner")
    expect(header.locator(".brand-name")).to_have_text("Loonlink")
    expect(header.locator(".brand-logo")).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0",
                         header.locator(".brand-logo").element_handle())
    expect(page.get_by_text(re.compile("Lees de voorwaarden van Loonlink Software B.V."))).to_be_visible()
    footer = page.get_by_role("contentinfo")
    expect(footer).to_contain_text("Loonlink is een dienst van Loonlink Software B.V.")
    expect(footer.get_by_role("link", name="Privacyverklaring")).to_have_attribute(
        "href", "https://loonlink.example/privacy")
    assert fits_the_screen(page)


def test_a_failed_submit_puts_the_error_summary_in_view_with_the_focus(invited, device):
    page = device
    to_credentials(page, invited)
    page.get_by_role("button", name="Controleren").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", name="Er is een probleem")).to_be_visible()
    assert in_view(page, summary), "the summary is below the fold"
    assert fits_the_screen(page)
    token = page.get_by_label("API-token")
    expect(token).to_have_attribute("aria-invalid", "true")
    expect(token).to_have_attribute("aria-describedby", re.compile(r"\btoken-error\b"))

    # Each error links to its field: following it puts the focus in the field, label in view.
    summary.get_by_role("link").filter(has_text=re.compile("token", re.I)).first.click()
    expect(token).to_be_focused()
    assert in_view(page, page.locator("label[for=token]"))


def test_a_wrong_username_or_token_marks_both_fields(invited, device, nmbrs_sandbox):
    page = device
    to_credentials(page, invited)
    login = nmbrs_sandbox.login("wrong_token")
    page.get_by_label("E-mailadres van de Nmbrs-login").fill(login.username)
    page.get_by_label("API-token").fill(login.token)
    page.get_by_role("button", name="Controleren").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(2)
    expect(summary).to_contain_text("niet welke van de twee niet klopt")
    for label in ("E-mailadres van de Nmbrs-login", "API-token"):
        expect(page.get_by_label(label)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("E-mailadres van de Nmbrs-login")).to_have_value(login.username)
    expect(page.get_by_label("API-token")).to_have_value("")


def test_switching_language_keeps_what_was_typed_but_never_the_token(invited, device):
    page = device
    page.goto(invited)
    page.get_by_label("Je volledige naam").fill("S. de Vries-Bakker")
    page.get_by_label("Ik heb de voorwaarden gelezen en ga ermee akkoord").check()
    page.get_by_role("button", name="English").click()

    expect(heading(page)).to_have_text("Terms")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Your full name")).to_have_value("S. de Vries-Bakker")
    expect(page.get_by_label(re.compile("I have read the terms"))).to_be_checked()
    page.get_by_label("Your full name").press("Enter")  # submits the form, not a language button
    expect(heading(page)).to_have_text("Payroll package")
    choose_package(page, submit="Next")
    page.get_by_label("With an API token").check()
    page.get_by_role("button", name="Next").click()

    page.get_by_label("Email address of the Nmbrs login").fill("api@vandenberg.example")
    page.get_by_label("API token").fill("d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f")
    page.get_by_label("Nmbrs environment (optional)").fill("vandenberg")
    page.get_by_role("button", name="Nederlands").click()

    expect(heading(page)).to_have_text("Inloggegevens")
    expect(page.get_by_label("E-mailadres van de Nmbrs-login")).to_have_value("api@vandenberg.example")
    expect(page.get_by_label("Nmbrs-omgeving (optioneel)")).to_have_value("vandenberg")
    expect(page.get_by_label("API-token")).to_have_value("")
    assert "d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f" not in page.content()
    assert all("d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f" not in cookie["value"]
               for cookie in page.context.cookies())


def test_missing_rights_say_progress_is_saved_and_email_where_they_stopped(invited, device,
                                                                           nmbrs_sandbox,
                                                                           smtp_server, browser,
                                                                           axe):
    page = device
    to_credentials(page, invited)
    login = nmbrs_sandbox.login("missing_rights")
    page.get_by_label("E-mailadres van de Nmbrs-login").fill(login.username)
    page.get_by_label("API-token").fill(login.token)
    page.get_by_role("button", name="Controleren").click()

    expect(page.get_by_role("heading", name="Er ontbreken nog rechten")).to_be_visible(timeout=30_000)
    come_back = page.locator("#come-back")
    expect(come_back).to_contain_text("Je voortgang is bewaard.")
    expect(come_back).to_contain_text("Met dezelfde link uit je uitnodiging kom je daarna hier terug")
    expect(page.get_by_role("link", name="Stuur dit naar je Nmbrs-beheerder").first).to_be_visible()
    assert fits_the_screen(page)

    deadline = time.monotonic() + 30
    while len(smtp_server.inbox.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    where = smtp_server.inbox.wait(2)[1]
    assert " ".join(where["Subject"].split()) == \
        "Waar je gebleven bent: er ontbreken nog 2 rechten in Nmbrs"
    text = where.get_body(("plain",)).get_content()
    assert "Beste Sanne de Vries," in text
    assert "Run_GetList" in text and "Salary_GetAll_AllEmployeesByCompany" in text
    assert "Je voortgang is bewaard." in text
    # Looking again sends nothing more.
    page.reload()
    expect(come_back).to_be_visible()
    time.sleep(0.5)
    assert len(smtp_server.inbox.messages) == 2

    # Later, the same browser with its session gone (only the device cookie kept): the same
    # invite link brings them back to the check. (Another browser proves itself first:
    # tests/e2e/test_second_browser.py.)
    later = browser.new_context()
    later.add_cookies([cookie for cookie in page.context.cookies() if cookie["name"] == "device"])
    other = later.new_page()
    other.on("load", axe.check)
    other.goto(invited)
    expect(heading(other)).to_have_text("Controle")
    expect(other.locator("#come-back")).to_contain_text("Je voortgang is bewaard.")
    later.close()


def test_a_refused_last_step_goes_back_to_the_step_that_failed(simple_flow, live_server,
                                                               make_onboarding, device,
                                                               monkeypatch):
    _, link = make_onboarding()
    page = device
    page.goto(link)
    for _ in range(3):
        page.get_by_role("button", name="Volgende").click()
    expect(heading(page)).to_have_text("Vierde")

    # Between showing the last step and submitting it, an earlier answer stopped counting.
    monkeypatch.setattr(simple_flow.get("second"), "is_complete", lambda onboarding: False,
                        raising=False)
    monkeypatch.setattr(simple_flow, "is_available", lambda onboarding, step: True)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Volgende").click()
    assert navigation.value.status == 200

    expect(page).to_have_url(f"{live_server.url}/onboarding/second")
    expect(heading(page)).to_have_text("Tweede")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Deze stap moet opnieuw worden ingevuld voordat je kunt afronden.")
    assert in_view(page, summary)
