"""Three outcomes the client never confuses: a right that is off, a check that could not be
made, wrong credentials. A flaky Nmbrs (tests/support/hostile_nmbrs.py) is never a setting."""
import pytest

from tests.support.connect import enter_login, reload, run_check, to_credentials
from tests.support.hostile_nmbrs import HostileNmbrs
from wizard.connection.token.advice import failure_text, fix_for
from wizard.extensions import db
from wizard.models import ValidationRun

RIGHT_IS_OFF = ("Staat uit", "API-instellingen", "bedrijvenfilter")
TRY_AGAIN = "Nmbrs was niet bereikbaar, probeer het opnieuw"
SALARY = ("EmployeeService", "Salary_GetAll_AllEmployeesByCompany")


@pytest.fixture
def hostile(app):
    server = HostileNmbrs()
    app.config["NMBRS_SOAP_URL"] = server.soap_url
    yield server
    server.close()


@pytest.fixture
def started(make_onboarding, wizard):
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    to_credentials(wizard)
    return onboarding


def page(wizard, step="validation"):
    return wizard.client.get(f"/onboarding/{step}").get_data(as_text=True).replace("&amp;", "&")


def test_a_broken_reply_is_not_checked_never_a_right_to_switch_on(started, wizard, hostile):
    hostile.modes = {SALARY: "truncated",
                     ("CompanyService", "WageTax_GetXML"): "wrong_shape"}
    assert enter_login(wizard, hostile.login("full")).status_code == 302
    text = page(wizard)
    assert text.count("Niet gecontroleerd") == 2 and TRY_AGAIN in text
    assert not any(words in text for words in RIGHT_IS_OFF)
    assert 'id="missing-rights"' not in text   # nothing to send to the Nmbrs administrator
    refused = wizard.submit("validation")
    assert refused.status_code == 422 and TRY_AGAIN in refused.get_data(as_text=True)
    assert wizard.client.get("/onboarding/entities").headers["Location"].endswith("/validation")
    run = db.session.scalars(db.select(ValidationRun)).one()
    assert {(c["name"], c["status"], c["kind"]) for c in run.failed} == {
        ("Salary_GetAll_AllEmployeesByCompany", "error", "truncated"),
        ("WageTax_GetXML", "error", "malformed_response")}


def test_a_flaky_recheck_keeps_the_verdict_and_the_company_choice(started, wizard, hostile):
    enter_login(wizard, hostile.login("full"))
    assert wizard.submit("validation").status_code == 302
    hostile.modes = {SALARY: "html"}
    assert run_check(wizard).status_code == 302
    onboarding = reload(started)
    assert onboarding.answers.validation.required_ok   # one unreadable reply proves nothing
    assert "Niet gecontroleerd" in page(wizard)
    assert wizard.client.get("/onboarding/entities").status_code == 200


def test_a_missing_right_next_to_an_unchecked_one_still_asks_for_the_fix(started, wizard, hostile):
    hostile.modes = {SALARY: "truncated"}
    enter_login(wizard, hostile.login("missing_rights"))
    text = page(wizard)
    assert "Staat uit" in text and "Niet gecontroleerd" in text
    assert 'id="missing-rights"' in text
    copied = text.split('id="missing-rights"', 1)[1].split("</", 1)[0]
    assert "Run_GetList" in copied and "Salary_GetAll" not in copied
    assert "Nog niet alle verplichte rechten staan aan" in wizard.submit(
        "validation").get_data(as_text=True)


def test_nmbrs_unreadable_at_the_login_check_is_a_failed_attempt(started, wizard, hostile):
    hostile.default = "truncated"
    assert enter_login(wizard, hostile.login("full")).status_code == 302
    text = page(wizard)
    assert "De laatste controle is niet gelukt." in text and TRY_AGAIN in text
    assert not any(words in text for words in RIGHT_IS_OFF)


@pytest.mark.parametrize("kind", ["timeout", "unreachable", "malformed_response", "truncated",
                                  "too_large", "unknown", "login_security"])
def test_every_could_not_be_checked_text_asks_to_try_again(app, kind):
    with app.test_request_context():
        text = fix_for({"group": "EmployeeService", "name": "Salary_GetAll_AllEmployeesByCompany",
                        "status": "error", "kind": kind, "code": None})
        assert text == failure_text(kind)
    assert "Opnieuw controleren" in text
    assert not any(words in text for words in (*RIGHT_IS_OFF, "Zet ", "template"))


def test_the_validation_after_the_login_check_does_not_repeat_environment_get(
        app, started, wizard, nmbrs_sandbox):
    app.config["NMBRS_SOAP_URL"] = nmbrs_sandbox.soap_url
    asked = lambda: nmbrs_sandbox.state.requests.count(  # noqa: E731
        ("full", "DebtorService", "Environment_Get"))
    before = asked()
    assert enter_login(wizard, nmbrs_sandbox.login("full")).status_code == 302
    assert asked() == before + 1          # the login check's; the validation took it over
    run = db.session.scalars(db.select(ValidationRun)).one()
    environment = next(c for c in run.checks if c["name"] == "Environment_Get")
    assert environment["status"] == "ok" and environment["ms"] > 0
    run_check(wizard)
    assert asked() == before + 2          # a later check asks again


def test_every_kind_that_says_nothing_about_rights_is_inconclusive_for_the_wizard():
    from wizard.connection.method import INCONCLUSIVE_FAILURES
    from wizard.nmbrs.errors import INCONCLUSIVE_KINDS

    assert {kind.value for kind in INCONCLUSIVE_KINDS} <= INCONCLUSIVE_FAILURES
