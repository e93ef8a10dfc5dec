"""The dashboard over HTTP: the list with flags, filters and export, the detail with its timeline,
and every action, each recorded with the acting support user."""
import csv
import io
import re
from datetime import timedelta

import pytest

from tests.support.connect import enter_login, reload, run_check, to_credentials
from wizard.extensions import db
from wizard.models import (Actor, AuditEvent, ChangeRequest, ChangeRequestState, JourneyKind, MailMessage, MailState, OnboardingStatus,
                           OutboxMessage, OutboxState, ValidationRun, record_event)
from wizard.models.base import utcnow
from wizard.reporting.overview import Flag, OverviewQuery, overview
from wizard.support.views import can_switch_to_consent

TWO_MISSING = [
    {"group": "EmployeeService", "name": "Salary_GetAll_AllEmployeesByCompany", "required": True,
     "status": "not_enabled", "code": 1002, "kind": "not_enabled", "ms": 3},
    {"group": "CompanyService", "name": "Run_GetList", "required": True, "status": "not_enabled",
     "code": 1002, "kind": "not_enabled", "ms": 3},
    {"group": "CompanyService", "name": "List_GetAll", "required": True, "status": "ok",
     "code": None, "kind": None, "ms": 3},
    {"group": "ReportService", "name": "Optional_Thing", "required": False, "status": "not_enabled",
     "code": 1002, "kind": "not_enabled", "ms": 3},
]


@pytest.fixture
def flagged(make_onboarding):
    """One onboarding per flag (and a calm one), keyed by flag value."""
    now = utcnow()
    made = {}
    calm, _ = make_onboarding("Rustig B.V.", "calm@example.nl")
    made["calm"] = calm
    rights, _ = make_onboarding("Rechten B.V.", "rights@example.nl")
    rights.status = OnboardingStatus.IN_PROGRESS
    db.session.add(ValidationRun(onboarding=rights, profile="payroll", authenticated=True,
                                 required_ok=False, checked=4, ok_count=1, checks=TWO_MISSING))
    made[Flag.MISSING_RIGHTS] = rights
    avg, _ = make_onboarding("AVG B.V.", "avg@example.nl")
    record_event(avg, Actor.CLIENT, "entities.excess_access_accepted", reachable_companies=5,
                 selected_companies=2)
    made[Flag.AVG_ACKNOWLEDGED] = avg
    bounced, _ = make_onboarding("Bounce B.V.", "bounce@example.nl")
    db.session.add(MailMessage(onboarding=bounced, kind="invite", recipient=bounced.contact_email,
                               subject="Uitnodiging", state=MailState.FAILED, attempts=8,
                               last_error="550 mailbox unavailable"))
    made[Flag.INVITE_EMAIL_FAILED] = bounced
    dead, _ = make_onboarding("Dood B.V.", "dead@example.nl")
    dead.status = OnboardingStatus.COMPLETED
    # Still sealed: a dead message keeps its JWE until the failed-hand-off retention ends.
    db.session.add(OutboxMessage(event_type="onboarding.completed", onboarding=dead,
                                 payload={"data": {"credentials": {"jwe": "a.b.c.d.e"}}},
                                 state=OutboxState.DEAD, attempts=18, last_status=503,
                                 last_error="HTTP 503: unavailable"))
    made[Flag.DELIVERY_FAILED] = dead
    expiring, _ = make_onboarding("Bijna B.V.", "soon@example.nl")
    expiring.expires_at = now + timedelta(days=1)
    made[Flag.EXPIRING_SOON] = expiring
    stalled, _ = make_onboarding("Stil B.V.", "still@example.nl")
    stalled.last_activity_at = now - timedelta(days=5)
    made[Flag.STALLED] = stalled
    wants, _ = make_onboarding("Anders B.V.", "change@example.nl")
    wants.status = OnboardingStatus.COMPLETED
    db.session.add(ChangeRequest(onboarding=wants, message="Nr. 4 erbij", language="nl"))
    handled, _ = make_onboarding("Al geregeld B.V.", "handled@example.nl")
    handled.status = OnboardingStatus.COMPLETED
    db.session.add(ChangeRequest(onboarding=handled, message="Nr. 2 eraf", language="nl",
                                 state=ChangeRequestState.HANDLED))
    made[Flag.CHANGE_REQUESTED] = wants
    db.session.commit()
    return made


@pytest.mark.both_databases
def test_each_flag_marks_and_filters_exactly_its_onboarding(flagged):
    for flag in Flag:
        rows = overview(OverviewQuery(flag=flag)).rows
        assert [row.public_id for row in rows] == [flagged[flag].public_id], flag
    rights = overview(OverviewQuery(flag=Flag.MISSING_RIGHTS)).rows[0]
    assert rights.missing_rights == ("Salary_GetAll_AllEmployeesByCompany", "Run_GetList")
    assert overview(OverviewQuery()).total == 9
    calm = next(r for r in overview(OverviewQuery()).rows if r.public_id == flagged["calm"].public_id)
    assert calm.flags == ()


def test_the_list_shows_status_step_flags_and_searches(agent, flagged):
    page = agent.client.get("/support/").get_data(as_text=True)
    assert "Rechten B.V." in page and "2 API-rechten ontbreken" in page
    assert "Uitnodiging niet bezorgd" in page and "Aflevering mislukt" in page
    assert "Nog niet geopend" in page and "Staat stil" in page
    found = agent.client.get("/support/?q=bounce@").get_data(as_text=True)
    assert "Bounce B.V." in found and "Rustig B.V." not in found
    done = agent.client.get("/support/?status=completed").get_data(as_text=True)
    assert "Dood B.V." in done and "Rustig B.V." not in done
    partial = agent.client.get("/support/?partial=1&flag=stalled").get_data(as_text=True)
    assert "<html" not in partial and "Stil B.V." in partial and "Bijna B.V." not in partial


@pytest.mark.parametrize("args", ["sort=organisation&dir=asc", "sort=step", "sort=expires", "sort=status",
                                  "page=999", "page=-3&sort=nonsense&flag=nope&status=weird&dir=x",
                                  "q=%25_%27%22<script>"])
def test_any_list_address_answers(agent, flagged, args):
    response = agent.client.get(f"/support/?{args}")
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split("</h1>", 1)[1].replace(
        '<script src="/static/js/support.js" defer></script>', "")


def test_pages_of_the_list(agent, make_onboarding):
    for number in range(55):
        make_onboarding(f"Org {number:02d}", f"hr{number}@example.nl")
    first = agent.client.get("/support/?sort=organisation&dir=asc").get_data(as_text=True)
    assert "Org 00" in first and "Org 50" not in first and "pagina 1 van 2" in first
    second = agent.client.get("/support/?sort=organisation&dir=asc&page=2").get_data(as_text=True)
    assert "Org 50" in second and "Org 49" not in second
    beyond = overview(OverviewQuery(page=9))
    assert beyond.rows == [] and beyond.total == 55


def test_csv_export_has_every_row_and_neutralises_formulas(agent, make_onboarding):
    make_onboarding("=HYPERLINK(\"http://evil\")", "formula@example.nl")
    make_onboarding("Gewoon B.V.", "plain@example.nl")
    response = agent.client.get("/support/export.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["organisation"] for row in rows} == {"'=HYPERLINK(\"http://evil\")", "Gewoon B.V."}
    assert all(row["status"] == "invited" and row["current_step"] == "terms" for row in rows)


def test_creating_an_invite_uses_the_invite_service_and_names_the_agent(agent, smtp_server):
    response = agent.post("/support/invite", page="/support/invite", organisation="Bakkerij Jansen",
                          contact_name="Piet Jansen", contact_email="hr@jansen.example",
                          language="en", profile="payroll", expires_days="10")
    assert response.status_code == 302 and "notice=created" in response.headers["Location"]
    email = smtp_server.inbox.wait(1)[0]
    assert email["To"].addresses[0].addr_spec == "hr@jansen.example"
    assert email["Content-Language"] == "en"
    detail = agent.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bakkerij Jansen" in detail and "De uitnodiging is verstuurd." in detail
    assert "agent@support.example" in detail  # the timeline names who invited
    event = db.session.scalar(db.select(AuditEvent).filter_by(event_type="invite.sent"))
    assert event.actor is Actor.SUPPORT and event.support_user.email == "agent@support.example"


def test_an_invalid_invite_form_keeps_what_was_typed(agent):
    response = agent.post("/support/invite", page="/support/invite", organisation="Bakkerij Jansen",
                          contact_email="not-an-address", language="nl", profile="payroll",
                          expires_days="10")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Er is een probleem" in page
    assert 'value="Bakkerij Jansen"' in page and 'aria-invalid="true"' in page


def test_resend_copy_link_and_revoke(agent, make_onboarding, wizard, app):
    onboarding, first_link = make_onboarding()
    detail = f"/support/onboardings/{onboarding.public_id}"
    assert agent.post(detail + "/resend", page=detail).status_code == 302
    assert wizard.open_invite(first_link).status_code == 410  # the old link is dead

    copied = agent.post(detail + "/copy-link", page=detail)
    page = copied.get_data(as_text=True)
    link = re.search(r'id="invite-link" value="([^"]+)"', page).group(1)
    assert copied.headers["Cache-Control"] == "no-store"
    assert link not in agent.client.get(detail).get_data(as_text=True)  # shown once only
    assert wizard.open_invite(link).status_code == 302

    assert agent.post(detail + "/revoke", page=detail).status_code == 302
    assert wizard.client.get("/onboarding/terms").status_code == 410
    events = [(e.event_type, e.support_user.email) for e in db.session.scalars(
        db.select(AuditEvent).filter(AuditEvent.actor == Actor.SUPPORT,
                                     AuditEvent.onboarding_id == onboarding.id)
        .order_by(AuditEvent.id)) if e.support_user]
    assert [e for e, _ in events] == ["invite.resent", "invite.link_copied", "invite.revoked"]
    page = agent.client.get(detail).get_data(as_text=True)
    assert "Ingetrokken" in page and "Nieuwe link sturen" not in page


def test_refused_actions_say_why(agent, make_onboarding):
    onboarding, _ = make_onboarding()
    detail = f"/support/onboardings/{onboarding.public_id}"
    agent.post(detail + "/revoke", page=detail)
    response = agent.post(detail + "/resend", page=detail)
    assert response.status_code == 409 and "revoked" in response.get_data(as_text=True)
    assert agent.post(detail + "/copy-link", page=detail).status_code == 409
    assert agent.post(detail + "/relink", page=detail).status_code == 409
    assert agent.client.post(detail + "/resend").status_code == 400  # no CSRF token
    assert agent.client.get("/support/onboardings/unknown-id").status_code == 404


def test_reminders_can_be_switched_off_and_on(agent, make_onboarding):
    onboarding, _ = make_onboarding()
    detail = f"/support/onboardings/{onboarding.public_id}"
    assert agent.post(detail + "/reminders", page=detail, enabled="off").status_code == 302
    assert reload(onboarding).reminders_enabled is False
    assert "Herinneringen aanzetten" in agent.client.get(detail).get_data(as_text=True)
    agent.post(detail + "/reminders", page=detail, enabled="on")
    assert reload(onboarding).reminders_enabled is True
    assert agent.post(detail + "/reminders", page=detail, enabled="maybe").status_code == 400


def test_a_dead_hand_off_can_be_retried_from_the_detail_page(agent, flagged):
    dead = flagged[Flag.DELIVERY_FAILED]
    detail = f"/support/onboardings/{dead.public_id}"
    page = agent.client.get(detail).get_data(as_text=True)
    message = db.session.scalar(db.select(OutboxMessage).filter_by(onboarding_id=dead.id))
    assert "HTTP 503" in page and "Opnieuw afleveren" in page
    response = agent.post(f"{detail}/handoff/{message.id}/retry", page=detail)
    assert response.status_code == 302
    db.session.refresh(message)
    assert message.state is OutboxState.PENDING and message.attempts == 0
    other = flagged["calm"]
    assert agent.post(f"/support/onboardings/{other.public_id}/handoff/{message.id}/retry",
                      page=detail).status_code == 404


def test_the_detail_shows_the_checklist_and_timeline_of_missing_rights(agent, flagged):
    rights = flagged[Flag.MISSING_RIGHTS]
    record_event(rights, Actor.CLIENT, "validation.run", run_id=db.session.scalar(
        db.select(ValidationRun.id)), method="token", required_ok=False, checked=4, ok=1,
        failed=["Salary_GetAll_AllEmployeesByCompany", "Run_GetList", "Optional_Thing"], failure=None)
    db.session.commit()
    page = agent.client.get(f"/support/onboardings/{rights.public_id}").get_data(as_text=True)
    assert "Controle: 2 verplichte rechten ontbreken: Salary_GetAll_AllEmployeesByCompany, Run_GetList" \
        in page


@pytest.fixture
def live(make_onboarding, wizard, nmbrs_sandbox, app):
    """A completed token connection."""
    app.config["NMBRS_SOAP_URL"] = nmbrs_sandbox.soap_url
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    to_credentials(wizard)
    enter_login(wizard, nmbrs_sandbox.login("full"))
    run_check(wizard)
    wizard.submit("validation")
    ids = re.findall(r'name="company" value="(\d+)"', wizard.client.get("/onboarding/entities").get_data(as_text=True))
    wizard.submit("entities", company=ids[:2], accept_excess="y")
    assert reload(onboarding).status is OnboardingStatus.COMPLETED
    return onboarding


def test_relink_from_the_dashboard_starts_a_journey_of_the_same_connection(agent, live):
    detail = f"/support/onboardings/{live.public_id}"
    page = agent.client.get(detail).get_data(as_text=True)
    assert "Nieuwe inloggegevens vragen" in page
    assert "AVG-waarschuwing bevestigd door Sanne de Vries: 2 van 3 bedrijven gekoppeld" in page
    assert "Voorwaarden 2026-11 geaccepteerd door Sanne de Vries" in page
    # A token connection may be moved to "Inloggen met Nmbrs" while that is configured.
    assert can_switch_to_consent(live)
    assert "Inloggen met Nmbrs" in page.split('id="actions-heading"')[1].split("</section>")[0]

    response = agent.post(detail + "/relink", page=detail)
    journey_page = agent.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nieuwe inloggegevens" in journey_page and live.public_id in journey_page
    journey = db.session.scalar(db.select(live.__class__).filter_by(kind=JourneyKind.RELINK))
    assert journey.parent_id == live.id and journey.current_step == "welcome"
    assert "Alle trajecten van deze koppeling" in journey_page


def test_switch_to_consent_from_the_dashboard(agent, live, app):
    detail = f"/support/onboardings/{live.public_id}"
    response = agent.post(detail + "/switch-to-consent", page=detail)
    journey = db.session.scalar(db.select(live.__class__).filter_by(
        kind=JourneyKind.SWITCH_TO_CONSENT))
    assert response.status_code == 302 and journey.parent_id == live.id
    # Without a configured OAuth client there is no such button, and the action is refused.
    app.config["NMBRS_OAUTH_CLIENT_ID"] = None
    assert not can_switch_to_consent(live)
    page = agent.client.get(detail).get_data(as_text=True)
    assert "Inloggen met Nmbrs" not in page.split('id="actions-heading"')[1].split("</section>")[0]
    assert agent.client.post(detail + "/switch-to-consent", data={
        "csrf_token": agent.csrf_token(detail)}).status_code == 404


def test_the_funnel_counts_the_steps_reached(agent, live, make_onboarding):
    make_onboarding("Nog niets B.V.", "nothing@example.nl")
    page = agent.client.get("/support/funnel").get_data(as_text=True)
    table = page.split('class="funnel-table"')[1]
    cells = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', table)
    reached = dict(cells)
    assert reached["Uitgenodigd"] == "2" and reached["Link geopend"] == "1"
    assert reached["Voorwaarden"] == "1" and reached["Afgerond"] == "1"
    assert "<svg" in page and 'role="img"' in page
    assert "100%" in page  # finished without support, 1 of 1
    report = page.split('id="report-heading"')[1].split("</section>")[0]
    assert re.search(r"Live met API-token</dt><dd>1<", report)
    assert "1 koppeling gebruikt nog een API-token" in report


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=|javascript:", re.I)


def test_support_pages_are_ready_for_a_strict_content_security_policy(admin, flagged):
    """No inline script, style attribute or event handler: the next issue adds a strict CSP."""
    pages = ["/support/login", "/support/", "/support/?partial=1", "/support/invite", "/support/funnel",
             "/support/accounts", "/support/api-keys", "/support/account/password"]
    pages += [f"/support/onboardings/{o.public_id}" for o in flagged.values()]
    for page in pages:
        html = admin.client.get(page).get_data(as_text=True)
        assert not INLINE.search(html), (page, INLINE.search(html).group(0))


def test_a_purged_dead_hand_off_is_refused_with_a_reason(agent, flagged):
    dead = flagged[Flag.DELIVERY_FAILED]
    message = db.session.scalar(db.select(OutboxMessage).filter_by(onboarding_id=dead.id))
    message.payload = {"data": {"credentials": {"sha256": "0" * 64}}}  # the JWE was purged
    db.session.commit()
    detail = f"/support/onboardings/{dead.public_id}"
    response = agent.post(f"{detail}/handoff/{message.id}/retry", page=detail)
    assert response.status_code in (400, 409, 422)
    assert "invite relink" in response.get_data(as_text=True)
    db.session.refresh(message)
    assert message.state is OutboxState.DEAD
