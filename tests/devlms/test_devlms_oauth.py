"""The client-credentials token endpoint and bearer checks on service endpoints."""

from __future__ import annotations

import requests
from fake_tool import FakeTool

from devlms.model import SCOPE_LINEITEM, SCOPE_NRPS, SCOPE_SCORE
from devlms.testing import DevLmsServer


def test_token_issued_for_granted_scopes(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    client_id, _ = fake_tool.install(devlms.moodle)
    response = fake_tool.request_token(devlms.moodle, client_id, [SCOPE_SCORE, SCOPE_NRPS])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == f"{SCOPE_SCORE} {SCOPE_NRPS}"
    assert len(body["access_token"]) > 20


def test_token_refuses_wrong_audience(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    client_id, _ = fake_tool.install(devlms.moodle)
    response = fake_tool.request_token(devlms.moodle, client_id, [SCOPE_SCORE], aud=devlms.moodle.issuer)
    canvas_id, _ = fake_tool.install(devlms.canvas)
    site_wide = devlms.canvas.base_url + "/login/oauth2/token"
    assert fake_tool.request_token(devlms.canvas, canvas_id, [SCOPE_SCORE], aud=site_wide).status_code == 200
    assert fake_tool.request_token(devlms.moodle, client_id, [SCOPE_SCORE], aud=site_wide).status_code == 400
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "audience" in response.json()["error_description"].lower()


def test_token_refuses_replayed_jti(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    client_id, _ = fake_tool.install(devlms.canvas)
    first = fake_tool.request_token(devlms.canvas, client_id, [SCOPE_SCORE], jti="once")
    second = fake_tool.request_token(devlms.canvas, client_id, [SCOPE_SCORE], jti="once")
    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json() == {"error": "invalid_grant", "error_description": "jti already used"}


def test_token_refuses_scopes_outside_the_grant(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    client_id, _ = fake_tool.install(devlms.canvas, scopes=[SCOPE_SCORE])
    response = fake_tool.request_token(devlms.canvas, client_id, [SCOPE_SCORE, SCOPE_LINEITEM])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert SCOPE_LINEITEM in response.json()["error_description"]


def test_token_refuses_assertion_signed_by_another_key(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    client_id, _ = fake_tool.install(devlms.moodle)
    impostor = FakeTool()  # never started: a key the tool's JWKS does not list under this kid
    impostor.keys._keys = [(fake_tool.keys.active_kid, impostor.keys.private_key())]
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": impostor.client_assertion(client_id, devlms.moodle.token_url),
        "scope": SCOPE_SCORE,
    }
    response = requests.post(devlms.moodle.token_url, data=form, timeout=10)
    assert response.status_code == 400
    assert "signature" in response.json()["error_description"].lower()


def test_token_refetches_tool_jwks_once_after_tool_rotates(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    client_id, _ = fake_tool.install(devlms.moodle)
    assert fake_tool.request_token(devlms.moodle, client_id, [SCOPE_SCORE]).status_code == 200
    fake_tool.keys.rotate()  # the cached JWKS no longer holds the signing kid
    assert fake_tool.request_token(devlms.moodle, client_id, [SCOPE_SCORE]).status_code == 200


def test_pending_tool_gets_no_token(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    client_id, _ = fake_tool.install(devlms.moodle, active=False)
    response = fake_tool.request_token(devlms.moodle, client_id, [SCOPE_SCORE])
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_services_refuse_missing_bad_and_under_scoped_tokens(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    client_id, _ = fake_tool.install(devlms.canvas)
    lineitems = devlms.canvas.url("/api/lti/courses/course-101/line_items")
    members = devlms.canvas.url("/api/lti/courses/course-101/names_and_roles")
    missing = requests.get(lineitems, timeout=10)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert requests.get(lineitems, headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401
    token = fake_tool.access_token(devlms.canvas, client_id, [SCOPE_SCORE])
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(lineitems, headers=auth, timeout=10).status_code == 403
    assert requests.get(members, headers=auth, timeout=10).status_code == 403
    post = requests.post(lineitems, json={"label": "x", "scoreMaximum": 1}, headers=auth, timeout=10)
    assert post.status_code == 403
    assert post.json()["error"] == "insufficient_scope"


def test_scope_stripped_after_issue_is_refused_at_use(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    client_id, _ = fake_tool.install(devlms.canvas)
    token = fake_tool.access_token(devlms.canvas, client_id, [SCOPE_NRPS])
    devlms.canvas.tools[client_id].scopes.remove(SCOPE_NRPS)  # an admin edits the developer key
    members = devlms.canvas.url("/api/lti/courses/course-101/names_and_roles")
    assert requests.get(members, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 403
