"""What publishing needs from the LMS, and the errors it distinguishes.

``AgsClient`` is the small interface the publisher and score sender call; one
instance holds ONE access token for the whole job. ``ags_client_for`` builds it
from the LTI core's services (``tool.lti.services``): access tokens and AGS
calls live there; this module only adapts them and sorts failures into
transient (worth retrying) and permanent (tell the teacher).
"""

from __future__ import annotations

from typing import Any, Protocol

AGS_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
AGS_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
PUBLISH_SCOPES = (AGS_LINEITEM,)
SCORE_SCOPES = (AGS_SCORE,)
# Asked for when granted: finding a step's line item by resourceId needs to read line items.
SCORE_OPTIONAL_SCOPES = (AGS_LINEITEM_READONLY, AGS_LINEITEM)
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class LmsError(Exception):
    """The LMS refused or failed; the message is readable by a teacher."""


class TransientLmsError(LmsError):
    """A timeout, connection failure, 429 or 5xx: the same call may succeed later."""


class AgsClient(Protocol):
    def line_items(self, lineitems_url: str, *, tag: str | None = None) -> list[dict[str, Any]]:
        """Every line item in the container (all pages), optionally filtered by tag."""
        ...

    def create_line_item(self, lineitems_url: str, item: dict[str, Any]) -> dict[str, Any]:
        """POST a line item; returns the platform's representation (with ``id``)."""
        ...

    def post_score(self, lineitem_url: str, score: dict[str, Any]) -> None:
        """POST a score to a line item's ``/scores`` endpoint."""
        ...


def classify_status(status: int, what: str, body: str = "") -> LmsError:
    """The error for an HTTP failure status, transient or not."""
    detail = f" ({body[:200]})" if body else ""
    if status in TRANSIENT_STATUSES:
        return TransientLmsError(f"The course platform was busy or unavailable while {what}: HTTP {status}.")
    if status in (401, 403):
        return LmsError(
            f"The course platform refused Stepping Stones while {what} (HTTP {status}). "
            "An administrator may need to grant the tool its grade and assignment permissions again."
        )
    return LmsError(f"The course platform rejected Stepping Stones while {what}: HTTP {status}{detail}.")
