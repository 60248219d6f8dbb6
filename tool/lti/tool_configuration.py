"""What Stepping Stones tells platforms about itself: scopes, messages, placements, claims.

One source for Dynamic Registration (``registration_request``) and the Canvas
developer-key JSON (``canvas_developer_key``), so both stay in step.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tool.lti.runtime import LtiRuntime

TOOL_NAME = "Stepping Stones"
TOOL_DESCRIPTION = (
    "Plans short sequences of small, winnable tasks that rebuild a student's confidence in a skill "
    "they avoid; the teacher reviews every task before students see it."
)

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
# lineitem.readonly too: an admin who strips the write scope still lets us find our items.
SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_SCORE, SCOPE_RESULT_READONLY, SCOPE_NRPS)

CLAIMS = ("iss", "sub", "name", "given_name", "family_name", "email")
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
# The teacher's time zone for the times on teacher pages (tool/teacher/wording.platform_zone);
# Moodle and Canvas both substitute this variable, other platforms leave it as written.
CUSTOM_PARAMETERS = {"timezone": "$Person.address.timezone"}
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
CANVAS_PRIVACY = "https://canvas.instructure.com/lti/privacy_level"
# "public": the teacher's roster needs students' names.
PRIVACY_LEVEL = "public"

# Where the teacher meets the tool (course navigation) and where it offers content (deep linking).
RESOURCE_PLACEMENTS = ("course_navigation",)
DEEP_LINKING_PLACEMENTS = ("link_selection", "assignment_selection", "module_menu_modal", "ContentArea")
# Placement names are platform vocabulary: Canvas's own names, the DR standard's "ContentArea" for Moodle.
STANDARD_PLACEMENTS = frozenset({"ContentArea", "RichTextEditor"})


def paths(runtime: LtiRuntime) -> dict[str, str]:
    return {
        "login": runtime.url("/lti/login"),
        "launch": runtime.url("/lti/launch"),
        "jwks": runtime.url("/lti/jwks"),
    }


def _placements(names: tuple[str, ...], family: str) -> list[str]:
    if family == "canvas":
        return [n for n in names if n not in STANDARD_PLACEMENTS]
    if family == "moodle":
        return [n for n in names if n in STANDARD_PLACEMENTS]
    return list(names)


def messages(
    runtime: LtiRuntime, supported: set[str] | None = None, family: str = "other"
) -> list[dict[str, Any]]:
    """Message entries, limited to what the platform says it supports (when it says).

    ``family`` (canvas, moodle, other) keeps each platform's placement names to its own:
    Canvas gets its placement names, Moodle only the standard ``ContentArea``.
    """
    launch = paths(runtime)["launch"]
    entries = [
        {
            "type": "LtiResourceLinkRequest",
            "target_link_uri": launch,
            "label": TOOL_NAME,
            "placements": _placements(RESOURCE_PLACEMENTS, family),
        },
        {
            "type": "LtiDeepLinkingRequest",
            "target_link_uri": launch,
            "label": TOOL_NAME,
            "placements": _placements(DEEP_LINKING_PLACEMENTS, family),
        },
    ]
    for entry in entries:
        if not entry["placements"]:
            del entry["placements"]  # no placement named: the platform's default
    if supported:
        entries = [e for e in entries if e["type"] in supported]
    return entries


def registration_request(
    runtime: LtiRuntime, supported_messages: set[str] | None = None, family: str = "other"
) -> dict[str, Any]:
    """The client registration we POST to a platform's registration endpoint (LTI DR 1.0)."""
    urls = paths(runtime)
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls["login"],
        "redirect_uris": [urls["launch"]],
        "client_name": TOOL_NAME,
        "jwks_uri": urls["jwks"],
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(SCOPES),
        TOOL_CONFIGURATION: {
            # Moodle insists the domain equals target_link_uri's host INCLUDING the port.
            "domain": urlsplit(runtime.base_url).netloc,
            "description": TOOL_DESCRIPTION,
            "target_link_uri": urls["launch"],
            "claims": list(CLAIMS),
            "messages": messages(runtime, supported_messages, family),
            "custom_parameters": dict(CUSTOM_PARAMETERS),
            CANVAS_PRIVACY: PRIVACY_LEVEL,
        },
    }


def canvas_developer_key(runtime: LtiRuntime) -> dict[str, Any]:
    """Canvas developer-key JSON (paste it, or give Canvas the URL /lti/canvas.json)."""
    urls = paths(runtime)
    placements = [
        {
            "placement": placement,
            "message_type": message["type"],
            "target_link_uri": urls["launch"],
            "text": TOOL_NAME,
            "enabled": True,
        }
        for message in messages(runtime, family="canvas")
        for placement in message.get("placements", ())
    ]
    return {
        "title": TOOL_NAME,
        "description": TOOL_DESCRIPTION,
        "scopes": list(SCOPES),
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "privacy_level": PRIVACY_LEVEL,
                "domain": urlsplit(runtime.base_url).hostname,
                "placements": placements,
                # Canvas itself reads placements from "settings".
                "settings": {"text": TOOL_NAME, "placements": placements},
            }
        ],
        "public_jwk_url": urls["jwks"],
        "target_link_uri": urls["launch"],
        "oidc_initiation_url": urls["login"],
        "custom_fields": dict(CUSTOM_PARAMETERS),
    }
