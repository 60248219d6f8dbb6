"""Odd inputs still get a clear 4xx page; binding cookie flags over plain http and behind a TLS proxy."""

from __future__ import annotations

import pytest

from .platform import LTI, TOOL_LAUNCH, launch, login, register


@pytest.mark.parametrize(
    "overrides",
    [
        {LTI + "roles": "Instructor"},
        {LTI + "roles": [1, 2]},
        {LTI + "resource_link": "rl-1"},
        {LTI + "context": ["course-101"]},
        {LTI + "custom": "x=1"},
        {"sub": 42},
        {"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": "http://x"},
        {"https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": []},
    ],
    ids=["roles-string", "roles-numbers", "resource-link-string", "context-list", "custom-string", "sub-number",
         "ags-string", "nrps-list"],
)
def test_claims_of_the_wrong_type_are_refused_cleanly(client, registered, overrides):
    response = launch(client, registered, **overrides)
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)


@pytest.mark.parametrize("token", ["W10.W10.sig", "e30.W10.sig", "bnVsbA.e30.sig"], ids=["list-header", "list-body",
                                                                                          "null-header"])
def test_json_that_is_not_an_object_is_refused(client, registered, token):
    auth = login(client, registered)
    response = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert response.status_code == 400


def test_login_without_parameters_is_refused(client):
    response = client.get("/lti/login")
    assert response.status_code == 400
    assert "issuer" in response.get_data(as_text=True).lower()


def test_get_on_launch_is_a_clear_405(client):
    response = client.get("/lti/launch")
    assert response.status_code == 405
    assert "Traceback" not in response.get_data(as_text=True)


def test_state_cookie_over_plain_http_is_not_secure(client, registered):
    response = client.get("/lti/login", query_string={"iss": registered.issuer, "client_id": registered.client_id,
                                                      "login_hint": "u", "target_link_uri": TOOL_LAUNCH})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("ss-browser=")
    assert "Secure" not in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_state_cookie_behind_a_tls_proxy_is_cross_site_capable(settings, platform):
    from tool import create_app
    from tool.db import upgrade_schema

    proxied = create_app(settings.model_copy(update={"trusted_proxy_hops": 1}), TESTING=True)
    upgrade_schema(proxied)
    register(proxied, platform)
    response = proxied.test_client().get(
        "/lti/login",
        query_string={"iss": platform.issuer, "client_id": platform.client_id, "login_hint": "u",
                      "target_link_uri": TOOL_LAUNCH},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "tool.example"},
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-ss-browser=")
    assert "Secure" in cookie and "SameSite=None" in cookie and "Partitioned" in cookie and "HttpOnly" in cookie
    proxied.extensions["db_engine"].dispose()
