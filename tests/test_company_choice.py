"""The company choice with many companies: duplicates told apart by number, numbers in the
client's language, and the AVG warning that offers narrowing the filter in Nmbrs (with a re-check
that keeps the choice) before the acknowledgement."""
import re

import pytest

from tests.support.connect import enter_login, reload, run_check, to_credentials
from wizard.connection.method import Reach
from wizard.connection.token.method import TokenMethod
from wizard.extensions import db
from wizard.models import AuditEvent, OnboardingStatus


@pytest.fixture
def accountant(make_onboarding, wizard, sandbox):
    """A client on the company choice with the accountant's 40 debtors and 1,040 companies."""
    def walk(language="nl"):
        onboarding, link = make_onboarding(language=language)
        wizard.open_invite(link)
        to_credentials(wizard)
        enter_login(wizard, sandbox.login("accountant"))
        run_check(wizard)
        wizard.submit("validation")
        return onboarding
    return walk


def entities_page(wizard) -> str:
    return wizard.client.get("/onboarding/entities").get_data(as_text=True)


def debtor_companies(page: str, debtor_number: str) -> list[str]:
    block = page.split(f'data-number="{debtor_number}"', 1)[1].split("</fieldset>", 1)[0]
    return re.findall(r'name="company" value="(\d+)"', block)


def all_checked(page: str, ids) -> bool:
    return all(re.search(rf'value="{i}"( id="company")? checked', page) for i in ids)


def test_duplicate_names_are_told_apart_by_company_and_debtor_number(accountant, wizard):
    accountant()
    page = entities_page(wizard)
    assert "Deze login kan 1.040 bedrijven zien." in page and "Ze vallen onder 40 debiteuren." in page
    # "Transport Willems B.V." is twelve companies: under different debtors, and twice under one.
    rows = re.findall(r'value="(\d+)"[^>]*> Transport Willems B\.V\. <span class="muted">nr\. (\d+)</span>', page)
    assert len(rows) == 12
    brouwer = page.split('data-number="123"', 1)[1].split("</fieldset>", 1)[0]
    assert "Holding Brouwer</span> <span class=\"muted\">· debiteur 123</span>" in brouwer
    assert re.findall(r"Transport Willems B\.V\. <span class=\"muted\">nr\. (\d+)</span>", brouwer) == ["3", "23"]
    assert "Alle 26 bedrijven van deze debiteur" in brouwer
    # Search hints at numbers; the found/all templates carry the counts for the script.
    assert "Zoek op naam of nummer" in page and "het bedrijfsnummer of het debiteurnummer" in page


def test_numbers_follow_the_language(accountant, wizard):
    accountant(language="en")
    page = entities_page(wizard)
    assert "This login can see 1,040 companies." in page and "debtor 123" in page


def test_the_avg_warning_offers_the_filter_first_then_the_acknowledgement(accountant, wizard):
    accountant()
    page = entities_page(wizard)
    chosen = debtor_companies(page, "123")
    refused = wizard.submit("entities", company=chosen)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    safer = text.index("Het veiligst: ik pas het filter in Nmbrs aan")
    steps = text[safer:text.index("Of: ik ga bewust door met alleen deze bedrijven")]
    assert "api@dekkeradministraties.example" in steps  # whose filter to narrow
    assert "Instellingen, Gebruikers, Logins" in steps and "Klant login" in steps
    assert "Sla het filter op." in steps
    assert 'formaction="/onboarding/entities/recheck"' in steps
    assert text.index("Ik begrijp het en wil doorgaan met alleen deze bedrijven") > safer
    assert "kan 1.040 bedrijven zien, maar je koppelt er 26" in text
    assert "De 26 bedrijven die je koos, voor in het filter:" in text
    assert "Transport Willems B.V. (nr. 23, debiteur 123)" in text.split('id="chosen-companies"')[1]
    # The choice is still ticked on the refused page.
    assert all_checked(text, chosen)


def test_a_recheck_keeps_the_choice_and_says_what_changed(accountant, wizard, monkeypatch):
    onboarding = accountant()
    page = entities_page(wizard)
    chosen = debtor_companies(page, "123")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def recheck():
        return wizard.client.post("/onboarding/entities/recheck", data={
            "csrf_token": token, "_keep": "company,whole_debtor", "company": chosen})

    # One whole debtor, kept as one tick (a single value), keeps all its companies ticked.
    whole = re.search(r'data-debtor="(\d+)" data-number="123"', page).group(1)
    assert wizard.client.post("/onboarding/entities/recheck", data={
        "csrf_token": token, "_keep": "company,whole_debtor", "whole_debtor": whole}).status_code == 302
    assert all_checked(entities_page(wizard), chosen)

    assert recheck().status_code == 302
    again = entities_page(wizard)
    assert "de login ziet nog steeds 1.040 bedrijven" in again
    assert all_checked(again, chosen)

    # The administrator narrows the filter in Nmbrs to these 26 companies: the re-check sees it.
    full = TokenMethod.read_reach

    def narrowed(self, onboarding):
        reach = full(self, onboarding)
        companies = [c for c in reach.companies if str(c["id"]) in chosen]
        ids = {c["debtor_id"] for c in companies}
        return Reach([d for d in reach.debtors if d["id"] in ids], companies)

    monkeypatch.setattr(TokenMethod, "read_reach", narrowed)
    recheck()
    after = entities_page(wizard)
    assert "de login ziet nu 26 bedrijven (eerst 1.040)" in after
    assert after.count('name="company"') == 26
    assert all_checked(after, chosen)
    done = wizard.submit("entities", company=chosen)
    assert done.headers["Location"].endswith("/onboarding/done")
    onboarding = reload(onboarding)
    assert onboarding.status is OnboardingStatus.COMPLETED
    assert onboarding.answers.entities.acknowledgement is None
    rechecks = db.session.scalars(db.select(AuditEvent).filter_by(event_type="entities.rechecked")).all()
    assert [e.details["companies_now"] for e in rechecks] == [1040, 1040, 26]
    assert db.session.scalar(db.select(AuditEvent).filter_by(
        event_type="entities.excess_access_accepted")) is None


def test_acknowledging_records_who_what_and_when(accountant, wizard):
    onboarding = accountant()
    chosen = debtor_companies(entities_page(wizard), "123")
    wizard.submit("entities", company=chosen)
    done = wizard.submit("entities", company=chosen, accept_excess="y")
    assert done.headers["Location"].endswith("/onboarding/done")
    ack = reload(onboarding).answers.entities.acknowledgement
    assert (ack["by"], ack["reachable_companies"], ack["selected_companies"], ack["rechecks"]) == (
        "Sanne de Vries", 1040, 26, 0)
    event = db.session.scalar(db.select(AuditEvent).filter_by(event_type="entities.excess_access_accepted"))
    assert event.details["selected_companies"] == 26 and "Sanne" not in str(event.details)
