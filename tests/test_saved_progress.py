"""Missing rights are a place to come back to: the page says progress is saved and the same
link brings the person back, and they get one "waar je gebleven bent" email per finding."""
import time

import pytest

from tests.support.connect import enter_login, run_check, to_credentials
from tests.test_delegation import eventually
from wizard.extensions import db
from wizard.models import MailMessage


def told(onboarding):
    return list(db.session.scalars(db.select(MailMessage).filter_by(
        onboarding_id=onboarding.id, kind="missing_rights")))


@pytest.fixture
def missing(make_onboarding, wizard, sandbox, smtp_server):
    onboarding, link = make_onboarding(contact_name="Sanne de Vries")
    wizard.open_invite(link)
    to_credentials(wizard)
    enter_login(wizard, sandbox.login("missing_rights"))
    eventually(lambda: len(told(onboarding)) == 1)
    return onboarding


def test_the_page_says_progress_is_saved_and_the_same_link_brings_them_back(missing, wizard):
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    assert "Je voortgang is bewaard." in page
    assert "Met dezelfde link uit je uitnodiging kom je daarna hier terug" in page
    assert "/onboarding/send-to-admin?from=validation" in page


def test_the_email_lists_what_is_missing_and_where_they_stopped(missing, smtp_server):
    message = smtp_server.inbox.wait(1)[-1]
    assert message["To"] == "Sanne de Vries <hr@devries.example>"
    assert " ".join(message["Subject"].split()) == \
        "Waar je gebleven bent: er ontbreken nog 2 rechten in Nmbrs"
    text = " ".join(message.get_body(("plain",)).get_content().split())
    assert "Je bent bij stap 5 van 7 van de koppeling voor Bakkerij De Vries B.V.: Controle." in text
    assert "- Run_GetList - Salary_GetAll_AllEmployeesByCompany" in text
    assert "Open de link uit je uitnodiging opnieuw" in text
    assert "/i/" not in text  # no new link: the invite's link keeps working


def test_once_per_finding_not_per_page_view_or_check(missing, wizard, sandbox, smtp_server):
    for _ in range(3):
        wizard.client.get("/onboarding/validation")
    run_check(wizard)
    time.sleep(0.3)
    assert len(told(missing)) == 1
    # Entering the login again finds the same two rights missing: the same finding.
    enter_login(wizard, sandbox.login("missing_rights"))
    time.sleep(0.3)
    assert len(told(missing)) == 1
