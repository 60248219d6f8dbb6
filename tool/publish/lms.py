"""What publishing needs from the LMS, and the errors it distinguishes.

``AgsClient`` is the small interface the publisher and the score sender call
(implemented over the LTI core's services in ``tool.publish.lms_client``).
Failures are sorted into transient (worth retrying) and permanent (tell the
teacher, in words a teacher can act on).
"""

from __future__ import annotations

from typing import Any, Protocol

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
