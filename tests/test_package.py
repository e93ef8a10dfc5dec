"""The payroll package catalog and the "package" step."""
import pytest
from werkzeug.datastructures import MultiDict

from wizard.extensions import db
from wizard.models import AuditEvent
from wizard.steps.package import PackageForm
from wizard.packages import CATALOG, payroll_package, supported_packages

COMMON_DUTCH_PACKAGES = {"Loket.nl", "AFAS Profit", "Visma Raet / Youforce", "ADP",
                         "Exact Online Loonadministratie"}


def test_catalog_has_nmbrs_as_the_only_supported_package():
    assert [p.id for p in supported_packages()] == ["nmbrs"]
    assert COMMON_DUTCH_PACKAGES <= {p.name for p in CATALOG}
    assert len({p.id for p in CATALOG}) == len(CATALOG)
    assert payroll_package("loket").supported is False
    assert payroll_package("nope") is None and payroll_package(None) is None


@pytest.fixture
def form(app):
    with app.test_request_context():
        yield lambda **fields: PackageForm(formdata=MultiDict(fields), meta={"csrf": False})


@pytest.mark.parametrize("package", [p.id for p in CATALOG])
def test_form_accepts_every_catalog_entry(form, package):
    assert form(package=package).validate()


@pytest.mark.parametrize("fields, message", [
    ({}, "Kies het salarispakket van je organisatie."),
    ({"package": "sap"}, "Kies een van de salarispakketten uit de lijst."),
])
def test_form_refusals(form, fields, message):
    invalid = form(**fields)
    assert not invalid.validate()
    assert [str(e) for e in invalid.errors["package"]] == [message]


@pytest.fixture
def on_package_step(client, wizard, make_onboarding):
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    wizard.submit("terms", version="2026-11", accept="y", name="Sanne de Vries")
    return onboarding


def test_page_lists_every_package_as_a_radio_with_unsupported_marked(client, on_package_step):
    html = client.get("/onboarding/package").get_data(as_text=True)
    for package in CATALOG:
        assert f'type="radio" id="package-{package.id}" name="package" value="{package.id}"' in html
    assert html.count("(nog niet ondersteund)") == len(CATALOG) - 1
    assert "<legend>Welk salarispakket gebruikt je organisatie?</legend>" in html


def test_choosing_nmbrs_completes_the_step(client, wizard, on_package_step):
    response = wizard.submit("package", package="nmbrs")
    assert response.status_code == 302 and response.headers["Location"] == "/onboarding/method"
    assert on_package_step.answers.package.package == "nmbrs"


@pytest.mark.both_databases
def test_choosing_an_unsupported_package_records_interest_and_is_not_a_dead_end(
        client, wizard, on_package_step):
    response = wizard.submit("package", package="afas")
    assert response.status_code == 302 and response.headers["Location"] == "/onboarding/package"
    page = client.get("/onboarding/package").get_data(as_text=True)
    assert "AFAS Profit koppelen we nog niet" in page
    assert "020 123 4567" in page and "support@example.nl" in page
    assert 'href="tel:0201234567"' in page
    assert 'href="/onboarding/terms"' in page  # the way back
    # The step is not complete: the next step stays closed.
    assert client.get("/onboarding/method").headers["Location"] == "/onboarding/package"
    interest = db.session.execute(db.select(AuditEvent).filter_by(
        event_type="package.interest")).scalar_one()
    assert interest.details == {"package": "afas", "name": "AFAS Profit"}
    assert not db.session.execute(db.select(AuditEvent).filter_by(
        event_type="step.completed", onboarding_id=on_package_step.id).filter(
        AuditEvent.details["step"].as_string() == "package")).first()
    # Choosing again is possible.
    response = wizard.submit("package", package="nmbrs")
    assert response.headers["Location"] == "/onboarding/method"


def test_an_empty_choice_shows_an_inline_error(client, wizard, on_package_step, snapshot):
    before = snapshot()
    response = wizard.submit("package")
    assert response.status_code == 422
    assert "Kies het salarispakket van je organisatie." in response.get_data(as_text=True)
    assert snapshot() == before
