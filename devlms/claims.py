"""The id_token a platform signs for a launch, shaped like the observed Moodle 4.5 / Canvas tokens."""

from __future__ import annotations

import secrets
import time
from typing import Any

from devlms.model import (
    ADMIN_ROLES,
    AGS_SCOPES,
    CANVAS_EXTRA_ROLES,
    COURSE_ID,
    COURSE_LABEL,
    COURSE_TITLE,
    ROLE_URIS,
    SCOPE_NRPS,
    USERS_BY_KEY,
    DeepLinkSession,
    LaunchIntent,
    Link,
    Tool,
    User,
)
from devlms.platform import HINT_LIFETIME, ID_TOKEN_LIFETIME, Platform

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"

# Canvas placements that accept several deep-linking items, and those that accept one.
CANVAS_MULTI_PLACEMENTS = frozenset(
    {"link_selection", "course_assignments_menu", "module_index_menu_modal", "module_menu_modal", "editor_button"}
)
CANVAS_SINGLE_PLACEMENTS = frozenset({"assignment_selection", "homework_submission"})


def target_link_uri(tool: Tool, message_type: str, link: Link | None) -> str:
    if message_type == DEEP_LINKING:
        return tool.deep_link_url or tool.launch_url
    return (link.url if link is not None and link.url else None) or tool.launch_url


def id_token_claims(platform: Platform, tool: Tool, intent: LaunchIntent, nonce: str) -> dict[str, Any]:
    """Claims for ``intent``; call under the platform lock (may open a deep-linking session)."""
    user = USERS_BY_KEY[intent.user_key]
    now = int(time.time())
    link = platform.links.get(intent.link_id) if intent.link_id else None
    roles = [ROLE_URIS[user.role]]
    if platform.flavour == "canvas":
        roles += CANVAS_EXTRA_ROLES[user.role]
    if user.site_admin:
        roles = list(ADMIN_ROLES[platform.flavour])
    claims: dict[str, Any] = {
        "nonce": nonce,
        "iat": now,
        "exp": now + ID_TOKEN_LIFETIME,
        "iss": platform.issuer,
        "aud": tool.client_id,
        "sub": user.sub(platform.flavour),
        LTI + "deployment_id": tool.deployment_id,
        LTI + "target_link_uri": target_link_uri(tool, intent.message_type, link),
        LTI + "roles": roles,
        LTI + "context": {
            "id": COURSE_ID,
            "label": COURSE_LABEL,
            "title": COURSE_TITLE,
            "type": ["CourseSection"]
            if platform.is_moodle
            else ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
        },
        LTI + "message_type": intent.message_type,
        LTI + "version": "1.3.0",
        LTI + "launch_presentation": {
            "locale": "en",
            "document_target": "iframe",
            "return_url": platform.url("/return"),
        },
        LTI + "tool_platform": _tool_platform(platform),
        LTI + "custom": substitute({**tool.custom, **(link.custom if link else {})}, user),
    }
    if platform.is_moodle:
        claims[LTI + "lis"] = {"person_sourcedid": f"SIS-{user.key}", "course_section_sourcedid": ""}
        claims[LTI + "ext"] = {"user_username": user.key, "lms": "moodle-2"}
    else:
        claims["azp"] = tool.client_id
        claims["https://www.instructure.com/placement"] = intent.placement
    if tool.sends_name:
        claims.update(name=user.name, given_name=user.given_name, family_name=user.family_name)
    if tool.sends_email:
        claims["email"] = user.email
    if intent.message_type == RESOURCE_LINK and link is not None:
        claims[LTI + "resource_link"] = {"id": link.id, "title": link.title, "description": link.text}
    ags_scopes = [scope for scope in AGS_SCOPES if scope in tool.scopes]
    if ags_scopes:
        endpoint: dict[str, Any] = {"scope": ags_scopes, "lineitems": platform.lineitems_url(tool)}
        if link is not None and link.line_item_id and intent.message_type == RESOURCE_LINK:
            endpoint["lineitem"] = platform.lineitem_url(platform.line_items[link.line_item_id])
        claims[AGS_CLAIM] = endpoint
    if SCOPE_NRPS in tool.scopes:
        claims[NRPS_CLAIM] = {
            "context_memberships_url": platform.memberships_url(tool),
            "service_versions": ["2.0"] if platform.flavour == "canvas" else ["1.0", "2.0"],
        }
    if intent.message_type == DEEP_LINKING:
        claims[DL_SETTINGS] = _deep_linking_settings(platform, tool, intent)
    return claims


def _tool_platform(platform: Platform) -> dict[str, str]:
    if platform.is_moodle:
        return {
            "product_family_code": "moodle",
            "version": "2024100706",
            "guid": "devlms-moodle",
            "name": "devlms",
            "description": "Development LMS (Moodle flavour)",
        }
    return {
        "product_family_code": "canvas",
        "version": "cloud",
        "guid": "devlms-canvas",
        "name": "devlms",
        "description": "Development LMS (Canvas flavour)",
    }


def accepts_multiple(platform: Platform, placement: str) -> bool:
    return platform.is_moodle or placement in CANVAS_MULTI_PLACEMENTS


def _deep_linking_settings(platform: Platform, tool: Tool, intent: LaunchIntent) -> dict[str, Any]:
    placement = intent.placement or ("ContentArea" if platform.is_moodle else "link_selection")
    key = secrets.token_urlsafe(16)
    session = DeepLinkSession(
        client_id=tool.client_id,
        user_key=intent.user_key,
        placement=placement,
        accept_multiple=accepts_multiple(platform, placement),
        data=secrets.token_urlsafe(12),
        expires_at=time.time() + HINT_LIFETIME,
    )
    platform.deep_link_sessions[key] = session
    return {
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe", "window"],
        "accept_multiple": session.accept_multiple,
        "accept_unsigned": False,
        "auto_create": platform.is_moodle is False,
        "can_confirm": False,
        "deep_link_return_url": platform.deep_link_return_url(key, tool, placement),
        "data": session.data,
        "title": COURSE_TITLE,
    }


# The variable substitutions both real platforms perform in custom parameters that we model;
# any other "$..." value is sent as written, as Moodle and Canvas do for unknown variables.
def substitute(custom: dict[str, str], user: User) -> dict[str, str]:
    known = {"$Person.address.timezone": user.timezone}
    return {key: known.get(value, value) for key, value in custom.items()}
