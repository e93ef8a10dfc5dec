"""The hand-off body, version 2 (docs/handoff.md, docs/handoff-v2.schema.json).

Everything the sync backend needs about a completed journey. The only secret,
the client's credentials, travels as a compact JWE (RSA-OAEP-256 + A256GCM)
encrypted to the backend's public key: the wizard can seal it but never open it
again. Version 2 adds the connection method's own details (token or OAuth
consent), the connection's ``revision`` (a re-connection replaces the
credentials of the same ``onboarding_id``; the highest revision wins) and the
client's AVG choice. Version 1 bodies may still be queued from before the
upgrade; receivers tell them apart by ``version``.
"""
from __future__ import annotations

import hashlib
import json

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from wizard.connection.registry import credentials_method
from wizard.models import Onboarding

EVENT_TYPE = "onboarding.completed"
VERSION = 2
#: Versions a receiver may meet: 1 was sent before connection methods and re-connections.
KNOWN_VERSIONS = (1, 2)
JWE_ALG = "RSA-OAEP-256"
JWE_ENC = "A256GCM"
#: joserfc accepts only the algorithms named here, in both directions.
JWE_REGISTRY = jwe.JWERegistry(algorithms=[JWE_ALG, JWE_ENC])


class PayloadError(ValueError):
    """The onboarding lacks something the hand-off must carry; names the gap, never a value."""


def build_payload(onboarding: Onboarding, public_key_pem: str) -> dict:
    """The version 2 body for a completed journey, credentials sealed for the backend."""
    method = credentials_method(onboarding)
    if method is None or not method.has_credentials(onboarding):
        raise PayloadError("the onboarding has no stored credentials to hand off")
    answers = onboarding.answers
    given = {"package": answers.package, "method": answers.method,
             "validation": answers.validation,
             "entities": answers.entities if answers.entities and answers.entities.companies else None}
    missing = [name for name, answer in given.items() if answer is None]
    if missing:
        raise PayloadError("the onboarding has no answer for: " + ", ".join(missing))
    validation, entities = answers.validation, answers.entities
    handoff = method.handoff(onboarding)
    revision = onboarding.revision or 1
    return {
        "type": EVENT_TYPE,
        "version": VERSION,
        "timestamp": onboarding.completed_at.isoformat(),
        "data": {
            "onboarding_id": onboarding.connection_id,
            "revision": revision,
            "journey": {"id": onboarding.public_id, "kind": onboarding.kind.value},
            "organisation": {
                "name": onboarding.organisation,
                "contact_name": onboarding.contact_name,
                "contact_email": onboarding.contact_email,
                "language": onboarding.language,
            },
            "payroll_package": answers.package.package,
            "profile": onboarding.profile,
            "connection": handoff.connection,
            "debtors": [_pick(d, "id", "number", "name") for d in entities.debtors],
            "companies": [_pick(c, "id", "number", "name", "debtor_id") for c in entities.companies],
            "selection": _selection(entities),
            "validation": {
                "run_id": validation.run_id,
                "validated_at": validation.at.isoformat(),
                "required_ok": bool(validation.required_ok),
                "checked": validation.checked,
                "ok": validation.ok,
                "optional_failed": list(validation.optional_failed),
            },
            "credentials": seal_credentials(
                {"onboarding_id": onboarding.connection_id, "revision": revision,
                 "method": method.name, "secret": handoff.secret}, public_key_pem),
        },
    }


def _selection(entities) -> dict:
    """The AVG choice; who acknowledged connecting fewer companies than reachable, when known."""
    reachable = entities.reachable_companies
    selection = {"reachable_companies": reachable,
                 "excess_access_accepted": reachable is not None and reachable > len(entities.companies)}
    ack = entities.acknowledgement
    if selection["excess_access_accepted"] and ack:
        selection["acknowledgement"] = {
            "acknowledged_at": ack["at"], "acknowledged_by": ack.get("by"),
            "reachable_companies": ack["reachable_companies"],
            "selected_companies": ack["selected_companies"], "rechecks": ack.get("rechecks", 0)}
    return selection


def _pick(item: dict, *keys: str) -> dict:
    return {key: item.get(key) for key in keys}


def key_id(public_key_pem: str) -> str:
    """RFC 7638 thumbprint of the backend key, so it can tell which of its keys to use."""
    return RSAKey.import_key(public_key_pem).thumbprint()


def seal_credentials(plaintext: dict, public_key_pem: str) -> dict:
    """Encrypt a JSON object to the backend's RSA public key as a compact JWE."""
    key = RSAKey.import_key(public_key_pem)
    header = {"alg": JWE_ALG, "enc": JWE_ENC, "cty": "application/json", "kid": key.thumbprint()}
    token = jwe.encrypt_compact(header, json.dumps(plaintext, separators=(",", ":")).encode(), key,
                                registry=JWE_REGISTRY)
    return {"alg": JWE_ALG, "enc": JWE_ENC, "kid": header["kid"], "jwe": token}


def import_private_key(private_key_pem: str) -> RSAKey:
    """The receiver's key, imported once (importing checks the key, which is slow)."""
    return RSAKey.import_key(private_key_pem)


def open_credentials(sealed: dict, private_key) -> dict:
    """The receiver's side: decrypt sealed credentials (PEM or imported key); raises ``PayloadError``."""
    try:
        key = import_private_key(private_key) if isinstance(private_key, str) else private_key
        result = jwe.decrypt_compact(sealed["jwe"], key, registry=JWE_REGISTRY)
        plaintext = json.loads(result.plaintext)
    except (JoseError, KeyError, TypeError, ValueError):
        raise PayloadError("the credentials cannot be decrypted with this key") from None
    if result.protected.get("alg") != JWE_ALG or result.protected.get("enc") != JWE_ENC:
        raise PayloadError("the credentials use an unexpected algorithm")
    return plaintext


def redact(payload: dict) -> dict:
    """The payload as kept after delivery: the JWE replaced by its SHA-256 digest."""
    sealed = payload["data"]["credentials"]
    if "jwe" not in sealed:
        return payload
    kept = {key: value for key, value in sealed.items() if key != "jwe"}
    kept["sha256"] = hashlib.sha256(sealed["jwe"].encode("ascii")).hexdigest()
    return {**payload, "data": {**payload["data"], "credentials": kept}}


def encode_body(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact, key-sorted UTF-8 JSON."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
