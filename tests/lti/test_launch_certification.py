"""Launch checks modelled on the 1EdTech LTI 1.3 tool certification lists.

Each known-bad id_token must be refused with our error page and a 4xx (never a
500 or a traceback); each valid variant must be accepted and routed. Tokens are
signed by a platform whose JWKS is served over real loopback HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from tool.lti.session import current_launch

from .platform import DROP, INSTRUCTOR, LEARNER, LTI, LoopbackPlatform, launch, login, register

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_SETTINGS = {
    "deep_link_return_url": "https://platform.example/dl-return",
    "accept_types": ["ltiResourceLink"],
    "accept_presentation_document_targets": ["iframe", "window"],
    "data": "opaque",
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())


def _alg_none(p: LoopbackPlatform, claims: dict[str, Any]) -> str:
    return _unsigned({"alg": "none", "typ": "JWT", "kid": p.key.kid}, claims) + "."


def _hs256_with_public_key(p: LoopbackPlatform, claims: dict[str, Any]) -> str:
    # The classic key-confusion attack: HMAC keyed with the platform's (public) RSA key.
    secret = p.key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": p.key.kid}, claims)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


def _no_kid(p: LoopbackPlatform, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, p.key.private, algorithm="RS256")


def _wrong_kid(p: LoopbackPlatform, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, p.key.private, algorithm="RS256", headers={"kid": "no-such-key"})


def _signed_by_stranger(p: LoopbackPlatform, claims: dict[str, Any]) -> str:
    from .platform import PlatformKey

    stranger = PlatformKey()
    return jwt.encode(claims, stranger.private, algorithm="RS256", headers={"kid": p.key.kid})


class Ago:
    """A time relative to the moment the token is built (module import can be minutes earlier)."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds

    def __repr__(self) -> str:
        return f"now{self.seconds:+d}s"


def _resolve(overrides: dict[str, Any]) -> dict[str, Any]:
    now = int(time.time())
    return {k: now + v.seconds if isinstance(v, Ago) else v for k, v in overrides.items()}



# (case id, claim overrides, token maker or None, phrase expected on the error page, status)
BAD_LAUNCHES = [
    ("no-kid", {}, _no_kid, "kid", 400),
    ("wrong-kid", {}, _wrong_kid, "no key with id", 400),
    ("signed-by-another-key", {}, _signed_by_stranger, "signature", 400),
    ("alg-none", {}, _alg_none, "algorithm", 400),
    ("hs256-with-public-key", {}, _hs256_with_public_key, "algorithm", 400),
    ("wrong-lti-version", {LTI + "version": "1.2.0"}, None, "version", 400),
    ("missing-lti-version", {LTI + "version": DROP}, None, "version", 400),
    ("missing-iss", {"iss": DROP}, None, "issuer", 400),
    ("wrong-iss", {"iss": "https://evil.example"}, None, "issuer", 400),
    ("missing-aud", {"aud": DROP}, None, "addressed", 400),
    ("wrong-aud", {"aud": "someone-else"}, None, "addressed", 400),
    ("wrong-azp", {"azp": "someone-else"}, None, "authorized party", 400),
    ("several-aud-without-azp", {"aud": ["client-1", "other-tool"]}, None, "authorized party", 400),
    ("missing-exp", {"exp": DROP}, None, "exp", 400),
    ("missing-iat", {"iat": DROP}, None, "iat", 400),
    ("expired", {"iat": Ago(-3600), "exp": Ago(-3000)}, None, "expired", 400),
    ("issued-in-the-future", {"iat": Ago(600), "exp": Ago(900)}, None, "iat", 400),
    ("missing-nonce", {"nonce": DROP}, None, "nonce", 400),
    ("nonce-of-another-login", {"nonce": "not-the-login-nonce"}, None, "nonce", 400),
    ("missing-message-type", {LTI + "message_type": DROP}, None, "message_type", 400),
    ("unsupported-message-type", {LTI + "message_type": "LtiSubmissionReviewRequest"}, None, "does not handle", 400),
    ("missing-roles-claim", {LTI + "roles": DROP}, None, "Roles", 400),
    ("missing-deployment-id", {LTI + "deployment_id": DROP}, None, "deployment", 400),
    ("missing-resource-link", {LTI + "resource_link": DROP}, None, "Resource Link", 400),
    ("missing-resource-link-id", {LTI + "resource_link": {"title": "x"}}, None, "Resource Link", 400),
    ("missing-sub", {"sub": DROP}, None, "sub", 400),
    ("deep-linking-without-settings", {LTI + "message_type": "LtiDeepLinkingRequest"}, None, "Deep Linking", 400),
    ("unknown-deployment", {LTI + "deployment_id": "dep-new"}, None, "activate-deployment", 403),
    # Strict-probe boundaries: leeway is 60 s, no more; azp/aud combinations.
    ("expired-beyond-leeway", {"iat": Ago(-300), "exp": Ago(-75)}, None, "expired", 400),
    ("not-before-beyond-leeway", {"nbf": Ago(120)}, None, "nbf", 400),
    ("aud-list-without-us-azp-us", {"aud": ["other-tool", "third"], "azp": "client-1"}, None, "addressed", 400),
    ("aud-list-with-us-azp-other", {"aud": ["client-1", "other-tool"], "azp": "other-tool"}, None,
     "authorized party", 400),
    ("aud-not-a-string", {"aud": {"client": "client-1"}}, None, "addressed", 400),
    ("issuer-with-trailing-slash", {"iss": "https://platform.example/"}, None, "issuer", 400),
    ("deployment-id-not-a-string", {LTI + "deployment_id": 7}, None, "deployment", 400),
]


def _assert_error_page(response: Any, phrase: str, status: int) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == status, body
    assert 'role="alert"' in body
    assert phrase.lower() in body.lower()
    assert "Traceback" not in body


@pytest.mark.parametrize(("overrides", "maker", "phrase", "status"), [c[1:] for c in BAD_LAUNCHES],
                         ids=[c[0] for c in BAD_LAUNCHES])
def test_bad_launch_is_refused_with_a_clear_page(client, registered, overrides, maker, phrase, status):
    auth = login(client, registered)
    claims = registered.claims(auth["nonce"], **_resolve(overrides))
    token = maker(registered, claims) if maker else registered.sign(claims)
    response = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    _assert_error_page(response, phrase, status)


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b", "e30.e30.e30.e30", "%%%.%%%.%%%"])
def test_not_a_jwt_is_refused(client, registered, token):
    auth = login(client, registered)
    response = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    _assert_error_page(response, "JWT", 400)


def test_missing_id_token_is_refused(client, registered):
    auth = login(client, registered)
    _assert_error_page(client.post("/lti/launch", data={"state": auth["state"]}), "id_token", 400)


@pytest.mark.parametrize("state", [None, "", "state-made-up"])
def test_bad_or_missing_state_is_refused(client, registered, state):
    auth = login(client, registered)
    token = registered.sign(registered.claims(auth["nonce"]))
    data = {"id_token": token} if state is None else {"id_token": token, "state": state}
    _assert_error_page(client.post("/lti/launch", data=data), "state", 400)


def test_replayed_launch_is_refused(client, registered):
    auth = login(client, registered)
    data = {"id_token": registered.sign(registered.claims(auth["nonce"])), "state": auth["state"]}
    assert client.post("/lti/launch", data=data).status_code == 303
    _assert_error_page(client.post("/lti/launch", data=data), "already used", 400)


def test_replayed_token_with_a_fresh_state_is_refused(client, registered):
    first = login(client, registered)
    token = registered.sign(registered.claims(first["nonce"]))
    assert client.post("/lti/launch", data={"id_token": token, "state": first["state"]}).status_code == 303
    second = login(client, registered)
    _assert_error_page(client.post("/lti/launch", data={"id_token": token, "state": second["state"]}), "nonce", 400)


def test_inactive_deployment_is_refused_until_activated(app, client, platform):
    register(app, platform, deployment_active=False)
    _assert_error_page(launch(client, platform), "activate-deployment", 403)
    from tool.lti.runtime import get_runtime

    assert get_runtime(app).registry.set_deployment_active(platform.issuer, platform.client_id, "dep-1", True)
    assert launch(client, platform).status_code == 303


def test_unknown_deployment_is_created_inactive(app, client, registered):
    from tool.lti.runtime import get_runtime

    _assert_error_page(launch(client, registered, **{LTI + "deployment_id": "dep-9"}), "dep-9", 403)
    (_info, deployments), = get_runtime(app).registry.all_registrations()
    assert ("dep-9", False) in deployments


def test_unregistered_platform_login_is_refused(client, platform):
    response = client.get("/lti/login", query_string={"iss": platform.issuer, "login_hint": "x",
                                                      "target_link_uri": "http://127.0.0.1:5000/lti/launch",
                                                      "client_id": platform.client_id})
    _assert_error_page(response, "registration", 400)


def test_login_refuses_a_target_outside_the_tool(client, registered):
    response = client.get("/lti/login", query_string={"iss": registered.issuer, "login_hint": "x",
                                                      "target_link_uri": "https://evil.example/steal",
                                                      "client_id": registered.client_id})
    _assert_error_page(response, "not part of this tool", 400)


# -- valid variants -------------------------------------------------------------------

FULL_ROLES = [
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/system/person#User",
]
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
NAME_CLAIMS = {"name": DROP, "given_name": DROP, "family_name": DROP}

VALID_LAUNCHES = [
    ("full-instructor-roles", {LTI + "roles": FULL_ROLES}, "/teacher/"),
    ("short-instructor-role", {LTI + "roles": ["Instructor"]}, "/teacher/"),
    ("short-learner-role", {LTI + "roles": ["Learner"]}, "/student/"),
    ("learner-uri-role", {LTI + "roles": [LEARNER]}, "/student/"),
    ("institution-student-role", {LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"]},
     "/student/"),
    ("instructor-and-learner", {LTI + "roles": [LEARNER, INSTRUCTOR]}, "/teacher/"),
    ("unknown-role", {LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]}, None),
    ("no-role", {LTI + "roles": []}, None),
    ("email-only", NAME_CLAIMS, "/student/"),
    ("names-only", {"email": DROP}, "/student/"),
    ("no-personal-data", {**NAME_CLAIMS, "email": DROP}, "/student/"),
    ("no-context", {LTI + "context": DROP}, "/student/"),
    # The course role decides: Canvas adds institution roles for what a person is elsewhere.
    ("learner-who-teaches-elsewhere", {LTI + "roles": [LEARNER, INSTITUTION + "Instructor", INSTITUTION + "Faculty"]},
     "/student/"),
    ("teacher-who-studies-elsewhere", {LTI + "roles": [INSTRUCTOR, INSTITUTION + "Student"]}, "/teacher/"),
    ("institution-instructor-without-course-role", {LTI + "roles": [INSTITUTION + "Instructor"]}, None),
    ("teaching-assistant-sub-role", {LTI + "roles": [MEMBERSHIP + "/Instructor#TeachingAssistant"]}, "/teacher/"),
    ("account-admin-not-enrolled", {LTI + "roles": [INSTITUTION + "Administrator", SYSTEM + "User"]}, "/teacher/"),
    ("mentor-who-is-an-institution-admin", {LTI + "roles": [MEMBERSHIP + "#Mentor", INSTITUTION + "Administrator"]},
     None),
    ("aud-list-with-azp", {"aud": ["client-1", "other-tool"], "azp": "client-1"}, "/student/"),
    ("single-aud-with-matching-azp", {"azp": "client-1"}, "/student/"),
    ("clock-skew-within-leeway", {"iat": Ago(30), "exp": Ago(90)}, "/student/"),
    ("expired-within-leeway", {"iat": Ago(-120), "exp": Ago(-30)}, "/student/"),
    ("not-before-within-leeway", {"nbf": Ago(30)}, "/student/"),
    ("deep-linking-instructor", {LTI + "message_type": "LtiDeepLinkingRequest", LTI + "roles": [INSTRUCTOR],
                                 LTI + "resource_link": DROP, DL: DL_SETTINGS}, "/teacher/deep-link"),
    ("deep-linking-learner", {LTI + "message_type": "LtiDeepLinkingRequest", LTI + "resource_link": DROP,
                              DL: DL_SETTINGS}, None),
]


@pytest.mark.parametrize(("overrides", "path"), [c[1:] for c in VALID_LAUNCHES], ids=[c[0] for c in VALID_LAUNCHES])
def test_valid_launch_is_accepted(app, client, registered, overrides, path):
    overrides = _resolve(overrides)
    response = launch(client, registered, **overrides)
    body = response.get_data(as_text=True)
    if path is None:
        assert response.status_code == 200, body
        assert "Ask your teacher" in body
        return
    assert response.status_code == 303, body
    location = urlsplit(response.headers["Location"])
    assert location.path == path
    token = parse_qs(location.query)["lt"][0]
    with app.test_request_context(f"/?lt={token}"):
        stored = current_launch()
    claims = registered.claims("n", **overrides)
    assert stored.user_sub == "user-123"
    assert stored.user_email == claims.get("email")
    assert stored.user_name == claims.get("name")
    assert stored.context_id == (claims.get(LTI + "context") or {}).get("id")
    assert stored.issuer == registered.issuer and stored.deployment_id == "dep-1"
    if path == "/teacher/deep-link":
        assert stored.deep_linking_settings == DL_SETTINGS


@pytest.mark.parametrize(
    ("overrides", "step"),
    [
        ({LTI + "target_link_uri": "http://127.0.0.1:5000/lti/launch?step=st_abc123"}, "st_abc123"),
        ({LTI + "custom": {"ss_sequence": "sq1", "ss_step": "st_custom9"}}, "st_custom9"),
        ({LTI + "target_link_uri": "http://127.0.0.1:5000/lti/launch?step=<script>"}, None),
    ],
    ids=["step-in-target-link-uri", "step-in-custom", "malformed-step-dropped"],
)
def test_task_launch_keeps_the_step(client, registered, overrides, step):
    response = launch(client, registered, **overrides)
    assert response.status_code == 303
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query.get("step", [None])[0] == step


def test_a_launch_replayed_from_another_browser_is_refused(app, client, registered):
    auth = login(client, registered)
    data = {"id_token": registered.sign(registered.claims(auth["nonce"])), "state": auth["state"]}
    assert client.post("/lti/launch", data=data).status_code == 303
    other = app.test_client()
    login(other, registered)
    response = other.post("/lti/launch", data=data)
    assert response.status_code == 400  # another browser's cookie, and the nonce is spent anyway


def test_deployment_deactivated_between_login_and_launch_is_refused(app, client, registered):
    from tool.lti.runtime import get_runtime

    auth = login(client, registered)
    assert get_runtime(app).registry.set_deployment_active(registered.issuer, registered.client_id, "dep-1", False)
    token = registered.sign(registered.claims(auth["nonce"]))
    _assert_error_page(client.post("/lti/launch", data={"id_token": token, "state": auth["state"]}),
                       "activate", 403)


def test_made_up_kids_cannot_make_us_hammer_the_platform_key_set(client, registered):
    assert launch(client, registered).status_code == 303  # key set fetched once
    for n in range(15):
        auth = login(client, registered)
        claims = registered.claims(auth["nonce"])
        token = jwt.encode(claims, registered.key.private, algorithm="RS256", headers={"kid": f"made-up-{n}"})
        _assert_error_page(client.post("/lti/launch", data={"id_token": token, "state": auth["state"]}),
                           "no key with id", 400)
    assert registered.jwks_requests == 1 + 10  # at most 10 refetches a minute for unknown kids


def test_key_rotation_mid_class_keeps_launches_working(client, registered):
    assert launch(client, registered).status_code == 303
    registered.rotate()  # the platform publishes a new key and signs with it from now on
    assert launch(client, registered).status_code == 303
    assert launch(client, registered).status_code == 303
    assert registered.jwks_requests == 2
