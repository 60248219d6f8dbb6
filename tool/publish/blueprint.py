"""The publish blueprint: teacher pages for publishing, deep linking and progress.

It shares the ``/teacher`` prefix with the teacher blueprint (so LMS users see
one teacher area) but owns distinct paths: ``/teacher/deep-link`` and
``/teacher/sequences/<public_id>/...``. Every route is wrapped in
``tool.teacher.access.require_instructor``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from tool.lti.session import launch_token, launch_url
from tool.publish import neutral, staging

bp = Blueprint("publish", __name__, url_prefix="/teacher")

STATE_LABELS = {
    staging.StepState.LOCKED: "Locked",
    staging.StepState.OPEN: "Open",
    staging.StepState.SUBMITTED: "Submitted",
    staging.StepState.SUCCEEDED: "Succeeded",
    staging.StepState.NEEDS_ANOTHER_GO: "Needs another go",
}
PUBLICATION_LABELS = {
    "pending": "Waiting for the worker to start",
    "publishing": "Creating the assignments…",
    "published": "In your course",
    "failed": "Could not finish",
}
MODE_LABELS = {
    staging.ReleaseMode.MASTERY: "Mastery-gated: the next step opens when you confirm success",
    staging.ReleaseMode.SCHEDULED: "Scheduled: steps open on set dates",
    staging.ReleaseMode.BOTH: "Both: a step opens on its date, once the previous one succeeded",
}


@bp.context_processor
def _publish_helpers() -> dict[str, Any]:
    return {
        "turl": launch_url,
        "lt": launch_token() or "",
        "state_labels": STATE_LABELS,
        "mode_labels": MODE_LABELS,
        "publication_labels": PUBLICATION_LABELS,
        "format_day": staging.format_day,
        "default_spacing": staging.DEFAULT_SPACING_DAYS,
        "step_title": neutral.step_title,
        "step_description": neutral.DESCRIPTION,
    }
