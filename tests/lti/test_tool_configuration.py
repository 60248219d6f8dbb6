"""What we tell platforms at Dynamic Registration."""

from __future__ import annotations

from tool.lti.dynamic_registration import _supported_messages
from tool.lti.runtime import get_runtime
from tool.lti.tool_configuration import (
    PLATFORM_CONFIGURATION,
    SCOPES,
    TOOL_CONFIGURATION,
    canvas_developer_key,
    registration_request,
)


def test_registration_request_fields(app, settings):
    body = registration_request(get_runtime(app))
    base = settings.base_url
    assert body["response_types"] == ["id_token"]
    assert body["initiate_login_uri"] == base + "/lti/login"
    assert body["redirect_uris"] == [base + "/lti/launch"]
    assert body["jwks_uri"] == base + "/lti/jwks"
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    assert set(body["grant_types"]) == {"client_credentials", "implicit"}
    assert body["scope"].split() == list(SCOPES)
    config = body[TOOL_CONFIGURATION]
    assert config["domain"] == "127.0.0.1:5000"  # host AND port, as Moodle demands
    assert config["https://canvas.instructure.com/lti/privacy_level"] == "public"
    assert {"name", "email", "sub"} <= set(config["claims"])
    messages = {m["type"]: m for m in config["messages"]}
    assert "link_selection" in messages["LtiDeepLinkingRequest"]["placements"]
    assert "assignment_selection" in messages["LtiDeepLinkingRequest"]["placements"]


def test_messages_follow_what_the_platform_supports(app):
    body = registration_request(get_runtime(app), {"LtiResourceLinkRequest"})
    assert [m["type"] for m in body[TOOL_CONFIGURATION]["messages"]] == ["LtiResourceLinkRequest"]


def test_messages_supported_as_objects_or_strings():
    as_objects = {PLATFORM_CONFIGURATION: {"messages_supported": [
        {"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]}]}}
    as_strings = {PLATFORM_CONFIGURATION: {"messages_supported": ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"]}}
    expected = {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    assert _supported_messages(as_objects) == expected
    assert _supported_messages(as_strings) == expected
    assert _supported_messages({}) == set()


def test_placements_use_each_platforms_own_names(app):
    runtime = get_runtime(app)

    def placements(family):
        body = registration_request(runtime, None, family)
        return {m["type"]: m.get("placements") for m in body[TOOL_CONFIGURATION]["messages"]}

    canvas = placements("canvas")
    assert canvas["LtiResourceLinkRequest"] == ["course_navigation"]
    assert "ContentArea" not in canvas["LtiDeepLinkingRequest"]
    assert {"link_selection", "assignment_selection"} <= set(canvas["LtiDeepLinkingRequest"])
    moodle = placements("moodle")
    assert moodle == {"LtiResourceLinkRequest": None, "LtiDeepLinkingRequest": ["ContentArea"]}
    assert "ContentArea" in placements("other")["LtiDeepLinkingRequest"]


def test_canvas_developer_key_names_canvas_placements_only(app):
    key = canvas_developer_key(get_runtime(app))
    (extension,) = key["extensions"]
    names = {p["placement"] for p in extension["settings"]["placements"]}
    assert names == {"course_navigation", "link_selection", "assignment_selection", "module_menu_modal"}
    assert key["public_jwk_url"].endswith("/lti/jwks") and key["oidc_initiation_url"].endswith("/lti/login")


def test_both_registrations_ask_for_the_teachers_time_zone(app):
    """Teacher pages show times in the platform's zone; both LMSs substitute this variable."""
    runtime = get_runtime(app)
    assert registration_request(runtime)[TOOL_CONFIGURATION]["custom_parameters"] == {
        "timezone": "$Person.address.timezone"
    }
    assert canvas_developer_key(runtime)["custom_fields"] == {"timezone": "$Person.address.timezone"}


def test_development_lms_substitutes_the_time_zone_like_the_real_platforms():
    from devlms.claims import substitute
    from devlms.model import USERS_BY_KEY

    user = next(iter(USERS_BY_KEY.values()))
    sent = substitute({"timezone": "$Person.address.timezone", "other": "$Unknown.var", "ss_step": "abc"}, user)
    assert sent == {"timezone": user.timezone, "other": "$Unknown.var", "ss_step": "abc"}
