"""The invite token service: signing, key rotation, tampering, expiry, replacement, revocation."""
from datetime import timedelta

import pytest

from wizard.extensions import db
from wizard.invites import InviteError, InviteProblem, issue_invite_link, redeem_invite, revoke_invite
from wizard.models import OnboardingStatus
from wizard.models.base import utcnow

OLD_KEY = "old-secret-key-0123456789-0123456789-0123456789"
NEW_KEY = "new-secret-key-9876543210-9876543210-9876543210"


def token_of(link: str) -> str:
    return link.rsplit("/i/", 1)[1]


def problem_of(token: str, **kwargs) -> InviteProblem:
    with pytest.raises(InviteError) as caught:
        redeem_invite(token, **kwargs)
    return caught.value.problem


def test_a_fresh_link_opens_its_onboarding(make_onboarding):
    onboarding, link = make_onboarding()
    assert link.startswith("http://127.0.0.1:5000/i/")
    assert redeem_invite(token_of(link)) is onboarding


def test_the_database_keeps_only_a_hash_of_the_nonce(make_onboarding):
    onboarding, link = make_onboarding()
    token = token_of(link)
    assert onboarding.invite_nonce_hash and len(onboarding.invite_nonce_hash) == 64
    assert onboarding.invite_nonce_hash not in token
    # The nonce itself is nowhere in the row.
    from itsdangerous import URLSafeTimedSerializer
    payload = URLSafeTimedSerializer("x").loads_unsafe(token)[1]
    assert payload["n"] not in repr(vars(onboarding))


def test_rotation_old_links_keep_working_while_the_old_key_is_listed(app, make_onboarding):
    app.config["SECRET_KEYS"] = [OLD_KEY]
    onboarding, link = make_onboarding()
    app.config["SECRET_KEYS"] = [NEW_KEY, OLD_KEY]  # newest first: rotated
    assert redeem_invite(token_of(link)) is onboarding
    # New links are signed with the new key: they work without the old key.
    new_link = issue_invite_link(onboarding)
    db.session.commit()
    app.config["SECRET_KEYS"] = [NEW_KEY]
    assert redeem_invite(token_of(new_link)) is onboarding


def test_rotation_a_link_signed_by_a_removed_key_is_refused(app, make_onboarding):
    app.config["SECRET_KEYS"] = [OLD_KEY]
    _, link = make_onboarding()
    app.config["SECRET_KEYS"] = [NEW_KEY]
    assert problem_of(token_of(link)) is InviteProblem.MALFORMED


@pytest.mark.parametrize("mangle", [
    # A middle character: the last one carries unused base64 padding bits.
    lambda t: t[:-5] + ("A" if t[-5] != "A" else "B") + t[-4:],  # signature changed
    lambda t: ("f" if t[0] != "f" else "e") + t[1:],    # payload changed
    lambda t: t[: len(t) // 2],                         # truncated
    lambda t: "not-a-token",
    lambda t: "",
    lambda t: "x" * 1000,
], ids=["signature", "payload", "truncated", "garbage", "empty", "huge"])
def test_tampered_or_malformed_tokens_are_refused(make_onboarding, mangle):
    _, link = make_onboarding()
    assert problem_of(mangle(token_of(link))) is InviteProblem.MALFORMED


def test_a_token_signed_for_another_purpose_is_refused(app, make_onboarding):
    from wizard.tokens import serializer

    onboarding, _ = make_onboarding()
    other = serializer("another-purpose").dumps({"o": onboarding.public_id, "n": "x", "x": 2**40})
    assert problem_of(other) is InviteProblem.MALFORMED


def test_expiry_follows_an_injected_clock(make_onboarding):
    onboarding, link = make_onboarding(expires_days=3)
    token = token_of(link)
    assert redeem_invite(token, now=utcnow() + timedelta(days=2, hours=23)) is onboarding
    assert problem_of(token, now=utcnow() + timedelta(days=3, minutes=1)) is InviteProblem.EXPIRED


def test_default_lifetime_comes_from_config(app, make_onboarding):
    app.config["INVITE_MAX_AGE_DAYS"] = 14
    onboarding, link = make_onboarding()
    assert timedelta(days=13, hours=23) < onboarding.expires_at - utcnow() <= timedelta(days=14)
    assert problem_of(token_of(link), now=utcnow() + timedelta(days=14, seconds=1)) \
        is InviteProblem.EXPIRED


def test_an_onboarding_that_expired_in_the_database_refuses_its_link(make_onboarding):
    onboarding, link = make_onboarding()
    onboarding.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert problem_of(token_of(link)) is InviteProblem.EXPIRED


@pytest.mark.both_databases
def test_a_new_link_replaces_the_old_one(make_onboarding):
    onboarding, old = make_onboarding()
    new = issue_invite_link(onboarding)
    db.session.commit()
    assert problem_of(token_of(old)) is InviteProblem.REPLACED
    assert redeem_invite(token_of(new)) is onboarding


def test_a_revoked_invite_refuses_its_link(make_onboarding):
    onboarding, link = make_onboarding()
    revoke_invite(onboarding)
    assert onboarding.status is OnboardingStatus.REVOKED and onboarding.invite_nonce_hash is None
    assert problem_of(token_of(link)) is InviteProblem.REVOKED


def test_a_completed_onboarding_answers_any_old_link_with_done(make_onboarding):
    onboarding, old = make_onboarding()
    issue_invite_link(onboarding)
    onboarding.status = OnboardingStatus.COMPLETED
    db.session.commit()
    with pytest.raises(InviteError) as caught:
        redeem_invite(token_of(old))
    assert caught.value.problem is InviteProblem.COMPLETED
    assert caught.value.onboarding is onboarding


def test_a_validly_signed_link_to_an_unknown_onboarding(make_onboarding):
    onboarding, link = make_onboarding()
    db.session.delete(onboarding)
    db.session.commit()
    assert problem_of(token_of(link)) is InviteProblem.UNKNOWN
