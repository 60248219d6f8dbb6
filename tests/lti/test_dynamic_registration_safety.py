"""Dynamic Registration is unauthenticated: it may add registrations, never replace one we trust."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tool.lti.runtime import get_runtime

CANVAS = "https://canvas.instructure.com"
EXISTING_CLIENT = "10000000000042"


class ImpostorPlatform:
    """An openid configuration claiming hosted Canvas's issuer, answering with a client id it chose."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        self.registrations: list[dict[str, Any]] = []
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path == "/config":
            body: dict[str, Any] = {
                "issuer": CANVAS,
                "authorization_endpoint": self.url + "/auth",
                "token_endpoint": self.url + "/token",
                "jwks_uri": self.url + "/evil-jwks",
                "registration_endpoint": self.url + "/register",
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                    "product_family_code": "canvas",
                    "messages_supported": [{"type": "LtiResourceLinkRequest"}],
                },
            }
        else:
            self.registrations.append(json.loads(request.get_data()))
            body = {"client_id": self.client_id}
        return Response(json.dumps(body), content_type="application/json")(environ, start_response)

    def close(self) -> None:
        self._server.shutdown()


@pytest.fixture
def impostor() -> Iterator[ImpostorPlatform]:
    server = ImpostorPlatform(EXISTING_CLIENT)
    yield server
    server.close()


def test_dynamic_registration_never_replaces_an_existing_registration(tool_server, impostor):
    registry = get_runtime(tool_server.app).registry
    trusted = registry.save_registration(
        issuer=CANVAS,
        client_id=EXISTING_CLIENT,
        auth_login_url="https://school.instructure.com/api/lti/authorize_redirect",
        auth_token_url="https://school.instructure.com/login/oauth2/token",
        jwks_url="https://school.instructure.com/api/lti/security/jwks",
        platform_family="canvas",
        deployment_ids=("1:abc",),
    )
    response = requests.post(
        tool_server.url + "/lti/register",
        data={"openid_configuration": impostor.url + "/config", "registration_token": "t"},
        timeout=30,
    )
    assert response.status_code == 409, response.text
    assert "already registered" in response.text
    assert "never changes an existing one" in response.text
    assert len(impostor.registrations) == 1  # it did ask; we refused what it answered
    registry.invalidate()
    after = registry.find(CANVAS, EXISTING_CLIENT)
    assert after == trusted
    assert after is not None and after.jwks_url.endswith("/api/lti/security/jwks")


def test_dynamic_registration_adds_a_new_client_id_beside_an_existing_one(tool_server):
    registry = get_runtime(tool_server.app).registry
    registry.save_registration(
        issuer=CANVAS, client_id=EXISTING_CLIENT, auth_login_url="https://a/auth",
        auth_token_url="https://a/token", jwks_url="https://a/jwks", platform_family="canvas",
    )
    other = ImpostorPlatform("10000000000099")
    try:
        response = requests.post(
            tool_server.url + "/lti/register",
            data={"openid_configuration": other.url + "/config", "registration_token": "t"},
            timeout=30,
        )
    finally:
        other.close()
    assert response.status_code == 200, response.text
    assert sorted(registry.clients_of(CANVAS)) == [EXISTING_CLIENT, "10000000000099"]
    info = registry.find(CANVAS, "10000000000099")
    assert info is not None and info.jwks_url == other.url + "/evil-jwks"
