"""Support's forms fail the same way the client's do: the GOV.UK error summary at the top, each
error a link to its field, the fields marked (see tests/test_error_summary.py)."""
from tests.dashboard.conftest import SupportActions
from tests.test_error_summary import assert_marked, summary_of


def test_the_login_form(client):
    response = SupportActions(client).login("", "")
    assert response.status_code in (401, 422)
    assert summary_of(response) == {"#email": "Vul je e-mailadres in.",
                                    "#password": "Vul je wachtwoord in."}
    assert_marked(response, "email")


def test_the_invite_form(agent):
    response = agent.post("/support/invite", page="/support/invite", organisation="",
                          contact_email="not-an-address", language="nl", profile="payroll",
                          expires_days="0")
    items = summary_of(response)
    assert list(items) == ["#organisation", "#contact_email", "#expires_days"]
    for field in ("organisation", "contact_email", "expires_days"):
        assert_marked(response, field)


def test_the_password_form(agent):
    response = agent.post("/support/account/password", page="/support/account/password", current="x", new="short",
                          confirm="other")
    assert "#new" in summary_of(response) and "#confirm" in summary_of(response)


def test_a_refused_action_on_the_detail_page(agent, make_onboarding):
    onboarding, _ = make_onboarding()
    detail = f"/support/onboardings/{onboarding.public_id}"
    agent.post(detail + "/revoke", page=detail)
    response = agent.post(detail + "/resend", page=detail)
    assert response.status_code == 409
    ((target, text),) = summary_of(response).items()
    assert target == "" and "revoked" in text


def test_the_account_and_key_forms(admin):
    response = admin.post("/support/accounts", page="/support/accounts", email="nope", role="agent")
    assert list(summary_of(response)) == ["#email"]
    response = admin.post("/support/api-keys", page="/support/api-keys", name="", scope="read")
    assert list(summary_of(response)) == ["#name"]


def test_the_invite_form_keeps_what_was_typed_across_a_language_switch(agent):
    from flask_babel import refresh

    token = agent.csrf_token("/support/invite")
    agent.client.post("/language/en?next=/support/invite", data={
        "csrf_token": token, "_keep": "organisation,contact_name,contact_email,language",
        "organisation": "Bakkerij Jansen", "contact_email": "hr@jansen.example", "language": "en"})
    refresh()
    page = agent.client.get("/support/invite").get_data(as_text=True)
    assert '<html lang="en"' in page and 'value="Bakkerij Jansen"' in page
    assert 'value="hr@jansen.example"' in page
