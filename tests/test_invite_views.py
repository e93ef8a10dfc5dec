"""Opening invite links over HTTP: clean URL, session, opening recorded, refusals change nothing."""
from datetime import timedelta

import pytest

from wizard.extensions import db
from wizard.invites import issue_invite_link, revoke_invite
from wizard.models import AuditEvent, OnboardingStatus
from wizard.models.base import utcnow


def path_of(link: str) -> str:
    return link.replace("http://127.0.0.1:5000", "")


def test_opening_a_link_binds_a_session_and_redirects_to_a_clean_url(client, make_onboarding):
    onboarding, link = make_onboarding()
    response = client.get(path_of(link))
    assert response.status_code == 302
    assert response.headers["Location"] == "/onboarding/"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    page = client.get("/onboarding/", follow_redirects=True)
    assert page.request.path == "/onboarding/terms"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert onboarding.status is OnboardingStatus.IN_PROGRESS


@pytest.mark.both_databases
def test_opening_is_recorded_first_and_per_visit(client, make_onboarding):
    onboarding, link = make_onboarding()
    client.get(path_of(link), headers={"User-Agent": "Browser/1"})
    first = onboarding.first_opened_at
    assert first is not None and onboarding.last_opened_at == first
    # Opening it again in the same visit writes nothing (the link is opened on every resume).
    client.get(path_of(link), headers={"User-Agent": "Browser/1"})
    db.session.refresh(onboarding)
    assert onboarding.last_opened_at == first
    # A later visit is recorded.
    onboarding.first_opened_at = onboarding.last_opened_at = first = first - timedelta(hours=1)
    db.session.commit()
    client.get(path_of(link), headers={"User-Agent": "Browser/2"})
    db.session.refresh(onboarding)
    assert onboarding.first_opened_at == first
    assert onboarding.last_opened_at > first
    events = db.session.execute(db.select(AuditEvent).filter_by(
        onboarding_id=onboarding.id, event_type="invite.opened").order_by(AuditEvent.id)).scalars().all()
    assert [e.details["first"] for e in events] == [True, False]
    assert [e.details["user_agent"] for e in events] == ["Browser/1", "Browser/2"]


def _expired(onboarding, link):
    onboarding.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    return link


def _replaced(onboarding, link):
    issue_invite_link(onboarding)
    db.session.commit()
    return link


def _revoked(onboarding, link):
    revoke_invite(onboarding)
    return link


def _tampered(onboarding, link):
    return link[:-2] + ("AA" if not link.endswith("AA") else "BB")


def _unknown(onboarding, link):
    db.session.delete(onboarding)
    db.session.commit()
    return link


def _malformed(onboarding, link):
    return "http://127.0.0.1:5000/i/%E2%9C%93not..a.token"


REFUSALS = [
    (_expired, 410, "Deze link is verlopen", "This link has expired"),
    (_replaced, 410, "Er is een nieuwere link verstuurd", "A newer link has been sent"),
    (_revoked, 410, "Deze uitnodiging is ingetrokken", "This invitation has been withdrawn"),
    (_tampered, 400, "Deze link klopt niet", "This link is not valid"),
    (_unknown, 404, "Deze link is niet (meer) bekend", "This link is not (or no longer) known"),
    (_malformed, 400, "Deze link klopt niet", "This link is not valid"),
]


@pytest.mark.parametrize("spoil, status, dutch, english", REFUSALS,
                         ids=[r[0].__name__.strip("_") for r in REFUSALS])
def test_refused_links_explain_themselves_and_change_nothing(
        client, make_onboarding, snapshot, spoil, status, dutch, english):
    onboarding, link = make_onboarding()
    bad = spoil(onboarding, link)
    before = snapshot()
    response = client.get(path_of(bad))
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert dutch in html
    assert "support@example.nl" in html and "020 123 4567" in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in response.headers
    assert snapshot() == before


@pytest.mark.parametrize("spoil, status, dutch, english", REFUSALS,
                         ids=[r[0].__name__.strip("_") for r in REFUSALS])
def test_refusals_in_english(client, make_onboarding, spoil, status, dutch, english):
    onboarding, link = make_onboarding(language="en")
    bad = spoil(onboarding, link)
    if spoil in (_tampered, _unknown, _malformed):
        client.get("/language/en")  # nothing ties these to an onboarding: the visitor chooses
    response = client.get(path_of(bad))
    assert response.status_code == status
    assert english in response.get_data(as_text=True)


def test_a_completed_onboarding_shows_the_done_page_for_old_links(client, make_onboarding):
    onboarding, old = make_onboarding()
    issue_invite_link(onboarding)
    onboarding.status = OnboardingStatus.COMPLETED
    db.session.commit()
    response = client.get(path_of(old))
    assert response.status_code == 200
    assert "Deze koppeling is al afgerond" in response.get_data(as_text=True)


def test_a_revoked_invite_also_closes_an_open_session(client, make_onboarding):
    onboarding, link = make_onboarding()
    client.get(path_of(link))
    revoke_invite(onboarding)
    response = client.get("/onboarding/terms")
    assert response.status_code == 410
    assert "Deze uitnodiging is ingetrokken" in response.get_data(as_text=True)


def test_the_token_never_reaches_the_logs(client, make_onboarding, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    onboarding, link = make_onboarding()
    token = link.rsplit("/i/", 1)[1]
    client.get(path_of(link))
    client.get(path_of(link)[:-3] + "xyz")  # a refused one too
    assert "/i/<path:token>" in caplog.text
    assert token not in caplog.text and token[:40] not in caplog.text
