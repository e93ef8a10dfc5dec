"""The connection steps' forms, validated without HTTP."""
import pytest
from werkzeug.datastructures import MultiDict

from wizard.steps.credentials import CredentialsForm
from wizard.steps.entities import EntitiesForm
from wizard.steps.method import MethodForm

TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def form_context(app):
    with app.test_request_context():
        yield


def make(form_class, data=None, **fields):
    return form_class(formdata=MultiDict(fields), data=data or {}, meta={"csrf": False})


def test_method_token_is_accepted(form_context):
    form = make(MethodForm, method="token")
    assert form.validate()


@pytest.mark.parametrize("value", ["oauth", "", "fax"])
def test_method_refuses_unavailable_or_unknown(app, form_context, value):
    app.config["NMBRS_OAUTH_CLIENT_ID"] = None  # "Inloggen met Nmbrs" not configured here
    form = make(MethodForm, method=value)
    assert not form.validate()
    assert form.method.errors


def test_method_oauth_once_configured(app, form_context):
    app.config["NMBRS_OAUTH_CLIENT_ID"] = "client-id"
    assert make(MethodForm, method="oauth").validate()


def test_credentials_valid_and_normalised(form_context):
    form = make(CredentialsForm, username="  hr@bakkerij.example ",
                token=f"  {TOKEN[:16]}\n{TOKEN[16:]} ", domain="https://Bakkerij.nmbrs.nl/app")
    assert form.validate(), form.errors
    assert form.username.data == "hr@bakkerij.example"
    assert form.token.data == TOKEN
    assert form.domain.data == "bakkerij"


def test_credentials_domain_is_optional(form_context):
    form = make(CredentialsForm, username="hr@bakkerij.example", token=TOKEN, domain="")
    assert form.validate()
    assert form.domain.data == ""


@pytest.mark.parametrize("fields, field", [
    ({"username": "", "token": TOKEN}, "username"),
    ({"username": "not-an-email", "token": TOKEN}, "username"),
    ({"username": "hr@bakkerij.example", "token": ""}, "token"),
    ({"username": "hr@bakkerij.example", "token": "short"}, "token"),
    ({"username": "hr@bakkerij.example", "token": TOKEN, "domain": "bak kerij"}, "domain"),
    ({"username": "hr@bakkerij.example", "token": TOKEN, "domain": "-x-.nmbrs.nl"}, "domain"),
])
def test_credentials_bad_input_names_the_field(form_context, fields, field):
    form = make(CredentialsForm, **fields)
    assert not form.validate()
    assert list(form.errors) == [field]


def test_credentials_token_may_stay_empty_when_one_is_stored(form_context):
    form = make(CredentialsForm, {"token_stored": True}, username="hr@bakkerij.example", token="")
    assert form.validate(), form.errors


def test_credentials_token_is_never_rendered(form_context):
    form = make(CredentialsForm, username="hr@bakkerij.example", token=TOKEN)
    form.validate()
    assert TOKEN not in form.token()


def test_entities_needs_a_company(form_context):
    form = make(EntitiesForm)
    assert not form.validate()
    assert form.company.errors


@pytest.mark.parametrize("fields", [{"company": "12"}, {"whole_debtor": "3"}])
def test_entities_company_or_whole_debtor(form_context, fields):
    assert make(EntitiesForm, **fields).validate()
