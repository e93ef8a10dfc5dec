"""Re-connections of a live connection: a new journey, same connection id, higher revision."""
import re

import pytest

from tests.support.connect import enter_login, reload, run_check, to_credentials
from wizard.extensions import db
from wizard.invites import invite_reconnection
from wizard.journeys import live_journey, open_reconnection
from wizard.lifecycle import OnboardingError
from wizard.models import (AuditEvent, JourneyKind, OnboardingStatus, OutboxMessage,
                           TermsAcceptance)


def company_ids(page: str) -> list[str]:
    return re.findall(r'name="company" value="(\d+)"', page)


def checked_ids(page: str) -> list[str]:
    return re.findall(r'name="company" value="(\d+)"[^>]*checked', page)


@pytest.fixture
def live(make_onboarding, wizard, sandbox):
    """A token connection, completed with 2 of the 3 companies."""
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    to_credentials(wizard)
    enter_login(wizard, sandbox.login("full"))
    run_check(wizard)
    wizard.submit("validation")
    ids = company_ids(wizard.client.get("/onboarding/entities").get_data(as_text=True))
    wizard.submit("entities", company=ids[:2], accept_excess="y")
    assert reload(onboarding).status is OnboardingStatus.COMPLETED
    return onboarding, ids[:2]


def test_relink_walks_a_short_flow_and_hands_off_the_same_connection(live, wizard, sandbox):
    onboarding, chosen = live
    invite = invite_reconnection(onboarding, JourneyKind.RELINK)
    journey = invite.onboarding
    assert journey.parent_id == onboarding.id and journey.kind is JourneyKind.RELINK
    assert open_reconnection(onboarding) == journey

    client, browser = wizard, wizard.client
    client.open_invite(invite.link)
    assert browser.get("/onboarding/").headers["Location"].endswith("/onboarding/welcome")
    page = browser.get("/onboarding/welcome").get_data(as_text=True)
    assert "Welkom terug" in page and "nieuwe inloggegevens" in page
    # Terms accepted under the current version are not asked again; the package is known.
    assert client.submit("welcome").headers["Location"].endswith("/onboarding/method")
    steps = re.findall(r'class="step-title">([^<]+)<', page)
    assert "Voorwaarden" not in steps and "Salarispakket" not in steps
    client.submit("method", method="token")
    enter_login(client, sandbox.login("full"))
    run_check(client)
    client.submit("validation")
    entities = browser.get("/onboarding/entities").get_data(as_text=True)
    assert sorted(checked_ids(entities)) == sorted(chosen)  # the same companies, pre-selected
    done = client.submit("entities", company=chosen, accept_excess="y")
    assert done.headers["Location"].endswith("/onboarding/done")

    journey = reload(journey)
    assert journey.status is OnboardingStatus.COMPLETED and journey.revision == 2
    assert live_journey(onboarding) == journey
    assert db.session.scalar(db.select(db.func.count()).select_from(TermsAcceptance)) == 1
    messages = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.payload["data"]["onboarding_id"], m.payload["data"]["revision"]) for m in messages] \
        == [(onboarding.public_id, 1), (onboarding.public_id, 2)]
    assert messages[1].payload["data"]["journey"] == {"id": journey.public_id, "kind": "relink"}


def test_a_second_relink_request_resends_the_open_one(live):
    onboarding, _ = live
    first = invite_reconnection(onboarding, JourneyKind.RELINK)
    second = invite_reconnection(onboarding, JourneyKind.RELINK)
    assert first.onboarding == second.onboarding and first.link != second.link
    events = [e.event_type for e in db.session.scalars(
        db.select(AuditEvent).filter_by(onboarding_id=first.onboarding.id))]
    assert events.count("invite.sent") == 1 and events.count("invite.resent") == 1


def test_reconnection_needs_a_live_connection(make_onboarding):
    onboarding, _ = make_onboarding()
    with pytest.raises(OnboardingError, match="not been completed"):
        invite_reconnection(onboarding, JourneyKind.RELINK)


def test_only_token_connections_can_switch_to_consent(live):
    onboarding, _ = live
    journey = invite_reconnection(onboarding, JourneyKind.RELINK).onboarding
    journey.raw_answers["method"] = {"at": journey.raw_answers["package"]["at"], "method": "oauth"}
    journey.status, journey.revision = OnboardingStatus.COMPLETED, 2
    db.session.commit()
    with pytest.raises(OnboardingError, match="does not use an API token"):
        invite_reconnection(onboarding, JourneyKind.SWITCH_TO_CONSENT)
