"""Handing the Nmbrs part to the Nmbrs administrator, in two browsers (axe on every page).

The HR manager (desktop) sends the Nmbrs part from the method step; the administrator (a
phone, in English) opens their own link, meets missing rights ("come back later" on the page
and by email), fixes the login and passes the check; the HR manager is emailed, chooses the
companies and finishes, never seeing the administrator's token.
"""
import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import accept_terms, choose_package
from wizard.invites.service import create_invite

ADMIN = "beheer@vandenberg.example"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def invited(app, live_server, nmbrs_sandbox, smtp_server):
    """The HR manager's invite email, sent for real; its link."""
    app.config["NMBRS_SOAP_URL"] = nmbrs_sandbox.soap_url
    create_invite(organisation="Bakkerij Van den Berg B.V.", contact_email="hr@vandenberg.example",
                  contact_name="Sanne de Vries")
    return link_in(smtp_server.inbox.wait(1)[0], "/i/")


def link_in(message, kind: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"http://127\.0\.0\.1:\d+{kind}\S+", text).group(0)


def heading(page):
    return page.get_by_role("heading", level=1)


def mail_to(smtp_server, address: str, count: int):
    """The ``count``-th email to ``address`` (waiting for it: checks send from the background)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        mine = [m for m in smtp_server.inbox.messages if address in m["To"]]
        if len(mine) >= count:
            return mine[count - 1]
        time.sleep(0.1)
    raise AssertionError(f"no email number {count} to {address}")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_hr_manager_hands_the_nmbrs_part_over_and_finishes(invited, audited_page, browser, axe,
                                                               nmbrs_sandbox, smtp_server,
                                                               live_server):
    contact = audited_page
    contact.goto(invited)
    accept_terms(contact)
    choose_package(contact)
    expect(heading(contact)).to_have_text("Koppelmethode")
    expect(contact.get_by_text("Ben je zelf geen Nmbrs-beheerder?")).to_be_visible()
    contact.get_by_role("link", name="Stuur dit naar je Nmbrs-beheerder").click()

    expect(heading(contact)).to_have_text("Stuur dit naar je Nmbrs-beheerder")
    expect(contact.get_by_text("Jouw voorwaarden en je keuze van bedrijven ziet je beheerder niet.",
                               exact=False)).to_be_visible()
    contact.get_by_role("button", name="Versturen").click()  # nothing filled in: the summary says so
    summary = contact.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Vul het e-mailadres van je Nmbrs-beheerder in.")
    contact.get_by_label("E-mailadres van je Nmbrs-beheerder").fill(ADMIN)
    contact.get_by_label("Naam van je Nmbrs-beheerder (optioneel)").fill("Piet Jansen")
    contact.get_by_label("English").check()
    contact.get_by_role("button", name="Versturen").click()

    expect(heading(contact)).to_have_text("Bij je Nmbrs-beheerder")
    expect(contact.locator(".summary")).to_contain_text(ADMIN)
    expect(contact.locator(".summary")).to_contain_text("nog niet")  # not opened yet
    # Meanwhile the Nmbrs steps are the administrator's: the HR manager lands back here.
    contact.goto(f"{live_server.url}/onboarding/credentials")
    expect(heading(contact)).to_have_text("Bij je Nmbrs-beheerder")

    invite = mail_to(smtp_server, ADMIN, 1)
    assert " ".join(invite["Subject"].split()) == "Sanne de Vries asks you to connect Nmbrs to Roosterwijs"
    assert invite["Content-Language"] == "en"
    admin_link = link_in(invite, "/a/")

    # The administrator, on a phone, in English: only the Nmbrs part.
    phone = browser.new_context(**PHONE)
    admin = phone.new_page()
    admin.on("load", axe.check)
    admin.goto(admin_link)
    expect(admin).to_have_url(f"{live_server.url}/onboarding/briefing")
    expect(heading(admin)).to_have_text("Connect Nmbrs for Bakkerij Van den Berg B.V.")
    expect(admin.locator(".step-count")).to_contain_text(re.compile(r"^Step 1 of \d"))
    expect(admin.locator(".step-count-title")).to_have_text("Welcome")
    expect(admin.get_by_text("Sanne de Vries of Bakkerij Van den Berg B.V. asks you")).to_be_visible()
    expect(admin.get_by_role("heading", name="Prepare in Nmbrs").or_(
        admin.get_by_role("heading", name="For an API token"))).to_be_visible()
    assert no_horizontal_scroll(admin)
    for elsewhere in ("terms", "package", "entities", "done"):
        response = admin.request.get(f"{live_server.url}/onboarding/{elsewhere}")
        assert response.status == 404, elsewhere
    admin.get_by_role("button", name="Start").click()

    expect(heading(admin)).to_have_text("Connection method")
    expect(admin.get_by_text("Not the Nmbrs administrator yourself?")).to_have_count(0)
    admin.get_by_label("With an API token").check()
    admin.get_by_role("button", name="Next").click()
    expect(heading(admin)).to_have_text("Credentials")

    missing = nmbrs_sandbox.login("missing_rights")
    admin.get_by_label("Email address of the Nmbrs login").fill(missing.username)
    admin.get_by_label("API token").fill(missing.token)
    admin.get_by_role("button", name="Check").click()
    expect(heading(admin)).to_have_text("Check")  # the check runs when the login is saved
    expect(admin.get_by_role("heading", name="Some rights are still missing")).to_be_visible(
        timeout=30_000)
    come_back = admin.locator("#come-back")
    expect(come_back).to_contain_text("Your progress has been saved.")
    expect(come_back).to_contain_text("The same link from our email then brings you back here")
    assert no_horizontal_scroll(admin)

    where = mail_to(smtp_server, ADMIN, 2)
    assert where["Subject"].startswith("Where you left off")
    body = where.get_body(("plain",)).get_content()
    assert "Run_GetList" in body and "Salary_GetAll_AllEmployeesByCompany" in body
    assert "Your progress has been saved." in body

    # The same link brings the administrator back to the check, later, in a fresh browser.
    phone.close()
    phone = browser.new_context(**PHONE)
    admin = phone.new_page()
    admin.on("load", axe.check)
    admin.goto(admin_link)
    expect(heading(admin)).to_have_text("Check")
    admin.get_by_role("link", name="Change login details").first.click()
    full = nmbrs_sandbox.login("full")
    admin.get_by_label("Email address of the Nmbrs login").fill(full.username)
    admin.get_by_label("API token").fill(full.token)
    admin.get_by_role("button", name="Check").click()
    # A passing check hands the part back by itself: the page moves on to "Done" (or, if it
    # refreshed a moment before, offers Next to get there).
    passed = admin.get_by_role("heading", name="All required rights are switched on")
    done = heading(admin).filter(has_text="The Nmbrs part is done")
    expect(passed.or_(done)).to_be_visible(timeout=30_000)
    if passed.is_visible():
        admin.get_by_role("button", name="Next").click()
    expect(done).to_be_visible()
    expect(admin.locator(".step-count-title")).to_have_text("Done")
    expect(admin.get_by_role("status")).to_contain_text("We have emailed Sanne de Vries")
    phone.close()

    finished = mail_to(smtp_server, "hr@vandenberg.example", 2)
    assert " ".join(finished["Subject"].split()) == "Het Nmbrs-deel is klaar: kies de bedrijven voor Bakkerij Van den Berg B.V."
    assert "Piet Jansen heeft het Nmbrs-deel afgerond" in finished.get_body(("plain",)).get_content()

    contact.goto(link_in(finished, "/i/"))
    expect(heading(contact)).to_have_text("Bedrijven")
    # The administrator's token is nowhere on the HR manager's pages.
    contact.goto(f"{live_server.url}/onboarding/credentials")
    expect(contact.get_by_label("API-token")).to_have_value("")
    assert full.token not in contact.content()
    contact.goto(f"{live_server.url}/onboarding/delegation")
    expect(heading(contact)).to_have_text("Je Nmbrs-beheerder is klaar")
    contact.goto(f"{live_server.url}/onboarding/")
    expect(heading(contact)).to_have_text("Bedrijven")
    boxes = contact.locator("input[name=company]")
    boxes.first.check()
    contact.get_by_role("button", name="Koppeling afronden").click()
    contact.get_by_label("Ik begrijp het en wil doorgaan met alleen deze bedrijven").check()
    contact.get_by_role("button", name="Koppeling afronden").click()
    expect(heading(contact)).to_have_text("De koppeling is ingesteld")


def test_taking_it_back_ends_the_administrator_s_link(invited, browser, axe, smtp_server,
                                                      live_server):
    """The HR manager on a phone this time: sending, waiting and taking it back fit the screen."""
    phone = browser.new_context(**PHONE)
    contact = phone.new_page()
    contact.on("load", axe.check)
    contact.goto(invited)
    accept_terms(contact)
    choose_package(contact)
    contact.get_by_role("link", name="Stuur dit naar je Nmbrs-beheerder").click()
    assert no_horizontal_scroll(contact)
    contact.get_by_label("E-mailadres van je Nmbrs-beheerder").fill(ADMIN)
    contact.get_by_role("button", name="Versturen").click()
    expect(heading(contact)).to_have_text("Bij je Nmbrs-beheerder")
    assert no_horizontal_scroll(contact)
    admin_link = link_in(mail_to(smtp_server, ADMIN, 1), "/a/")

    contact.get_by_text("Toch zelf doen?").click()
    contact.get_by_role("button", name="Zelf verder gaan").click()
    expect(heading(contact)).to_have_text("Koppelmethode")

    other = browser.new_context()
    admin = other.new_page()
    admin.on("load", axe.check)
    response = admin.goto(admin_link)
    assert response.status == 410
    expect(heading(admin)).to_contain_text("ingetrokken")
    other.close()
    phone.close()
