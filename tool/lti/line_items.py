"""Line items and deep-linking resources: pylti1p3's classes plus what Canvas and LTI-DL need.

``ToolLineItem`` can carry Canvas's submission-type extension, which turns an
AGS-created assignment into a launchable tool assignment (Canvas accepts only
``none`` and ``external_tool``). ``ToolDeepLinkResource`` adds the content-item
fields pylti1p3 leaves out: text, the available window, window presentation
(pylti1p3 writes only a "target" no platform reads), lineItem.
"""

from __future__ import annotations

import json
from typing import Any

from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

CANVAS_SUBMISSION_TYPE = "https://canvas.instructure.com/lti/submission_type"
CANVAS_SUBMISSION_TYPES = ("none", "external_tool")


class ToolLineItem(LineItem):
    _canvas_submission: dict[str, str] | None = None

    def set_canvas_submission_type(self, kind: str, external_tool_url: str | None = None) -> ToolLineItem:
        if kind not in CANVAS_SUBMISSION_TYPES:
            raise ValueError(f"Canvas accepts only {' or '.join(CANVAS_SUBMISSION_TYPES)} as submission type")
        value = {"type": kind}
        if external_tool_url:
            value["external_tool_url"] = external_tool_url
        self._canvas_submission = value
        return self

    def to_dict(self) -> dict[str, Any]:
        """The AGS JSON body (empty fields dropped; the Canvas extension when set)."""
        data: dict[str, Any] = json.loads(self.get_value())
        if self._canvas_submission:
            data[CANVAS_SUBMISSION_TYPE] = dict(self._canvas_submission)
        return data


class ToolDeepLinkResource(DeepLinkResource):
    _text: str | None = None
    _available: dict[str, str] | None = None
    _window: dict[str, Any] | None = None

    def set_text(self, text: str) -> ToolDeepLinkResource:
        self._text = text
        return self

    def set_available(self, start: str | None = None, end: str | None = None) -> ToolDeepLinkResource:
        """When students may open it (ISO 8601). Canvas: unlock/lock dates; Moodle ignores it."""
        self._available = {k: v for k, v in (("startDateTime", start), ("endDateTime", end)) if v} or None
        return self

    def set_window(self, target_name: str | None = None, features: str | None = None) -> ToolDeepLinkResource:
        self._window = {k: v for k, v in (("targetName", target_name), ("windowFeatures", features)) if v}
        return self

    def to_dict(self) -> dict[str, object]:
        item = {k: v for k, v in super().to_dict().items() if v is not None}
        if self._text:
            item["text"] = self._text
        if self._available:
            item["available"] = self._available
        if self._window is not None:
            item["window"] = self._window
        return item
