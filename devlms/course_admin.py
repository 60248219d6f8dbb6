"""What a teacher does to course content in the LMS behind the tool's back: delete or duplicate an activity.

POST /<flavour>/admin/links/<link_id>/delete     the activity and its grade item go (scores to it: 404)
POST /<flavour>/admin/links/<link_id>/duplicate  a copy with the same URL, custom parameters, resourceId
                                                 and tag, and a grade item of its own
Both answer JSON when asked (tests), else redirect to the home page (people).
"""

from __future__ import annotations

from flask import Flask, Response, redirect, request

from devlms.http import json_error, json_response
from devlms.platform import Platform


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def delete_link(platform: Platform, link_id: str) -> Response:
    with platform.lock:
        if link_id not in platform.links:
            return json_error(404, "not_found", f"no link {link_id!r}")
        platform.delete_link(link_id)
    if _wants_json():
        return json_response({"id": link_id, "deleted": True})
    return redirect("/", code=303)  # type: ignore[return-value]


def duplicate_link(platform: Platform, link_id: str) -> Response:
    with platform.lock:
        if link_id not in platform.links:
            return json_error(404, "not_found", f"no link {link_id!r}")
        copy = platform.duplicate_link(link_id)
    if _wants_json():
        return json_response({"id": copy.id, "title": copy.title, "line_item_id": copy.line_item_id}, 201)
    return redirect("/", code=303)  # type: ignore[return-value]


def register(app: Flask, platform: Platform) -> None:
    from devlms.app import bind

    bind(app, platform, "/admin/links/<link_id>/delete", "delete_link", delete_link, ["POST"])
    bind(app, platform, "/admin/links/<link_id>/duplicate", "duplicate_link", duplicate_link, ["POST"])
