"""The Nmbrs token path over HTTP against the sandbox emulator: method to done."""
import re
import time

import pytest

from tests.support.connect import (enter_login, recheck_entities, reload, run_check,
                                   through_package, to_credentials)
from wizard.extensions import db
from wizard.models import AuditEvent, Credential, OnboardingStatus, ValidationRun


@pytest.fixture
def started(make_onboarding, wizard, sandbox):
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    to_credentials(wizard)
    return onboarding


def events(kind):
    return [e.details for e in db.session.scalars(db.select(AuditEvent).filter_by(event_type=kind))]


def test_method_step_offers_the_token_beside_consent(make_onboarding, wizard):
    _, link = make_onboarding()
    wizard.open_invite(link)
    through_package(wizard)
    page = wizard.client.get("/onboarding/method").get_data(as_text=True)
    assert re.search(r'<input type="radio" name="method" value="token"', page)
    assert "Met een API-token" in page and "tot 1 maart 2027" in page
    assert wizard.submit("method", method="fax").status_code == 422
    assert wizard.submit("method", method="token").headers["Location"].endswith(
        "/onboarding/credentials")


def test_full_login_two_of_three_companies_to_done(started, wizard, sandbox):
    onboarding = started
    login = sandbox.login("full")
    response = enter_login(wizard, login)
    assert response.headers["Location"].endswith("/onboarding/validation")
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    assert "Gevonden omgeving:" in page and "bakkerijvandenberg.nmbrs.nl" in page

    assert run_check(wizard).status_code == 302
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    assert "Alle verplichte rechten staan aan" in page
    answer = reload(onboarding).raw_answers["validation"]
    assert answer["required_ok"] is True and answer["checked"] == answer["ok"] > 10
    run = db.session.get(ValidationRun, answer["run_id"])
    assert run.required_ok and all(op["ms"] is not None for op in run.checks)

    assert wizard.submit("validation").headers["Location"].endswith("/onboarding/entities")
    page = wizard.client.get("/onboarding/entities").get_data(as_text=True)
    ids = re.findall(r'name="company" value="(\d+)"', page)
    assert len(ids) == 3

    refused = wizard.submit("entities", company=ids[:2])
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "kan 3 bedrijven zien, maar je koppelt er 2" in text
    assert text.count('checked') >= 2  # the choice survives the warning
    assert reload(onboarding).status is OnboardingStatus.IN_PROGRESS

    done = wizard.submit("entities", company=ids[:2], accept_excess="y")
    assert done.headers["Location"].endswith("/onboarding/done")
    onboarding = reload(onboarding)
    assert onboarding.status is OnboardingStatus.COMPLETED
    chosen = onboarding.raw_answers["entities"]
    assert [str(c["id"]) for c in chosen["companies"]] == ids[:2] or \
        sorted(str(c["id"]) for c in chosen["companies"]) == sorted(ids[:2])
    assert set(chosen["companies"][0]) == {"id", "number", "name", "debtor_id"}
    assert set(chosen["debtors"][0]) == {"id", "number", "name"}
    assert onboarding.answers.method.method == "token"
    assert onboarding.raw_answers["credentials"] == {
        "at": onboarding.raw_answers["credentials"]["at"], "username": login.username,
        "domain": "bakkerijvandenberg"}
    (accepted,) = events("entities.excess_access_accepted")
    assert (accepted["reachable_companies"], accepted["selected_companies"], accepted["rechecks"]) == (3, 2, 0)
    assert accepted["terms_acceptance_id"] is not None

    page = wizard.client.get("/onboarding/done").get_data(as_text=True)
    assert "Je kunt dit venster nu veilig sluiten." in page
    assert chosen["companies"][0]["name"] in page


def test_wrong_token_is_an_inline_error_and_stores_nothing(started, wizard, sandbox):
    response = enter_login(wizard, sandbox.login("wrong_token"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="token-error"' in page and "API-token niet" in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Credential)) == 0
    assert not reload(started).answers.has("credentials")


def test_wrong_domain_names_the_right_one(started, wizard, sandbox):
    response = enter_login(wizard, sandbox.login("full"), domain="verkeerd.nmbrs.nl")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="domain-error"' in page and "bakkerijvandenberg.nmbrs.nl" in page


def test_missing_rights_named_with_fixes_then_fixed_login_passes(started, wizard, sandbox):
    enter_login(wizard, sandbox.login("missing_rights"))
    run_check(wizard)
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    run = db.session.scalars(db.select(ValidationRun).order_by(ValidationRun.id.desc())).first()
    failed = {op["name"] for op in run.failed}
    assert failed == {"Salary_GetAll_AllEmployeesByCompany", "Run_GetList", "WageTax_GetXML",
                      "Reports_BackgroundTask_Result"} & {op["name"] for op in run.checks}
    assert "Zet Employee Services → Salary_GetAll_AllEmployeesByCompany aan onder API-instellingen" \
        in page.replace("&amp;", "&")
    assert "Er ontbreken nog rechten" in page
    assert wizard.submit("validation").status_code == 422
    assert wizard.client.get("/onboarding/entities").headers["Location"].endswith("/validation")

    assert enter_login(wizard, sandbox.login("full")).status_code == 302
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    assert "Er ontbreken nog rechten" not in page  # the old login's run no longer counts
    run_check(wizard)
    assert validation_passed_page(wizard)


def test_entering_credentials_checks_every_right_at_once(started, wizard, sandbox):
    """No second click: the credentials submit runs the probe, results are waiting."""
    enter_login(wizard, sandbox.login("full"))
    assert db.session.scalar(db.select(db.func.count()).select_from(ValidationRun)) == 1
    assert validation_passed_page(wizard)


def validation_passed_page(wizard):
    return "Alle verplichte rechten staan aan" in wizard.client.get(
        "/onboarding/validation").get_data(as_text=True)


def test_unreachable_nmbrs_keeps_earlier_results(app, started, wizard, sandbox):
    enter_login(wizard, sandbox.login("full"))
    run_check(wizard)
    app.config["NMBRS_SOAP_URL"] = "http://127.0.0.1:9/soap/v3/"
    assert run_check(wizard).status_code == 302
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    assert "De laatste controle is niet gelukt." in page
    assert "niet bereikbaar" in page
    assert "Hieronder staan de resultaten van de vorige controle." in page
    assert "Alle verplichte rechten staan aan" in page


def test_unreachable_at_credentials_lets_the_client_continue(app, started, wizard, sandbox):
    app.config["NMBRS_SOAP_URL"] = "http://127.0.0.1:9/soap/v3/"
    assert enter_login(wizard, sandbox.login("full")).status_code == 302
    app.config["NMBRS_SOAP_URL"] = sandbox.soap_url
    run_check(wizard)
    assert reload(started).answers.login.domain == "bakkerijvandenberg"
    assert validation_passed_page(wizard)


def test_accountant_search_select_whole_debtor_and_recheck(started, wizard, sandbox):
    enter_login(wizard, sandbox.login("accountant"))
    run_check(wizard)
    wizard.submit("validation")
    began = time.perf_counter()
    response = wizard.client.get("/onboarding/entities")
    elapsed = time.perf_counter() - began
    page = response.get_data(as_text=True)
    assert page.count('name="company"') == 1040
    assert page.count('<fieldset class="debtor"') == 40
    print(f"entities page: {len(response.data)} bytes in {elapsed * 1000:.0f} ms")
    assert len(response.data) < 400_000 and elapsed < 1.5, (len(response.data), elapsed)

    debtor = re.search(r'name="whole_debtor" value="(\d+)"', page).group(1)
    refused = wizard.submit("entities", whole_debtor=debtor)
    assert refused.status_code == 422
    assert "kan 1.040 bedrijven zien, maar je koppelt er 26" in refused.get_data(as_text=True)

    assert recheck_entities(wizard).status_code == 302
    assert events("entities.rechecked")[0]["companies_now"] == 1040
    done = wizard.submit("entities", whole_debtor=debtor, accept_excess="y")
    assert done.headers["Location"].endswith("/onboarding/done")
    assert len(reload(started).answers.entities.companies) == 26


def test_unknown_company_or_action_is_refused(started, wizard, sandbox):
    enter_login(wizard, sandbox.login("full"))
    run_check(wizard)
    wizard.submit("validation")
    assert wizard.submit("entities", company="999999").status_code == 422
    assert wizard.submit("entities").status_code == 422
    token = wizard.csrf_token("entities")
    assert wizard.client.post("/onboarding/entities/explode", data={"csrf_token": token}).status_code == 404
    assert wizard.client.post("/onboarding/entities/recheck").status_code == 400


def test_english_client_gets_english_fixes(make_onboarding, wizard, sandbox):
    _, link = make_onboarding(language="en")
    wizard.open_invite(link)
    to_credentials(wizard)
    enter_login(wizard, sandbox.login("missing_rights"))
    run_check(wizard)
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True).replace("&amp;", "&")
    assert "Some rights are still missing" in page
    assert "Switch on Employee Services → Salary_GetAll_AllEmployeesByCompany under API settings" in page
    assert "Reads each company" in page or "Reads the payroll runs" in page  # profile purposes in English


def test_recheck_while_nmbrs_is_unreachable_keeps_the_list(app, started, wizard, sandbox):
    from wizard.models import EntitySnapshot

    enter_login(wizard, sandbox.login("full"))
    assert wizard.submit("validation").status_code == 302
    snapshots = db.session.scalar(db.select(db.func.count()).select_from(EntitySnapshot))
    app.config["NMBRS_SOAP_URL"] = "http://127.0.0.1:9/soap/v3/"
    answer = recheck_entities(wizard)
    assert answer.status_code == 422
    assert "niet bereikbaar om de lijst opnieuw op te halen" in answer.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(EntitySnapshot)) == snapshots
    assert "Drukkerij Mulder B.V." in wizard.client.get("/onboarding/entities").get_data(as_text=True)
