"""Orientation: what the first screen says a person needs, "Hulp nodig?" on the hard steps,
where they are ("Stap 4 van 7 · Inloggegevens"), and what the done page says comes next."""
import lxml.html

from tests.support.connect import to_credentials


def text_of(response) -> str:
    return " ".join(lxml.html.fromstring(response.get_data(as_text=True)).text_content().split())


def test_the_first_screen_says_what_is_needed_for_both_methods_and_how_long(make_onboarding,
                                                                           wizard, sandbox):
    _, link = make_onboarding()
    wizard.open_invite(link)
    page = text_of(wizard.client.get("/onboarding/terms"))
    assert "Wat heb je nodig?" in page and "5 tot 15 minuten" in page
    assert "Inloggen met Nmbrs (aanbevolen, ongeveer 5 minuten)" in page
    assert "Met een API-token (ongeveer 15 minuten)" in page
    assert "(Scenario 3) General Manager Payroll & HR (System)" in page
    assert "stuur je het Nmbrs-deel naar je Nmbrs-beheerder" in page


def test_without_consent_only_the_token_is_described(app, make_onboarding, wizard):
    app.config["NMBRS_OAUTH_CLIENT_ID"] = None
    _, link = make_onboarding()
    wizard.open_invite(link)
    page = text_of(wizard.client.get("/onboarding/terms"))
    assert "Met een API-token" in page and "Inloggen met Nmbrs (aanbevolen" not in page


def test_help_is_offered_on_the_hard_steps_only(make_onboarding, wizard, sandbox):
    _, link = make_onboarding()
    wizard.open_invite(link)
    assert "Hulp nodig?" not in text_of(wizard.client.get("/onboarding/terms"))
    to_credentials(wizard)
    page = text_of(wizard.client.get("/onboarding/credentials"))
    assert "Hulp nodig? Support van Roosterwijs denkt met je mee. Bel 020 123 4567 · Mail " \
           "support@example.nl" in page
    html = wizard.client.get("/onboarding/credentials").get_data(as_text=True)
    assert 'href="tel:0201234567"' in html and 'href="mailto:support@example.nl"' in html


def test_the_step_count_names_the_step(make_onboarding, wizard, sandbox):
    _, link = make_onboarding()
    wizard.open_invite(link)
    to_credentials(wizard)
    assert "Stap 4 van 7 · : Inloggegevens" in text_of(wizard.client.get("/onboarding/credentials"))


def test_the_done_page_says_what_happens_next_when_and_whom_to_ask(simple_flow, make_onboarding,
                                                                   wizard, client):
    _, link = make_onboarding()
    wizard.open_invite(link)
    for step in ("first", "second", "third", "fourth"):
        wizard.submit(step)
    page = text_of(client.get("/onboarding/done"))
    assert "Wat gebeurt er nu?" in page
    assert "Binnen 24 uur staan de eerste gegevens van de gekozen bedrijven klaar" in page
    assert "Vragen of iets wijzigen? Neem contact op met support van Roosterwijs: Bel 020 123 4567" \
           in page
