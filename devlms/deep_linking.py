"""The deep-linking return endpoint: turn a tool's signed LtiDeepLinkingResponse into course content.

Moodle makes one activity per ltiResourceLink (dates, iframe/window and
lineItem.label ignored), but only after the teacher presses Save on its summary
of the returned items; Cancel creates nothing and tells the tool nothing.
Returning the same items again makes a second set (Moodle does not deduplicate).
Canvas, in multi-item placements, makes an unpublished assignment per item that
carries a lineItem (dates kept) and a plain link otherwise, at once.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from flask import Flask, Response, request
from markupsafe import escape

from devlms.http import error_page
from devlms.launch import parse_time
from devlms.model import DeepLinkSession, LineItem, Link, Tool
from devlms.oauth import key_cache
from devlms.platform import HINT_LIFETIME, PendingContent, Platform
from devlms.tool_jwt import ToolJwtError, verify_tool_jwt

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


class DeepLinkError(Exception):
    pass


def _date(container: Any, name: str, where: str) -> str | None:
    if not isinstance(container, dict) or container.get(name) is None:
        return None
    value = str(container[name])
    try:
        parse_time(value)
    except ValueError as exc:
        raise DeepLinkError(f"{where}.{name} is not an ISO 8601 date-time") from exc
    return value


def check_claims(claims: dict[str, Any], tool: Tool, session: DeepLinkSession) -> list[dict[str, Any]]:
    """The content items of a verified response, after the message-level checks."""
    if claims.get(LTI + "message_type") != "LtiDeepLinkingResponse":
        raise DeepLinkError("message_type must be LtiDeepLinkingResponse")
    if claims.get(LTI + "version") != "1.3.0":
        raise DeepLinkError("version must be 1.3.0")
    if claims.get(LTI + "deployment_id") != tool.deployment_id:
        raise DeepLinkError("deployment_id does not match this tool's deployment")
    if not claims.get("nonce"):
        raise DeepLinkError("nonce is required")
    if DL + "data" in claims and claims[DL + "data"] != session.data:
        raise DeepLinkError("data does not echo the request's data")
    items = claims.get(DL + "content_items", [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise DeepLinkError("content_items must be a list of objects")
    if len(items) > 1 and not session.accept_multiple:
        raise DeepLinkError(f"the {session.placement} placement accepts one item only")
    for item in items:
        if item.get("type") != "ltiResourceLink":
            raise DeepLinkError(f"content item type {item.get('type')!r} is not accepted (ltiResourceLink only)")
        if "url" in item and not isinstance(item["url"], str):
            raise DeepLinkError("url must be a string")
        if "custom" in item and not isinstance(item["custom"], dict):
            raise DeepLinkError("custom must be an object")
        line = item.get("lineItem")
        if line is not None:
            maximum = line.get("scoreMaximum") if isinstance(line, dict) else None
            if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum < 0:
                raise DeepLinkError("lineItem.scoreMaximum is required and must be a number")
    return items


def _custom(item: dict[str, Any]) -> dict[str, str]:
    return {str(key): str(value) for key, value in item.get("custom", {}).items()}


def create_content(platform: Platform, tool: Tool, items: list[dict[str, Any]]) -> list[Link]:
    """Create the activities/assignments; call under the lock, after ``check_claims``."""
    created: list[Link] = []
    for item in items:
        line = item.get("lineItem") if isinstance(item.get("lineItem"), dict) else None
        title = str(item.get("title") or tool.name)
        link = Link(
            id=platform.new_link_id(),
            client_id=tool.client_id,
            title=title,
            text=str(item.get("text", "")),
            url=item.get("url") or None,
            custom=_custom(item),
            created_by="deep_linking",
        )
        if platform.is_moodle:
            link.kind = "activity"
        elif line is not None:
            link.kind, link.published = "assignment", False
            link.unlock_at = _date(item.get("available"), "startDateTime", "available")
            link.lock_at = _date(item.get("available"), "endDateTime", "available")
            link.due_at = _date(item.get("submission"), "endDateTime", "submission")
            link.points = float(line["scoreMaximum"])
        if line is not None:
            label = title if platform.is_moodle else str(line.get("label") or title)
            line_item = LineItem(
                id=platform.new_line_item_id(),
                client_id=tool.client_id,
                label=label,
                score_maximum=float(line["scoreMaximum"]),
                resource_id=str(line.get("resourceId", "")),
                tag=str(line.get("tag", "")),
                resource_link_id=link.id,
            )
            if not platform.is_moodle:
                line_item.start_date_time, line_item.end_date_time = link.unlock_at, link.due_at
            platform.line_items[line_item.id] = line_item
            link.line_item_id = line_item.id
            link.resource_id, link.tag = line_item.resource_id or None, line_item.tag or None
        platform.links[link.id] = link
        created.append(link)
    platform.changed()
    return created


def deep_linking_return(platform: Platform, course: str | None = None) -> Response:
    key = request.args.get("sesskey" if platform.is_moodle else "dl", "")
    with platform.lock:
        platform.prune()
        session = platform.deep_link_sessions.get(key)
        tool = platform.tools.get(session.client_id) if session else None
    if session is None or tool is None:
        return error_page(400, "invalid_request", "unknown or expired deep-linking session")
    token = request.form.get("JWT", "")
    if not token:
        return error_page(400, "invalid_request", "the form field JWT is required")
    try:
        claims = verify_tool_jwt(key_cache(), tool, token, [platform.issuer])
        with platform.lock:
            items = check_claims(claims, tool, session)
            # Validate every item (dates included) before creating anything.
            for item in items:
                for holder, name in (
                    ("available", "startDateTime"),
                    ("available", "endDateTime"),
                    ("submission", "endDateTime"),
                ):
                    _date(item.get(holder), name, holder)
            if platform.deep_link_sessions.pop(key, None) is None:
                raise DeepLinkError("this deep-linking session was already completed")
            message = str(claims.get(DL + "msg") or claims.get(DL + "errormsg") or "")
            if platform.is_moodle:
                pending = secrets.token_urlsafe(16)
                platform.pending_content[pending] = PendingContent(
                    tool.client_id, items, message, time.time() + HINT_LIFETIME
                )
                return _summary(platform, pending, items, message)
            created = create_content(platform, tool, items)
    except (ToolJwtError, DeepLinkError) as exc:
        return error_page(400, "invalid_deep_linking_response", str(exc))
    return _added(created, message)


def _added(created: list[Link], message: str) -> Response:
    listing = "".join(
        f"<li data-link-id='{escape(link.id)}'>{escape(link.title)} ({escape(link.kind)}"
        f"{'' if link.published else ', unpublished'})</li>"
        for link in created
    )
    body = (
        f"<!doctype html><title>Content added</title><h1>{len(created)} item(s) added</h1>"
        f"<p>{escape(message)}</p><ul>{listing}</ul><p><a href='/'>Back to the course</a></p>"
    )
    return Response(body, mimetype="text/html")


def _summary(platform: Platform, pending: str, items: list[dict[str, Any]], message: str) -> Response:
    """Moodle's summary of the returned items: Save creates them, Cancel creates nothing."""
    action = platform.url("/mod/lti/contentitem_confirm.php")
    rows = "".join(f"<li>{escape(str(item.get('title') or 'Untitled'))}</li>" for item in items)
    form = (
        f'<form method="post" action="{escape(action)}" style="display:inline">'
        f'<input type="hidden" name="pending" value="{escape(pending)}">'
        '<input type="hidden" name="decision" value="{decision}"><button id="{decision}">{label}</button></form>'
    )
    body = (
        "<!doctype html><title>Selected content</title>"
        f"<h1>{len(items)} item(s) will be added</h1><p>{escape(message)}</p><ul>{rows}</ul>"
        + form.format(decision="save", label="Save")
        + form.format(decision="cancel", label="Cancel")
    )
    return Response(body, mimetype="text/html")


def confirm_content(platform: Platform) -> Response:
    """Moodle: the teacher's Save or Cancel on the summary."""
    with platform.lock:
        platform.prune()
        pending = platform.pending_content.pop(request.form.get("pending", ""), None)
        tool = platform.tools.get(pending.client_id) if pending else None
        if pending is None or tool is None:
            return error_page(400, "invalid_request", "unknown or expired selection")
        if request.form.get("decision") != "save":
            body = "<!doctype html><title>Cancelled</title><h1>Nothing was added</h1><p><a href='/'>Back</a></p>"
            return Response(body, mimetype="text/html")
        created = create_content(platform, tool, pending.items)
    return _added(created, pending.message)


def register(app: Flask, platform: Platform) -> None:
    from devlms.app import bind

    rule = "/mod/lti/contentitem_return.php" if platform.is_moodle else "/courses/<course>/deep_linking_response"
    bind(app, platform, rule, "deep_linking_return", deep_linking_return, ["POST"])
    if platform.is_moodle:
        bind(app, platform, "/mod/lti/contentitem_confirm.php", "deep_linking_confirm", confirm_content, ["POST"])
