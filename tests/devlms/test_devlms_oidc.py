"""Launch start, the OIDC authorization endpoint and the signed id_token."""

from __future__ import annotations

from urllib.parse import parse_qsl

import jwt
import pytest
import requests
from fake_tool import FakeTool

from devlms.testing import DevLmsServer, LaunchDriver, LaunchError

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def test_moodle_launch_reaches_tool_with_verifiable_id_token(
    devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver
) -> None:
    client_id, deployment_id = fake_tool.install(devlms.moodle)
    response = driver.launch("moodle", client_id, user="student1")
    assert response.status_code == 200, response.text
    claims = response.json()["claims"]
    assert claims["iss"] == devlms.url + "/moodle"
    assert claims["aud"] == client_id
    assert claims["sub"] == "4"
    assert claims["exp"] - claims["iat"] == 60
    assert claims[LTI + "deployment_id"] == deployment_id
    assert claims[LTI + "roles"] == [LEARNER]
    assert claims[LTI + "context"]["id"] == "course-101"
    assert claims[LTI + "resource_link"]["title"] == "Stepping Stones"
    assert claims[LTI + "tool_platform"]["product_family_code"] == "moodle"
    assert claims["name"] == "Sam Student" and claims["email"] == "student1@example.com"
    ags = claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]
    assert ags["lineitems"].endswith("/lineitems?type_id=1")
    nrps = claims["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"]
    assert nrps["context_memberships_url"].endswith("/CourseSection/course-101/bindings/1/memberships")


def test_canvas_subs_roles_and_privacy(devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver) -> None:
    client_id, _ = fake_tool.install(devlms.canvas, privacy="anonymous", scopes=[])
    claims = driver.launch("canvas", client_id, user="teacher").json()["claims"]
    assert len(claims["sub"]) == 36 and claims["sub"].count("-") == 4
    assert "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor" in claims[LTI + "roles"]
    assert "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor" in claims[LTI + "roles"]
    assert "name" not in claims and "email" not in claims
    assert "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint" not in claims
    assert claims[LTI + "tool_platform"]["product_family_code"] == "canvas"


def test_login_initiation_parameters(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    client_id, deployment_id = fake_tool.install(devlms.moodle)
    response = requests.get(devlms.launch_url("moodle", client_id, user="student2"), allow_redirects=False, timeout=10)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(fake_tool.login_url + "?")
    params = dict(parse_qsl(location.split("?", 1)[1]))
    assert params["iss"] == devlms.url + "/moodle"
    assert params["login_hint"] == "5"
    assert params["lti_deployment_id"] == deployment_id
    assert params["target_link_uri"] == fake_tool.launch_url
    assert params["lti_message_hint"]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"redirect_uri": "http://127.0.0.1:1/elsewhere"}, "redirect_uri"),
        ({"response_mode": "query"}, "response_mode must be form_post"),
        ({"nonce": None}, "nonce is required"),
        ({"response_type": "code"}, "unsupported_response_type"),
        ({"scope": "profile"}, "invalid_scope"),
    ],
)
def test_auth_endpoint_refuses_bad_requests(
    devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver, override: dict[str, str | None], expected: str
) -> None:
    client_id, _ = fake_tool.install(devlms.moodle)
    fake_tool.auth_overrides = override
    with pytest.raises(LaunchError) as caught:
        driver.authorize("moodle", client_id, user="student1")
    assert caught.value.response.status_code == 400
    assert expected in caught.value.response.text
    assert 'name="id_token"' not in caught.value.response.text


def test_message_hint_is_single_use(devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver) -> None:
    client_id, _ = fake_tool.install(devlms.canvas)
    driver.authorize("canvas", client_id, user="student1")
    replay = requests.get(fake_tool.last_login_redirect, timeout=10)
    assert replay.status_code == 400
    assert "lti_message_hint is unknown, expired or already used" in replay.text


def test_login_hint_must_match_the_user(devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver) -> None:
    client_id, _ = fake_tool.install(devlms.moodle)
    fake_tool.auth_overrides = {"login_hint": "3"}
    with pytest.raises(LaunchError, match="login_hint does not match"):
        driver.authorize("moodle", client_id, user="student1")


def test_key_rotation_changes_kid_and_old_tokens_still_verify(
    devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver
) -> None:
    client_id, _ = fake_tool.install(devlms.canvas)
    first = driver.launch("canvas", client_id, user="student1").json()
    old_token = devlms.canvas.sign_id_token({"sub": "x", "aud": client_id})
    new_kid = devlms.canvas.rotate_key()
    second = driver.launch("canvas", client_id, user="student1").json()
    assert first["kid"] != second["kid"] == new_kid
    jwks = requests.get(devlms.url + "/canvas/api/lti/security/jwks", timeout=10).json()
    assert {key["kid"] for key in jwks["keys"]} == {first["kid"], new_kid}
    old_key = jwt.PyJWKClient(devlms.url + "/canvas/api/lti/security/jwks").get_signing_key_from_jwt(old_token)
    assert jwt.decode(old_token, old_key.key, algorithms=["RS256"], audience=client_id)["sub"] == "x"


def test_unpublished_or_untooled_content_is_refused_to_students(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    client_id, _ = fake_tool.install(devlms.canvas)
    link = devlms.canvas.default_link(client_id)
    assert link is not None
    link.published = False
    student = requests.get(devlms.launch_url("canvas", client_id, user="student1"), allow_redirects=False, timeout=10)
    teacher = requests.get(devlms.launch_url("canvas", client_id, user="teacher"), allow_redirects=False, timeout=10)
    assert student.status_code == 403 and "unpublished" in student.text
    assert teacher.status_code == 302


def test_deep_linking_launch_is_for_teachers_with_placement_settings(
    devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver
) -> None:
    client_id, _ = fake_tool.install(devlms.canvas, deep_link_url=fake_tool.launch_url + "?dl=1")
    refused = requests.get(
        devlms.launch_url("canvas", client_id, user="student1", message="LtiDeepLinkingRequest"),
        allow_redirects=False,
        timeout=10,
    )
    assert refused.status_code == 403
    settings_key = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    multi = driver.launch("canvas", client_id, message="LtiDeepLinkingRequest", placement="link_selection").json()
    single = driver.launch(
        "canvas", client_id, message="LtiDeepLinkingRequest", placement="assignment_selection"
    ).json()
    assert multi["claims"][settings_key]["accept_multiple"] is True
    assert single["claims"][settings_key]["accept_multiple"] is False
    assert multi["claims"][settings_key]["accept_types"] == ["ltiResourceLink"]
    assert multi["claims"][LTI + "target_link_uri"] == fake_tool.launch_url + "?dl=1"
    assert "/courses/course-101/deep_linking_response" in multi["claims"][settings_key]["deep_link_return_url"]
    assert LTI + "resource_link" not in multi["claims"]
