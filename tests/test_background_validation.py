"""Checks run in the background: no page waits for Nmbrs, the page shows the run filling in."""
from datetime import timedelta

from tests.support.connect import enter_login, reload, to_credentials, wait_for_checks
from wizard.extensions import db
from wizard.models import ValidationRun
from wizard.models.base import utcnow


def start(make_onboarding, wizard, sandbox, scenario):
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    to_credentials(wizard)
    login = sandbox.login(scenario)
    response = wizard.submit("credentials", username=login.username, token=login.token, domain="")
    return onboarding, response


def test_the_credentials_post_returns_while_the_check_runs(make_onboarding, wizard, sandbox):
    onboarding, response = start(make_onboarding, wizard, sandbox, "slow")  # 0.25 s per call
    assert response.status_code == 302 and response.headers["Location"].endswith("/validation")
    run = db.session.scalars(db.select(ValidationRun)).one()
    assert run.running and run.total == 22  # written before any check, filled in as they come

    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    assert "Bezig met controleren" in page and "van 22 gecontroleerd" in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert "Opnieuw controleren" not in page  # no second run while one goes
    progress = wizard.client.get("/onboarding/validation/progress").json
    assert progress["running"] and progress["total"] == 22 and "validation-progress" in progress["html"]

    wait_for_checks(wizard)
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    assert "Alle verplichte rechten staan aan" in page and "noscript" not in page
    run = db.session.scalars(db.select(ValidationRun)).one()
    assert not run.running and run.checked == 22 and run.required_ok
    assert reload(onboarding).answers.validation.run_id == run.id


def test_partial_results_are_written_while_the_run_goes(make_onboarding, wizard, sandbox):
    start(make_onboarding, wizard, sandbox, "slow")
    seen = set()
    while True:
        db.session.expire_all()  # the runner writes in a session of its own
        progress = wizard.client.get("/onboarding/validation/progress").json
        if not progress["running"]:
            break
        seen.add(progress["checked"])
    assert len(seen - {0}) >= 1  # some were shown before the end


def test_asking_again_while_a_check_runs_starts_no_second_run(make_onboarding, wizard, sandbox):
    start(make_onboarding, wizard, sandbox, "slow")
    wizard.client.post("/onboarding/validation/check",
                       data={"csrf_token": wizard.csrf_token("credentials")})
    wait_for_checks(wizard)
    assert db.session.scalar(db.select(db.func.count()).select_from(ValidationRun)) == 1


def test_a_run_whose_process_stopped_counts_as_interrupted(make_onboarding, wizard, sandbox, app):
    onboarding, _ = start(make_onboarding, wizard, sandbox, "full")
    wait_for_checks(wizard)
    # The credentials were given an hour ago; a run of them was left "running" by a process
    # that died ten minutes ago.
    onboarding = reload(onboarding)
    onboarding.raw_answers["credentials"] = {
        **onboarding.raw_answers["credentials"], "at": (utcnow() - timedelta(hours=1)).isoformat()}
    stuck = ValidationRun(onboarding=onboarding, method="token", profile="payroll",
                          started_at=utcnow() - timedelta(minutes=10), total=22, checks=[])
    db.session.add(stuck)
    db.session.commit()
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    assert "De controle is onderbroken" in page and "Opnieuw controleren" in page
    assert not wizard.client.get("/onboarding/validation/progress").json["running"]
    wizard.client.post("/onboarding/validation/check",
                       data={"csrf_token": wizard.csrf_token("validation")})
    wait_for_checks(wizard)
    newest = db.session.scalars(db.select(ValidationRun).order_by(ValidationRun.id.desc())).first()
    assert newest.id != stuck.id and newest.required_ok


def test_leaving_and_coming_back_shows_the_finished_result(make_onboarding, wizard, sandbox, app):
    onboarding, link = make_onboarding()
    wizard.open_invite(link)
    to_credentials(wizard)
    enter_login(wizard, sandbox.login("missing_rights"))
    browser = app.test_client()  # the same link in the same browser, another day (new session)
    browser.set_cookie("device", wizard.client.get_cookie("device").value)
    browser.get(link.replace("http://127.0.0.1:5000", ""))
    assert browser.get("/onboarding/").headers["Location"].endswith("/onboarding/validation")
    page = browser.get("/onboarding/validation").get_data(as_text=True)
    assert "Er ontbreken nog rechten" in page and "Salary_GetAll_AllEmployeesByCompany" in page
