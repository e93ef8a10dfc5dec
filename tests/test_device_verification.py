"""A second browser proves it is the invitee with a mailed one-time code; the first resumes freely."""
from __future__ import annotations

import hmac
import logging
import re
from datetime import timedelta

import pytest

from wizard.extensions import db
from wizard.handoff.retention import erase_personal_data
from wizard.invites import devices
from wizard.invites.devices import (CodeProblem, CodeRefused, admit_device, mask_email,
                                    normalise_code, send_device_code, verify_device_code)
from wizard.mail import retry_due_emails
from wizard.models import (AuditEvent, DeviceCode, MailMessage, MailState, OnboardingStatus,
                           TrustedDevice)
from wizard.models.base import utcnow
from wizard.reporting.timeline import timeline

VERIFY = "/onboarding/verify-browser"
CODE = re.compile(r"^\s+(\d{6})\s*$", re.MULTILINE)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
FIRST, SECOND = "first-browser-device-id-0001", "second-browser-device-id-0002"


def path_of(link: str) -> str:
    return link.replace("http://127.0.0.1:5000", "")


def events(onboarding, prefix: str = "device.") -> list[str]:
    return [e.event_type for e in db.session.scalars(
        db.select(AuditEvent).filter_by(onboarding_id=onboarding.id).order_by(AuditEvent.id))
        if e.event_type.startswith(prefix)]


def code_in(message) -> str:
    return CODE.search(message.get_body(("plain",)).get_content()).group(1)


def csrf(client, path: str = VERIFY) -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def request_code(client):
    return client.post(f"{VERIFY}/send", data={"csrf_token": csrf(client)})


def enter_code(client, code: str):
    return client.post(VERIFY, data={"csrf_token": csrf(client), "code": code})


@pytest.fixture
def started(app, make_onboarding, client):
    """An onboarding the first browser (``client``) opened, and its link."""
    onboarding, link = make_onboarding()
    assert client.get(path_of(link)).headers["Location"] == "/onboarding/"
    return onboarding, link


@pytest.fixture
def second(app):
    """Another browser: its own cookies, no session, no device id yet."""
    return app.test_client()


# --- the rules, without HTTP --------------------------------------------------------------

def test_the_first_browser_of_an_unstarted_onboarding_is_trusted_and_others_are_not(
        app, make_onboarding):
    onboarding, _ = make_onboarding()
    assert admit_device(onboarding, FIRST)
    onboarding.status = OnboardingStatus.IN_PROGRESS
    db.session.commit()
    assert not admit_device(onboarding, SECOND)
    assert admit_device(onboarding, FIRST)
    assert admit_device(onboarding, SECOND, session_bound=True)  # its session proved it before
    reasons = dict(db.session.execute(db.select(TrustedDevice.device_hash, TrustedDevice.reason)).all())
    assert reasons == {devices.device_hash(FIRST): "first_open",
                       devices.device_hash(SECOND): "session"}
    # Only hashes are stored.
    assert FIRST not in str(reasons) and SECOND not in str(reasons)


@pytest.mark.both_databases
def test_a_code_lives_once_hashed_and_only_for_its_browser(app, make_onboarding, smtp_server):
    onboarding, _ = make_onboarding()
    admit_device(onboarding, FIRST)
    onboarding.status = OnboardingStatus.IN_PROGRESS
    sent = send_device_code(onboarding, SECOND)
    assert sent.masked_email == "h***@devries.example"
    code = code_in(smtp_server.inbox.wait(1)[0])
    row = db.session.scalar(db.select(DeviceCode))
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == timedelta(minutes=10)

    with pytest.raises(CodeRefused) as refused:  # another browser cannot use it
        verify_device_code(onboarding, "third-browser-device-id-0003", code)
    assert refused.value.problem is CodeProblem.NO_CODE
    verify_device_code(onboarding, SECOND, f" {code[:3]} {code[3:]} ")
    assert admit_device(onboarding, SECOND)
    with pytest.raises(CodeRefused) as refused:  # a used code is dead
        verify_device_code(onboarding, SECOND, code)
    assert refused.value.problem is CodeProblem.NO_CODE
    assert events(onboarding) == ["device.remembered", "device.code_sent", "device.verified"]


def test_a_code_expires(app, make_onboarding, smtp_server):
    onboarding, _ = make_onboarding()
    onboarding.status = OnboardingStatus.IN_PROGRESS
    send_device_code(onboarding, SECOND)
    code = code_in(smtp_server.inbox.wait(1)[0])
    with pytest.raises(CodeRefused) as refused:
        verify_device_code(onboarding, SECOND, code, now=utcnow() + timedelta(minutes=10, seconds=1))
    assert refused.value.problem is CodeProblem.EXPIRED
    assert not admit_device(onboarding, SECOND)


@pytest.mark.both_databases
def test_wrong_entries_count_down_then_the_code_dies(app, make_onboarding, smtp_server):
    onboarding, _ = make_onboarding()
    onboarding.status = OnboardingStatus.IN_PROGRESS
    send_device_code(onboarding, SECOND)
    code = code_in(smtp_server.inbox.wait(1)[0])
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    left = []
    for _ in range(4):
        with pytest.raises(CodeRefused) as refused:
            verify_device_code(onboarding, SECOND, wrong)
        assert refused.value.problem is CodeProblem.WRONG
        left.append(refused.value.attempts_left)
    assert left == [4, 3, 2, 1]
    with pytest.raises(CodeRefused) as refused:
        verify_device_code(onboarding, SECOND, wrong)
    assert refused.value.problem is CodeProblem.LOCKED
    with pytest.raises(CodeRefused) as refused:  # even the right code no longer works
        verify_device_code(onboarding, SECOND, code)
    assert refused.value.problem is CodeProblem.NO_CODE
    assert not admit_device(onboarding, SECOND)
    assert events(onboarding) == ["device.code_sent"] + ["device.code_failed"] * 4 + [
        "device.code_locked"]


def test_a_new_code_replaces_the_browsers_previous_one(app, make_onboarding, smtp_server):
    onboarding, _ = make_onboarding()
    onboarding.status = OnboardingStatus.IN_PROGRESS
    send_device_code(onboarding, SECOND)
    send_device_code(onboarding, SECOND)
    old, new = (code_in(m) for m in smtp_server.inbox.wait(2))
    if old != new:
        with pytest.raises(CodeRefused):
            verify_device_code(onboarding, SECOND, old)
    verify_device_code(onboarding, SECOND, new)


@pytest.mark.both_databases
def test_codes_per_hour_are_limited_per_onboarding(app, make_onboarding, smtp_server):
    onboarding, _ = make_onboarding()
    onboarding.status = OnboardingStatus.IN_PROGRESS
    start = utcnow()
    for minute, browser in enumerate((SECOND, "b" * 20, "c" * 20)):
        send_device_code(onboarding, browser, now=start + timedelta(minutes=minute))
    with pytest.raises(CodeRefused) as refused:
        send_device_code(onboarding, "d" * 20, now=start + timedelta(minutes=30))
    assert refused.value.problem is CodeProblem.RATE_LIMITED
    assert refused.value.retry_at == start + timedelta(hours=1)
    assert len(smtp_server.inbox.wait(3)) == 3
    send_device_code(onboarding, "d" * 20, now=start + timedelta(hours=1, seconds=1))
    assert events(onboarding).count("device.code_limited") == 1


def test_every_entry_is_compared_in_constant_time(app, make_onboarding, smtp_server, monkeypatch):
    onboarding, _ = make_onboarding()
    onboarding.status = OnboardingStatus.IN_PROGRESS
    send_device_code(onboarding, SECOND)
    code = code_in(smtp_server.inbox.wait(1)[0])
    compared = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(devices.hmac, "compare_digest", spy)
    with pytest.raises(CodeRefused):
        verify_device_code(onboarding, SECOND, "000000" if code != "000000" else "111111")
    assert compared, "a wrong code was not compared with hmac.compare_digest"
    compared.clear()
    verify_device_code(onboarding, SECOND, code)
    assert compared, "the right code was not compared with hmac.compare_digest"


def test_a_code_email_is_tried_once_never_retried_later(app, make_onboarding, smtp_server):
    onboarding, _ = make_onboarding()
    onboarding.status = OnboardingStatus.IN_PROGRESS
    smtp_server.inbox.refuse_with = "451 4.3.0 try again later"  # a temporary refusal
    with pytest.raises(CodeRefused) as refused:
        send_device_code(onboarding, SECOND)
    assert refused.value.problem is CodeProblem.NOT_SENT
    message = db.session.scalar(db.select(MailMessage).filter_by(kind="device_code"))
    assert message.state is MailState.FAILED and message.next_attempt_at is None
    assert db.session.scalar(db.select(DeviceCode)).ended_at is not None
    # A message left pending (the process stopped mid-send) is cancelled, not sent without its code.
    smtp_server.inbox.refuse_with = None
    message.state, message.next_attempt_at = MailState.PENDING, utcnow()
    db.session.commit()
    assert retry_due_emails().cancelled == [message.id]
    assert smtp_server.inbox.messages == []


@pytest.mark.parametrize("entered, digits", [
    ("123456", "123456"), (" 123 456 ", "123456"), ("123-456", "123456"), ("12345", None),
    ("1234567", None), ("12345a", None), ("١٢٣٤٥٦", None), ("", None), (None, None)])
def test_what_counts_as_a_code(entered, digits):
    assert normalise_code(entered) == digits


@pytest.mark.parametrize("address, masked", [
    ("hr@devries.example", "h***@devries.example"), ("a@b.example", "a***@b.example"),
    ("erased", "***")])
def test_the_address_is_masked(address, masked):
    assert mask_email(address) == masked


# --- through the browser's eyes (HTTP) -----------------------------------------------------

def test_the_first_browser_resumes_without_a_code_after_its_session_is_gone(
        started, client):
    onboarding, link = started
    client.delete_cookie("session")
    assert client.get("/onboarding/").status_code == 401
    response = client.get(path_of(link))
    assert response.headers["Location"] == "/onboarding/"
    assert client.get("/onboarding/").status_code == 302
    assert "device.challenged" not in events(onboarding)


def test_a_forged_device_cookie_counts_as_a_new_browser(started, client):
    onboarding, link = started
    client.delete_cookie("session")
    client.set_cookie("device", client.get_cookie("device").value[:-2] + "xx")
    assert client.get(path_of(link)).headers["Location"] == VERIFY


@pytest.mark.both_databases
def test_a_second_browser_must_verify_and_then_continues(started, second, smtp_server):
    onboarding, link = started
    response = second.get(path_of(link))
    assert response.headers["Location"] == VERIFY
    assert second.get("/onboarding/").status_code == 401  # nothing bound yet
    page = second.get(VERIFY)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Bevestig dat jij het bent" in text
    assert "toegang tot salarisgegevens" in text and "h***@devries.example" in text
    assert "hr@devries.example" not in text and onboarding.organisation not in text
    assert page.headers["Cache-Control"] == "no-store"

    assert request_code(second).headers["Location"] == VERIFY
    code = code_in(smtp_server.inbox.wait(1)[0])
    assert smtp_server.inbox.messages[0]["To"].addresses[0].addr_spec == "hr@devries.example"
    text = second.get(VERIFY).get_data(as_text=True)
    assert "We hebben een code van 6 cijfers gestuurd naar h***@devries.example" in text
    assert 'autocomplete="one-time-code"' in text and 'inputmode="numeric"' in text

    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    refused = enter_code(second, wrong)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Er is een probleem" in text and 'href="#code"' in text
    assert "Deze code klopt niet. Je kunt het nog 4 keer proberen." in text
    assert 'aria-invalid="true"' in text and 'aria-describedby="code-hint code-error"' in text
    assert wrong not in text  # a code is never written back into the page

    assert enter_code(second, code).headers["Location"] == "/onboarding/"
    assert second.get("/onboarding/").status_code == 302  # bound now
    second.delete_cookie("session")
    assert second.get(path_of(link)).headers["Location"] == "/onboarding/"  # remembered
    assert events(onboarding) == ["device.remembered", "device.challenged", "device.code_sent",
                                  "device.code_failed", "device.verified"]


def test_a_malformed_entry_costs_no_attempt(started, second, smtp_server):
    onboarding, link = started
    second.get(path_of(link))
    request_code(second)
    response = enter_code(second, "12a")
    assert response.status_code == 422
    assert "Een code bestaat uit 6 cijfers" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(DeviceCode.failed_attempts)) == 0


def test_too_many_codes_is_a_429_with_retry_after(started, second, smtp_server, app):
    app.config["DEVICE_CODES_PER_HOUR"] = 1
    _, link = started
    second.get(path_of(link))
    request_code(second)
    response = request_code(second)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert "te veel codes verstuurd" in response.get_data(as_text=True)
    assert len(smtp_server.inbox.messages) == 1


def test_the_page_speaks_the_onboardings_language(make_onboarding, client, second, smtp_server):
    onboarding, link = make_onboarding(language="en")
    client.get(path_of(link))
    second.get(path_of(link))
    text = second.get(VERIFY).get_data(as_text=True)
    assert "Confirm it is you" in text and "payroll data" in text
    request_code(second)
    message = smtp_server.inbox.wait(1)[0]
    assert message["Subject"] == f"Your confirmation code for the connection of {onboarding.organisation}"
    assert "The code is valid for 10 minutes and works only once." in message.get_body(
        ("plain",)).get_content()


def test_verification_pages_need_a_redeemed_link(client):
    assert client.get(VERIFY).status_code == 401
    assert client.post(VERIFY, data={"code": "123456"}).status_code in (400, 401)


def test_a_revoked_onboarding_ends_the_verification(started, second, smtp_server):
    from wizard.invites import revoke_invite

    onboarding, link = started
    second.get(path_of(link))
    revoke_invite(onboarding)
    response = second.get(VERIFY)
    assert response.status_code == 410
    assert second.get(VERIFY).status_code == 401  # the pending check is gone


def test_a_completed_onboarding_shows_its_name_only_to_a_known_browser(started, client, second):
    onboarding, link = started
    onboarding.status = OnboardingStatus.COMPLETED
    onboarding.completed_at = utcnow()
    db.session.commit()
    client.delete_cookie("session")
    known = client.get(path_of(link)).get_data(as_text=True)
    unknown = second.get(path_of(link)).get_data(as_text=True)
    assert "Deze koppeling is al afgerond" in known and "Deze koppeling is al afgerond" in unknown
    assert onboarding.organisation in known
    assert onboarding.organisation not in unknown


def test_support_reads_it_in_plain_words(app, started, second, smtp_server):
    onboarding, link = started
    second.get(path_of(link))
    request_code(second)
    enter_code(second, "000000" if code_in(smtp_server.inbox.wait(1)[0]) != "000000" else "111111")
    enter_code(second, code_in(smtp_server.inbox.messages[0]))
    with app.test_request_context():
        texts = [entry.text for entry in timeline(onboarding)]
    reference = devices.device_reference(devices.device_hash(_device_id(second)))
    assert f"Link geopend in een onbekende browser ({reference}): bevestiging met een code gevraagd" \
        in texts
    assert f"Code voor browser {reference} gemaild naar het adres van de uitnodiging" in texts
    assert f"Verkeerde code ingevuld in browser {reference} (nog 4 pogingen)" in texts
    assert f"Browser {reference} bevestigd met de code uit de e-mail" in texts
    assert any(text.startswith("Browser ") and "de eerste die de link opende" in text
               for text in texts)


def _device_id(client) -> str:
    from wizard.tokens import DEVICE_SALT, serializer

    return serializer(DEVICE_SALT).loads(client.get_cookie("device").value)


@pytest.mark.both_databases
def test_erasure_forgets_the_browsers(started, second, smtp_server):
    from wizard.invites import revoke_invite

    onboarding, link = started
    second.get(path_of(link))
    request_code(second)
    revoke_invite(onboarding)
    erase_personal_data(onboarding)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(TrustedDevice.id))) == 0
    assert db.session.scalar(db.select(db.func.count(DeviceCode.id))) == 0
    assert all("device" not in (e.details or {}) for e in db.session.scalars(db.select(AuditEvent)))


class _Everything(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        if record.name.startswith("mail.log"):
            return  # the test's SMTP server (aiosmtpd) receives the email: it may see the code
        self.lines.append(logging.Formatter("%(name)s %(message)s").format(record))


@pytest.fixture
def debug_logs(app):
    """Every record of every logger, with the root at DEBUG (set before the first request)."""
    from wizard.logging import configure_logging

    app.config["LOG_LEVEL"] = "DEBUG"
    configure_logging(app)
    handler = _Everything()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def test_codes_links_and_device_ids_appear_only_in_the_email(debug_logs, started, second,
                                                              smtp_server, client):
    """Canary: the code, the invite token and the device id are in no log, audit record,
    stored email or page; the code is in the email body only."""
    onboarding, link = started
    token = link.rsplit("/", 1)[1]
    pages = [second.get(path_of(link)), second.get(VERIFY), request_code(second),
             second.get(VERIFY)]
    code = code_in(smtp_server.inbox.wait(1)[0])
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    pages += [enter_code(second, wrong), enter_code(second, code), second.get("/onboarding/")]
    handler = debug_logs
    secrets = {"code": code, "wrong code": wrong, "token": token,
               "device id": _device_id(second), "first device id": _device_id(client)}
    logs = "\n".join(handler.lines)
    assert len(handler.lines) > 5
    audit = str([(e.event_type, e.details) for e in db.session.scalars(db.select(AuditEvent))])
    stored = str([(m.subject, m.context, m.last_error) for m in db.session.scalars(
        db.select(MailMessage))])
    html = "".join(page.get_data(as_text=True) for page in pages)
    def contains(text: str, value: str) -> bool:
        # Codes are digits: look for them as a whole number, not inside a longer one.
        return re.search(rf"(?<!\d){re.escape(value)}(?!\d)", text) is not None

    for where, text in (("logs", logs), ("audit", audit), ("stored emails", stored), ("pages", html)):
        found = [name for name, value in secrets.items() if contains(text, value)]
        assert found == [], f"{found} found in {where}"
    assert code in smtp_server.inbox.messages[0].get_body(("html",)).get_content()
    assert code not in smtp_server.inbox.messages[0]["Subject"]


# --- parallel entries over real HTTP ---------------------------------------------------------

@pytest.fixture
def server(app):
    from tests.support.servers import ThreadedServer

    with ThreadedServer(app, threads=12) as running:
        app.config["PUBLIC_URL"] = running.url
        yield running


@pytest.mark.both_databases
def test_parallel_wrong_entries_are_each_counted_and_never_exceed_the_limit(
        app, server, make_onboarding, smtp_server):
    from tests.support.http_wizard import HttpWizard
    from tests.trust.test_concurrency import in_parallel

    onboarding, link = make_onboarding()
    assert HttpWizard(server.url).open_invite(link).headers["Location"] == "/onboarding/"
    other = HttpWizard(server.url)
    assert other.open_invite(link).headers["Location"] == VERIFY
    token = CSRF.search(other.get(VERIFY).text).group(1)
    assert other.request("POST", f"{VERIFY}/send", data={"csrf_token": token}).status_code == 302
    code = code_in(smtp_server.inbox.wait(1)[0])
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"

    tabs = [other.clone() for _ in range(10)]
    answers = in_parallel(lambda i: tabs[i].request(
        "POST", VERIFY, data={"csrf_token": token, "code": wrong}))
    assert [a for a in answers if isinstance(a, Exception)] == []
    assert sorted(a.status_code for a in answers) == [422] * 10
    db.session.expire_all()
    assert db.session.scalar(db.select(DeviceCode.failed_attempts)) == 5
    kinds = events(onboarding)
    assert kinds.count("device.code_failed") == 4 and kinds.count("device.code_locked") == 1
    # The right code comes too late: the code is dead.
    late = other.request("POST", VERIFY, data={"csrf_token": token, "code": code})
    assert late.status_code == 422
    assert "device.verified" not in events(onboarding)
