"""Dynamic Registration end to end, in both flavours."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from fake_tool import FakeTool

from devlms.model import SCOPE_NRPS, SCOPE_SCORE
from devlms.testing import DevLmsServer, LaunchDriver, LaunchError, parse_auto_submit_form

TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"


def _start(devlms: DevLmsServer, flavour: str, fake_tool: FakeTool) -> str:
    """Follow the admin's 'register' page to the tool's registration URL (redirect or iframe)."""
    response = requests.get(
        f"{devlms.url}/{flavour}/admin/register",
        params={"url": fake_tool.url + "/register"},
        allow_redirects=False,
        timeout=10,
    )
    if flavour == "moodle":
        assert response.status_code == 302
        return response.headers["Location"]
    assert response.status_code == 200 and "<iframe" in response.text
    src = response.text.split('src="', 1)[1].split('"', 1)[0]
    return src.replace("&amp;", "&")


def test_moodle_registration_end_to_end_pending_until_activated(
    devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver
) -> None:
    tool_url = _start(devlms, "moodle", fake_tool)
    query = parse_qs(urlsplit(tool_url).query)
    token = query["registration_token"][0]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["scope"] == "reg" and claims["exp"] > claims["iat"]
    result = requests.get(tool_url, timeout=10).json()
    assert result["status"] == 200, result
    answer = result["answer"]
    assert answer["client_id"] == claims["sub"]
    assert answer[TOOL_CONFIG]["deployment_id"] == "1"
    assert answer["scope"].split() == [SCOPE_SCORE, SCOPE_NRPS]  # unsupported scope dropped
    messages = result["config"][PLATFORM_CONFIG]["messages_supported"]
    assert {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]} in messages
    tool = devlms.moodle.tools[answer["client_id"]]
    assert tool.active is False and tool.custom == {"via": "dynreg"} and tool.privacy == "name_only"
    pending = requests.get(devlms.launch_url("moodle", tool.client_id, user="student1"), timeout=10)
    assert pending.status_code == 403 and "pending" in pending.text
    activated = requests.post(
        f"{devlms.url}/moodle/admin/tools/{tool.client_id}/activate", headers={"Accept": "application/json"}, timeout=10
    )
    assert activated.json() == {"client_id": tool.client_id, "active": True}
    launch = driver.launch("moodle", tool.client_id, user="student1").json()["claims"]
    assert launch["https://purl.imsglobal.org/spec/lti/claim/custom"] == {"via": "dynreg"}
    assert launch["name"] == "Sam Student" and "email" not in launch
    dl = driver.authorize("moodle", tool.client_id, message="LtiDeepLinkingRequest")
    assert dl.action == fake_tool.launch_url
    # The registration token cannot be used twice.
    replay = requests.post(
        devlms.moodle.url("/mod/lti/openid-registration.php"),
        json=fake_tool.registration_body(),
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert (replay.status_code, replay.text) == (401, "token_already_used")


def test_moodle_domain_must_include_the_port(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    fake_tool.tool_config_overrides = {"domain": "127.0.0.1"}
    result = requests.get(_start(devlms, "moodle", fake_tool), timeout=10).json()
    assert result["status"] == 400
    assert "domain" in result["answer"]
    assert not devlms.moodle.tools


def test_moodle_legacy_messages_are_plain_strings(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    devlms.moodle.legacy_messages = True
    config = requests.get(devlms.moodle.url("/mod/lti/openid-configuration.php"), timeout=10).json()
    assert config[PLATFORM_CONFIG]["messages_supported"] == ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"]
    assert config[PLATFORM_CONFIG]["product_family_code"] == "moodle"


def test_canvas_registration_end_to_end(devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver) -> None:
    tool_url = _start(devlms, "canvas", fake_tool)
    query = parse_qs(urlsplit(tool_url).query)
    config_url, token = query["openid_configuration"][0], query["registration_token"][0]
    assert requests.get(config_url, timeout=10).status_code == 401  # Canvas wants the bearer
    config = requests.get(config_url, headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    assert config[PLATFORM_CONFIG]["product_family_code"] == "canvas"
    assert all(isinstance(m, dict) for m in config[PLATFORM_CONFIG]["messages_supported"])
    result = requests.get(tool_url, timeout=10).json()
    assert result["status"] == 200, result
    client_id = result["answer"]["client_id"]
    assert "deployment_id" not in result["answer"][TOOL_CONFIG]
    tool = devlms.canvas.tools[client_id]
    assert tool.active and tool.privacy == "name_only" and tool.placements == ["link_selection"]
    claims = driver.launch("canvas", client_id, user="student2").json()["claims"]
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == tool.deployment_id
    # Used token: the configuration GET and the POST both refuse it now.
    assert requests.get(config_url, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 401
    replay = requests.post(
        devlms.canvas.url("/api/lti/registrations"),
        json=fake_tool.registration_body(),
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert replay.status_code == 401 and replay.json()["error"] == "token_already_used"


def test_registration_validates_required_fields(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    for overrides in (
        {"token_endpoint_auth_method": "client_secret_basic"},
        {"redirect_uris": "x"},
        {"response_types": ["code"]},
        {"jwks_uri": ""},
    ):
        fake_tool.registration_overrides = overrides
        result = requests.get(_start(devlms, "canvas", fake_tool), timeout=10).json()
        assert result["status"] == 400, overrides
    assert not devlms.canvas.tools
    no_bearer = requests.post(
        devlms.canvas.url("/api/lti/registrations"), json=fake_tool.registration_body(), timeout=10
    )
    assert no_bearer.status_code == 401


def test_launch_driver_reports_refusals(devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver) -> None:
    client_id, _ = fake_tool.install(devlms.moodle, active=False)
    try:
        driver.authorize("moodle", client_id, user="student1")
    except LaunchError as error:
        assert error.response.status_code == 403
    else:
        raise AssertionError("a pending tool must not launch")
    form = parse_auto_submit_form('<form action="/x"><input name="a" value="1"></form>', "http://127.0.0.1:1/y")
    assert (form.action, form.fields) == ("http://127.0.0.1:1/x", {"a": "1"})
