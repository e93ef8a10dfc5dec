"""A completed onboarding keeps its done page after the hand-off purged the credentials.

With the default ``CREDENTIAL_RETENTION_HOURS=0`` the wizard deletes its copy of the
credentials as soon as the sync backend confirmed the hand-off, usually within seconds of the
done page. The credentials step is then no longer complete; the done page must still show
(``make bench`` found clients sent back to "Inloggegevens" by a reload).
"""
from __future__ import annotations

import re

from tests.support.connect import enter_login, reload, to_credentials
from wizard.extensions import db
from wizard.handoff.retention import purge_credential
from wizard.models import OnboardingStatus


def test_the_done_page_stays_after_the_credentials_are_purged(make_onboarding, wizard, sandbox):
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    to_credentials(wizard)
    enter_login(wizard, sandbox.login("full"))
    assert wizard.submit("validation").status_code == 302
    page = wizard.client.get("/onboarding/entities").get_data(as_text=True)
    ids = re.findall(r'name="company" value="(\d+)"', page)
    assert wizard.submit("entities", company=ids).headers["Location"].endswith("/onboarding/done")
    onboarding = reload(onboarding)
    assert onboarding.status is OnboardingStatus.COMPLETED

    assert purge_credential(onboarding, reason="delivered")  # what confirmed delivery does
    db.session.commit()

    done = wizard.client.get("/onboarding/done")
    assert done.status_code == 200
    assert "Je kunt dit venster nu veilig sluiten." in done.get_data(as_text=True)
    # Every other step still leads to the done page, never back into the wizard.
    for step in ("terms", "credentials", "validation", "entities"):
        assert wizard.client.get(f"/onboarding/{step}").headers["Location"].endswith(
            "/onboarding/done")
    assert wizard.client.get("/onboarding/").headers["Location"].endswith("/onboarding/done")
