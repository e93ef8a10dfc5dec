"""The company choice in a browser, on a desktop and a phone (axe on every page): 1,040 companies
whose names repeat told apart by number, a filter whose count, "choose all found" and rows always
agree (also after reload and back), the AVG path that offers narrowing the filter in Nmbrs and a
re-check first, and asking support to change the companies after finishing."""
import re

import pytest
from playwright.sync_api import expect

from tests.dashboard.conftest import PASSWORD
from tests.e2e.test_connect_nmbrs import check_rights, enter_login, heading, through_package
from tests.e2e.test_support_dashboard import log_in
from wizard.extensions import db
from wizard.invites.service import create_invite
from wizard.models import AuditEvent, ChangeRequest, Onboarding, OnboardingStatus, SupportRole
from wizard.staff import create_user

LINK = re.compile(r"http://127\.0\.0\.1:\d+/i/\S+")
VIEWPORTS = {"desktop": {"viewport": {"width": 1280, "height": 800}},
             "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}}

#: What the page shows, read in one go: rows shown, boxes ticked and the three texts about them.
STATE = """() => {
  const rows = [...document.querySelectorAll('ul.companies li')];
  return {
    shown: rows.filter(r => !r.hidden && !r.closest('fieldset').hidden).length,
    hiddenRows: rows.filter(r => r.hidden).length,
    ticked: rows.filter(r => r.querySelector('input').checked).length,
    count: document.querySelector('.selection-count').textContent.trim(),
    found: document.getElementById('entity-filter-count').textContent.trim(),
    query: document.getElementById('entity-filter').value.trim(),
    chooseAll: document.getElementById('select-visible').nextElementSibling.textContent.trim(),
    total: rows.length,
  };
}"""


def nl(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def agrees(page) -> dict:
    """Count, "choose all found" and the rows shown say the same as the boxes and the query."""
    state = page.evaluate(STATE)
    assert state["count"] == f"{nl(state['ticked'])} gekozen", state
    assert state["chooseAll"].endswith(f"({nl(state['shown'])})"), state
    assert state["shown"] + state["hiddenRows"] == state["total"], state
    if state["query"]:
        assert state["found"] in (f"{nl(state['shown'])} van {nl(state['total'])} bedrijven zichtbaar",
                                  "Geen bedrijf gevonden voor deze zoekopdracht."), state
    else:
        assert state["found"] == "" and state["shown"] == state["total"], state
    return state


@pytest.fixture(params=list(VIEWPORTS))
def device(request, browser, axe):
    context = browser.new_context(**VIEWPORTS[request.param])
    page = context.new_page()
    page.on("load", axe.check)
    yield page
    page.wait_for_load_state("load")
    page.evaluate("0")
    context.close()


@pytest.fixture
def invited(app, live_server, nmbrs_sandbox, smtp_server):
    app.config["NMBRS_SOAP_URL"] = nmbrs_sandbox.soap_url
    create_invite(organisation="Dekker Administraties B.V.", contact_email="hr@dekker.example",
                  contact_name="Sanne de Vries")
    email = smtp_server.inbox.wait(1)[0]
    return LINK.search(email.get_body(("plain",)).get_content()).group(0)


def to_companies(page, link, login):
    through_package(page, link)
    enter_login(page, login)
    check_rights(page)
    page.get_by_role("button", name="Volgende").click()
    expect(heading(page)).to_have_text("Bedrijven")


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_duplicate_names_are_told_apart_and_the_filter_agrees(invited, device, nmbrs_sandbox):
    page = device
    to_companies(page, invited, nmbrs_sandbox.login("accountant"))
    expect(page.get_by_text("Deze login kan 1.040 bedrijven zien.")).to_be_visible()
    expect(page.get_by_label("Kies alle bedrijven (1.040)")).to_be_visible()
    agrees(page)
    fits(page)

    search = page.get_by_label("Zoek op naam of nummer")
    search.fill("Transport Willems")
    found = page.locator("#entity-filter-count")
    expect(found).to_have_text("12 van 1.040 bedrijven zichtbaar")
    shown = page.locator("ul.companies li:not([hidden])")
    expect(shown).to_have_count(12)
    # Twelve companies of one name: each is its debtor's number plus its own number.
    pairs = page.evaluate("""() => [...document.querySelectorAll('ul.companies li:not([hidden])')]
        .map(li => [li.closest('fieldset').dataset.number, li.dataset.number,
                    li.querySelector('.muted').textContent.trim()])""")
    assert len({(debtor, number) for debtor, number, _ in pairs}) == 12
    assert all(text == f"nr. {number}" for _, number, text in pairs)
    expect(page.locator("fieldset.debtor:not([hidden]) legend").first).to_contain_text(re.compile(r"debiteur 1\d\d"))
    agrees(page)

    # By number: debtor 123 (Holding Brouwer) has two of them, numbers 3 and 23.
    search.fill("Transport Willems 123")
    expect(shown).to_have_count(2)
    search.fill("123 3")
    expect(shown).to_have_count(1)
    expect(shown.first).to_contain_text("Transport Willems B.V. nr. 3")
    page.get_by_label("Kies alle gevonden bedrijven (1)").check()
    expect(page.locator(".selection-count")).to_have_text("1 gekozen")

    search.fill("Transport Willems")
    expect(found).to_have_text("12 van 1.040 bedrijven zichtbaar")
    choose_found = page.get_by_label("Kies alle gevonden bedrijven (12)")
    assert choose_found.evaluate("box => box.indeterminate")
    choose_found.check()
    expect(page.locator(".selection-count")).to_have_text("12 gekozen")
    search.fill("geen-bedrijf-heet-zo")
    expect(found).to_have_text("Geen bedrijf gevonden voor deze zoekopdracht.")
    expect(page.locator("#select-visible")).to_be_disabled()
    search.fill("Transport Willems")
    search.press("Enter")  # filters; never finishes the onboarding
    expect(heading(page)).to_have_text("Bedrijven")
    state = agrees(page)
    assert state["shown"] == 12 and state["ticked"] == 12

    # However the browser restores the page, what it shows still agrees.
    page.reload()
    expect(heading(page)).to_have_text("Bedrijven")
    agrees(page)
    page.get_by_role("link", name="Vorige").click()
    expect(heading(page)).to_have_text("Controle")
    page.go_back()
    expect(heading(page)).to_have_text("Bedrijven")
    agrees(page)
    fits(page)


def test_the_avg_path_offers_the_filter_and_a_recheck_first(invited, device, nmbrs_sandbox, app):
    page = device
    login = nmbrs_sandbox.login("accountant")
    to_companies(page, invited, login)
    page.get_by_label("Zoek op naam of nummer").fill("123")
    expect(page.locator("ul.companies li:not([hidden])")).to_have_count(26)
    page.get_by_label("Kies alle gevonden bedrijven (26)").check()
    expect(page.locator(".selection-count")).to_have_text("26 gekozen")
    page.get_by_role("button", name="Koppeling afronden").click()

    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("kan 1.040 bedrijven zien, maar je koppelt er 26")
    warning = page.locator("#excess-warning")
    safer = warning.get_by_role("heading", name="Het veiligst: ik pas het filter in Nmbrs aan")
    expect(safer).to_be_visible()
    expect(warning.locator(".filter-steps")).to_contain_text(login.username)
    expect(warning.locator(".filter-steps")).to_contain_text("Sla het filter op.")
    # The safer path comes first: its button before the acknowledgement, in reading order.
    order = warning.evaluate("""w => [...w.querySelectorAll('button, input[type=checkbox]')]
        .map(e => e.textContent.trim() || e.name)""")
    assert order.index("Opnieuw ophalen") < order.index("accept_excess"), order
    # The chosen companies, ready to copy into the filter.
    expect(warning.locator("#chosen-companies")).to_contain_text("Transport Willems B.V. (nr. 3, debiteur 123)")
    fits(page)

    warning.get_by_role("button", name="Opnieuw ophalen").click()
    expect(page.locator(".recheck-outcome")).to_contain_text("de login ziet nog steeds 1.040 bedrijven")
    expect(page.locator(".selection-count")).to_have_text("26 gekozen")  # the choice was kept
    agrees(page)

    page.get_by_role("button", name="Koppeling afronden").click()
    page.get_by_label("Ik begrijp het en wil doorgaan met alleen deze bedrijven").check()
    page.get_by_role("button", name="Koppeling afronden").click()
    expect(heading(page)).to_have_text("De koppeling is ingesteld")
    fits(page)
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(
            event_type="entities.excess_access_accepted"))
        assert (event.details["reachable_companies"], event.details["selected_companies"],
                event.details["rechecks"]) == (1040, 26, 1)
        ack = db.session.scalar(db.select(Onboarding)).answers.entities.acknowledgement
        assert ack["by"] == "Sanne de Vries"


def test_after_finishing_the_client_asks_support_to_change_the_companies(
        invited, device, browser, axe, nmbrs_sandbox, smtp_server, live_server, app):
    page = device
    to_companies(page, invited, nmbrs_sandbox.login("full"))
    page.get_by_label("Kies alle bedrijven (3)").check()
    page.get_by_role("button", name="Koppeling afronden").click()
    expect(heading(page)).to_have_text("De koppeling is ingesteld")

    request = page.locator("#change-request")
    expect(request.get_by_role("heading", name="Andere bedrijven koppelen?")).to_be_visible()
    request.get_by_role("button", name="Wijziging aanvragen").click()
    expect(page.locator("#error-summary")).to_be_focused()
    page.locator("#error-summary").get_by_role("link").click()
    expect(page.get_by_label("Wat wil je wijzigen?")).to_be_focused()
    page.get_by_label("Wat wil je wijzigen?").fill("Graag ook Bakkerij Noord B.V. (nr. 4)")
    page.get_by_role("button", name="Wijziging aanvragen").click()
    expect(page.locator("#change-request [role=status]")).to_have_text(re.compile("Je verzoek is verstuurd."))
    expect(page.locator("#change-request .open-request")).to_contain_text("ligt bij support")
    expect(page.get_by_role("button", name="Wijziging aanvragen")).to_have_count(0)
    fits(page)

    # Support is emailed (without the client's words) ...
    support_mail = next(m for m in smtp_server.inbox.wait(3) if m["To"] == app.config["SUPPORT_EMAIL"])
    assert "Wijzigingsverzoek" in support_mail["Subject"]
    assert "Bakkerij Noord" not in support_mail.get_body(("plain",)).get_content()

    # ... sees the flag, the words and the action, and sends a link to choose again.
    with app.app_context():
        create_user(email="agent@support.example", role=SupportRole.AGENT, password=PASSWORD)
    support_context = browser.new_context()
    support = support_context.new_page()
    support.on("load", axe.check)
    log_in(support, live_server.url, "agent@support.example")
    support.get_by_label("Signaal").select_option("change_requested")
    support.get_by_role("button", name="Toepassen").click()
    row = support.locator("tbody tr", has_text="Dekker Administraties B.V.")
    expect(row.locator(".flags")).to_contain_text("Wil andere bedrijven")
    row.get_by_role("link", name="Dekker Administraties B.V.").click()
    panel = support.locator(".change-request-panel")
    expect(panel).to_contain_text("Graag ook Bakkerij Noord B.V. (nr. 4)")
    expect(support.locator(".timeline")).to_contain_text("De klant vraagt om de gekoppelde bedrijven te wijzigen")
    panel.get_by_role("button", name="Link sturen om de bedrijven opnieuw te kiezen").click()
    expect(support.get_by_role("status").first).to_contain_text("de klant krijgt een link")
    relink = smtp_server.inbox.wait(4)[3]
    assert relink["To"].addresses[0].addr_spec == "hr@dekker.example"
    with app.app_context():
        assert db.session.scalar(db.select(ChangeRequest)).resolution.value == "relink"
        assert {o.status for o in db.session.scalars(db.select(Onboarding))} == {
            OnboardingStatus.COMPLETED, OnboardingStatus.INVITED}
    support_context.close()


def test_a_recheck_keeps_a_large_choice_of_whole_debtors(invited, device, nmbrs_sandbox):
    """Twenty whole debtors (520 companies) survive re-reading the list: they travel as ticks."""
    page = device
    to_companies(page, invited, nmbrs_sandbox.login("accountant"))
    wholes = page.locator("input[name=whole_debtor]")
    for index in range(20):
        wholes.nth(index).check()
    expect(page.locator(".selection-count")).to_have_text("520 gekozen")
    page.get_by_text("Kies alleen wat nodig is (AVG)").click()
    page.get_by_role("button", name="Opnieuw ophalen").click()
    expect(page.locator(".recheck-outcome")).to_contain_text("nog steeds 1.040 bedrijven")
    expect(page.locator(".selection-count")).to_have_text("520 gekozen")
    assert page.locator("input[name=whole_debtor]:checked").count() == 20
    assert page.locator("input[name=company]:disabled").count() == 0
    agrees(page)
