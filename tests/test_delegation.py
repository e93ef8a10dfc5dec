""""Stuur dit naar mijn Nmbrs-beheerder": the contact hands the Nmbrs part to their Nmbrs
administrator, who gets a link of their own for only that part; when the check passes the
contact is emailed and chooses the companies. Over HTTP, against the Nmbrs sandbox."""
import re
import time
from datetime import timedelta

import pytest
from flask_babel import refresh

from tests.conftest import WizardActions
from tests.support.connect import through_package, wait_for_checks
from tests.test_error_summary import summary_of
from wizard.delegation import can_delegate, redeem_delegation_link
from wizard.extensions import db
from wizard.invites import InviteError, InviteProblem
from wizard.models import Actor, AuditEvent, Delegation, DelegationState, OnboardingStatus
from wizard.models.base import utcnow

ADMIN = "beheer@bakkerij.example"


def location(response) -> str:
    return response.headers["Location"]


def eventually(check, timeout: float = 10.0):
    """Wait for something the background check does after its run is stored (an email)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("it did not happen")


def link_in(message) -> str:
    return re.search(r"https?://\S+/[ai]/\S+", message.get_body(("plain",)).get_content()).group(0)


def events(onboarding, prefix: str = ""):
    return [(e.event_type, e.actor) for e in db.session.scalars(
        db.select(AuditEvent).filter_by(onboarding_id=onboarding.id).order_by(AuditEvent.id))
        if e.event_type.startswith(prefix)]


@pytest.fixture
def contact(make_onboarding, wizard, sandbox, smtp_server):
    """An HR manager past terms and package, on the method step."""
    onboarding, link = make_onboarding(contact_name="Sanne de Vries")
    wizard.open_invite(link)
    through_package(wizard)
    wizard.onboarding = onboarding
    return wizard


def send_to_admin(wizard, email=ADMIN, language="en", **fields):
    page = wizard.client.get("/onboarding/send-to-admin?from=method")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      page.get_data(as_text=True)).group(1)
    return wizard.client.post("/onboarding/send-to-admin", data={
        "csrf_token": token, "email": email, "language": language, "name": "Bram Beheer", **fields})


@pytest.fixture
def administrator(app, contact, smtp_server):
    """The administrator's own browser, opened from their email."""
    assert location(send_to_admin(contact)) == "/onboarding/delegation"
    message = smtp_server.inbox.wait(1)[-1]
    browser = WizardActions(app.test_client())
    browser.link = link_in(message)
    browser.message = message
    refresh()
    return browser


def test_the_administrator_gets_their_own_link_in_the_chosen_language(contact, administrator):
    message = administrator.message
    assert message["To"] == ADMIN and message["Content-Language"] == "en"
    assert message["Subject"] == "Sanne de Vries asks you to connect Nmbrs to Roosterwijs"
    text = message.get_body(("plain",)).get_content()
    assert "Sanne de Vries (hr@devries.example) of Bakkerij De Vries B.V." in text
    assert "/a/" in administrator.link and "/i/" not in administrator.link
    assert [e for e, _ in events(contact.onboarding, "delegation.")] == ["delegation.sent"]


def test_the_contact_waits_and_cannot_do_the_nmbrs_part_meanwhile(contact, administrator):
    assert location(contact.client.get("/onboarding/")) == "/onboarding/delegation"
    assert location(contact.client.get("/onboarding/method")) == "/onboarding/delegation"
    page = contact.client.get("/onboarding/delegation").get_data(as_text=True)
    assert "Bij je Nmbrs-beheerder" in page and ADMIN in page and "nog niet" in page


def test_the_administrator_sees_only_the_nmbrs_part(contact, administrator):
    response = administrator.open_invite(administrator.link)
    assert location(response) == "/onboarding/"
    assert location(administrator.client.get("/onboarding/")) == "/onboarding/briefing"
    page = administrator.client.get("/onboarding/briefing").get_data(as_text=True)
    assert '<html lang="en"' in page
    assert "Sanne de Vries of Bakkerij De Vries B.V. asks you" in page
    assert "Salary_GetAll_AllEmployeesByCompany" in page  # the guide from the profile
    for hidden in ("terms", "package", "entities", "done", "delegation", "welcome"):
        assert administrator.client.get(f"/onboarding/{hidden}").status_code == 404, hidden
    assert administrator.client.get("/onboarding/send-to-admin").status_code == 404
    assert events(contact.onboarding, "delegation.opened") == [("delegation.opened", Actor.DELEGATE)]


def test_the_administrator_connects_and_the_contact_finishes(contact, administrator, sandbox,
                                                             smtp_server):
    onboarding = contact.onboarding
    administrator.open_invite(administrator.link)
    assert location(administrator.submit("briefing")) == "/onboarding/method"
    assert location(administrator.submit("method", method="token")) == "/onboarding/credentials"
    login = sandbox.login("full")
    response = administrator.submit("credentials", username=login.username, token=login.token)
    assert location(response) == "/onboarding/validation"
    wait_for_checks(administrator)
    eventually(lambda: onboarding.delegations.first().state is DelegationState.FINISHED)
    # The contact is told, with a link back to the companies.
    (finished,) = [m for m in smtp_server.inbox.wait(2) if "hr@devries.example" in m["To"]]
    assert " ".join(finished["Subject"].split()) == \
        "Het Nmbrs-deel is klaar: kies de bedrijven voor Bakkerij De Vries B.V."
    assert "Bram Beheer heeft het Nmbrs-deel afgerond" in finished.get_body(("plain",)).get_content()
    # The administrator's session now shows only its end.
    assert location(administrator.client.get("/onboarding/credentials")) == "/onboarding/handback"
    assert "Thank you" in administrator.client.get("/onboarding/handback").get_data(as_text=True)
    by_administrator = {e for e, actor in events(onboarding) if actor is Actor.DELEGATE}
    assert {"credentials.stored", "validation.started", "validation.run",
            "delegation.finished"} <= by_administrator

    # The contact continues with the company choice and finishes.
    refresh()
    assert location(contact.client.get("/onboarding/")) == "/onboarding/entities"
    page = contact.client.get("/onboarding/entities").get_data(as_text=True)
    ids = re.findall(r'name="company" value="([^"]+)"', page)
    assert location(contact.submit("entities", company=ids)) == "/onboarding/done"
    db.session.refresh(onboarding)
    assert onboarding.status is OnboardingStatus.COMPLETED


def test_the_token_the_administrator_typed_never_reaches_the_contact(contact, administrator,
                                                                     sandbox, smtp_server):
    administrator.open_invite(administrator.link)
    administrator.submit("briefing")
    administrator.submit("method", method="token")
    login = sandbox.login("full")
    administrator.submit("credentials", username=login.username, token=login.token)
    wait_for_checks(administrator)
    eventually(lambda: len(smtp_server.messages) >= 2)
    refresh()
    seen = [contact.client.get(path).get_data(as_text=True) for path in (
        "/onboarding/delegation", "/onboarding/method", "/onboarding/credentials",
        "/onboarding/validation", "/onboarding/entities", "/onboarding/validation/progress")]
    seen += [message.as_string() for message in smtp_server.messages]
    seen += [administrator.client.get(path).get_data(as_text=True) for path in (
        "/onboarding/handback", "/onboarding/")]
    assert login.token and all(login.token not in text for text in seen)


def test_missing_rights_reach_the_administrator_once(contact, administrator, sandbox, smtp_server):
    administrator.open_invite(administrator.link)
    administrator.submit("briefing")
    administrator.submit("method", method="token")
    login = sandbox.login("missing_rights")
    administrator.submit("credentials", username=login.username, token=login.token)
    wait_for_checks(administrator)
    eventually(lambda: len(smtp_server.messages) >= 2)
    left_off = smtp_server.messages[1]
    assert left_off["To"] == ADMIN and left_off["Content-Language"] == "en"
    assert "Run_GetList" in left_off.get_body(("plain",)).get_content()
    page = administrator.client.get("/onboarding/validation").get_data(as_text=True)
    assert "Your progress has been saved." in page
    # The same finding again (a re-check, more page views) sends nothing more.
    administrator.client.post("/onboarding/validation/check",
                              data={"csrf_token": administrator.csrf_token("validation")})
    wait_for_checks(administrator)
    time.sleep(0.3)
    assert len(smtp_server.messages) == 2
    assert contact.onboarding.delegations.first().state is DelegationState.OPEN


def test_taking_the_nmbrs_part_back_ends_the_administrator_s_link_and_session(contact,
                                                                            administrator):
    administrator.open_invite(administrator.link)
    response = contact.client.post("/onboarding/delegation/revoke",
                                   data={"csrf_token": contact.csrf_token("delegation")})
    assert location(response) == "/onboarding/delegation"
    assert location(contact.client.get("/onboarding/")) == "/onboarding/method"
    refresh()
    revoked = administrator.client.get("/onboarding/briefing")
    assert revoked.status_code == 410 and "withdrawn" in revoked.get_data(as_text=True)
    assert administrator.open_invite(administrator.link).status_code == 410
    assert ("delegation.revoked", Actor.CLIENT) in events(contact.onboarding)


def test_sending_it_to_someone_else_replaces_the_first_link(app, contact, administrator,
                                                            smtp_server):
    send_to_admin(contact, email="ander@bakkerij.example", language="nl")
    second = link_in(smtp_server.inbox.wait(2)[-1])
    assert administrator.open_invite(administrator.link).status_code == 410
    other = WizardActions(app.test_client())
    assert location(other.open_invite(second)) == "/onboarding/"
    states = [d.state for d in contact.onboarding.delegations.order_by(Delegation.id)]
    assert states == [DelegationState.REVOKED, DelegationState.OPEN]


def test_an_onboarding_may_email_administrators_only_so_often(app, contact, administrator,
                                                              smtp_server):
    app.config["DELEGATION_EMAILS_PER_HOUR"] = 2
    resend = lambda: contact.client.post(  # noqa: E731
        "/onboarding/delegation/resend", data={"csrf_token": contact.csrf_token("delegation")})
    assert location(resend()) == "/onboarding/delegation"
    refused = resend()
    assert refused.status_code == 422
    ((target, text),) = summary_of(refused).items()
    assert target == "" and "Probeer het na" in text
    assert len(smtp_server.inbox.wait(2)) == 2
    assert ("delegation.limited", Actor.CLIENT) in events(contact.onboarding)
    # The same limit holds for the form.
    assert send_to_admin(contact, email="ander@bakkerij.example").status_code == 422


def test_the_administrator_s_link_cannot_be_forged_or_outlive_its_time(contact, administrator):
    token = administrator.link.rsplit("/a/", 1)[1]
    with pytest.raises(InviteError) as refused:
        redeem_delegation_link(token[:-3] + "xyz")
    assert refused.value.problem is InviteProblem.MALFORMED
    with pytest.raises(InviteError) as refused:
        redeem_delegation_link(token, now=utcnow() + timedelta(days=8))
    assert refused.value.problem is InviteProblem.EXPIRED and refused.value.language == "en"
    page = administrator.client.get("/a/" + token[:-3] + "xyz")
    assert page.status_code == 400


def test_the_link_never_outlives_the_invite(app, contact, administrator):
    (delegation,) = contact.onboarding.delegations.all()
    assert delegation.expires_at <= contact.onboarding.expires_at
    assert delegation.expires_at <= utcnow() + timedelta(days=app.config["DELEGATION_LINK_DAYS"])


def test_a_wrong_address_is_an_error_at_its_field(contact):
    response = send_to_admin(contact, email="not-an-address")
    assert response.status_code == 422 and list(summary_of(response)) == ["#email"]


def test_when_handing_over_is_possible(make_onboarding, wizard, sandbox):
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    assert not can_delegate(onboarding)  # the terms and package come first
    assert location(wizard.client.get("/onboarding/send-to-admin")) == "/onboarding/"
    through_package(wizard)
    assert can_delegate(onboarding)
    page = wizard.client.get("/onboarding/method").get_data(as_text=True)
    assert "/onboarding/send-to-admin?from=method" in page


def test_support_sees_the_delegation_and_its_story_without_addresses_in_the_audit(
        app, contact, administrator):
    from tests.dashboard.conftest import PASSWORD, SupportActions
    from wizard.models import SupportRole
    from wizard.staff import create_user

    administrator.open_invite(administrator.link)
    send_to_admin(contact, email="ander@bakkerij.example", language="nl")
    agent = SupportActions(app.test_client())
    user = create_user(email="agent@support.example", role=SupportRole.AGENT, password=PASSWORD)
    assert agent.login(user.email).status_code == 302
    page = agent.client.get(f"/support/onboardings/{contact.onboarding.public_id}").get_data(
        as_text=True)
    assert 'data-field="delegation">ander@bakkerij.example · bezig' in page
    assert f"Nmbrs-deel gestuurd naar Nmbrs-beheerder {ADMIN}" in page
    assert f"Link van Nmbrs-beheerder {ADMIN} ingetrokken: naar iemand anders gestuurd" in page
    assert "Nmbrs-beheerder opende de link" in page
    for event in db.session.scalars(db.select(AuditEvent).filter(
            AuditEvent.event_type.startswith("delegation."))):
        assert "@" not in str(event.details), event.event_type  # the address stays in its row


def test_the_administrator_may_log_in_with_nmbrs_instead(contact, administrator, sandbox,
                                                         smtp_server):
    from tests.support.connect import come_back, go_to_nmbrs
    from tests.test_consent_flow import consent

    onboarding = contact.onboarding
    administrator.open_invite(administrator.link)
    administrator.submit("briefing")
    assert location(administrator.submit("method", method="oauth")) == "/onboarding/consent"
    back = come_back(administrator, consent(sandbox, go_to_nmbrs(administrator)))
    assert back.status_code == 302
    eventually(lambda: onboarding.delegations.first().state is DelegationState.FINISHED)
    refresh()
    assert location(administrator.client.get("/onboarding/")) == "/onboarding/handback"
    assert events(onboarding, "credentials.") == [("credentials.stored", Actor.DELEGATE)]
    assert any("hr@devries.example" in m["To"] and "Het Nmbrs-deel is klaar" in
               " ".join(m["Subject"].split()) for m in smtp_server.inbox.wait(2))
    refresh()
    assert location(contact.client.get("/onboarding/")) == "/onboarding/entities"
