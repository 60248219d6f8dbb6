"""A tiny LTI 1.3 tool for exercising the devlms: its own RSA key, JWKS, login, launch and registration.

It runs on its own loopback port and speaks the real protocol, so every check
the devlms makes is exercised over HTTP. Knobs let tests misbehave on purpose.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from flask import Flask, jsonify, redirect, request

from devlms.keys import KeyRing
from devlms.platform import Platform
from devlms.testing import ServerThread

TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"


class FakeTool:
    def __init__(self) -> None:
        self.keys = KeyRing()
        self.server = ServerThread()
        self.url = ""
        # issuer -> authorization endpoint, for the login redirect
        self.auth_endpoints: dict[str, str] = {}
        self.states: dict[str, str] = {}
        # Extra/overridden auth-request parameters (tests break the request on purpose).
        self.auth_overrides: dict[str, str | None] = {}
        self.registration_overrides: dict[str, Any] = {}
        self.tool_config_overrides: dict[str, Any] = {}
        self.last_login_redirect = ""

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> FakeTool:
        self.url = self.server.start()
        self.server.app = self._make_app().wsgi_app
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def login_url(self) -> str:
        return self.url + "/login"

    @property
    def launch_url(self) -> str:
        return self.url + "/launch"

    @property
    def jwks_url(self) -> str:
        return self.url + "/jwks"

    def install(self, platform: Platform, **options: Any) -> tuple[str, str]:
        """Manual install in ``platform``; remembers its auth endpoint."""
        self.auth_endpoints[platform.issuer] = platform.url(platform.paths.auth)
        return platform.register_tool(self.login_url, self.launch_url, self.jwks_url, [self.launch_url], **options)

    # -- signing --------------------------------------------------------------------------
    def sign(self, claims: dict[str, Any], **kwargs: Any) -> str:
        return self.keys.sign(claims, **kwargs)

    def client_assertion(self, client_id: str, aud: str, jti: str | None = None, **extra: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": aud,
            "iat": now,
            "exp": now + 60,
            "jti": jti or str(uuid.uuid4()),
            **extra,
        }
        return self.sign(claims)

    def request_token(
        self, platform: Platform, client_id: str, scopes: list[str], **assertion: Any
    ) -> requests.Response:
        aud = assertion.pop("aud", platform.token_url)
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": self.client_assertion(client_id, aud, **assertion),
            "scope": " ".join(scopes),
        }
        return requests.post(platform.token_url, data=form, timeout=10)

    def access_token(self, platform: Platform, client_id: str, scopes: list[str]) -> str:
        response = self.request_token(platform, client_id, scopes)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def service(self, platform: Platform, client_id: str, scopes: list[str]) -> requests.Session:
        """A session carrying a bearer token for ``scopes`` (close it after use)."""
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.access_token(platform, client_id, scopes)}"
        return session

    def deep_link_jwt(
        self,
        platform: Platform,
        client_id: str,
        deployment_id: str,
        items: list[dict[str, Any]],
        data: str | None = None,
        **overrides: Any,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": client_id,
            "aud": platform.issuer,
            "iat": now,
            "exp": now + 60,
            "nonce": secrets.token_hex(8),
            "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingResponse",
            "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
            "https://purl.imsglobal.org/spec/lti/claim/deployment_id": deployment_id,
            "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": items,
        }
        if data is not None:
            claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] = data
        claims.update(overrides)
        return self.sign(claims)

    # -- HTTP side --------------------------------------------------------------------------
    def _make_app(self) -> Flask:
        app = Flask("fake_tool")

        @app.get("/jwks")
        def jwks() -> Any:
            return jsonify(self.keys.jwks())

        @app.route("/login", methods=["GET", "POST"])
        def login() -> Any:
            values = request.values
            state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
            self.states[state] = nonce
            params: dict[str, str | None] = {
                "scope": "openid",
                "response_type": "id_token",
                "response_mode": "form_post",
                "prompt": "none",
                "client_id": values["client_id"],
                "redirect_uri": self.launch_url,
                "login_hint": values["login_hint"],
                "lti_message_hint": values.get("lti_message_hint"),
                "state": state,
                "nonce": nonce,
                **self.auth_overrides,
            }
            query = urlencode({k: v for k, v in params.items() if v is not None})
            self.last_login_redirect = f"{self.auth_endpoints[values['iss']]}?{query}"
            return redirect(self.last_login_redirect)

        @app.post("/launch")
        def launch() -> Any:
            state = request.form.get("state", "")
            nonce = self.states.pop(state, None)
            if nonce is None:
                return jsonify({"error": "bad state"}), 400
            token = request.form["id_token"]
            unverified = jwt.decode(token, options={"verify_signature": False})
            jwks_url = unverified["iss"] + _jwks_path(unverified["iss"])
            key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token)
            claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=unverified["aud"])
            if claims["nonce"] != nonce:
                return jsonify({"error": "bad nonce"}), 400
            return jsonify({"claims": claims, "kid": jwt.get_unverified_header(token)["kid"]})

        @app.get("/register")
        def register() -> Any:
            config_url = request.args["openid_configuration"]
            token = request.args["registration_token"]
            auth = {"Authorization": f"Bearer {token}"}
            config = requests.get(config_url, headers=auth, timeout=10).json()
            self.auth_endpoints[config["issuer"]] = config["authorization_endpoint"]
            body = self.registration_body()
            answer = requests.post(config["registration_endpoint"], json=body, headers=auth, timeout=10)
            return jsonify(
                {"status": answer.status_code, "answer": answer.json() if answer.ok else answer.text, "config": config}
            )

        return app

    def registration_body(self) -> dict[str, Any]:
        host = self.url.removeprefix("http://")
        return {
            "application_type": "web",
            "response_types": ["id_token"],
            "grant_types": ["implicit", "client_credentials"],
            "initiate_login_uri": self.login_url,
            "redirect_uris": [self.launch_url],
            "client_name": "Fake Tool",
            "jwks_uri": self.jwks_url,
            "token_endpoint_auth_method": "private_key_jwt",
            "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score "
            "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly "
            "https://example.com/scope/not-supported",
            TOOL_CONFIG: {
                "domain": host,
                "target_link_uri": self.launch_url,
                "custom_parameters": {"via": "dynreg"},
                "claims": ["iss", "sub", "name"],
                "messages": [
                    {
                        "type": "LtiDeepLinkingRequest",
                        "target_link_uri": self.url + "/deeplink",
                        "placements": ["link_selection"],
                    }
                ],
                "https://canvas.instructure.com/lti/privacy_level": "name_only",
                **self.tool_config_overrides,
            },
            **self.registration_overrides,
        }


def _jwks_path(issuer: str) -> str:
    return "/mod/lti/certs.php" if issuer.endswith("/moodle") else "/api/lti/security/jwks"
