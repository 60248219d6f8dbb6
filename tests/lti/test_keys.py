"""Platform key rotation and caching; the tool's own keys (JWKS, encryption, rotation)."""

from __future__ import annotations

from datetime import timedelta

import jwt
from sqlalchemy import select

from tool.lti.models import ToolKey
from tool.lti.runtime import get_runtime

from .platform import launch


def test_platform_jwks_is_fetched_once_for_a_whole_class(client, registered):
    for _ in range(12):
        assert launch(client, registered).status_code == 303
    assert registered.jwks_requests == 1


def test_platform_key_rotation_refetches_once_and_succeeds(client, registered):
    assert launch(client, registered).status_code == 303
    registered.rotate()
    assert launch(client, registered).status_code == 303
    assert registered.jwks_requests == 2
    assert launch(client, registered).status_code == 303
    assert registered.jwks_requests == 2


def test_unknown_kid_after_refetch_fails_clearly(client, registered):
    from .platform import login
    from .test_launch_certification import _wrong_kid

    assert launch(client, registered).status_code == 303
    auth = login(client, registered)
    token = _wrong_kid(registered, registered.claims(auth["nonce"]))
    response = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert response.status_code == 400
    assert "signature cannot be checked" in response.get_data(as_text=True)
    assert registered.jwks_requests == 2  # exactly one refetch


def test_a_key_the_platform_withdrew_stops_working_once_the_key_set_is_old(app, client, registered):
    from .platform import login

    old = registered.key
    assert launch(client, registered).status_code == 303
    registered.rotate()  # the old key is gone from the platform's key set
    get_runtime(app).platform_keys.max_age_seconds = 0  # our copy of the key set is now "old"
    auth = login(client, registered)
    token = registered.sign(registered.claims(auth["nonce"]), key=old)
    response = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert response.status_code == 400
    assert "signature cannot be checked" in response.get_data(as_text=True)
    assert registered.jwks_requests == 2
    assert launch(client, registered).status_code == 303  # the new key works


def test_known_keys_keep_serving_while_the_platform_is_unreachable(app, client, registered):
    assert launch(client, registered).status_code == 303
    get_runtime(app).platform_keys.max_age_seconds = 0
    registered.close()
    assert launch(client, registered).status_code == 303


def test_unreachable_platform_jwks_fails_clearly(client, registered):
    registered.close()
    response = launch(client, registered)
    assert response.status_code == 400
    assert "could not fetch" in response.get_data(as_text=True)


def test_jwks_publishes_the_signing_key_created_on_first_use(app, client):
    body = client.get("/lti/jwks").get_json()
    assert len(body["keys"]) == 1
    key = body["keys"][0]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["kid"]
    assert "d" not in key  # never the private part
    signing = get_runtime(app).tool_keys.signing_key()
    assert signing.kid == key["kid"]
    token = jwt.encode({"x": 1}, signing.private_key, algorithm="RS256", headers={"kid": signing.kid})
    public = jwt.PyJWK(key).key
    assert jwt.decode(token, public, algorithms=["RS256"]) == {"x": 1}


def test_private_keys_are_encrypted_at_rest(app):
    ring = get_runtime(app).tool_keys
    signing = ring.signing_key()
    with app.extensions["db_session"]() as db:
        row = db.scalars(select(ToolKey)).one()
    assert "PRIVATE KEY" not in row.private_key_encrypted
    assert signing.private_pem.split("\n")[1] not in row.private_key_encrypted


def test_rotation_keeps_the_previous_key_published_then_retires_it(app, client):
    ring = get_runtime(app).tool_keys
    first = ring.signing_key()
    second, retired = ring.rotate(overlap=timedelta(days=7))
    assert retired == []
    kids = [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]
    assert kids == [first.kid, second.kid]
    assert ring.signing_key().kid == second.kid  # signing uses the newest
    # With no overlap, a rotation retires every older key except the one that was newest.
    third, retired = ring.rotate(overlap=timedelta(0))
    assert retired == [first.kid]
    kids = [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]
    assert kids == [second.kid, third.kid]


def test_canvas_developer_key_json(client, settings):
    body = client.get("/lti/canvas.json").get_json()
    base = settings.base_url
    assert body["oidc_initiation_url"] == base + "/lti/login"
    assert body["target_link_uri"] == base + "/lti/launch"
    assert body["public_jwk_url"] == base + "/lti/jwks"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in body["scopes"]
    (ext,) = body["extensions"]
    assert ext["platform"] == "canvas.instructure.com" and ext["privacy_level"] == "public"
    placements = {p["placement"]: p["message_type"] for p in ext["placements"]}
    assert placements["link_selection"] == "LtiDeepLinkingRequest"
    assert placements["assignment_selection"] == "LtiDeepLinkingRequest"
    assert placements["course_navigation"] == "LtiResourceLinkRequest"
