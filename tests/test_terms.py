"""The terms step: documents, the form on its own, acceptance records and re-acceptance."""
import pytest
from werkzeug.datastructures import MultiDict

from wizard import create_app
from wizard.config import ConfigurationError
from wizard.extensions import db
from wizard.models import AuditEvent, TermsAcceptance
from wizard.steps.terms import TermsForm
from wizard.terms import available_versions, terms_document


@pytest.fixture
def form(app):
    """Build a TermsForm from plain data (no HTTP; Flask-WTF wants a request context)."""
    with app.test_request_context():
        yield lambda **fields: TermsForm(formdata=MultiDict(fields), meta={"csrf": False})


def test_every_version_has_dutch_and_english_text(app):
    assert "2026-11" in available_versions()
    for version in available_versions():
        dutch, english = terms_document(version, "nl"), terms_document(version, "en")
        assert "Voorwaarden" in dutch.html and "Terms" in english.html
        assert (dutch.language, english.language) == ("nl", "en")


def test_the_app_refuses_a_terms_version_without_documents(app_config):
    with pytest.raises(ConfigurationError, match="WIZARD_TERMS_VERSION"):
        create_app({**app_config, "TERMS_VERSION": "1999-01"})


def test_form_accepts_a_tick_and_a_name(form):
    valid = form(version="2026-11", accept="y", name="  Sanne   de Vries ")
    assert valid.validate(), valid.errors
    assert valid.name.data == "Sanne de Vries"


@pytest.mark.parametrize("fields, field, message", [
    ({"version": "2026-11", "name": "Sanne de Vries"}, "accept", "Vink het vakje aan om verder te gaan."),
    ({"version": "2026-11", "accept": "y"}, "name", "Vul je naam in."),
    ({"version": "2026-11", "accept": "y", "name": "S"}, "name",
     "Vul je volledige naam in (2 tot 200 tekens)."),
    ({"version": "2026-11", "accept": "y", "name": "x" * 201}, "name",
     "Vul je volledige naam in (2 tot 200 tekens)."),
    ({"version": "2025-01", "accept": "y", "name": "Sanne"}, "version",
     "De voorwaarden zijn zojuist gewijzigd. Lees de nieuwe versie en vink het vakje opnieuw aan."),
    ({"accept": "y", "name": "Sanne"}, "version",
     "De voorwaarden zijn zojuist gewijzigd. Lees de nieuwe versie en vink het vakje opnieuw aan."),
], ids=["unticked", "no-name", "short-name", "long-name", "old-version", "no-version"])
def test_form_refusals(form, fields, field, message):
    invalid = form(**fields)
    assert not invalid.validate()
    assert [str(e) for e in invalid.errors[field]] == [message]


def test_the_step_shows_the_current_version(client, wizard, make_onboarding):
    _, link = make_onboarding()
    wizard.open_invite(link)
    html = client.get("/onboarding/terms").get_data(as_text=True)
    assert "Versie 2026-11" in html
    assert "Voorwaarden voor de koppeling met je salarispakket" in html
    assert 'name="version" type="hidden" value="2026-11"' in html


def test_an_unticked_submit_shows_an_inline_error_and_saves_nothing(client, wizard, make_onboarding,
                                                                     snapshot):
    _, link = make_onboarding()
    wizard.open_invite(link)
    token = wizard.csrf_token("terms")
    before = snapshot()
    response = client.post("/onboarding/terms", data={
        "csrf_token": token, "version": "2026-11", "name": "Sanne de Vries"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="accept-error"' in html and "Vink het vakje aan om verder te gaan." in html
    assert 'aria-describedby="accept-error"' in html
    assert snapshot() == before


@pytest.mark.both_databases
def test_acceptance_is_recorded_with_evidence(client, wizard, make_onboarding):
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    response = client.post("/onboarding/terms", headers={"User-Agent": "TestBrowser/2.0"},
                           environ_base={"REMOTE_ADDR": "192.0.2.7"},
                           data={"csrf_token": wizard.csrf_token("terms"), "version": "2026-11",
                                 "accept": "y", "name": "Sanne de Vries"})
    assert response.status_code == 302 and response.headers["Location"] == "/onboarding/package"
    (acceptance,) = db.session.execute(db.select(TermsAcceptance)).scalars()
    assert (acceptance.onboarding_id, acceptance.version, acceptance.language,
            acceptance.accepted_name, acceptance.ip_address, acceptance.user_agent) == (
        onboarding.id, "2026-11", "nl", "Sanne de Vries", "192.0.2.7", "TestBrowser/2.0")
    assert acceptance.accepted_at is not None
    db.session.refresh(onboarding)
    assert onboarding.answers.terms.version == "2026-11" and onboarding.answers.given_at("terms")
    assert db.session.execute(db.select(AuditEvent).filter_by(
        event_type="terms.accepted")).scalar_one().details == {"version": "2026-11", "language": "nl"}


def accept(wizard, name="Sanne de Vries"):
    return wizard.submit("terms", version="2026-11", accept="y", name=name)


def test_going_back_shows_the_acceptance(client, wizard, make_onboarding):
    _, link = make_onboarding()
    wizard.open_invite(link)
    accept(wizard)
    html = client.get("/onboarding/terms").get_data(as_text=True)
    assert 'value="Sanne de Vries"' in html
    assert 'checked' in html


@pytest.fixture
def new_terms_version(app, tmp_path, monkeypatch):
    """Publish version 2027-01 next to 2026-11 (in a copy of the terms folder)."""
    import shutil

    from wizard import terms

    folder = tmp_path / "terms"
    shutil.copytree(terms.TERMS_DIR / "v2026-11", folder / "v2026-11")
    shutil.copytree(terms.TERMS_DIR / "v2026-11", folder / "v2027-01")
    (folder / "v2027-01" / "nl.html").write_text("<h2>Nieuwe voorwaarden 2027</h2>")
    monkeypatch.setattr(terms, "TERMS_DIR", folder)
    terms.terms_document.cache_clear()
    yield lambda: app.config.update(TERMS_VERSION="2027-01")
    terms.terms_document.cache_clear()


def test_new_terms_ask_for_acceptance_again(client, wizard, make_onboarding, new_terms_version):
    _, link = make_onboarding()
    wizard.open_invite(link)
    accept(wizard)
    wizard.submit("package", package="nmbrs")
    assert client.get("/onboarding/package").status_code == 200

    new_terms_version()
    response = client.get("/onboarding/package")
    assert response.status_code == 302 and response.headers["Location"] == "/onboarding/terms"
    html = client.get("/onboarding/terms").get_data(as_text=True)
    assert "De voorwaarden zijn gewijzigd sinds je ze accepteerde (versie 2026-11)" in html
    assert "Nieuwe voorwaarden 2027" in html
    # A form rendered before the change cannot accept the new version.
    stale = wizard.submit("terms", version="2026-11", accept="y", name="Sanne")
    assert stale.status_code == 422
    response = wizard.submit("terms", version="2027-01", accept="y", name="Sanne")
    assert response.headers["Location"] == "/onboarding/package"
    versions = db.session.execute(db.select(TermsAcceptance.version).order_by(
        TermsAcceptance.id)).scalars().all()
    assert versions == ["2026-11", "2027-01"]


def test_terms_page_in_english(client, wizard, make_onboarding):
    _, link = make_onboarding(language="en")
    wizard.open_invite(link)
    html = client.get("/onboarding/terms").get_data(as_text=True)
    assert "Terms for connecting your payroll package" in html
    assert "I have read the terms and agree to them" in html
