"""Assignment and Grade Services: the line items container and single line items.

Canvas flavour: a line item is always backed by an assignment; the Canvas
submission_type extension decides whether that assignment launches the tool.
Moodle flavour: a line item is a gradebook column only, its dates are echoed
once and forgotten; the service URLs carry ``?type_id=N``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, request

from devlms.http import json_error, json_response
from devlms.launch import parse_time
from devlms.model import COURSE_ID, SCOPE_LINEITEM, SCOPE_LINEITEM_RO, AccessToken, LineItem, Link, Tool
from devlms.oauth import bearer
from devlms.platform import Platform

LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SUBMISSION_TYPE = "https://canvas.instructure.com/lti/submission_type"


class AgsError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def service_caller(platform: Platform, course: str, *scopes: str) -> tuple[AccessToken, Tool] | Response:
    """Check the bearer token, the course and (Moodle) the type_id; return the token and its tool."""
    token = bearer(platform, *scopes)
    if isinstance(token, Response):
        return token
    if course != COURSE_ID:
        return json_error(404, "not_found", f"no course {course!r}")
    with platform.lock:
        tool = platform.tools[token.client_id]
    if platform.is_moodle:
        type_id = request.args.get("type_id")
        if type_id is None:
            return json_error(400, "invalid_request", "type_id is required in the service URL")
        if type_id != str(tool.type_id):
            return json_error(403, "forbidden", "type_id does not belong to this tool")
    return token, tool


def owned_item(platform: Platform, tool: Tool, item_id: str) -> LineItem | Response:
    item = platform.line_items.get(item_id)
    if item is None or item.client_id != tool.client_id:
        return json_error(404, "not_found", f"no line item {item_id!r} for this tool")
    return item


def item_json(platform: Platform, item: LineItem) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": platform.lineitem_url(item),
        "label": item.label,
        "scoreMaximum": item.score_maximum,
        "resourceId": item.resource_id,
        "tag": item.tag,
    }
    if item.resource_link_id:
        data["resourceLinkId"] = item.resource_link_id
        if platform.is_moodle:
            data["ltiLinkId"] = item.resource_link_id
    if not platform.is_moodle:
        link = platform.links.get(item.resource_link_id or "")
        if item.start_date_time:
            data["startDateTime"] = item.start_date_time
        if item.end_date_time:
            data["endDateTime"] = item.end_date_time
        if link is not None and link.kind == "assignment":
            data[SUBMISSION_TYPE] = {"type": link.submission_type}
            if link.submission_type == "external_tool":
                data[SUBMISSION_TYPE]["external_tool_url"] = link.url
    return data


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        raise AgsError(400, "the body must be a JSON object")
    return body


def _validated(body: dict[str, Any]) -> dict[str, Any]:
    """Field checks common to both flavours (Moodle's are the strictest: label and numeric scoreMaximum)."""
    label = body.get("label")
    if not isinstance(label, str) or not label.strip():
        raise AgsError(400, "label is required")
    maximum = body.get("scoreMaximum")
    if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum < 0:
        raise AgsError(400, "scoreMaximum must be a non-negative number")
    for name in ("resourceId", "tag", "resourceLinkId"):
        if name in body and not isinstance(body[name], str):
            raise AgsError(400, f"{name} must be a string")
    for name in ("startDateTime", "endDateTime"):
        if body.get(name) is not None:
            try:
                parse_time(str(body[name]))
            except ValueError as exc:
                raise AgsError(400, f"{name} is not an ISO 8601 date-time") from exc
    return body


def _canvas_submission_type(body: dict[str, Any]) -> tuple[str, str | None]:
    extension = body.get(SUBMISSION_TYPE)
    if extension is None:
        return "none", None
    if not isinstance(extension, dict) or extension.get("type") not in ("none", "external_tool"):
        raise AgsError(400, "submission_type type must be 'none' or 'external_tool'")
    if extension["type"] == "none":
        return "none", None
    url = extension.get("external_tool_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise AgsError(400, "external_tool_url is required for an external_tool submission type")
    return "external_tool", url


def create_line_item(platform: Platform, tool: Tool, body: dict[str, Any]) -> tuple[LineItem, dict[str, Any]]:
    """Create an item (and, on Canvas, its assignment); return it and the response JSON."""
    body = _validated(body)
    link_id = body.get("resourceLinkId") or None
    if link_id is not None:
        link = platform.links.get(link_id)
        if link is None or link.client_id != tool.client_id:
            raise AgsError(400, f"resourceLinkId {link_id!r} is not a link of this tool")
        if not platform.is_moodle and link.kind != "assignment":
            raise AgsError(400, "resourceLinkId must name an existing assignment of this tool")
    item = LineItem(
        id=platform.new_line_item_id(),
        client_id=tool.client_id,
        label=body["label"],
        score_maximum=float(body["scoreMaximum"]),
        resource_id=body.get("resourceId", ""),
        tag=body.get("tag", ""),
        resource_link_id=link_id,
    )
    if platform.is_moodle:
        # A gradebook column only; dates are echoed in this response and never stored.
        platform.add_line_item(item)
        return item, {**body, "id": platform.lineitem_url(item)}
    item.start_date_time = body.get("startDateTime")
    item.end_date_time = body.get("endDateTime")
    if link_id is None:
        submission_type, url = _canvas_submission_type(body)
        assignment = Link(
            id=platform.new_link_id(),
            client_id=tool.client_id,
            title=item.label,
            kind="assignment",
            url=url,
            line_item_id=item.id,
            published=True,  # AGS-created assignments are visible at once
            submission_type=submission_type,
            unlock_at=item.start_date_time,
            due_at=item.end_date_time,
            points=item.score_maximum,
            resource_id=item.resource_id or None,
            tag=item.tag or None,
            created_by="ags",
        )
        platform.links[assignment.id] = assignment
        item.resource_link_id = assignment.id
    platform.add_line_item(item)
    return item, item_json(platform, item)


def _page_link(platform: Platform, base: str, args: dict[str, str]) -> str:
    separator = "&" if "?" in base else "?"
    return f'<{base}{separator}{urlencode(args)}>; rel="next"'


def line_items(platform: Platform, course: str) -> Response:
    scopes = (SCOPE_LINEITEM,) if request.method == "POST" else (SCOPE_LINEITEM, SCOPE_LINEITEM_RO)
    caller = service_caller(platform, course, *scopes)
    if isinstance(caller, Response):
        return caller
    _, tool = caller
    with platform.lock:
        try:
            if request.method == "POST":
                _, data = create_line_item(platform, tool, _body())
                return json_response(data, 201, LINEITEM_TYPE)
            return _list(platform, tool)
        except AgsError as exc:
            return json_error(exc.status, "invalid_request", str(exc))


def _list(platform: Platform, tool: Tool) -> Response:
    args = request.args
    items = [item for item in platform.line_items.values() if item.client_id == tool.client_id]
    for arg, attr in (("resource_link_id", "resource_link_id"), ("resource_id", "resource_id"), ("tag", "tag")):
        if arg in args:
            items = [item for item in items if getattr(item, attr) == args[arg]]
    try:
        limit = int(args["limit"]) if "limit" in args else None
        # Moodle pages with limit/from; Canvas with limit/page (1-based).
        start = int(args.get("from", 0)) if platform.is_moodle else (int(args.get("page", 1)) - 1) * (limit or 0)
    except ValueError:
        raise AgsError(400, "limit, from and page must be integers") from None
    if (limit is not None and limit < 1) or start < 0:
        raise AgsError(400, "limit must be positive")
    page = items[start : start + limit] if limit else items
    response = json_response([item_json(platform, item) for item in page], 200, CONTAINER_TYPE)
    if limit and start + limit < len(items):
        base = platform.lineitems_url(tool)
        extra = {"limit": str(limit)}
        extra.update({"from": str(start + limit)} if platform.is_moodle else {"page": str(start // limit + 2)})
        for arg in ("resource_link_id", "resource_id", "tag"):
            if arg in args:
                extra[arg] = args[arg]
        response.headers["Link"] = _page_link(platform, base, extra)
    return response


def line_item(platform: Platform, course: str, item_id: str) -> Response:
    scopes = (SCOPE_LINEITEM, SCOPE_LINEITEM_RO) if request.method == "GET" else (SCOPE_LINEITEM,)
    caller = service_caller(platform, course, *scopes)
    if isinstance(caller, Response):
        return caller
    _, tool = caller
    with platform.lock:
        item = owned_item(platform, tool, item_id)
        if isinstance(item, Response):
            return item
        if request.method == "DELETE":
            del platform.line_items[item.id]
            for link in platform.links.values():
                if link.line_item_id == item.id:
                    link.line_item_id = None
            platform.changed()
            return Response(status=204)
        if request.method == "PUT":
            try:
                body = _validated(_body())
            except AgsError as exc:
                return json_error(exc.status, "invalid_request", str(exc))
            item.label = body["label"]
            item.score_maximum = float(body["scoreMaximum"])
            item.resource_id = body.get("resourceId", item.resource_id)
            item.tag = body.get("tag", item.tag)
            if not platform.is_moodle:
                item.start_date_time = body.get("startDateTime", item.start_date_time)
                item.end_date_time = body.get("endDateTime", item.end_date_time)
                assignment = platform.links.get(item.resource_link_id or "")
                if assignment is not None and assignment.created_by == "ags":
                    assignment.title, assignment.points = item.label, item.score_maximum
                    assignment.unlock_at, assignment.due_at = item.start_date_time, item.end_date_time
            platform.changed()
        return json_response(item_json(platform, item), 200, LINEITEM_TYPE)


def register(app: Flask, platform: Platform) -> None:
    from devlms.ags_scores import results, scores
    from devlms.app import bind

    if platform.is_moodle:
        base = "/mod/lti/services.php/<course>/lineitems"
        one = base + "/<item_id>/lineitem"
    else:
        base = "/api/lti/courses/<course>/line_items"
        one = base + "/<item_id>"
    bind(app, platform, base, "line_items", line_items, ["GET", "POST"])
    bind(app, platform, one, "line_item", line_item, ["GET", "PUT", "DELETE"])
    bind(app, platform, one + "/scores", "scores", scores, ["POST"])
    bind(app, platform, one + "/results", "results", results, ["GET"])
