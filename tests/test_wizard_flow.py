"""The wizard's routes: sessions from invite links, never jumping ahead, PRG, completion."""
import pytest

from wizard.extensions import db
from wizard.models import AuditEvent, Onboarding, OnboardingStatus


def location(response):
    return response.headers["Location"]


def test_opening_the_link_binds_a_session_and_redirects_to_a_clean_url(
        simple_flow, client, wizard, make_onboarding):
    onboarding, link = make_onboarding()
    response = wizard.open_invite(link)
    assert response.status_code == 302 and location(response) == "/onboarding/"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert location(client.get("/onboarding/")) == "/onboarding/first"
    db.session.refresh(onboarding)
    assert onboarding.status is OnboardingStatus.IN_PROGRESS
    events = [e.event_type for e in db.session.scalars(db.select(AuditEvent))]
    assert events == ["onboarding.created", "device.remembered", "onboarding.started", "invite.opened"]


def test_without_a_session_the_wizard_asks_for_the_link(simple_flow, client):
    response = client.get("/onboarding/first")
    assert response.status_code == 401
    assert "Open eerst je uitnodigingslink" in response.get_data(as_text=True)


def test_get_never_jumps_ahead_and_finished_steps_can_be_revisited(simple_flow, client, wizard,
                                                                  make_onboarding):
    _, link = make_onboarding()
    wizard.open_invite(link)
    assert location(client.get("/onboarding/third")) == "/onboarding/first"
    assert location(wizard.submit("first")) == "/onboarding/second"
    assert client.get("/onboarding/first").status_code == 200  # revisit a finished step
    assert location(client.get("/onboarding/fourth")) == "/onboarding/second"
    assert client.get("/onboarding/nonsense").status_code == 404


def test_post_to_a_step_ahead_changes_nothing(simple_flow, client, wizard, make_onboarding):
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    token = wizard.csrf_token("first")
    response = client.post("/onboarding/third", data={"csrf_token": token})
    assert location(response) == "/onboarding/first"
    db.session.refresh(onboarding)
    assert not onboarding.answers


def test_post_without_csrf_token_is_refused(simple_flow, client, wizard, make_onboarding):
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    response = client.post("/onboarding/first", data={})
    assert response.status_code == 400
    assert "verlopen of onvolledig" in response.get_data(as_text=True)
    db.session.refresh(onboarding)
    assert not onboarding.answers


def test_resume_after_the_session_ended_by_opening_the_link_again(simple_flow, app, wizard,
                                                                  make_onboarding):
    _, link = make_onboarding()
    wizard.open_invite(link)
    wizard.submit("first")
    wizard.submit("second")
    # The browser the next day: its session is gone, its device cookie is not.
    next_day = app.test_client()
    next_day.set_cookie("device", wizard.client.get_cookie("device").value)
    next_day.get(link.replace("http://127.0.0.1:5000", ""))
    assert location(next_day.get("/onboarding/")) == "/onboarding/third"
    # Another browser must verify first (tests/test_device_verification.py).
    assert location(app.test_client().get(link.replace("http://127.0.0.1:5000", ""))) == \
        "/onboarding/verify-browser"


def test_finishing_the_last_step_completes_and_locks_the_onboarding(simple_flow, client, wizard,
                                                                    make_onboarding):
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    for step in ("first", "second", "third"):
        wizard.submit(step)
    assert location(wizard.submit("fourth")) == "/onboarding/done"
    db.session.refresh(onboarding)
    assert onboarding.status is OnboardingStatus.COMPLETED and onboarding.completed_at
    assert "De koppeling is ingesteld" in client.get("/onboarding/done").get_data(as_text=True)
    assert location(client.get("/onboarding/first")) == "/onboarding/done"
    reopened = wizard.open_invite(link)
    assert reopened.status_code == 200
    assert "al afgerond" in reopened.get_data(as_text=True)


def test_completion_rechecks_every_step(simple_flow, app, make_onboarding):
    from wizard.lifecycle import OnboardingError, complete_onboarding

    onboarding, _ = make_onboarding()
    onboarding.answers.record("first")
    with pytest.raises(OnboardingError, match="second"):
        complete_onboarding(onboarding)
    assert onboarding.status is OnboardingStatus.INVITED


@pytest.mark.parametrize("token", [
    "garbage",
    "eyJvIjoiYWJjIn0.AAAAAA.bad-signature",
    "../../etc/passwd",
    "%00%ff",
    "a" * 5000,
])
def test_malformed_links_show_a_page_and_change_nothing(simple_flow, client, make_onboarding,
                                                       token):
    onboarding, _ = make_onboarding()
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    response = client.get(f"/i/{token}")
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "Deze link klopt niet" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == before
    db.session.refresh(onboarding)
    assert onboarding.status is OnboardingStatus.INVITED


def test_a_replaced_link_stops_working(simple_flow, client, make_onboarding):
    from wizard.invites import issue_invite_link

    onboarding, old_link = make_onboarding()
    issue_invite_link(onboarding)
    db.session.commit()
    response = client.get(old_link.replace("http://127.0.0.1:5000", ""))
    assert response.status_code == 410
    assert "nieuwere link" in response.get_data(as_text=True)


def test_english_onboarding_gets_english_pages(simple_flow, client, wizard, make_onboarding):
    _, link = make_onboarding(language="en")
    wizard.open_invite(link)
    page = client.get("/onboarding/first").get_data(as_text=True)
    assert '<html lang="en"' in page and ">Next<" in page


def test_unknown_onboarding_in_a_stale_session_is_treated_as_no_session(simple_flow, client,
                                                                        wizard, make_onboarding):
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    db.session.delete(onboarding)
    db.session.commit()
    assert client.get("/onboarding/first").status_code == 401
    assert db.session.get(Onboarding, 1) is None


def test_a_refused_last_step_goes_back_to_the_step_that_failed(simple_flow, app, client, wizard,
                                                               make_onboarding, monkeypatch):
    """Finishing re-checks every step; one that no longer holds is where the client is sent."""
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    for step in ("first", "second", "third"):
        wizard.submit(step)
    token = wizard.csrf_token("fourth")
    # Between showing the last step and submitting it, an earlier answer stopped counting.
    monkeypatch.setattr(simple_flow.get("second"), "is_complete", lambda onboarding: False,
                        raising=False)
    monkeypatch.setattr(simple_flow, "is_available", lambda onboarding, step: True)
    response = client.post("/onboarding/fourth", data={"csrf_token": token})
    assert response.status_code == 302 and location(response) == "/onboarding/second"
    page = client.get("/onboarding/second").get_data(as_text=True)
    assert "opnieuw worden ingevuld" in page
    db.session.refresh(onboarding)
    assert onboarding.status is OnboardingStatus.IN_PROGRESS


def test_a_hand_off_that_cannot_be_queued_keeps_the_client_on_the_last_step(
        simple_flow, client, wizard, make_onboarding, monkeypatch):
    from wizard.handoff.service import HandoffError

    def refuse(onboarding):
        raise HandoffError("the onboarding has no stored credentials to hand off")

    monkeypatch.setattr("wizard.lifecycle.enqueue_handoff", refuse)
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    for step in ("first", "second", "third"):
        wizard.submit(step)
    response = wizard.submit("fourth")
    assert response.status_code == 422
    assert "Afronden is niet gelukt" in response.get_data(as_text=True)
    db.session.refresh(onboarding)
    assert onboarding.status is OnboardingStatus.IN_PROGRESS
    assert not db.session.scalars(db.select(AuditEvent).filter_by(
        event_type="onboarding.completed")).all()
