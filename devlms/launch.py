"""Launch start (third-party login initiation) and the OIDC authorization endpoint."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Flask, Response, redirect, request
from markupsafe import escape

from devlms.claims import (
    CANVAS_MULTI_PLACEMENTS,
    CANVAS_SINGLE_PLACEMENTS,
    DEEP_LINKING,
    RESOURCE_LINK,
    id_token_claims,
    target_link_uri,
)
from devlms.http import error_page
from devlms.model import USERS_BY_KEY, LaunchIntent, Link, User
from devlms.platform import HINT_LIFETIME, Platform


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def refusal(platform: Platform, link: Link, user: User) -> str | None:
    """Why ``user`` may not launch ``link`` now, or None. Canvas hides unpublished/locked work from students."""
    if link.kind == "assignment" and link.submission_type != "external_tool":
        return "this assignment has no external tool (submission type none): it is not launchable"
    if user.role != "Learner":
        return None
    if not link.published:
        return "this assignment is unpublished: students cannot see it yet"
    now = datetime.now(UTC)
    if link.unlock_at and parse_time(link.unlock_at) > now:
        return f"this assignment is locked until {link.unlock_at}"
    if link.lock_at and parse_time(link.lock_at) <= now:
        return f"this assignment was locked at {link.lock_at}"
    return None


def launch_start(platform: Platform) -> Response:
    """GET /<flavour>/launch: redirect the browser to the tool's login initiation URL."""
    args = request.args
    with platform.lock:
        client_id = args.get("client_id") or (next(iter(platform.tools)) if len(platform.tools) == 1 else "")
        tool = platform.tools.get(client_id)
        if tool is None:
            return error_page(404, "unknown_tool", f"no tool with client_id {client_id!r}")
        if not tool.active:
            return error_page(
                403, "tool_pending", f"the tool {tool.name!r} is pending: an administrator must activate it"
            )
        user = USERS_BY_KEY.get(args.get("user", "teacher"))
        if user is None:
            return error_page(400, "unknown_user", f"no user {args.get('user')!r} in the course")
        message = args.get("message", RESOURCE_LINK)
        placement = args.get("placement") or None
        link: Link | None = None
        if message == DEEP_LINKING:
            if user.role != "Instructor":
                return error_page(403, "forbidden", "only teachers can add content")
            if platform.flavour == "canvas":
                placement = placement or "link_selection"
                if placement not in CANVAS_MULTI_PLACEMENTS | CANVAS_SINGLE_PLACEMENTS:
                    return error_page(400, "bad_placement", f"{placement!r} is not a deep-linking placement")
        elif message == RESOURCE_LINK:
            link_id = args.get("link")
            link = platform.links.get(link_id) if link_id else platform.default_link(tool.client_id)
            if link is None or link.client_id != tool.client_id:
                return error_page(404, "unknown_link", f"no launchable link {link_id!r} for this tool")
            reason = refusal(platform, link, user)
            if reason:
                return error_page(403, "not_available", reason)
        else:
            return error_page(400, "bad_message", f"unsupported message type {message!r}")
        hint = secrets.token_urlsafe(16)
        platform.prune()
        platform.hints[hint] = LaunchIntent(
            client_id=tool.client_id,
            user_key=user.key,
            message_type=message,
            link_id=link.id if link else None,
            placement=placement,
            expires_at=time.time() + HINT_LIFETIME,
        )
        params = {
            "iss": platform.issuer,
            "login_hint": user.sub(platform.flavour),
            "lti_message_hint": hint,
            "target_link_uri": target_link_uri(tool, message, link),
            "client_id": tool.client_id,
            "lti_deployment_id": tool.deployment_id,
        }
        if platform.flavour == "canvas":  # Canvas offers LTI platform storage through this frame name
            params["lti_storage_target"] = "post_message_forwarding"
        login_url = tool.login_url
    separator = "&" if "?" in login_url else "?"
    return redirect(login_url + separator + urlencode(params), code=302)  # type: ignore[return-value]


def authorize(platform: Platform) -> Response:
    """The OIDC authorization endpoint: validate the tool's auth request, answer with a signed id_token."""
    values = request.values
    client_id = values.get("client_id", "")
    with platform.lock:
        tool = platform.tools.get(client_id)
        if tool is None:
            return error_page(400, "unauthorized_client", f"unknown client_id {client_id!r}")
        redirect_uri = values.get("redirect_uri", "")
        # Only exact registered redirect URIs: anything else would leak an id_token.
        if redirect_uri not in tool.redirect_uris:
            return error_page(400, "invalid_request", f"redirect_uri {redirect_uri!r} is not registered for this tool")
        if values.get("response_type") != "id_token":
            return error_page(400, "unsupported_response_type", "response_type must be id_token")
        if "openid" not in values.get("scope", "").split():
            return error_page(400, "invalid_scope", "scope must include openid")
        if values.get("response_mode") != "form_post":
            return error_page(400, "invalid_request", "response_mode must be form_post")
        nonce = values.get("nonce", "")
        if not nonce:
            return error_page(400, "invalid_request", "nonce is required")
        platform.prune()
        intent = platform.hints.pop(values.get("lti_message_hint", ""), None)
        if intent is None or intent.client_id != client_id:
            return error_page(400, "invalid_request", "lti_message_hint is unknown, expired or already used")
        user = USERS_BY_KEY[intent.user_key]
        if values.get("login_hint") != user.sub(platform.flavour):
            return error_page(400, "invalid_request", "login_hint does not match the launching user")
        if not tool.active:
            return error_page(403, "tool_pending", "the tool is pending: an administrator must activate it")
        claims = id_token_claims(platform, tool, intent, nonce)
        id_token = platform.keys.sign(claims)
    fields = {"id_token": id_token}
    if "state" in values:
        fields["state"] = values["state"]
    return Response(auto_submit_form(redirect_uri, fields), mimetype="text/html")


def auto_submit_form(action: str, fields: dict[str, str]) -> str:
    inputs = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">' for name, value in fields.items()
    )
    return (
        "<!doctype html><html><head><title>Launching…</title></head><body>"
        f'<form id="lti_autosubmit" action="{escape(action)}" method="post">{inputs}'
        '<noscript><button type="submit">Continue</button></noscript></form>'
        "<script>document.getElementById('lti_autosubmit').submit();</script></body></html>"
    )


def register(app: Flask, platform: Platform) -> None:
    from devlms.app import bind

    bind(app, platform, "/launch", "launch_start", launch_start, ["GET"])
    bind(app, platform, platform.paths.auth, "authorize", authorize, ["GET", "POST"])
