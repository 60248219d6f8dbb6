"""AGS scores (POST) and results (GET) of one line item."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from devlms.ags import AgsError, owned_item, service_caller
from devlms.http import json_error, json_response
from devlms.launch import parse_time
from devlms.model import SCOPE_RESULT_RO, SCOPE_SCORE, LineItem, Score, user_by_sub
from devlms.platform import Platform

RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
ACTIVITY_PROGRESS = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING_PROGRESS = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def record_score(platform: Platform, item: LineItem, body: Any) -> Score:
    """Validate and store a score; raises AgsError (400 bad input, 409 stale timestamp)."""
    if not isinstance(body, dict):
        raise AgsError(400, "the body must be a JSON object")
    for name in ("userId", "timestamp", "activityProgress", "gradingProgress"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise AgsError(400, f"{name} is required")
    if body["activityProgress"] not in ACTIVITY_PROGRESS:
        raise AgsError(400, "activityProgress is not a known value")
    if body["gradingProgress"] not in GRADING_PROGRESS:
        raise AgsError(400, "gradingProgress is not a known value")
    if user_by_sub(platform.flavour, body["userId"]) is None:
        raise AgsError(400, f"userId {body['userId']!r} is not a member of the course")
    try:
        stamp = parse_time(body["timestamp"])
    except ValueError as exc:
        raise AgsError(400, "timestamp is not an ISO 8601 date-time") from exc
    given: Any = body.get("scoreGiven")
    maximum: Any = body.get("scoreMaximum")
    if given is not None:
        if not _number(given) or given < 0:
            raise AgsError(400, "scoreGiven must be a non-negative number")
        if not _number(maximum) or maximum <= 0:
            raise AgsError(400, "scoreGiven needs a positive scoreMaximum")
    previous = item.scores.get(body["userId"])
    if previous is not None and stamp <= parse_time(previous.timestamp):
        raise AgsError(409, "a score with the same or a newer timestamp is already recorded")
    result: float | None = None
    # Moodle writes a grade only for FullyGraded; Canvas records whatever is given.
    counts = body["gradingProgress"] == "FullyGraded" or not platform.is_moodle
    if given is not None and counts:
        result = round(float(given) / float(maximum) * item.score_maximum, 5)
    score = Score(
        user_id=body["userId"],
        timestamp=body["timestamp"],
        activity_progress=body["activityProgress"],
        grading_progress=body["gradingProgress"],
        score_given=float(given) if given is not None else None,
        score_maximum=float(maximum) if _number(maximum) else None,
        result_score=result,
        comment=body.get("comment") if isinstance(body.get("comment"), str) else None,
    )
    item.scores[score.user_id] = score
    platform.changed()
    return score


def _item_path(platform: Platform, item: LineItem, suffix: str, query: str = "") -> str:
    url = platform.lineitem_url(item)
    path, _, existing = url.partition("?")
    joined = "&".join(part for part in (existing, query) if part)
    return path + suffix + (f"?{joined}" if joined else "")


def scores(platform: Platform, course: str, item_id: str) -> Response:
    caller = service_caller(platform, course, SCOPE_SCORE)
    if isinstance(caller, Response):
        return caller
    _, tool = caller
    with platform.lock:
        item = owned_item(platform, tool, item_id)
        if isinstance(item, Response):
            return item
        try:
            score = record_score(platform, item, request.get_json(silent=True, force=True))
        except AgsError as exc:
            return json_error(exc.status, "invalid_request", str(exc))
        if platform.is_moodle:
            return Response("", status=200)
        return json_response({"resultUrl": _item_path(platform, item, f"/results/{score.user_id}")})


def results(platform: Platform, course: str, item_id: str) -> Response:
    caller = service_caller(platform, course, SCOPE_RESULT_RO)
    if isinstance(caller, Response):
        return caller
    _, tool = caller
    with platform.lock:
        item = owned_item(platform, tool, item_id)
        if isinstance(item, Response):
            return item
        wanted = request.args.get("user_id")
        rows = [score for score in item.scores.values() if wanted is None or score.user_id == wanted]
        out = []
        for score in rows:
            result_id = (
                _item_path(platform, item, "/results", f"user_id={score.user_id}")
                if platform.is_moodle
                else _item_path(platform, item, f"/results/{score.user_id}")
            )
            entry: dict[str, Any] = {
                "id": result_id,
                "userId": score.user_id,
                "resultMaximum": item.score_maximum,
                "scoreOf": platform.lineitem_url(item),
                "timestamp": score.timestamp,
            }
            if score.result_score is not None:
                entry["resultScore"] = score.result_score
            if score.comment:
                entry["comment"] = score.comment
            out.append(entry)
        limit = request.args.get("limit", type=int)
        return json_response(out[:limit] if limit else out, 200, RESULTS_TYPE)
