"""Services behind the connection steps: credential storage, entity selection, summary."""
import pytest
from sqlalchemy import text

from wizard.connection.token.credentials import (DomainError, normalise_domain, store_token_credentials,
                                           stored_token_credentials)
from wizard.connection.entities import (SelectionError, grouped, resolve_selection, save_selection,
                                        store_snapshot)
from wizard.connection.summary import connection_summary
from wizard.extensions import db
from wizard.models import AuditEvent
from wizard.connection.method import Reach

TOKEN = "f00dfeedf00dfeedf00dfeedf00dfeed"


@pytest.mark.parametrize("text_in, expected", [
    ("", ""), ("  ", ""), (None, ""), ("acme", "acme"), ("ACME", "acme"),
    ("acme.nmbrs.nl", "acme"), ("https://acme.nmbrs.nl/applications/x.aspx", "acme"),
    ("acme.nmbrs-sandbox.nl", "acme"), ("bakkerij-de-vries", "bakkerij-de-vries"),
])
def test_normalise_domain(text_in, expected):
    assert normalise_domain(text_in) == expected


@pytest.mark.parametrize("bad", ["a b", "acme.example.com", "-acme", "acme_bv", "x" * 64])
def test_normalise_domain_refuses(bad):
    with pytest.raises(DomainError):
        normalise_domain(bad)


@pytest.mark.both_databases
def test_token_is_encrypted_at_rest(make_onboarding):
    onboarding, _ = make_onboarding()
    store_token_credentials(onboarding, username="hr@x.example", token=TOKEN, domain="acme")
    db.session.commit()
    raw = db.session.execute(text("SELECT secret FROM credential")).scalar_one()
    assert TOKEN not in raw and "hr@x.example" not in raw
    assert stored_token_credentials(onboarding).token == TOKEN
    assert TOKEN not in repr(stored_token_credentials(onboarding))
    assert onboarding.answers.login.domain == "acme"
    assert "token" not in onboarding.raw_answers["credentials"]


def test_empty_token_keeps_the_stored_one_and_new_login_reopens_later_steps(make_onboarding):
    onboarding, _ = make_onboarding()
    store_token_credentials(onboarding, username="hr@x.example", token=TOKEN, domain="acme")
    onboarding.answers.record("validation", run_id=1, required_ok=True)
    store_token_credentials(onboarding, username="hr@x.example", token="", domain="acme")
    assert stored_token_credentials(onboarding).token == TOKEN
    assert onboarding.answers.has("validation")  # nothing changed
    store_token_credentials(onboarding, username="other@x.example", token="", domain="acme")
    assert not onboarding.answers.has("validation")
    with pytest.raises(ValueError):
        store_token_credentials(make_onboarding()[0], username="a@b.example", token="", domain="")


@pytest.fixture
def snapshot(make_onboarding):
    onboarding, _ = make_onboarding()
    debtors = [{"id": 1, "number": "100", "name": "Zuid Holding"},
               {"id": 2, "number": "200", "name": "Accountants Noord"}]
    companies = [{"id": 11, "number": "1", "name": "Bakkerij", "debtor_id": 1},
                 {"id": 12, "number": "2", "name": "Anker BV", "debtor_id": 1},
                 {"id": 21, "number": "3", "name": "Molen", "debtor_id": 2},
                 {"id": 99, "number": "9", "name": "Los", "debtor_id": None}]
    snap = store_snapshot(onboarding, Reach(debtors, companies), source="validation")
    db.session.commit()
    return onboarding, snap


def test_grouped_by_debtor_sorted_with_orphans_last(snapshot):
    _, snap = snapshot
    groups = grouped(snap)
    assert [g.debtor["name"] for g in groups] == ["Accountants Noord", "Zuid Holding", ""]
    assert [c["name"] for c in groups[1].companies] == ["Anker BV", "Bakkerij"]


def test_selection_by_company_and_whole_debtor(snapshot):
    _, snap = snapshot
    selection = resolve_selection(snap, ["21"], whole_debtor_ids=["1"])
    assert sorted(c["id"] for c in selection.companies) == [11, 12, 21]
    assert sorted(d["id"] for d in selection.debtors) == [1, 2]
    assert selection.excess_access  # 3 of 4


@pytest.mark.parametrize("ids, whole", [([], []), (["404"], []), (["11", "x"], [])])
def test_selection_refuses_nothing_or_unknown(snapshot, ids, whole):
    with pytest.raises(SelectionError):
        resolve_selection(snapshot[1], ids, whole)


def test_saving_excess_selection_is_audited(snapshot):
    onboarding, snap = snapshot
    save_selection(onboarding, resolve_selection(snap, ["11"]))
    db.session.commit()
    events = {e.event_type: e.details for e in db.session.scalars(db.select(AuditEvent))}
    assert events["entities.excess_access_accepted"] == {
        "reachable_companies": 4, "selected_companies": 1, "rechecks": 0,
        "terms_acceptance_id": None}  # who acknowledged: the terms acceptance (none here)
    assert list(onboarding.answers.entities.companies) == [
        {"id": 11, "number": "1", "name": "Bakkerij", "debtor_id": 1}]
    summary = connection_summary(onboarding)
    assert summary.organisation == onboarding.organisation
    assert [c["name"] for c in summary.companies] == ["Bakkerij"]
