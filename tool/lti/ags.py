"""Assignment and Grade Services client: list and create line items, post scores.

Simple on purpose, for the publishing and grade-passback features::

    ags = AgsClient.for_launch(runtime, launch)          # or AgsClient(session, lineitems_url)
    items = ags.list_line_items(resource_id="seq-1")
    item = ags.create_line_item(ToolLineItem().set_label("Step 1").set_score_maximum(1)
                                .set_resource_id("st_x").set_canvas_submission_type("external_tool", url))
    ags.post_score(item["id"], user_id=sub, score_given=1, score_maximum=1)

Service URLs may carry a query (Moodle: ``?type_id=N``): ``/scores`` goes on
the path, before the query.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tool.lti.launch import Launch
from tool.lti.line_items import ToolLineItem
from tool.lti.runtime import LtiRuntime
from tool.lti.services import ServiceError, ServiceSession
from tool.lti.tool_configuration import SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_SCORE

LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"


def service_url(base: str, suffix: str) -> str:
    """``base`` with ``suffix`` appended to its path, keeping its query (Moodle's ``?type_id=``)."""
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


class AgsClient:
    def __init__(
        self, session: ServiceSession, lineitems_url: str, read_scopes: list[str] | None = None
    ) -> None:
        """``read_scopes`` fixes the scopes asked for on reads, so a job that also writes
        can use one token throughout (default: the narrowest granted read scope)."""
        self.session = session
        self.lineitems_url = lineitems_url
        self.read_scopes = read_scopes

    @classmethod
    def for_launch(cls, runtime: LtiRuntime, launch: Launch) -> AgsClient:
        if not launch.ags_lineitems_url:
            raise ServiceError("this launch did not offer the Assignment and Grade Services (no lineitems URL)")
        return cls(ServiceSession.for_registration(runtime, launch.registration_id), launch.ags_lineitems_url)

    def _read_scope(self) -> list[str]:
        if self.read_scopes:
            return self.read_scopes
        granted = self.session.platform.granted_scopes
        return [SCOPE_LINEITEM_READONLY] if SCOPE_LINEITEM_READONLY in granted else [SCOPE_LINEITEM]

    def list_line_items(
        self, resource_id: str | None = None, tag: str | None = None, resource_link_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Every line item (all pages), filtered as the platform supports."""
        params = {
            k: v
            for k, v in (("resource_id", resource_id), ("tag", tag), ("resource_link_id", resource_link_id))
            if v
        }
        items: list[dict[str, Any]] = []
        for response in self.session.pages(self.lineitems_url, self._read_scope(), LINEITEMS_MEDIA, params):
            page = response.json()
            if not isinstance(page, list):
                raise ServiceError("the platform's line item list is not a JSON array")
            items.extend(item for item in page if isinstance(item, dict))
        # Not every platform filters: apply the filters ourselves too.
        return [
            item
            for item in items
            if (resource_id is None or item.get("resourceId") == resource_id)
            and (tag is None or item.get("tag") == tag)
            and (resource_link_id is None or item.get("resourceLinkId") == resource_link_id)
        ]

    def create_line_item(self, item: ToolLineItem) -> dict[str, Any]:
        """Create a line item; returns the platform's JSON (with its ``id``)."""
        body = item.to_dict()
        if not body.get("label") or not body.get("scoreMaximum"):
            raise ValueError("a line item needs a label and a positive scoreMaximum")
        response = self.session.request(
            "POST", self.lineitems_url, [SCOPE_LINEITEM], accept=LINEITEM_MEDIA, json_body=body,
            content_type=LINEITEM_MEDIA,
        )
        created = response.json()
        if not isinstance(created, dict) or not created.get("id"):
            raise ServiceError("the platform did not return the new line item's id")
        return created

    def post_score(
        self,
        lineitem_url: str,
        user_id: str,
        score_given: float | None = None,
        score_maximum: float | None = None,
        activity_progress: str = "Completed",
        grading_progress: str = "FullyGraded",
        comment: str | None = None,
        timestamp: datetime | None = None,
    ) -> None:
        """Post one score (Moodle answers 409 to a timestamp not newer than the stored one)."""
        body: dict[str, Any] = {
            "userId": user_id,
            "activityProgress": activity_progress,
            "gradingProgress": grading_progress,
            "timestamp": (timestamp or datetime.now(UTC)).isoformat(timespec="milliseconds"),
        }
        if score_given is not None:
            if score_maximum is None:
                raise ValueError("scoreGiven needs scoreMaximum")
            body.update(scoreGiven=score_given, scoreMaximum=score_maximum)
        if comment:
            body["comment"] = comment
        self.session.request(
            "POST", service_url(lineitem_url, "/scores"), [SCOPE_SCORE], json_body=body, content_type=SCORE_MEDIA
        )
