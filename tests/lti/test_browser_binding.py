"""The launch is bound to the browser that did the login: a cookie where the browser keeps one,
LTI platform storage where the platform offers it, a clear refusal where neither works.

Two test clients are two browsers (each with its own cookie jar). The attacker's
flow: log in in one browser, take the id_token and state the platform answers,
and make a second browser post them (login CSRF / session swapping).
"""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tool.lti.oidc import STATE_SALT
from tool.lti.runtime import get_runtime
from tool.lti.session import forget_deployments

from .platform import TOOL_LAUNCH, LoopbackPlatform, launch, login, register

FRAME = {"Sec-Fetch-Dest": "iframe"}


def _error(response: Any, phrase: str, status: int = 400) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == status, body
    assert 'role="alert"' in body and phrase.lower() in body.lower(), body


def _signed_launch(client: FlaskClient, platform: LoopbackPlatform) -> dict[str, str]:
    """The form a platform would post back after this browser's login."""
    auth = login(client, platform)
    return {"id_token": platform.sign(platform.claims(auth["nonce"])), "state": auth["state"]}


def _storage_login(client: FlaskClient, platform: LoopbackPlatform, headers: dict[str, str] | None = None) -> Any:
    return client.get(
        "/lti/login",
        query_string={"iss": platform.issuer, "login_hint": "user-123", "target_link_uri": TOOL_LAUNCH,
                      "client_id": platform.client_id, "lti_message_hint": "hint",
                      "lti_storage_target": "post_message_forwarding"},
        headers=headers if headers is not None else FRAME,
    )


def _storage_config(response: Any) -> dict[str, Any]:
    match = re.search(r'<script id="ss-storage-config" type="application/json">(.*?)</script>',
                      response.get_data(as_text=True), re.S)
    assert match, response.get_data(as_text=True)
    config: dict[str, Any] = json.loads(match.group(1))
    return config


# -- the cookie -------------------------------------------------------------------------

def test_the_browser_that_logged_in_can_launch(client, registered):
    assert launch(client, registered).status_code == 303


def test_a_launch_posted_from_another_browser_with_its_own_cookie_is_refused(app, client, registered):
    victim = app.test_client()
    login(victim, registered)  # the victim used the tool before: their browser holds its own binding
    forged = _signed_launch(client, registered)  # the attacker's login, in the attacker's browser
    _error(victim.post("/lti/launch", data=forged), "another browser")


def test_a_launch_posted_from_a_browser_without_any_cookie_is_refused(app, client, registered):
    forged = _signed_launch(client, registered)
    runtime = get_runtime(app)
    runtime.settings = runtime.settings.model_copy(
        update={"unbound_launches": "refuse"})
    fresh_browser = app.test_client(use_cookies=False)
    _error(fresh_browser.post("/lti/launch", data=forged), "tied to your browser")
    # ... and the refusal did not burn the launch: the browser that logged in still completes it.
    assert client.post("/lti/launch", data=forged).status_code == 303


def test_unbound_launches_can_be_allowed_by_setting(settings, platform):
    from tool import create_app
    from tool.db import upgrade_schema

    relaxed = create_app(settings.model_copy(update={"unbound_launches": "allow"}), TESTING=True)
    upgrade_schema(relaxed)
    register(relaxed, platform)
    response = launch(relaxed.test_client(use_cookies=False), platform)
    assert response.status_code == 303
    relaxed.extensions["db_engine"].dispose()


def test_auto_accepts_an_unbound_launch_only_on_plain_http(settings, platform):
    """Over http browsers drop SameSite=None cookies, so no cross-site launch could be bound: "auto" (the
    default) accepts it there; served over https the same launch is refused."""
    from tool import create_app
    from tool.db import upgrade_schema

    assert settings.unbound_launches == "auto"
    plain = create_app(settings, TESTING=True)
    upgrade_schema(plain)
    register(plain, platform)
    assert launch(plain.test_client(use_cookies=False), platform).status_code == 303
    plain.extensions["db_engine"].dispose()

    behind_tls = create_app(settings.model_copy(update={"trusted_proxy_hops": 1}), TESTING=True)
    upgrade_schema(behind_tls)
    register(behind_tls, platform)
    cookieless = behind_tls.test_client(use_cookies=False)
    cookieless.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"  # what the TLS proxy in front adds
    refused = launch(cookieless, platform)
    assert refused.status_code == 400 and "tied to your browser" in refused.get_data(as_text=True)
    behind_tls.extensions["db_engine"].dispose()


def test_the_binding_value_is_per_browser_not_per_state(client, registered):
    first = client.get("/lti/login", query_string={"iss": registered.issuer, "client_id": registered.client_id,
                                                   "login_hint": "u", "target_link_uri": TOOL_LAUNCH})
    second = client.get("/lti/login", query_string={"iss": registered.issuer, "client_id": registered.client_id,
                                                    "login_hint": "u", "target_link_uri": TOOL_LAUNCH})
    value = first.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    assert second.headers["Set-Cookie"].split(";")[0].split("=", 1)[1] == value
    states = [parse_qs(urlsplit(r.headers["Location"]).query)["state"][0] for r in (first, second)]
    assert states[0] != states[1] and value not in states[0] and value not in states[1]


def test_the_login_writes_nothing_to_the_store_and_a_tampered_state_is_refused(app, client, registered):
    from itsdangerous import URLSafeTimedSerializer

    auth = login(client, registered)
    store = app.extensions["kv_store"]
    assert store.get("oidc-state:" + auth["state"]) is None  # the state is signed, not stored
    data = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=STATE_SALT).loads(auth["state"])
    assert data[0] == auth["nonce"]  # the login's values, in LoginState's field order
    forged = URLSafeTimedSerializer("not-our-secret", salt=STATE_SALT).dumps([*data[:2], "other", *data[3:]])
    token = registered.sign(registered.claims(auth["nonce"]))
    _error(client.post("/lti/launch", data={"id_token": token, "state": forged}), "state")


def test_a_login_started_before_an_upgrade_still_launches(app, client, registered):
    # Earlier versions signed the state as a compressed object with named fields; a launch in flight
    # during a deploy must not fail because the format changed.
    from dataclasses import asdict

    from itsdangerous import URLSafeTimedSerializer

    from tool.lti.oidc import read_state

    auth = login(client, registered)
    with app.test_request_context():
        current = read_state(auth["state"])
        assert current is not None
        old_style = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=STATE_SALT).dumps(asdict(current))
        assert old_style.startswith(".")  # zlib-compressed, as itsdangerous made it
        assert read_state(old_style) == current
    token = registered.sign(registered.claims(auth["nonce"]))
    assert client.post("/lti/launch", data={"id_token": token, "state": old_style}).status_code == 303


# -- the launch token (lt) afterwards ------------------------------------------------------

def _lt(response: Any) -> str:
    return parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]


def test_a_launch_token_carried_into_another_browser_is_refused(app, client, registered):
    token = _lt(launch(client, registered, **{"https://purl.imsglobal.org/spec/lti/claim/roles": ["Instructor"]}))
    assert client.get("/teacher/", query_string={"lt": token}).status_code == 200
    other = app.test_client()
    login(other, registered)  # a browser with its own binding cookie
    _error(other.get("/teacher/", query_string={"lt": token}), "another browser", 401)


def test_a_launch_token_stops_working_when_its_deployment_is_deactivated(app, client, registered):
    from tool.lti.runtime import get_runtime

    token = _lt(launch(client, registered, **{"https://purl.imsglobal.org/spec/lti/claim/roles": ["Instructor"]}))
    assert client.get("/teacher/", query_string={"lt": token}).status_code == 200
    assert get_runtime(app).registry.set_deployment_active(registered.issuer, registered.client_id, "dep-1", False)
    forget_deployments(app)  # another process would see it within ACTIVE_CACHE_SECONDS
    _error(client.get("/teacher/", query_string={"lt": token}), "deactivated", 403)


# -- platform storage -------------------------------------------------------------------

def test_login_in_a_frame_stores_a_secret_with_the_platform_before_redirecting(client, registered):
    response = _storage_login(client, registered)
    assert response.status_code == 200 and response.mimetype == "text/html"
    config = _storage_config(response)
    assert config["action"] == "put" and config["target"] == "post_message_forwarding"
    assert config["origin"] == registered.url  # the platform's OIDC origin answers storage messages
    assert config["key"].startswith("ss-login-") and len(config["value"]) >= 32
    auth = parse_qs(urlsplit(config["next"]).query)
    assert config["next"].startswith(registered.url + "/auth?")
    assert auth["lti_storage_target"] == ["post_message_forwarding"]
    assert config["value"] not in auth["state"][0]  # the secret never travels in the state
    assert "<script>" not in response.get_data(as_text=True)  # no inline script: config is JSON data


def test_top_level_login_does_not_need_platform_storage(client, registered):
    response = _storage_login(client, registered, headers={"Sec-Fetch-Dest": "document"})
    assert response.status_code == 302


def _storage_flow(app: Flask, registered: LoopbackPlatform) -> tuple[FlaskClient, dict[str, Any], dict[str, str]]:
    """Login in a frame whose browser then drops our cookie (third-party cookies blocked)."""
    browser = app.test_client(use_cookies=False)
    config = _storage_config(_storage_login(browser, registered))
    auth = {k: v[0] for k, v in parse_qs(urlsplit(config["next"]).query).items()}
    form = {"id_token": registered.sign(registered.claims(auth["nonce"])), "state": auth["state"]}
    return browser, config, form


def test_without_the_cookie_the_launch_reads_the_secret_back_from_platform_storage(app, registered):
    browser, stored, form = _storage_flow(app, registered)
    page = browser.post("/lti/launch", data=form)
    assert page.status_code == 200
    config = _storage_config(page)
    assert config == {"action": "get", "target": "post_message_forwarding", "origin": registered.url,
                      "key": stored["key"]}
    html = unescape(page.get_data(as_text=True))
    assert form["id_token"] in html and 'name="platform_storage_value"' in html
    # What the page's script posts once the platform answered lti.get_data with the stored value:
    done = browser.post("/lti/launch", data={**form, "platform_storage_value": stored["value"],
                                             "platform_storage_tried": "1"})
    assert done.status_code == 303, done.get_data(as_text=True)


@pytest.mark.parametrize("value", ["", "a-value-the-platform-never-stored-for-us-0123456789"])
def test_platform_storage_without_the_secret_is_refused(app, registered, value):
    browser, _stored, form = _storage_flow(app, registered)
    response = browser.post("/lti/launch", data={**form, "platform_storage_value": value,
                                                 "platform_storage_tried": "1"})
    _error(response, "storage did not confirm")


def test_a_forged_launch_cannot_use_platform_storage_from_another_browser(app, registered):
    # The attacker's own login stored a secret in the attacker's platform storage; the victim's
    # browser asks its own platform storage, which has nothing under that key.
    _attacker, _stored, form = _storage_flow(app, registered)
    victim = app.test_client(use_cookies=False)
    assert victim.post("/lti/launch", data=form).status_code == 200  # the page asks the platform
    _error(victim.post("/lti/launch", data={**form, "platform_storage_tried": "1"}), "storage did not confirm")
