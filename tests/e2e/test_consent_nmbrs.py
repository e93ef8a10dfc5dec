""""Inloggen met Nmbrs" in a browser, from the invite email to the done page, through the
sandbox's own login and consent pages (axe on every page, ours and the sandbox's)."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import accept_terms, choose_package
from wizard.extensions import db
from wizard.invites.service import create_invite
from wizard.models import JourneyKind, Onboarding, OnboardingStatus, OutboxMessage


@pytest.fixture
def invited(app, live_server, sandbox, smtp_server):
    """Send a real invite email and return the link the client would click."""
    create_invite(organisation="Bakkerij Van den Berg B.V.", contact_email="hr@vandenberg.example",
                  contact_name="Sanne de Vries")
    email = smtp_server.inbox.wait(1)[0]
    text = email.get_body(("plain",)).get_content()
    return re.search(r"http://127\.0\.0\.1:\d+/i/\S+", text).group(0)


def heading(page):
    return page.get_by_role("heading", level=1)


def to_consent_step(page, link):
    page.goto(link)
    accept_terms(page)
    choose_package(page)
    expect(heading(page)).to_have_text("Koppelmethode")
    expect(page.get_by_label(re.compile("Inloggen met Nmbrs"))).to_be_checked()
    page.get_by_role("button", name="Volgende").click()
    expect(heading(page)).to_have_text("Inloggen bij Nmbrs")


def log_in_at_nmbrs(page, sandbox, scenario="full"):
    """On the sandbox: its login page (first visit in this browser) and then its consent page."""
    page.get_by_role("button", name="Inloggen bij Nmbrs").click()
    account = sandbox.consent_account(scenario)
    if page.get_by_label("Wachtwoord").count():
        page.get_by_label("E-mailadres").fill(account.username)
        page.get_by_label("Wachtwoord").fill(account.password)
        page.get_by_role("button", name="Inloggen").click()
    expect(heading(page)).to_contain_text("vraagt toegang tot je Nmbrs-gegevens")


def test_consent_from_the_invite_email_to_done(invited, audited_page, sandbox, smtp_server):
    page = audited_page
    to_consent_step(page, invited)
    expect(page.get_by_text("dienstverbanden: contracten, salarissen en roosters")).to_be_visible()
    log_in_at_nmbrs(page, sandbox)
    page.get_by_role("button", name="Toestaan").click()

    expect(heading(page)).to_have_text("Controle")
    expect(page.get_by_text("Ingelogd bij Nmbrs als Sanne van den Berg")).to_be_visible()
    expect(page.get_by_role("heading", name="Alle verplichte rechten staan aan")).to_be_visible()
    page.get_by_role("button", name="Volgende").click()

    expect(heading(page)).to_have_text("Bedrijven")
    boxes = page.locator("input[name=company]")
    expect(boxes).to_have_count(3)
    for index in range(3):
        boxes.nth(index).check()
    page.get_by_role("button", name="Koppeling afronden").click()
    expect(heading(page)).to_have_text("De koppeling is ingesteld")
    expect(page.locator(".summary")).to_contain_text("Inloggen met Nmbrs")
    confirmation = smtp_server.inbox.wait(2)[1]
    assert "ingesteld" in confirmation["Subject"]
    message = db.session.scalars(db.select(OutboxMessage)).one()
    assert message.payload["data"]["connection"]["method"] == "oauth"


def test_denied_consent_then_success_on_retry(invited, audited_page, sandbox):
    page = audited_page
    to_consent_step(page, invited)
    log_in_at_nmbrs(page, sandbox)
    page.get_by_role("button", name="Weigeren").click()
    expect(heading(page)).to_have_text("Je hebt geen toestemming gegeven")
    expect(page.get_by_text("Er is niets gekoppeld en niets bewaard")).to_be_visible()

    page.get_by_role("button", name="Opnieuw inloggen bij Nmbrs").click()
    # The identity server remembers the login in this browser: straight to its consent page.
    expect(heading(page)).to_contain_text("vraagt toegang tot je Nmbrs-gegevens")
    page.get_by_role("button", name="Toestaan").click()
    expect(page.get_by_role("heading", name="Alle verplichte rechten staan aan")).to_be_visible()


def test_an_unticked_required_scope_says_what_to_approve_again(invited, audited_page, sandbox):
    page = audited_page
    to_consent_step(page, invited)
    log_in_at_nmbrs(page, sandbox)
    page.get_by_label("Dienstverbanden bekijken: contracten, salarissen en roosters").uncheck()
    page.get_by_role("button", name="Toestaan").click()

    expect(page.get_by_role("heading", name="Er ontbreken nog rechten")).to_be_visible()
    missing = page.locator(".check.is-bad")
    expect(missing).to_have_count(1)
    expect(missing).to_contain_text("employee.employment.read")
    expect(missing.locator(".fix")).to_contain_text(
        "het vakje 'Medewerkers' stond uit toen je toestemming gaf")
    expect(page.get_by_role("button", name="Volgende")).to_have_count(0)

    page.get_by_role("button", name="Opnieuw toestemming geven").click()
    expect(page.get_by_label("Dienstverbanden bekijken: contracten, salarissen en roosters")) \
        .to_be_checked()
    page.get_by_role("button", name="Toestaan").click()
    expect(page.get_by_role("heading", name="Alle verplichte rechten staan aan")).to_be_visible()


def test_a_token_client_switches_to_consent_and_keeps_its_connection(
        app, live_server, sandbox, audited_page, smtp_server):
    """A completed token onboarding, invited to switch: the short flow, an oauth hand-off
    for the same connection id."""
    from tests.support.connect import enter_login, run_check, to_credentials
    from tests.conftest import WizardActions
    from wizard.invites import invite_reconnection

    invite = create_invite(organisation="Bakkerij Van den Berg B.V.",
                           contact_email="hr@vandenberg.example", contact_name="Sanne de Vries")
    onboarding = invite.onboarding
    setup = WizardActions(app.test_client())
    setup.open_invite(invite.link.replace(live_server.url, ""))
    to_credentials(setup)
    enter_login(setup, sandbox.login("full"))
    run_check(setup)
    setup.submit("validation")
    ids = re.findall(r'name="company" value="(\d+)"',
                     setup.client.get("/onboarding/entities").get_data(as_text=True))
    setup.submit("entities", company=ids[:2], accept_excess="y")
    db.session.refresh(onboarding)
    assert onboarding.status is OnboardingStatus.COMPLETED

    switch = invite_reconnection(onboarding, JourneyKind.SWITCH_TO_CONSENT)
    email = smtp_server.inbox.wait(3)[-1]
    assert "1 maart 2027" in email["Subject"]
    page = audited_page
    page.goto(re.search(r"http://127\.0\.0\.1:\d+/i/\S+",
                        email.get_body(("plain",)).get_content()).group(0))
    expect(heading(page)).to_have_text("Welkom terug")
    expect(page.get_by_text("Nmbrs stopt op 1 maart 2027")).to_be_visible()
    expect(page.locator(".step-count")).to_contain_text("Stap 1 van 5")
    page.get_by_role("button", name="Beginnen").click()
    expect(heading(page)).to_have_text("Inloggen bij Nmbrs")
    log_in_at_nmbrs(page, sandbox)
    page.get_by_role("button", name="Toestaan").click()
    expect(page.get_by_role("heading", name="Alle verplichte rechten staan aan")).to_be_visible()
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_text("2 gekozen")).to_be_visible()  # the companies chosen before
    page.get_by_role("button", name="Koppeling afronden").click()
    expect(page.get_by_role("alert")).to_contain_text("maar je koppelt er 2")
    page.get_by_label("Ik begrijp het en wil doorgaan met alleen deze bedrijven").check()
    page.get_by_role("button", name="Koppeling afronden").click()
    expect(heading(page)).to_have_text("De koppeling is ingesteld")

    journey = db.session.get(Onboarding, switch.onboarding.id)
    db.session.refresh(journey)
    assert journey.status is OnboardingStatus.COMPLETED and journey.revision == 2
    latest = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert latest.payload["data"]["onboarding_id"] == onboarding.public_id
    assert latest.payload["data"]["connection"]["method"] == "oauth"
