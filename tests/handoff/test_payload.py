"""The version 2 body: valid per the published schema, secrets only inside the JWE."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tests.handoff.conftest import COMPANIES, outbox_message
from wizard.handoff.keys import generate_key_pair
from wizard.handoff.payload import PayloadError, encode_body, key_id, open_credentials, redact

DOCS = Path(__file__).parents[2] / "docs"
SCHEMA = json.loads((DOCS / "handoff-v2.schema.json").read_text())
validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())


@pytest.mark.parametrize("name", ["handoff-v1.schema.json", "handoff-v2.schema.json"])
def test_schemas_are_themselves_valid(name):
    Draft202012Validator.check_schema(json.loads((DOCS / name).read_text()))


def test_produced_payload_matches_the_schema(complete_with_credentials):
    onboarding = complete_with_credentials()
    payload = json.loads(encode_body(outbox_message(onboarding).payload))
    assert list(validator.iter_errors(payload)) == []
    data = payload["data"]
    assert payload["version"] == 2
    assert data["onboarding_id"] == onboarding.public_id == onboarding.connection_id
    assert data["revision"] == 1 and data["journey"] == {"id": onboarding.public_id, "kind": "new"}
    assert data["selection"] == {"reachable_companies": None, "excess_access_accepted": False}
    assert data["organisation"]["name"] == onboarding.organisation
    assert data["connection"] == {"method": "token", "domain": "devries", "username": "hr@devries.example"}
    assert data["companies"] == COMPANIES and data["payroll_package"] == "nmbrs"
    assert data["validation"]["required_ok"] is True and data["profile"] == "payroll"


def test_an_acknowledged_avg_choice_says_who_when_and_the_counts(make_onboarding):
    """Connecting fewer companies than reachable: the acknowledgement travels with the hand-off
    (optional field, valid per the schema), and the audit trail points at the terms acceptance
    instead of carrying the name."""
    from tests.handoff.conftest import contract_answers, new_token
    from wizard.connection.entities import resolve_selection, save_selection
    from wizard.extensions import db
    from wizard.lifecycle import complete_onboarding
    from wizard.models import AuditEvent, Credential, EntitySnapshot, TermsAcceptance

    onboarding, _ = make_onboarding()
    onboarding.raw_answers.update(contract_answers())
    acceptance = TermsAcceptance(onboarding=onboarding, version="x", language="nl",
                                 accepted_name="Sanne de Vries")
    db.session.add(acceptance)
    db.session.add(Credential(onboarding=onboarding, method="token", secret={
        "username": "hr@devries.example", "token": new_token(), "domain": "devries"}))
    snapshot = EntitySnapshot(onboarding=onboarding, source="validation",
                              debtors=[{"id": 11, "number": 1, "name": "De Vries Groep"}],
                              companies=[*COMPANIES, {"id": 103, "number": 3, "name": "Derde B.V.",
                                                      "debtor_id": 11}])
    db.session.add(snapshot)
    db.session.flush()
    save_selection(onboarding, resolve_selection(snapshot, ["101", "102"]))
    complete_onboarding(onboarding)
    db.session.commit()

    payload = json.loads(encode_body(outbox_message(onboarding).payload))
    assert list(validator.iter_errors(payload)) == []
    selection = payload["data"]["selection"]
    assert selection["excess_access_accepted"] is True and selection["reachable_companies"] == 3
    ack = selection["acknowledgement"]
    assert (ack["acknowledged_by"], ack["reachable_companies"], ack["selected_companies"],
            ack["rechecks"]) == ("Sanne de Vries", 3, 2, 0)
    assert ack["acknowledged_at"].startswith(onboarding.completed_at.date().isoformat())
    event = db.session.scalar(db.select(AuditEvent).filter_by(
        onboarding_id=onboarding.id, event_type="entities.excess_access_accepted"))
    assert event.details == {"reachable_companies": 3, "selected_companies": 2,
                             "terms_acceptance_id": acceptance.id, "rechecks": 0}
    assert "Sanne" not in json.dumps(event.details)


def test_the_schema_rejects_a_body_with_clear_text_credentials(complete_with_credentials):
    payload = outbox_message(complete_with_credentials()).payload
    payload["data"]["credentials"] = {"token": "abc", "username": "x"}
    assert list(validator.iter_errors(payload))


def test_no_secret_in_clear_text_in_the_body(complete_with_credentials):
    token = "nmbrsClearTextCheck0123456789abc"
    body = encode_body(outbox_message(complete_with_credentials(token=token)).payload)
    assert token.encode() not in body and b'"token":' not in body


def test_the_jwe_decrypts_only_with_the_right_private_key(complete_with_credentials, sync_key_pair):
    token = "nmbrsJweCheck0123456789abcdefghi"
    onboarding = complete_with_credentials(token=token)
    sealed = outbox_message(onboarding).payload["data"]["credentials"]
    assert sealed["kid"] == key_id(sync_key_pair[1])

    opened = open_credentials(sealed, sync_key_pair[0])
    assert opened == {"onboarding_id": onboarding.public_id, "revision": 1, "method": "token",
                      "secret": {"username": "hr@devries.example", "token": token, "domain": "devries"}}
    with pytest.raises(PayloadError):
        open_credentials(sealed, generate_key_pair(2048)[0])
    broken = {**sealed, "jwe": sealed["jwe"][:-4] + ("AAAA" if not sealed["jwe"].endswith("AAAA") else "BBBB")}
    with pytest.raises(PayloadError):
        open_credentials(broken, sync_key_pair[0])


def test_redaction_keeps_a_digest_instead_of_the_jwe(complete_with_credentials):
    payload = outbox_message(complete_with_credentials()).payload
    jwe = payload["data"]["credentials"]["jwe"]
    kept = redact(payload)["data"]["credentials"]
    assert "jwe" not in kept and kept["sha256"] == hashlib.sha256(jwe.encode()).hexdigest()
    assert redact(redact(payload)) == redact(payload)


@pytest.mark.parametrize("missing", ["package", "method", "validation", "entities"])
def test_an_onboarding_missing_an_answer_cannot_complete(make_onboarding, missing):
    from tests.handoff.conftest import contract_answers
    from wizard.extensions import db
    from wizard.models import Credential
    from wizard.lifecycle import OnboardingError, complete_onboarding

    onboarding, _ = make_onboarding()
    answers = contract_answers()
    answers[missing] = {"at": answers[missing]["at"]}  # answered, but without its data
    onboarding.raw_answers.update(answers)
    db.session.add(Credential(onboarding=onboarding, method="token", secret={
        "username": "hr@devries.example", "token": "x", "domain": "devries"}))
    with pytest.raises(OnboardingError, match=missing):
        complete_onboarding(onboarding)


def old_authlib_seal(plaintext: dict, public_pem: str) -> str:
    """A JWE exactly as the wizard made it with authlib.jose before moving to joserfc."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from authlib.jose import JsonWebEncryption, JsonWebKey
    key = JsonWebKey.import_key(public_pem, {"kty": "RSA"})
    header = {"alg": "RSA-OAEP-256", "enc": "A256GCM", "cty": "application/json",
              "kid": key.thumbprint()}
    return JsonWebEncryption().serialize_compact(
        header, json.dumps(plaintext, separators=(",", ":")).encode(), key).decode("ascii")


def test_a_jwe_sealed_by_the_old_authlib_code_still_opens(sync_key_pair):
    """Messages queued before the move to joserfc are delivered afterwards; the backend opens both."""
    plaintext = {"onboarding_id": "abc", "revision": 1, "method": "token",
                 "secret": {"username": "hr@devries.example", "token": "nmbrsOld", "domain": "d"}}
    old = old_authlib_seal(plaintext, sync_key_pair[1])
    sealed = {"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": key_id(sync_key_pair[1]), "jwe": old}
    assert open_credentials(sealed, sync_key_pair[0]) == plaintext


def test_the_new_jwe_has_the_same_protected_header_and_key_id_as_the_old():
    import base64
    import warnings

    from wizard.handoff.payload import seal_credentials

    _, public = generate_key_pair(2048)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from authlib.jose import JsonWebKey
    assert key_id(public) == JsonWebKey.import_key(public, {"kty": "RSA"}).thumbprint()

    def protected(token: str) -> bytes:
        head = token.split(".")[0]
        return base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))

    new = seal_credentials({"a": 1}, public)["jwe"]
    assert protected(new) == protected(old_authlib_seal({"a": 1}, public))
    assert len(new.split(".")) == 5


@pytest.mark.parametrize("header", [{"alg": "RSA-OAEP", "enc": "A256GCM"},
                                    {"alg": "RSA-OAEP-256", "enc": "A128CBC-HS256"}])
def test_a_jwe_with_another_algorithm_is_refused(sync_key_pair, header):
    from joserfc import jwe
    from joserfc.jwk import RSAKey

    token = jwe.encrypt_compact(header, b'{"a":1}', RSAKey.import_key(sync_key_pair[1]),
                                algorithms=[header["alg"], header["enc"]])
    with pytest.raises(PayloadError):
        open_credentials({"jwe": token}, sync_key_pair[0])
