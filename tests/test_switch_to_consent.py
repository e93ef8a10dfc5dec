"""Moving a live token connection onto "Inloggen met Nmbrs" without redoing the onboarding."""
import json
import re

import pytest

from tests.support.connect import (come_back, enter_login, go_to_nmbrs, reload, run_check,
                                   to_credentials)
from tests.support.consent import give_consent
from wizard.extensions import db
from wizard.models import JourneyKind, Onboarding, OnboardingStatus, OutboxMessage


def company_ids(page: str) -> list[str]:
    return re.findall(r'name="company" value="([^"]+)"', page)


def checked_ids(page: str) -> list[str]:
    return re.findall(r'name="company" value="([^"]+)"[^>]*checked', page)


def live_token_connection(make_onboarding, wizard, sandbox, login="full", pick=2):
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    to_credentials(wizard)
    enter_login(wizard, sandbox.login(login))
    run_check(wizard)
    wizard.submit("validation")
    page = wizard.client.get("/onboarding/entities").get_data(as_text=True)
    chosen = pick(company_ids(page)) if callable(pick) else company_ids(page)[:pick]
    wizard.submit("entities", company=chosen, accept_excess="y")
    assert reload(onboarding).status is OnboardingStatus.COMPLETED
    return onboarding


def report(runner) -> dict:
    result = runner.invoke(args=["connections", "report", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_token_client_switches_in_a_short_flow_and_keeps_its_companies(
        make_onboarding, wizard, sandbox, runner):
    onboarding = live_token_connection(make_onboarding, wizard, sandbox)
    assert report(runner)["live_by_method"] == {"token": 1} and report(runner)["still_on_soap"] == 1

    dry = runner.invoke(args=["invite", "switch-to-consent", "--all-token", "--dry-run"])
    assert dry.exit_code == 0 and "1 token connection to invite (dry run" in dry.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Onboarding)) == 1

    sent = runner.invoke(args=["invite", "switch-to-consent", str(onboarding.id)])
    assert sent.exit_code == 0, sent.output
    link = sent.output.strip().splitlines()[-1]
    assert report(runner)["invited_to_switch"] == 1
    again = runner.invoke(args=["invite", "switch-to-consent", "--all-token"])
    assert "0 token connections to invite" in again.output  # already invited

    wizard.open_invite(link)
    welcome = wizard.client.get("/onboarding/welcome").get_data(as_text=True)
    assert "Nmbrs stopt op 1 maart 2027" in welcome
    assert re.findall(r'class="step-title">([^<]+)<', welcome) == [
        "Welkom terug", "Inloggen bij Nmbrs", "Controle", "Bedrijven", "Klaar"]
    assert wizard.submit("welcome").headers["Location"].endswith("/onboarding/consent")
    account = sandbox.consent_account("full")
    back = come_back(wizard, give_consent(go_to_nmbrs(wizard), account.username, account.password))
    assert back.headers["Location"].endswith("/onboarding/validation")
    assert wizard.submit("validation").headers["Location"].endswith("/onboarding/entities")

    entities = wizard.client.get("/onboarding/entities").get_data(as_text=True)
    chosen = checked_ids(entities)
    assert len(chosen) == 2 and all(len(i) == 36 for i in chosen)  # the same two, as REST GUIDs
    before = {c["number"] for c in reload(onboarding).answers.entities.companies}
    assert wizard.submit("entities", company=chosen, accept_excess="y").headers[
        "Location"].endswith("/onboarding/done")

    journey = db.session.scalars(db.select(Onboarding).filter_by(
        kind=JourneyKind.SWITCH_TO_CONSENT)).one()
    assert journey.status is OnboardingStatus.COMPLETED and journey.revision == 2
    assert {c["number"] for c in journey.answers.entities.companies} == before
    message = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    data = message.payload["data"]
    assert data["onboarding_id"] == onboarding.public_id and data["revision"] == 2
    assert data["connection"]["method"] == "oauth"
    assert data["journey"] == {"id": journey.public_id, "kind": "switch_to_consent"}
    assert report(runner) | {"days_left": None} == {
        "live_by_method": {"oauth": 1}, "still_on_soap": 0, "invited_to_switch": 0,
        "switched": 1, "soap_end_of_support": "2027-03-01", "days_left": None}


def test_a_company_the_consent_cannot_reach_is_named(make_onboarding, wizard, sandbox, runner):
    """Token login: 5 companies of debtor 7; the consenting login sees only 4 of them."""
    def debtor_seven(ids):
        return sorted(i for i in ids if i.startswith("2007"))[:5]  # its companies 1 to 5

    onboarding = live_token_connection(make_onboarding, wizard, sandbox, login="accountant",
                                       pick=debtor_seven)
    link = runner.invoke(args=["invite", "switch-to-consent", str(onboarding.id)]).output \
        .strip().splitlines()[-1]
    wizard.open_invite(link)
    wizard.submit("welcome")
    account = sandbox.consent_account("debtor_level")
    come_back(wizard, give_consent(go_to_nmbrs(wizard), account.username, account.password))
    wizard.submit("validation")
    page = wizard.client.get("/onboarding/entities").get_data(as_text=True)
    assert "Eén bedrijf dat nu gekoppeld is, is met deze toestemming niet te zien" in page
    assert len(checked_ids(page)) == 4


def test_a_connection_already_on_consent_cannot_be_switched(make_onboarding, wizard, sandbox,
                                                             runner):
    onboarding = live_token_connection(make_onboarding, wizard, sandbox)
    onboarding.raw_answers["method"] = {**onboarding.raw_answers["method"], "method": "oauth"}
    db.session.commit()
    result = runner.invoke(args=["invite", "switch-to-consent", str(onboarding.id)])
    assert result.exit_code == 2 and "does not use an API token" in result.output


def test_switching_needs_the_consent_path_configured(make_onboarding, wizard, sandbox, runner, app):
    onboarding = live_token_connection(make_onboarding, wizard, sandbox)
    app.config["NMBRS_OAUTH_CLIENT_ID"] = None
    result = runner.invoke(args=["invite", "switch-to-consent", str(onboarding.id)])
    assert result.exit_code == 2 and "not configured" in result.output
