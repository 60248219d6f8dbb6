"""The LtiDeepLinkingResponse: a JWT we sign and an auto-submitting form back to the platform.

Use from the teacher's deep-link view::

    items = [ToolDeepLinkResource().set_title("Step 1").set_url(launch_url).set_custom_params({...})]
    return deep_linking_form(runtime, launch, items)

``iss`` is our client_id and ``aud`` the platform's issuer (Moodle checks the
signature against our JWKS); the request's ``data`` is echoed unchanged.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import jwt

from tool.lti.launch import Launch
from tool.lti.line_items import ToolDeepLinkResource
from tool.lti.runtime import LtiRuntime

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
RESPONSE_LIFETIME_SECONDS = 600


class DeepLinkingError(ValueError):
    """The response cannot be built for this request (not deep linking, too many items...)."""


ContentItem = ToolDeepLinkResource | Mapping[str, Any]


def response_claims(launch: Launch, items: Sequence[ContentItem], message: str | None = None) -> dict[str, Any]:
    """Claims of the response; items are resources or ready-made content-item dicts."""
    settings = launch.deep_linking_settings
    if not launch.is_deep_linking or settings is None:
        raise DeepLinkingError("this launch is not a deep-linking request")
    if len(items) > 1 and settings.get("accept_multiple") in (False, "false"):
        raise DeepLinkingError("the platform accepts only one item here")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": launch.client_id,
        "aud": launch.issuer,
        "iat": now,
        "exp": now + RESPONSE_LIFETIME_SECONDS,
        "nonce": uuid.uuid4().hex,
        LTI + "deployment_id": launch.deployment_id,
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        DL + "content_items": [dict(item) if isinstance(item, Mapping) else item.to_dict() for item in items],
    }
    if "data" in settings:
        claims[DL + "data"] = settings["data"]
    if message:
        claims[DL + "msg"] = message
    return claims


def response_jwt(
    runtime: LtiRuntime, launch: Launch, items: Sequence[ContentItem], message: str | None = None
) -> str:
    """The signed response (our newest key, its kid in the header)."""
    key = runtime.tool_keys.signing_key()
    return jwt.encode(
        response_claims(launch, items, message), key.private_key, algorithm="RS256", headers={"kid": key.kid}
    )


def deep_linking_form(
    runtime: LtiRuntime, launch: Launch, items: Sequence[ContentItem], message: str | None = None
) -> str:
    """An HTML page that POSTs the signed response (field ``JWT``) to the platform's return URL."""
    assert launch.deep_linking_settings is not None or not launch.is_deep_linking
    token = response_jwt(runtime, launch, items, message)
    settings = launch.deep_linking_settings or {}
    action = str(settings.get("deep_link_return_url", ""))
    if not action.startswith(("https://", "http://")):
        raise DeepLinkingError("the deep-linking request has no usable return URL")
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Returning to your course"
        "</title></head><body>"
        f'<form id="ss-deep-link" method="post" action="{escape(action)}">'
        f'<input type="hidden" name="JWT" value="{escape(token)}">'
        "<noscript><button type=\"submit\">Return to your course</button></noscript></form>"
        '<script src="/static/auto-submit.js"></script>'
        "</body></html>"
    )
