"""Names and Role Provisioning Services v2: the course's members, paged, filtered by role."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, request

from devlms.http import json_error, json_response
from devlms.model import (
    CANVAS_EXTRA_ROLES,
    COURSE_ID,
    COURSE_LABEL,
    COURSE_TITLE,
    ROLE_URIS,
    SCOPE_NRPS,
    USERS,
    Tool,
    User,
)
from devlms.oauth import bearer
from devlms.platform import Platform

MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


def member_roles(platform: Platform, user: User) -> list[str]:
    # Moodle answers with short names, Canvas with the full LIS URIs.
    if platform.is_moodle:
        return [user.role]
    return [ROLE_URIS[user.role], *CANVAS_EXTRA_ROLES[user.role][:1]]


def member_json(platform: Platform, tool: Tool, user: User) -> dict[str, Any]:
    member: dict[str, Any] = {
        "status": "Active",
        "roles": member_roles(platform, user),
        "user_id": user.sub(platform.flavour),
    }
    if platform.is_moodle:
        member["lis_person_sourcedid"] = f"SIS-{user.key}"
    if tool.sends_name:
        member.update(name=user.name, given_name=user.given_name, family_name=user.family_name)
    if tool.sends_email:
        member["email"] = user.email
    return member


def _role_matches(platform: Platform, user: User, role: str) -> bool:
    return role in (user.role, ROLE_URIS[user.role]) or role in member_roles(platform, user)


def memberships(platform: Platform, course: str, type_id: str | None = None) -> Response:
    token = bearer(platform, SCOPE_NRPS)
    if isinstance(token, Response):
        return token
    if course != COURSE_ID:
        return json_error(404, "not_found", f"no course {course!r}")
    with platform.lock:
        tool = platform.tools[token.client_id]
    if type_id is not None and type_id != str(tool.type_id):
        return json_error(403, "forbidden", "this binding belongs to another tool")
    args = request.args
    users = [user for user in USERS if "role" not in args or _role_matches(platform, user, args["role"])]
    try:
        limit = int(args["limit"]) if "limit" in args else None
        start = int(args.get("from", 0)) if platform.is_moodle else (int(args.get("page", 1)) - 1) * (limit or 0)
    except ValueError:
        return json_error(400, "invalid_request", "limit, from and page must be integers")
    if (limit is not None and limit < 1) or start < 0:
        return json_error(400, "invalid_request", "limit must be positive")
    page = users[start : start + limit] if limit else users
    url = platform.memberships_url(tool)
    body = {
        "id": url,
        "context": {"id": COURSE_ID, "label": COURSE_LABEL, "title": COURSE_TITLE},
        "members": [member_json(platform, tool, user) for user in page],
    }
    response = json_response(body, 200, MEMBERSHIP_TYPE)
    if limit and start + limit < len(users):
        extra = {"limit": str(limit)}
        extra.update({"from": str(start + limit)} if platform.is_moodle else {"page": str(start // limit + 2)})
        if "role" in args:
            extra["role"] = args["role"]
        response.headers["Link"] = f'<{url}?{urlencode(extra)}>; rel="next"'
    return response


def register(app: Flask, platform: Platform) -> None:
    from devlms.app import bind

    if platform.is_moodle:
        rule = "/mod/lti/services.php/CourseSection/<course>/bindings/<type_id>/memberships"
    else:
        rule = "/api/lti/courses/<course>/names_and_roles"
    bind(app, platform, rule, "memberships", memberships, ["GET"])
