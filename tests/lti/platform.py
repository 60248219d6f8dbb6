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
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

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
        pages = {"/course": self._course_page, "/storage": _storage_frame, "/auth": self._authorize}
        if request.path in pages:
            return Response(pages[request.path](request), content_type="text/html")(environ, start_response)
        return Response("not found", status=404)(environ, start_response)

    # -- a course page that frames the tool, with a platform-storage frame (as Canvas does) ----------
    tool_login_url = ""
    storage_target = "post_message_forwarding"

    def _course_page(self, request: Request) -> str:
        params = {"iss": self.issuer, "login_hint": "user-123", "client_id": self.client_id,
                  "target_link_uri": self.tool_login_url.replace("/lti/login", "/lti/launch")}
        if request.args.get("storage") != "0":
            params["lti_storage_target"] = self.storage_target
        frame = self.tool_login_url + "?" + urlencode(params)
        storage = f'<iframe name="{self.storage_target}" src="/storage" hidden></iframe>'
        return (f"<!doctype html><html><body>{storage if request.args.get('storage') != '0' else ''}"
                f'<iframe id="tool" src="{escape(frame)}" style="width:900px;height:600px"></iframe></body></html>')

    def _authorize(self, request: Request) -> str:
        values = request.values
        claims = self.claims(values["nonce"], **{LTI + "target_link_uri": values["redirect_uri"]})
        fields = {"id_token": self.sign(claims), "state": values["state"]}
        inputs = "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">' for k, v in fields.items())
        return (f'<!doctype html><html><body><form id="f" method="post" action="{escape(values["redirect_uri"])}">'
                f"{inputs}</form><script>document.getElementById('f').submit()</script></body></html>")

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


def _storage_frame(_request: Request) -> str:
    """The platform's storage frame: lti.put_data / lti.get_data in its own localStorage, answered to the sender."""
    return """<!doctype html><html><body><script>
window.addEventListener("message", function (event) {
  var m = event.data || {};
  if (m.subject === "lti.put_data") {
    localStorage.setItem(event.origin + "|" + m.key, m.value);
    event.source.postMessage({subject: "lti.put_data.response", message_id: m.message_id, key: m.key,
                              value: m.value}, event.origin);
  } else if (m.subject === "lti.get_data") {
    var value = localStorage.getItem(event.origin + "|" + m.key);
    var answer = {subject: "lti.get_data.response", message_id: m.message_id, key: m.key};
    if (value === null) { answer.error = {code: "bad_request", message: "no such key"}; } else { answer.value = value; }
    event.source.postMessage(answer, event.origin);
  }
});
</script></body></html>"""


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
