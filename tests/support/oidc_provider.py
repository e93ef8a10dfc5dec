"""A small OpenID Connect provider for support's single sign-on tests, served over real HTTP.

It stands in for a company identity provider (Microsoft Entra ID, Google Workspace, Okta),
which cannot run here. It follows OpenID Connect Core 1.0 and OAuth 2.0 as such providers do:
discovery, a JWKS, the authorization-code flow with PKCE S256, single-use codes, client
authentication by HTTP Basic or form post, and RS256-signed ID tokens carrying the request's
``nonce``. Whoever "is logged in at the provider" is ``next_identity`` (tests set it); the
provider sends the browser straight back, as one does for a user with a live session there.
``tamper`` lets a test make the provider misbehave (wrong audience, issuer, nonce, signature).
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.support.servers import ThreadedServer


@dataclass
class Identity:
    email: str
    email_verified: bool | None = True
    subject: str = field(default_factory=lambda: secrets.token_hex(8))
    name: str = "Support Medewerker"


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    identity: Identity
    issued: float


class OidcProvider(ThreadedServer):
    CLIENT_ID = "wizard-support"
    CLIENT_SECRET = "provider-issued secret/with+odd=chars"

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig"})
        self.next_identity = Identity("agent@support.example")
        self.tamper: str | None = None
        self.codes: dict[str, _Grant] = {}
        self.token_requests = 0
        super().__init__(self._app())
        self.issuer = self.url
        self.discovery_url = f"{self.url}/.well-known/openid-configuration"

    def _app(self) -> Flask:
        app = Flask(__name__)

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(issuer=self.issuer, authorization_endpoint=f"{self.url}/authorize",
                           token_endpoint=f"{self.url}/token", jwks_uri=f"{self.url}/jwks",
                           response_types_supported=["code"], subject_types_supported=["public"],
                           id_token_signing_alg_values_supported=["RS256"],
                           code_challenge_methods_supported=["S256"],
                           token_endpoint_auth_methods_supported=["client_secret_basic",
                                                                  "client_secret_post"],
                           scopes_supported=["openid", "email", "profile"])

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize():
            args = request.args
            if args.get("client_id") != self.CLIENT_ID or not args.get("redirect_uri"):
                return "unknown client or redirect_uri", 400
            back = args["redirect_uri"]
            state = args.get("state", "")
            if (args.get("response_type") != "code" or "openid" not in args.get("scope", "").split()
                    or args.get("code_challenge_method") != "S256" or not args.get("code_challenge")):
                return redirect(f"{back}?{urlencode({'error': 'invalid_request', 'state': state})}")
            if self.tamper == "deny":
                return redirect(f"{back}?{urlencode({'error': 'access_denied', 'state': state})}")
            code = secrets.token_urlsafe(24)
            self.codes[code] = _Grant(self.CLIENT_ID, back, args["code_challenge"], args.get("nonce"),
                                      self.next_identity, time.time())
            return redirect(f"{back}?{urlencode({'code': code, 'state': state})}")

        @app.post("/token")
        def token():
            self.token_requests += 1
            client_id, secret = self._client_credentials()
            if client_id != self.CLIENT_ID or secret != self.CLIENT_SECRET:
                return jsonify(error="invalid_client"), 401
            form = request.form
            grant = self.codes.pop(form.get("code", ""), None)
            if (form.get("grant_type") != "authorization_code" or grant is None
                    or time.time() - grant.issued > 300 or form.get("redirect_uri") != grant.redirect_uri):
                return jsonify(error="invalid_grant"), 400
            verifier = form.get("code_verifier", "")
            expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
            if expected.decode() != grant.challenge:
                return jsonify(error="invalid_grant", error_description="PKCE"), 400
            return jsonify(access_token=secrets.token_urlsafe(24), token_type="Bearer",
                           expires_in=3600, id_token=self._id_token(grant))

        return app

    def _client_credentials(self) -> tuple[str | None, str | None]:
        from urllib.parse import unquote

        auth = request.authorization
        if auth is not None and auth.type == "basic":
            return unquote(auth.username or ""), unquote(auth.password or "")
        return request.form.get("client_id"), request.form.get("client_secret")

    def _id_token(self, grant: _Grant) -> str:
        now = int(time.time())
        identity = grant.identity
        claims = {"iss": self.issuer, "sub": identity.subject, "aud": grant.client_id,
                  "iat": now, "exp": now + 300, "nonce": grant.nonce, "email": identity.email,
                  "name": identity.name}
        if identity.email_verified is not None:
            claims["email_verified"] = identity.email_verified
        key = self.key
        if self.tamper == "audience":
            claims["aud"] = "someone-else"
        elif self.tamper == "issuer":
            claims["iss"] = "https://evil.example"
        elif self.tamper == "nonce":
            claims["nonce"] = "not-the-one-sent"
        elif self.tamper == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif self.tamper == "signature":
            key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})
        return jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, key)
