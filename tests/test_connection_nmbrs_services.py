"""Services that talk to Nmbrs, called directly against the sandbox emulator."""
import pytest

from wizard.connection.token.credentials import store_token_credentials
from wizard.connection.entities import latest_snapshot, refresh_entities
from wizard.connection.token.login import LoginProblem, LoginRejected, check_login
from wizard.connection.validation import (NoCredentials, latest_run, latest_run_with_results,
                                          run_validation, validation_passed)
from wizard.extensions import db


def stored(onboarding, login, domain=""):
    store_token_credentials(onboarding, username=login.username, token=login.token, domain=domain)
    db.session.commit()
    return onboarding


def test_check_login_discovers_the_domain(sandbox):
    login = sandbox.login("full")
    result = check_login(login.username, login.token, "")
    assert (result.domain, result.discovered) == ("bakkerijvandenberg", True)


@pytest.mark.parametrize("scenario, domain, problem, field", [
    ("wrong_token", "", LoginProblem.BAD_CREDENTIALS, "token"),
    ("full", "elders", LoginProblem.DOMAIN_MISMATCH, "domain"),
    ("no_subscription", "", LoginProblem.NO_SUBSCRIPTION, None),
])
def test_check_login_rejections_name_the_field(sandbox, scenario, domain, problem, field):
    login = sandbox.login(scenario)
    with pytest.raises(LoginRejected) as caught:
        check_login(login.username, login.token, domain)
    assert (caught.value.problem, caught.value.field) == (problem, field)


def test_check_login_lets_an_unreachable_nmbrs_pass_unverified(app, sandbox):
    app.config["NMBRS_SOAP_URL"] = "http://127.0.0.1:9/soap/v3/"
    login = sandbox.login("full")
    result = check_login(login.username, login.token, "acme")
    assert (result.domain, result.discovered, result.unverified_because) == ("acme", False, "unreachable")


def test_run_validation_stores_run_snapshot_and_verdict(make_onboarding, sandbox):
    onboarding = stored(make_onboarding()[0], sandbox.login("full"))
    run = run_validation(onboarding)
    db.session.commit()
    assert run.required_ok and run.authenticated and run.checked == run.ok_count
    assert onboarding.answers.validation.run_id == run.id
    assert onboarding.answers.login.domain == "bakkerijvandenberg"
    assert len(latest_snapshot(onboarding).companies) == 3
    assert latest_run(onboarding) is run and validation_passed(onboarding)


def test_run_validation_records_rejected_login_without_verdict(make_onboarding, sandbox):
    onboarding = stored(make_onboarding()[0], sandbox.login("wrong_token"), domain="bakkerijvandenberg")
    run = run_validation(onboarding)
    assert not run.authenticated and run.failure == "bad_credentials" and run.checks == []
    assert latest_run_with_results(onboarding) is None
    assert not validation_passed(onboarding)


def test_new_login_hides_runs_of_the_old_one(make_onboarding, sandbox):
    onboarding = stored(make_onboarding()[0], sandbox.login("missing_rights"))
    run_validation(onboarding)
    db.session.commit()
    stored(onboarding, sandbox.login("full"))
    assert latest_run(onboarding) is None


def test_no_credentials_no_run(make_onboarding, sandbox):
    with pytest.raises(NoCredentials):
        run_validation(make_onboarding()[0])


def test_refresh_entities_rereads_the_list(make_onboarding, sandbox):
    onboarding = stored(make_onboarding()[0], sandbox.login("debtor_level"))
    recheck = refresh_entities(onboarding)
    snapshot = recheck.snapshot
    assert (recheck.companies_before, recheck.companies_now) == (None, 4)
    assert (snapshot.source, len(snapshot.companies), len(snapshot.debtors)) == ("recheck", 4, 1)
