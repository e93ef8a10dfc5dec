"""Who the client deals with is named everywhere: header, titles, terms page and every email."""
import pytest

from wizard.brand import current_brand, mail_sender
from wizard.invites import create_invite

BRAND = {"PRODUCT_NAME": "Loonlink", "COMPANY_NAME": "Loonlink Software B.V.",
         "PRIVACY_URL": "https://loonlink.example/privacy", "LOGO_URL": "/static/img/logo.png",
         "MAIL_FROM": "onboarding@loonlink.example"}


@pytest.fixture
def branded(app):
    app.config.update(BRAND)
    return app


def test_the_demo_defaults_name_a_product_and_company(app):
    brand = current_brand()
    assert brand.product == "Roosterwijs" and brand.company == "Roosterwijs B.V."
    assert brand.logo_absolute == "http://127.0.0.1:5000/static/img/logo.png"
    assert mail_sender() == "Roosterwijs <onboarding@roosterwijs.example>"


def test_an_address_without_a_name_is_sent_in_the_product_name(branded):
    assert mail_sender() == "Loonlink <onboarding@loonlink.example>"
    branded.config["MAIL_FROM"] = "Team Loonlink <hallo@loonlink.example>"
    assert mail_sender() == "Team Loonlink <hallo@loonlink.example>"


def test_a_remote_logo_is_used_as_it_is(branded):
    branded.config["LOGO_URL"] = "https://cdn.loonlink.example/logo.png"
    assert current_brand().logo_absolute == "https://cdn.loonlink.example/logo.png"
    branded.config["LOGO_URL"] = ""
    assert current_brand().logo == current_brand().logo_absolute == ""


def test_pages_name_the_product_the_company_and_the_privacy_statement(branded, wizard,
                                                                      make_onboarding):
    _, link = make_onboarding()
    wizard.open_invite(link)
    page = wizard.client.get("/onboarding/terms").get_data(as_text=True)
    assert "<title>Voorwaarden · Salarispakket koppelen · Loonlink</title>" in page
    assert 'class="brand-name">Loonlink<' in page and 'src="/static/img/logo.png"' in page
    assert "Lees de voorwaarden van Loonlink Software B.V. voor de koppeling met Loonlink" in page
    assert page.count('href="https://loonlink.example/privacy"') == 2  # terms text and footer
    assert "Loonlink is een dienst van Loonlink Software B.V" in page


def test_every_email_names_the_sender_the_product_and_the_privacy_statement(branded, smtp_server):
    create_invite(organisation="Bakkerij De Vries B.V.", contact_email="hr@devries.example")
    (message,) = smtp_server.inbox.wait(1)
    assert message["From"] == "Loonlink <onboarding@loonlink.example>"
    assert message["Subject"].endswith("aan Loonlink")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "aan Loonlink te koppelen" in body and "Het team van Loonlink" in body
        assert "Loonlink is een dienst van Loonlink Software B.V" in body
        assert "https://loonlink.example/privacy" in body
    assert 'src="http://127.0.0.1:5000/static/img/logo.png"' in html
