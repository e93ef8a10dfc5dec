"""The Nmbrs token path in a browser, from the invite email to the done page (axe on every page)."""
import re

import pytest
from playwright.sync_api import expect

from wizard.invites.service import create_invite
from wizard.models import Onboarding, OnboardingStatus


@pytest.fixture
def invited(app, live_server, nmbrs_sandbox, smtp_server):
    """Send a real invite email and return the link the client would click."""
    app.config["NMBRS_SOAP_URL"] = nmbrs_sandbox.soap_url
    create_invite(organisation="Bakkerij Van den Berg B.V.", contact_email="hr@vandenberg.example",
                  contact_name="Sanne de Vries")
    email = smtp_server.inbox.wait(1)[0]
    text = email.get_body(("plain",)).get_content()
    return re.search(r"http://127\.0\.0\.1:\d+/i/\S+", text).group(0)


def heading(page):
    return page.get_by_role("heading", level=1)


def through_package(page, link):
    page.goto(link)
    page.get_by_label("Ik heb de voorwaarden gelezen en ga ermee akkoord").check()
    page.get_by_label("Je volledige naam").fill("Sanne de Vries")
    page.get_by_role("button", name="Volgende").click()
    page.get_by_label(re.compile("Nmbrs")).check()
    page.get_by_role("button", name="Volgende").click()
    expect(heading(page)).to_have_text("Koppelmethode")
    expect(page.get_by_label(re.compile("Inloggen met Nmbrs"))).to_be_checked()  # recommended
    page.get_by_label("Met een API-token").check()
    page.get_by_role("button", name="Volgende").click()
    expect(heading(page)).to_have_text("Inloggegevens")


def enter_login(page, login, domain=""):
    page.get_by_label("E-mailadres van de Nmbrs-login").fill(login.username)
    page.get_by_label("API-token").fill(login.token)
    page.get_by_label("Nmbrs-omgeving (optioneel)").fill(domain)
    page.get_by_role("button", name="Controleren").click()


def check_rights(page):
    expect(page.get_by_text("Gevonden omgeving:")).to_be_visible()
    page.get_by_role("button", name=re.compile("^(Opnieuw c|C)ontroleren$")).click()


def test_full_login_two_of_three_companies_by_keyboard(invited, audited_page, nmbrs_sandbox, smtp_server):
    page = audited_page
    through_package(page, invited)
    guide = page.get_by_text("Deze API-instellingen aanzetten")
    guide.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Salary_GetAll_AllEmployeesByCompany").first).to_be_visible()

    login = nmbrs_sandbox.login("full")
    page.get_by_label("E-mailadres van de Nmbrs-login").focus()
    page.keyboard.type(login.username)
    page.keyboard.press("Tab")
    page.keyboard.type(login.token)
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Controle")
    expect(page.get_by_text("bakkerijvandenberg.nmbrs.nl")).to_be_visible()
    page.get_by_role("button", name="Controleren").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Alle verplichte rechten staan aan")).to_be_visible()
    page.get_by_role("button", name="Volgende").focus()
    page.keyboard.press("Enter")

    expect(heading(page)).to_have_text("Bedrijven")
    boxes = page.locator("input[name=company]")
    expect(boxes).to_have_count(3)
    for index in (0, 1):
        boxes.nth(index).focus()
        page.keyboard.press("Space")
    expect(page.get_by_text("2 gekozen")).to_be_visible()
    page.get_by_role("button", name="Koppeling afronden").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("kan 3 bedrijven zien, maar je koppelt er 2")
    page.get_by_label("Ik begrijp het en wil doorgaan met alleen deze bedrijven").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Koppeling afronden").focus()
    page.keyboard.press("Enter")

    expect(heading(page)).to_have_text("De koppeling is ingesteld")
    expect(page.get_by_text("Je kunt dit venster nu veilig sluiten.")).to_be_visible()
    expect(page.locator(".summary")).to_contain_text("2 bedrijven")
    confirmation = smtp_server.inbox.wait(2)[1]
    assert "ingesteld" in confirmation["Subject"]


def test_missing_rights_then_fixed_login(invited, audited_page, nmbrs_sandbox):
    page = audited_page
    through_package(page, invited)
    enter_login(page, nmbrs_sandbox.login("missing_rights"))
    check_rights(page)
    expect(page.get_by_role("heading", name="Er ontbreken nog rechten")).to_be_visible()
    missing = page.locator(".check.is-bad code")
    expect(missing).to_have_text(["Run_GetList", "Salary_GetAll_AllEmployeesByCompany"])
    expect(page.locator(".check.is-bad .fix").last).to_contain_text(
        "Zet Employee Services → Salary_GetAll_AllEmployeesByCompany aan onder API-instellingen "
        "van het user template (Scenario 3) General Manager Payroll & HR (System)")
    expect(page.locator("#missing-rights")).to_have_text(
        "Run_GetList\nSalary_GetAll_AllEmployeesByCompany")
    expect(page.get_by_role("button", name="Volgende")).to_have_count(0)

    page.get_by_role("link", name="Inloggegevens aanpassen").first.click()
    enter_login(page, nmbrs_sandbox.login("full"))
    check_rights(page)
    expect(page.get_by_role("heading", name="Alle verplichte rechten staan aan")).to_be_visible()


def test_wrong_token_is_explained_at_the_token_field(invited, audited_page, nmbrs_sandbox):
    page = audited_page
    through_package(page, invited)
    enter_login(page, nmbrs_sandbox.login("wrong_token"))
    token = page.get_by_label("API-token")
    expect(token).to_have_attribute("aria-invalid", "true")
    expect(token).to_have_value("")
    expect(page.locator("#token-error")).to_contain_text("Nmbrs herkent deze combinatie")


def test_accountant_search_select_and_avg_warning(invited, audited_page, nmbrs_sandbox):
    page = audited_page
    through_package(page, invited)
    enter_login(page, nmbrs_sandbox.login("accountant"))
    check_rights(page)
    page.get_by_role("button", name="Volgende").click()
    expect(page.locator("input[name=company]")).to_have_count(1040)

    name = " ".join(page.locator("ul.companies label").first.text_content().split()[:-1])
    page.get_by_label("Zoek op naam of nummer").fill(name)
    expect(page.locator("#entity-filter-count")).to_contain_text("bedrijven zichtbaar")
    match = page.locator("ul.companies li:not([hidden])").first
    expect(match).to_be_visible()
    match.locator("input").check()
    page.get_by_label("Zoek op naam of nummer").fill("")
    page.locator("input[name=whole_debtor]").nth(1).check()
    expect(page.locator(".selection-count")).to_have_text("27 gekozen")

    page.get_by_text("Kies alleen wat nodig is (AVG)").click()
    page.get_by_role("button", name="Opnieuw ophalen").click()
    expect(page.locator("input[name=company]")).to_have_count(1040)
    expect(page.locator(".selection-count")).to_have_text("27 gekozen")  # the choice is kept
    page.get_by_role("button", name="Koppeling afronden").click()
    expect(page.get_by_role("alert")).to_contain_text("kan 1.040 bedrijven zien, maar je koppelt er 27")
    page.get_by_label("Ik begrijp het en wil doorgaan met alleen deze bedrijven").check()
    page.get_by_role("button", name="Koppeling afronden").click()
    expect(heading(page)).to_have_text("De koppeling is ingesteld")


def test_whole_path_on_a_phone(invited, browser, axe, nmbrs_sandbox, app):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.on("load", axe.check)

    def fits():
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url

    through_package(page, invited)
    page.get_by_text("Deze API-instellingen aanzetten").click()
    fits()
    enter_login(page, nmbrs_sandbox.login("missing_rights"))
    check_rights(page)
    expect(page.get_by_role("heading", name="Er ontbreken nog rechten")).to_be_visible()
    fits()
    page.get_by_role("link", name="Inloggegevens aanpassen").first.click()
    enter_login(page, nmbrs_sandbox.login("full"))
    check_rights(page)
    page.get_by_role("button", name="Volgende").click()
    fits()
    for box in page.locator("input[name=company]").all():
        box.check()
    page.get_by_role("button", name="Koppeling afronden").click()
    expect(heading(page)).to_have_text("De koppeling is ingesteld")
    fits()
    with app.app_context():
        statuses = [o.status for o in Onboarding.query.all()]
    assert statuses == [OnboardingStatus.COMPLETED]
    context.close()


def watch_a_slow_check(page, invited, nmbrs_sandbox):
    through_package(page, invited)
    login = nmbrs_sandbox.login("slow")
    page.get_by_label("E-mailadres van de Nmbrs-login").fill(login.username)
    page.get_by_label("API-token").fill(login.token)
    page.get_by_role("button", name="Controleren").click()
    expect(page.get_by_role("heading", name="Bezig met controleren")).to_be_visible()
    expect(page.locator(".progress-count")).to_contain_text("van 22 gecontroleerd")
    expect(page.get_by_role("heading", name="Alle verplichte rechten staan aan")).to_be_visible(
        timeout=20_000)
    expect(page.get_by_role("button", name="Volgende")).to_be_visible()


def test_the_check_shows_its_progress_and_then_the_result(invited, audited_page, nmbrs_sandbox):
    """A slow Nmbrs: the page says how far the check is and updates in place to the result."""
    watch_a_slow_check(audited_page, invited, nmbrs_sandbox)


def test_without_javascript_the_progress_page_refreshes_itself(invited, browser, nmbrs_sandbox):
    """(axe needs JavaScript: the same pages are audited in the test above.)"""
    context = browser.new_context(java_script_enabled=False)
    watch_a_slow_check(context.new_page(), invited, nmbrs_sandbox)
    context.close()
