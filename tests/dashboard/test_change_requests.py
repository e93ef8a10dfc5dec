"""After finishing, the client asks to change the companies: one open request at a time, seen by
support on the list (flag), the detail page (with the client's words and the actions) and the
timeline, and emailed to the support address when there is one."""
import re

import pytest

from tests.support.connect import enter_login, reload, run_check, to_credentials
from wizard.extensions import db
from wizard.models import (ChangeRequest, ChangeRequestState, ChangeResolution, JourneyKind,
                           MailMessage, Onboarding, OnboardingStatus)
from wizard.reporting.overview import Flag, OverviewQuery, overview

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
WISH = "Graag Bakkerij Noord B.V. (nr. 3) erbij"


@pytest.fixture
def live(make_onboarding, wizard, nmbrs_sandbox, app):
    """A connection the client finished with an API token; returns it and its invite link."""
    app.config["NMBRS_SOAP_URL"] = nmbrs_sandbox.soap_url
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    to_credentials(wizard)
    enter_login(wizard, nmbrs_sandbox.login("full"))
    run_check(wizard)
    wizard.submit("validation")
    ids = re.findall(r'name="company" value="(\d+)"', wizard.client.get("/onboarding/entities").get_data(as_text=True))
    wizard.submit("entities", company=ids, accept_excess="y")
    assert reload(onboarding).status is OnboardingStatus.COMPLETED
    return onboarding, link


def ask(client, message: str, page: str = "/onboarding/done"):
    token = CSRF.search(client.get(page).get_data(as_text=True)).group(1)
    return client.post("/onboarding/change-request", data={"csrf_token": token, "message": message})


def support_emails():
    return db.session.scalars(db.select(MailMessage).filter_by(kind="change_request")).all()


def test_the_done_page_files_one_request_and_support_is_told(live, wizard, app):
    onboarding, _ = live
    page = wizard.client.get("/onboarding/done").get_data(as_text=True)
    assert "Andere bedrijven koppelen?" in page and "Wijziging aanvragen" in page
    token = CSRF.search(page).group(1)

    empty = ask(wizard.client, "   ")
    text = empty.get_data(as_text=True)
    assert empty.status_code == 422 and "Er is een probleem" in text
    assert "Schrijf kort welke bedrijven je wilt toevoegen of weghalen." in text
    assert 'aria-invalid="true"' in text and db.session.scalar(
        db.select(db.func.count()).select_from(ChangeRequest)) == 0

    sent = ask(wizard.client, WISH)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/onboarding/done#change-request")
    after = wizard.client.get("/onboarding/done").get_data(as_text=True)
    assert "Je verzoek is verstuurd." in after and "ligt bij support" in after
    assert "Wijziging aanvragen" not in after

    # Asking again (e.g. a second tab) while one is open files nothing and emails nobody.
    again = wizard.client.post("/onboarding/change-request", data={"csrf_token": token, "message": "nog eens"})
    assert again.status_code == 302
    assert "Er ligt al een verzoek van je bij support" in wizard.client.get("/onboarding/done").get_data(as_text=True)
    requests = db.session.scalars(db.select(ChangeRequest)).all()
    assert [(r.onboarding_id, r.message, r.state) for r in requests] == [
        (onboarding.id, WISH, ChangeRequestState.OPEN)]
    (email,) = support_emails()
    assert email.recipient == app.config["SUPPORT_EMAIL"] and "Bakkerij De Vries B.V." in email.subject
    # The client's words stay on the dashboard: not in the email's stored context or the audit trail.
    assert WISH not in str(email.context) and f"/support/onboardings/{onboarding.public_id}" in str(email.context)
    outbox = app.config["MAIL_OUTBOX_DIR"] if app.config.get("MAIL_OUTBOX_DIR") else None
    if outbox:
        from pathlib import Path
        assert all(WISH not in p.read_text(errors="ignore") for p in Path(outbox).glob("*.eml"))


def test_support_sees_the_request_and_answers_with_a_relink(live, wizard, agent):
    onboarding, _ = live
    ask(wizard.client, WISH)
    assert [r.public_id for r in overview(OverviewQuery(flag=Flag.CHANGE_REQUESTED)).rows] == [onboarding.public_id]
    assert "Wil andere bedrijven" in agent.client.get("/support/?flag=change_requested").get_data(as_text=True)

    detail = f"/support/onboardings/{onboarding.public_id}"
    page = agent.client.get(detail).get_data(as_text=True)
    assert "Wijzigingsverzoek van de klant" in page and WISH in page
    assert "De klant vraagt om de gekoppelde bedrijven te wijzigen" in page.split('class="timeline"')[1]

    response = agent.post(detail + "/change-request/relink", page=detail)
    journey = db.session.scalar(db.select(Onboarding).filter_by(kind=JourneyKind.RELINK))
    assert response.status_code == 302 and journey.parent_id == onboarding.id
    assert response.headers["Location"].startswith(f"/support/onboardings/{journey.public_id}")
    request = db.session.scalar(db.select(ChangeRequest))
    assert (request.state, request.resolution) == (ChangeRequestState.HANDLED, ChangeResolution.RELINK)
    assert request.handled_by.email == "agent@support.example"
    assert overview(OverviewQuery(flag=Flag.CHANGE_REQUESTED)).rows == []
    page = agent.client.get(detail).get_data(as_text=True)
    assert "Wijzigingsverzoek van de klant" not in page
    assert "Wijzigingsverzoek afgehandeld: link gestuurd om de bedrijven opnieuw te kiezen" in page
    # Handling it twice is refused with a message, not a 500.
    assert agent.post(detail + "/change-request/close", page=detail).status_code == 409

    # Once handled, the client may ask again (the done page offers the form again).
    assert ask(wizard.client, "Toch nog nr. 4").status_code == 302
    assert len(db.session.scalars(db.select(ChangeRequest)).all()) == 2


def test_support_can_close_a_request_settled_otherwise(live, wizard, agent):
    onboarding, _ = live
    ask(wizard.client, WISH)
    detail = f"/support/onboardings/{onboarding.public_id}"
    assert agent.post(detail + "/change-request/close", page=detail).headers["Location"].endswith(
        "notice=change_closed")
    request = db.session.scalar(db.select(ChangeRequest))
    assert (request.state, request.resolution) == (ChangeRequestState.HANDLED, ChangeResolution.CLOSED)
    assert "Wijzigingsverzoek afgehandeld zonder nieuwe link" in agent.client.get(detail).get_data(as_text=True)


def test_reopening_the_newest_link_after_finishing_offers_the_request(live, app, wizard):
    onboarding, link = live
    browser = app.test_client()  # the client's browser the next day: only its device cookie left
    browser.set_cookie("device", wizard.client.get_cookie("device").value)
    page = browser.get(link.replace("http://127.0.0.1:5000", ""))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Deze koppeling is al afgerond" in text
    assert "Wijziging aanvragen" in text
    assert ask(browser, WISH, page="/onboarding/done").status_code == 302
    assert db.session.scalar(db.select(ChangeRequest)).onboarding_id == onboarding.id


def test_a_browser_the_journey_does_not_know_gets_no_request_form(live, app):
    """A forwarded link to a finished journey shows neither its name nor the request form."""
    onboarding, link = live
    browser = app.test_client()
    text = browser.get(link.replace("http://127.0.0.1:5000", "")).get_data(as_text=True)
    assert "Deze koppeling is al afgerond" in text and "Wijziging aanvragen" not in text
    assert onboarding.organisation not in text
    assert browser.get("/onboarding/done").status_code == 401


def test_an_older_link_after_finishing_shows_only_that_it_is_done(live, app):
    from wizard.invites import issue_invite_link

    onboarding, link = live
    issue_invite_link(reload(onboarding))  # a newer link replaces the one in hand
    db.session.commit()
    browser = app.test_client()
    text = browser.get(link.replace("http://127.0.0.1:5000", "")).get_data(as_text=True)
    assert "Deze koppeling is al afgerond" in text and "Wijziging aanvragen" not in text
    assert browser.get("/onboarding/done").status_code == 401  # the old link bound nothing
    assert browser.post("/onboarding/change-request", data={"message": WISH}).status_code == 400
    assert db.session.scalar(db.select(ChangeRequest)) is None


def test_no_support_address_no_email(live, wizard, app):
    app.config["SUPPORT_EMAIL"] = ""
    assert ask(wizard.client, WISH).status_code == 302
    assert support_emails() == [] and db.session.scalar(db.select(ChangeRequest)) is not None


def test_an_unfinished_client_cannot_file_a_request(make_onboarding, wizard):
    _, link = make_onboarding()
    wizard.open_invite(link)
    token = CSRF.search(wizard.client.get("/onboarding/terms").get_data(as_text=True)).group(1)
    response = wizard.client.post("/onboarding/change-request", data={"csrf_token": token, "message": WISH})
    assert response.status_code == 302 and db.session.scalar(db.select(ChangeRequest)) is None
