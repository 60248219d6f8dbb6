"""End to end against the development LMS (both flavours), everything over real loopback HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from devlms.testing import LaunchDriver, parse_auto_submit_form
from tool.lti.runtime import get_runtime

FLAVOURS = ["canvas", "moodle"]


def install_manually(devlms, tool_server, flavour, **options):
    """The admin's manual install on both sides; returns (client_id, deployment_id)."""
    platform = devlms.platform(flavour)
    client_id, deployment_id = platform.register_tool(
        login_url=tool_server.url + "/lti/login",
        launch_url=tool_server.url + "/lti/launch",
        jwks_url=tool_server.url + "/lti/jwks",
        **options,
    )
    get_runtime(tool_server.app).registry.save_registration(
        issuer=platform.issuer,
        client_id=client_id,
        auth_login_url=platform.url(platform.paths.auth),
        auth_token_url=platform.token_url,
        jwks_url=platform.url(platform.paths.jwks),
        platform_family=flavour,
        granted_scopes=" ".join(platform.tools[client_id].scopes),
        deployment_ids=(deployment_id,),
    )
    return client_id, deployment_id


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(("user", "path"), [("teacher", "/teacher/"), ("student1", "/student/")])
def test_launch_from_the_devlms_lands_in_the_right_area(devlms, tool_server, flavour, user, path):
    client_id, _ = install_manually(devlms, tool_server, flavour)
    response = LaunchDriver(devlms).launch(flavour, client_id, user=user, follow_redirects=False)
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["Location"])
    assert location.path == path
    assert parse_qs(location.query)["lt"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_platform_key_rotation_in_the_devlms(devlms, tool_server, flavour):
    client_id, _ = install_manually(devlms, tool_server, flavour)
    driver = LaunchDriver(devlms)
    assert driver.launch(flavour, client_id, follow_redirects=False).status_code == 303
    devlms.platform(flavour).rotate_key()
    assert driver.launch(flavour, client_id, follow_redirects=False).status_code == 303
    assert get_runtime(tool_server.app).platform_keys.fetch_count == 2


def _register_dynamically(devlms, tool_server, flavour):
    http = requests.Session()
    start = devlms.registration_url(flavour, tool_server.url + "/lti/register")
    page = http.get(start, timeout=30)
    assert page.status_code == 200, page.text
    form = parse_auto_submit_form(page.text, page.url)
    done = http.post(form.action, data=form.fields, timeout=30)
    assert done.status_code == 200, done.text
    # The close message waits for the Finish button (Moodle closes its panel as soon as it arrives).
    assert 'id="finish"' in done.text and "lti/registration-finish.js" in done.text
    return done


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_dynamic_registration_end_to_end_then_launch(devlms, tool_server, flavour):
    before = set(devlms.platform(flavour).tools)
    done = _register_dynamically(devlms, tool_server, flavour)
    platform = devlms.platform(flavour)
    (client_id,) = set(platform.tools) - before
    tool = platform.tools[client_id]
    runtime = get_runtime(tool_server.app)
    info = runtime.registry.find(platform.issuer, client_id)
    assert info is not None and info.platform_family == flavour
    assert info.auth_token_url == platform.token_url
    assert "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly" in info.granted_scopes
    assert tool.jwks_url == tool_server.url + "/lti/jwks"
    # We asked for names and emails (the teacher's roster needs names) and the platform agreed.
    assert tool.privacy == "public"
    assert tool.domain in (None, urlsplit(tool_server.url).netloc)
    if flavour == "moodle":
        assert "Manage tools" in done.text and "Show in activity chooser" in done.text
        assert not tool.active
        platform.activate_tool(client_id)
    driver = LaunchDriver(devlms)
    refused = driver.launch(flavour, client_id, user="teacher", follow_redirects=False)
    # Our side: a new deployment waits for our admin, and the page says how.
    assert refused.status_code == 403, refused.text
    assert f"activate-deployment {platform.issuer} {client_id} {tool.deployment_id}" in refused.text
    assert runtime.registry.set_deployment_active(platform.issuer, client_id, tool.deployment_id, True)
    response = driver.launch(flavour, client_id, user="teacher", follow_redirects=False)
    assert response.status_code == 303, response.text
    assert urlsplit(response.headers["Location"]).path == "/teacher/"


def test_dynamic_registration_with_legacy_string_messages(devlms, tool_server):
    devlms.moodle.legacy_messages = True
    before = set(devlms.moodle.tools)
    _register_dynamically(devlms, tool_server, "moodle")
    assert len(set(devlms.moodle.tools) - before) == 1


def test_dynamic_registration_with_a_bad_configuration_url_fails_clearly(tool_server):
    response = requests.post(tool_server.url + "/lti/register",
                             data={"openid_configuration": "http://127.0.0.1:9/nothing", "registration_token": "x"},
                             timeout=30)
    assert response.status_code == 400
    assert "could not be registered" in response.text
