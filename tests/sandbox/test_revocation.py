"""``/connect/revocation`` (RFC 7009) and "Manage apps" (the user withdraws the app)."""
from __future__ import annotations

import requests


def test_revoking_the_refresh_token_ends_the_whole_grant(oauth):
    tokens = oauth.tokens_for("full")
    renewed = oauth.refresh(tokens["refresh_token"]).json()
    assert oauth.revoke(renewed["refresh_token"]).status_code == 200
    for access in (tokens["access_token"], renewed["access_token"]):
        refused = oauth.api("/api/debtors", access)
        assert refused.status_code == 401 and refused.json()["code"] == 40102
    assert oauth.refresh(renewed["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoking_an_access_token_leaves_the_refresh_token(oauth):
    tokens = oauth.tokens_for("full")
    assert oauth.revoke(tokens["access_token"], hint="access_token").status_code == 200
    assert oauth.api("/api/debtors", tokens["access_token"]).json()["code"] == 40102
    renewed = oauth.refresh(tokens["refresh_token"])
    assert renewed.status_code == 200
    assert oauth.api("/api/debtors", renewed.json()["access_token"]).status_code == 200


def test_unknown_tokens_and_wrong_hints_are_still_200(oauth):
    assert oauth.revoke("never-issued").status_code == 200
    tokens = oauth.tokens_for("full")
    assert oauth.revoke(tokens["refresh_token"], hint="access_token").status_code == 200
    assert oauth.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_revocation_needs_a_token_and_client_authentication(oauth, nmbrs_sandbox):
    url = f"{nmbrs_sandbox.identity_url}/connect/revocation"
    anonymous = requests.post(url, data={"token": "x"}, timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"
    empty = oauth.revoke("")
    assert empty.status_code == 400 and empty.json()["error"] == "invalid_request"


def test_manage_apps_withdraws_every_grant_of_the_account(private_oauth, private_sandbox):
    identity = private_sandbox.state.identity
    first = private_oauth.tokens_for("full")
    second = private_oauth.tokens_for("full", "offline_access company.info.read")
    other = private_oauth.tokens_for("untick")
    assert identity.revoke_account("sanne@bakkerijvandenberg.example") == 2
    for tokens in (first, second):
        assert private_oauth.api("/api/debtors", tokens["access_token"]).status_code == 401
        assert private_oauth.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert private_oauth.api("/api/debtors", other["access_token"]).status_code == 200
    grants = identity.grants()
    assert [(g.scenario, g.revoked) for g in grants] == [("full", True), ("full", True),
                                                        ("untick", False)]
    assert grants[1].scopes == ("offline_access", "company.info.read")
