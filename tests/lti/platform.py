"""A minimal LTI platform for tests: its JWKS served over real loopback HTTP, and token signing.

Only what our launch endpoint needs from a platform: a key set at a URL (with a
request counter, and keys that can be rotated) and id_tokens signed with those
keys. Full platform behaviour (OIDC auth, services) is the development LMS's job.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient
from jwt.algorithms import RSAAlgorithm
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


class PlatformKey:
    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        jwk.update(kid=self.kid, alg="RS256", use="sig")
        self.jwk = jwk


class LoopbackPlatform:
    """Serves /jwks (and counts requests) on 127.0.0.1:<free port> in a thread."""

    def __init__(self, issuer: str = "https://platform.example", client_id: str = "client-1") -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.keys = [PlatformKey()]
        self.jwks_requests = 0
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def jwks_url(self) -> str:
        return self.url + "/jwks"

    @property
    def key(self) -> PlatformKey:
        return self.keys[-1]

    def rotate(self) -> PlatformKey:
        """Publish a new key (the old one is dropped) and sign with it from now on."""
        self.keys = [PlatformKey()]
        return self.key

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path == "/jwks":
            self.jwks_requests += 1
            body = json.dumps({"keys": [k.jwk for k in self.keys]})
            return Response(body, content_type="application/json")(environ, start_response)
        return Response("not found", status=404)(environ, start_response)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- tokens ---------------------------------------------------------------------
    def claims(self, login_nonce: str, /, deployment_id: str = "dep-1", **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "user-123",
            "iat": now,
            "exp": now + 60,
            "nonce": login_nonce,
            "name": "Sam Student",
            "given_name": "Sam",
            "family_name": "Student",
            "email": "sam@example.com",
            LTI + "deployment_id": deployment_id,
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "roles": [LEARNER],
            LTI + "resource_link": {"id": "rl-1", "title": "Stepping Stones"},
            LTI + "target_link_uri": "http://127.0.0.1:5000/lti/launch",
            LTI + "context": {"id": "course-101", "title": "Year 8 English", "label": "ENG8"},
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not DROP}

    def sign(self, claims: dict[str, Any], key: PlatformKey | None = None, **header: Any) -> str:
        key = key or self.key
        headers = {"kid": key.kid, **header}
        return jwt.encode(claims, key.private, algorithm="RS256", headers=headers)


DROP: Any = object()  # claims(x=DROP) removes claim x


def register(app: Any, platform: LoopbackPlatform, deployment_active: bool = True, **extra: Any) -> Any:
    """Register the loopback platform with the app (and its deployment dep-1)."""
    from tool.lti.runtime import get_runtime

    return get_runtime(app).registry.save_registration(
        issuer=platform.issuer,
        client_id=platform.client_id,
        auth_login_url=platform.url + "/auth",
        auth_token_url=platform.url + "/token",
        jwks_url=platform.jwks_url,
        deployment_ids=("dep-1",),
        deployments_active=deployment_active,
        **extra,
    )


TOOL_LAUNCH = "http://127.0.0.1:5000/lti/launch"


def login(client: FlaskClient, platform: LoopbackPlatform, target: str = TOOL_LAUNCH) -> dict[str, str]:
    """Run OIDC login initiation; returns the auth request parameters (state, nonce, ...)."""
    response = client.get(
        "/lti/login",
        query_string={
            "iss": platform.issuer,
            "login_hint": "user-123",
            "target_link_uri": target,
            "client_id": platform.client_id,
            "lti_message_hint": "hint",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith(platform.url + "/auth?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def launch(client: FlaskClient, platform: LoopbackPlatform, **overrides: Any) -> Any:
    """Login, then POST a token built from default claims + overrides."""
    auth = login(client, platform)
    token = platform.sign(platform.claims(auth["nonce"], **overrides))
    return client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
