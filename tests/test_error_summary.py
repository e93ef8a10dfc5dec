"""Forms people can fix: after a failed submit every form shows the GOV.UK error summary, each
field's error links to the field, and the field says it is invalid and what is wrong."""
import lxml.html
import pytest

from tests.support.connect import through_package, to_credentials
from wizard.terms import current_terms_version


def page_of(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def summary_of(response) -> dict[str, str]:
    """The summary's items: link target (or "" for an error of the whole form) -> text."""
    box = page_of(response).get_element_by_id("error-summary")
    assert box.get("tabindex") == "-1" and box.get("autofocus") is not None
    assert box.xpath(".//h2")[0].text_content().strip() == "Er is een probleem"
    items = {}
    for item in box.xpath(".//li"):
        link = item.xpath(".//a")
        items[link[0].get("href") if link else ""] = " ".join(item.text_content().split())
    return items


def assert_marked(response, field_id: str) -> None:
    """The input is invalid and points at its error message, which is on the page."""
    page = page_of(response)
    field = page.get_element_by_id(field_id)
    assert field.get("aria-invalid") == "true"
    described = field.get("aria-describedby", "").split()
    errors = [i for i in described if i.endswith("-error")]
    assert errors and page.get_element_by_id(errors[0]).text_content().strip()


@pytest.fixture
def opened(make_onboarding, wizard):
    onboarding, link = make_onboarding(contact_name="Sanne de Vries")
    wizard.open_invite(link)
    return onboarding


def test_terms_errors_link_to_the_box_and_the_name(opened, wizard):
    response = wizard.submit("terms", version=current_terms_version(), name="")
    assert response.status_code == 422
    assert summary_of(response) == {"#accept": "Vink het vakje aan om verder te gaan.",
                                    "#name": "Vul je naam in."}
    assert_marked(response, "accept")
    assert_marked(response, "name")
    assert page_of(response).get_element_by_id("name").get("aria-describedby") == "name-hint name-error"


def test_a_radio_group_links_to_its_first_option(opened, wizard):
    wizard.submit("terms", version=current_terms_version(), accept="y", name="Sanne de Vries")
    response = wizard.submit("package")
    assert list(summary_of(response)) == ["#package-nmbrs"]
    assert page_of(response).get_element_by_id("package-nmbrs") is not None


def test_radio_buttons_are_marked_and_their_fieldset_points_at_the_error(opened, wizard):
    through_package(wizard)
    response = wizard.submit("method", method="fax")
    assert list(summary_of(response)) == ["#method-0"]
    page = page_of(response)
    assert page.get_element_by_id("method-0").get("aria-invalid") == "true"
    (fieldset,) = page.xpath("//fieldset[.//input[@id='method-0']]")
    assert fieldset.get("aria-describedby") == "method-error"
    assert page.get_element_by_id("method-error").text_content().strip()


def test_a_refusal_of_the_whole_form_is_listed_without_a_link(simple_flow, wizard, client,
                                                              make_onboarding, monkeypatch):
    _, link = make_onboarding()
    wizard.open_invite(link)
    for step in ("first", "second", "third"):
        wizard.submit(step)
    token = wizard.csrf_token("fourth")
    monkeypatch.setattr(simple_flow.get("second"), "is_complete", lambda onboarding: False,
                        raising=False)
    monkeypatch.setattr(simple_flow, "is_available", lambda onboarding, step: True)
    client.post("/onboarding/fourth", data={"csrf_token": token})
    assert summary_of(client.get("/onboarding/second")) == {
        "": "Deze stap moet opnieuw worden ingevuld voordat je kunt afronden."}


def test_a_wrong_username_or_token_marks_both_and_says_nmbrs_cannot_tell(opened, wizard, sandbox):
    to_credentials(wizard)
    login = sandbox.login("wrong_token")
    response = wizard.submit("credentials", username=login.username, token=login.token, domain="")
    assert response.status_code == 422
    items = summary_of(response)
    assert list(items) == ["#username", "#token"]  # in the order of the form
    assert "zegt niet welke van de twee niet klopt" in items["#token"]
    assert "Controleer ook dit e-mailadres" in items["#username"]
    assert_marked(response, "username")
    assert_marked(response, "token")
    page = response.get_data(as_text=True)
    assert login.token not in page  # the token typed is never echoed
    assert page_of(response).get_element_by_id("username").get("value") == login.username


def test_a_page_without_errors_has_no_summary(opened, wizard):
    assert not page_of(wizard.client.get("/onboarding/terms")).xpath('//*[@id="error-summary"]')
