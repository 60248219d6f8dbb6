"""``AgsClient`` for publishing, built on the LTI core's services (``tool.lti.ags``).

The LTI core owns access tokens (client credentials + ``private_key_jwt``,
cached per registration and scopes in the shared key/value store, granted
scopes re-checked at use) and the AGS HTTP calls. This adapter adds what the
publisher needs on top:

- one scope set for the whole job, so a publish uses ONE access token for
  listing and creating (the ``lineitem`` scope covers reading);
- failures sorted into transient (no answer, 408/429/5xx: retry) and permanent
  (tell the teacher), with messages written for teachers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from tool.lti.ags import AgsClient as LtiAgsClient
from tool.lti.line_items import ToolLineItem
from tool.lti.registry import find_by_pk
from tool.lti.runtime import get_runtime
from tool.lti.services import MissingScope, ServiceError, ServiceSession
from tool.lti.tool_configuration import SCOPE_LINEITEM
from tool.publish.ags_publisher import CANVAS_SUBMISSION_TYPE
from tool.publish.lms import LmsError, TransientLmsError, classify_status


@contextmanager
def _lms_errors(what: str) -> Iterator[None]:
    try:
        yield
    except MissingScope as exc:
        raise LmsError(str(exc)) from exc
    except ServiceError as exc:
        if exc.status is None:  # no answer at all: network trouble
            raise TransientLmsError(f"The course platform could not be reached while {what}.") from exc
        raise classify_status(exc.status, what, str(exc)) from exc


class ServicesAgsClient:
    """Implements ``tool.publish.lms.AgsClient`` over ``tool.lti.ags``."""

    def __init__(self, session: ServiceSession, read_scopes: list[str] | None = None) -> None:
        self._session = session
        self._read_scopes = read_scopes

    def _client(self, lineitems_url: str) -> LtiAgsClient:
        return LtiAgsClient(self._session, lineitems_url, read_scopes=self._read_scopes)

    def line_items(self, lineitems_url: str, *, tag: str | None = None) -> list[dict[str, Any]]:
        with _lms_errors("listing the course's assignments"):
            return self._client(lineitems_url).list_line_items(tag=tag)

    def create_line_item(self, lineitems_url: str, item: dict[str, Any]) -> dict[str, Any]:
        line_item = ToolLineItem()
        line_item.set_label(item["label"])
        line_item.set_score_maximum(item["scoreMaximum"])
        # pylti1p3's setters take strings only; absent fields stay unset (and out of the JSON).
        for setter, key in (
            (line_item.set_resource_id, "resourceId"),
            (line_item.set_tag, "tag"),
            (line_item.set_start_date_time, "startDateTime"),
            (line_item.set_end_date_time, "endDateTime"),
        ):
            if item.get(key):
                setter(str(item[key]))
        submission = item.get(CANVAS_SUBMISSION_TYPE)
        if submission:
            line_item.set_canvas_submission_type(submission["type"], submission.get("external_tool_url"))
        with _lms_errors("creating an assignment"):
            return self._client(lineitems_url).create_line_item(line_item)

    def post_score(self, lineitem_url: str, score: dict[str, Any]) -> None:
        with _lms_errors("sending the score"):
            self._client(lineitem_url).post_score(
                lineitem_url,
                user_id=score["userId"],
                score_given=score.get("scoreGiven"),
                score_maximum=score.get("scoreMaximum"),
                activity_progress=score["activityProgress"],
                grading_progress=score["gradingProgress"],
            )


def ags_client_for(app: Flask, registration_id: int, *, publishing: bool) -> ServicesAgsClient:
    """A client for one job. ``publishing`` reads with the ``lineitem`` scope it also writes with."""
    runtime = get_runtime(app)
    platform = find_by_pk(runtime.registry, registration_id)
    if platform is None:
        raise LmsError("The course platform this sequence was published to is no longer registered.")
    return ServicesAgsClient(ServiceSession(runtime, platform), [SCOPE_LINEITEM] if publishing else None)
