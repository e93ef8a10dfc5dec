"""Support's side in a browser: log in, invite, watch a client (a second browser) walk the wizard
on the list and the detail page, resend, revoke, relink, the funnel, an agent's limits, and a
logout whose cookie is refused afterwards. axe-core checks every page either browser loads."""
import re

import pytest
from playwright.sync_api import expect

from tests.dashboard.conftest import PASSWORD
from tests.e2e.helpers import accept_terms, choose_package
from wizard.models import SupportRole
from wizard.staff import create_user

LINK = re.compile(r"http://127\.0\.0\.1:\d+/i/\S+")


@pytest.fixture
def support_site(app, live_server, nmbrs_sandbox, smtp_server):
    app.config.update(NMBRS_SOAP_URL=nmbrs_sandbox.soap_url, SUPPORT_REFRESH_SECONDS=1)
    create_user(email="admin@support.example", role=SupportRole.ADMIN, password=PASSWORD)
    create_user(email="agent@support.example", role=SupportRole.AGENT, password=PASSWORD)
    return live_server


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/support/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen voor support")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Onboardings")


def invite(page, organisation: str, email: str) -> None:
    page.get_by_role("link", name="Nieuwe uitnodiging").click()
    page.get_by_label("Organisatie").fill(organisation)
    page.get_by_label("Naam contactpersoon (optioneel)").fill("Sanne de Vries")
    page.get_by_label("E-mailadres contactpersoon").fill(email)
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.get_by_role("status").first).to_have_text("De uitnodiging is verstuurd.")


def emailed_link(smtp_server, count: int) -> str:
    email = smtp_server.inbox.wait(count)[count - 1]
    return LINK.search(email.get_body(("plain",)).get_content()).group(0)


def shows_step(page, step: str) -> None:
    """The open detail page refreshes itself until it shows the client's step."""
    expect(page.locator("[data-field=step]")).to_have_text(step, timeout=10_000)


def test_support_watches_and_unblocks_an_onboarding(support_site, audited_page, browser, axe,
                                                    smtp_server, nmbrs_sandbox):
    base = support_site.url
    support = audited_page
    log_in(support, base, "admin@support.example")
    invite(support, "Bakkerij Van den Berg B.V.", "hr@vandenberg.example")
    detail_url = support.url.split("?")[0]
    shows_step(support, "Nog niet geopend")

    client_context = browser.new_context()
    client = client_context.new_page()
    client.on("load", axe.check)
    client.goto(emailed_link(smtp_server, 1))
    shows_step(support, "Voorwaarden")
    accept_terms(client)
    shows_step(support, "Salarispakket")
    choose_package(client)
    shows_step(support, "Koppelmethode")
    client.get_by_label("Met een API-token").check()
    client.get_by_role("button", name="Volgende").click()
    shows_step(support, "Inloggegevens")
    login = nmbrs_sandbox.login("full")
    client.get_by_label("E-mailadres van de Nmbrs-login").fill(login.username)
    client.get_by_label("API-token").fill(login.token)
    client.get_by_role("button", name="Controleren").click()
    expect(client.get_by_role("heading", name="Alle verplichte rechten staan aan")).to_be_visible()
    shows_step(support, "Bedrijven")
    expect(support.get_by_text("Controle geslaagd")).to_be_visible()

    # The list shows the same, by itself.
    support.get_by_role("link", name="Onboardings").click()
    row = support.locator("tr", has_text="Bakkerij Van den Berg B.V.")
    expect(row.locator(".step")).to_have_text("Bedrijven")
    client.get_by_role("button", name="Volgende").click()
    for box in client.locator("input[name=company]").all()[:2]:
        box.check()
    client.get_by_role("button", name="Koppeling afronden").click()
    client.get_by_label("Ik begrijp het en wil doorgaan met alleen deze bedrijven").check()
    client.get_by_role("button", name="Koppeling afronden").click()
    expect(client.get_by_role("heading", level=1)).to_have_text("De koppeling is ingesteld")
    expect(row.locator(".status")).to_have_text("Afgerond", timeout=10_000)
    expect(row.locator(".flags")).to_contain_text("AVG-waarschuwing bevestigd")

    # The detail page tells the story.
    support.goto(detail_url)
    timeline = support.locator(".timeline")
    for sentence in ("Uitnodiging verstuurd", "Link voor het eerst geopend",
                     "Voorwaarden 2026-11 geaccepteerd door Sanne de Vries",
                     "Controle geslaagd", "AVG-waarschuwing bevestigd door Sanne de Vries: 2 van 3 bedrijven gekoppeld",
                     "Afgerond"):
        expect(timeline).to_contain_text(sentence)

    # Relink: a new journey of the same connection, terms not asked again.
    support.get_by_role("button", name="Nieuwe inloggegevens vragen").click()
    expect(support.get_by_role("status").first).to_have_text(
        "De klant is uitgenodigd om nieuwe inloggegevens te geven.")
    shows_step(support, "Nog niet geopend")
    expect(support.locator(".facts")).to_contain_text("Nieuwe inloggegevens")
    client.goto(emailed_link(smtp_server, 3))  # invite, confirmation, relink invite
    expect(client.get_by_role("heading", level=1)).to_have_text("Welkom terug")
    shows_step(support, "Welkom terug")
    expect(client.locator(".progress-steps")).not_to_contain_text("Voorwaarden")

    # A second invite: resend kills the old link, revoke blocks the open session.
    invite(support, "Transport Jansen B.V.", "hr@jansen.example")
    old_link = emailed_link(smtp_server, 4)
    other_context = browser.new_context()
    other = other_context.new_page()
    other.on("load", axe.check)
    other.goto(old_link)
    expect(other.get_by_role("heading", level=1)).to_have_text("Voorwaarden")
    support.get_by_role("button", name="Nieuwe link sturen").click()
    expect(support.get_by_role("status").first).to_contain_text("De vorige link werkt niet meer")
    fresh = other_context.new_page()
    fresh.on("load", axe.check)
    fresh.goto(old_link)
    expect(fresh.get_by_role("heading", level=1)).to_have_text("Er is een nieuwere link verstuurd")
    support.get_by_role("button", name="Link kopiëren").click()
    copied = support.get_by_label("Link").input_value()
    assert LINK.match(copied) and copied not in (old_link,)
    support.get_by_role("link", name="Terug naar de onboarding").click()
    assert copied not in support.content()
    support.get_by_text("Uitnodiging intrekken").click()
    support.get_by_role("button", name="Ja, intrekken").click()
    expect(support.locator("[data-field=status]")).to_have_text("Ingetrokken")
    other.reload()
    expect(other.get_by_role("heading", level=1)).to_have_text("Deze uitnodiging is ingetrokken")

    # The funnel shows the walk.
    support.get_by_role("link", name="Funnel").click()
    funnel = support.locator(".funnel-table")
    expect(funnel.locator("tbody tr").first).to_contain_text("Uitgenodigd2")
    expect(funnel.locator("tbody tr", has_text="Afgerond")).to_contain_text("Afgerond1")
    expect(support.locator(".funnel-chart svg")).to_be_visible()

    # Admin pages, then logout: the old cookie is refused afterwards.
    support.get_by_role("link", name="Accounts").click()
    expect(support.get_by_role("cell", name="agent@support.example", exact=True)).to_be_visible()
    support.get_by_role("link", name="API-sleutels").click()
    cookie = next(c for c in support.context.cookies() if c["name"] == "wizard_support")
    support.get_by_role("button", name="Uitloggen").click()
    expect(support.get_by_role("heading", level=1)).to_have_text("Inloggen voor support")
    thief_context = browser.new_context()
    thief_context.add_cookies([cookie])
    thief = thief_context.new_page()
    thief.on("load", axe.check)
    thief.goto(base + "/support/")
    expect(thief.get_by_role("heading", level=1)).to_have_text("Inloggen voor support")
    for context in (client_context, other_context, thief_context):
        context.close()


def test_an_agent_cannot_manage_accounts(support_site, audited_page):
    page = audited_page
    log_in(page, support_site.url, "agent@support.example")
    expect(page.get_by_role("link", name="Accounts")).to_have_count(0)
    expect(page.get_by_role("link", name="API-sleutels")).to_have_count(0)
    response = page.goto(support_site.url + "/support/accounts")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Geen toegang")
    page.goto(support_site.url + "/support/funnel")
    expect(page.get_by_role("heading", level=1)).to_have_text("Funnel")
    page.get_by_role("link", name="agent@support.example").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wachtwoord wijzigen")


def test_support_pages_in_english_on_a_phone(support_site, browser, axe):
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True)
    page = context.new_page()
    page.on("load", axe.check)
    page.goto(support_site.url + "/language/en?next=/support/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Support login")
    page.get_by_label("Email address").fill("admin@support.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Onboardings")
    page.get_by_role("link", name="New invite").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New invite")
    page.get_by_role("button", name="Send invite").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()
