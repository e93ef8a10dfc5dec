"""Switching language midway keeps what was typed (never a secret), and pages about a link that
does not work speak the language chosen, the onboarding's, or the browser's."""
import base64
import json
import zlib

import pytest
from flask_babel import refresh

from tests.support.connect import to_credentials
from tests.test_error_summary import page_of
from wizard.i18n import MAX_TYPED


def switch(client, code: str, path: str, **fields):
    """Press a language button of the page's form: it posts the form to the switch.

    (The test client's requests share the test's app context, where Flask-Babel keeps the
    locale it chose: forget it, as a new request would.)"""
    response = client.post(f"/language/{code}?next={path}", data=fields)
    refresh()
    return response


def session_cookie(client) -> str:
    """The session cookie's readable payload (it is signed, not encrypted)."""
    value = client.get_cookie("session").value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(data) if compressed else data).decode()


@pytest.fixture
def opened(make_onboarding, wizard):
    onboarding, link = make_onboarding(contact_name="Sanne de Vries")
    wizard.open_invite(link)
    return onboarding


def test_the_name_is_filled_in_from_the_invite(opened, client):
    assert page_of(client.get("/onboarding/terms")).get_element_by_id("name").get("value") == \
        "Sanne de Vries"


def test_the_terms_form_keeps_the_tick_and_the_name(opened, wizard, client):
    response = switch(client, "en", "/onboarding/terms", csrf_token=wizard.csrf_token("terms"),
                      _keep="accept,name", accept="y", name="S. de Vries-Bakker")
    assert response.status_code == 302 and response.headers["Location"] == "/onboarding/terms"
    page = page_of(client.get("/onboarding/terms"))
    assert page.get("lang") == "en"
    assert page.get_element_by_id("name").get("value") == "S. de Vries-Bakker"
    assert page.get_element_by_id("accept").get("checked") is not None
    # Once: a reload shows the stored answers again.
    assert page_of(client.get("/onboarding/terms")).get_element_by_id("name").get("value") == \
        "Sanne de Vries"


def test_the_credentials_form_keeps_the_username_and_never_the_token(opened, wizard, client,
                                                                     sandbox):
    to_credentials(wizard)
    page = client.get("/onboarding/credentials").get_data(as_text=True)
    keep = page_of(client.get("/onboarding/credentials")).xpath("//input[@name='_keep']")[0]
    assert keep.get("value") == "username,domain"  # the page never lists the token
    token = "sandbox-token-never-in-a-cookie-0001"
    switch(client, "en", "/onboarding/credentials", csrf_token=wizard.csrf_token("credentials"),
           _keep="username,token,domain", username="api@bakkerij.example", token=token,
           domain="bakkerij")
    assert token not in session_cookie(client) and "api@bakkerij.example" in session_cookie(client)
    page = page_of(client.get("/onboarding/credentials"))
    assert page.get_element_by_id("username").get("value") == "api@bakkerij.example"
    assert page.get_element_by_id("domain").get("value") == "bakkerij"
    assert not page.get_element_by_id("token").get("value")
    assert token not in client.get("/onboarding/credentials").get_data(as_text=True)


def test_typed_values_belong_to_the_page_they_were_typed_on(opened, wizard, client):
    switch(client, "en", "/onboarding/package", csrf_token=wizard.csrf_token("terms"),
           _keep="name", name="Typed for another page")
    assert "Typed for another page" not in client.get("/onboarding/terms").get_data(as_text=True)


def test_too_much_text_is_not_kept_in_the_cookie(opened, wizard, client):
    switch(client, "en", "/onboarding/terms", csrf_token=wizard.csrf_token("terms"),
           _keep="name", name="x" * (MAX_TYPED + 1))
    assert "xxxxxxxxxx" not in session_cookie(client)


def test_the_switch_needs_the_form_s_csrf_token(opened, client):
    assert switch(client, "en", "/onboarding/terms", _keep="name", name="x").status_code == 400


def test_a_link_switch_still_works_without_a_form(client):
    response = client.get("/language/en?next=/")
    assert response.status_code == 302 and '<html lang="en"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("header, language, heading", [
    ("en-GB,en;q=0.9", "en", "This link is not valid"),
    ("nl-NL,nl;q=0.9,en;q=0.5", "nl", "Deze link klopt niet"),
    ("", "nl", "Deze link klopt niet"),
    ("de-DE", "nl", "Deze link klopt niet"),
])
def test_a_tampered_link_speaks_the_browser_s_language(client, header, language, heading):
    response = client.get("/i/not-a-real-token", headers={"Accept-Language": header} if header else {})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and f'<html lang="{language}"' in page and heading in page


def test_a_link_of_a_known_onboarding_speaks_its_language_unless_one_was_chosen(make_onboarding,
                                                                               client):
    from wizard.extensions import db
    from wizard.invites import issue_invite_link

    onboarding, old = make_onboarding(language="en")
    issue_invite_link(onboarding)
    db.session.commit()
    path = old.replace("http://127.0.0.1:5000", "")
    dutch_browser = {"Accept-Language": "nl-NL"}
    assert "A newer link has been sent" in client.get(path, headers=dutch_browser).get_data(as_text=True)
    client.get("/language/nl?next=/")
    refresh()
    assert "nieuwere link" in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize("path", ["/onboarding/terms", "/support/login"])
def test_enter_in_a_field_submits_the_form_not_a_language_button(opened, client, path):
    """A form's first submit button in page order is what Enter presses: the language buttons
    in the header come before the form, so a plain submit of the form must come before them."""
    page = page_of(client.get(path))
    form_id = page.xpath("//form[.//input[@name='_keep']]/@id")[0]
    buttons = page.xpath(f"//button[@form='{form_id}'] | //form[@id='{form_id}']//button")
    default = buttons[0]
    assert default.get("type") == "submit" and default.get("formaction") is None
    assert default.get("tabindex") == "-1" and default.get("aria-hidden") == "true"
    assert any(b.get("formaction") for b in buttons[1:])  # the language buttons follow
