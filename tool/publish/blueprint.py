"""The publish blueprint: teacher pages for publishing, deep linking and progress.

It shares the ``/teacher`` prefix with the teacher blueprint (so LMS users see
one teacher area) but owns distinct paths: ``/teacher/deep-link``,
``/teacher/steps/<step>`` and ``/teacher/sequences/<public_id>/...``. Every
route is wrapped in ``tool.teacher.access.require_instructor``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, g
from markupsafe import Markup

from tool.lti.session import launch_token, launch_url
from tool.publish import lifecycle, neutral, staging

bp = Blueprint("publish", __name__, url_prefix="/teacher")

STATE_LABELS = {
    staging.StepState.LOCKED: "Locked",
    staging.StepState.OPEN: "Open",
    staging.StepState.SUBMITTED: "Response to look at",
    staging.StepState.SUCCEEDED: "Succeeded",
    staging.StepState.NEEDS_ANOTHER_GO: "Needs another go",
}
# A step cannot be "Open" for the student while the course has no activity for it yet.
NOT_IN_COURSE_LABELS = {
    lifecycle.PublicationState.DRAFT: "Not in the course yet",
    lifecycle.PublicationState.WITHDRAWN: "Hidden from the student",
}


def step_label(step_state: staging.StepState, publication_state: lifecycle.PublicationState) -> str:
    """The badge for one step, never contradicting where the publication stands."""
    if step_state is staging.StepState.OPEN and publication_state in NOT_IN_COURSE_LABELS:
        return NOT_IN_COURSE_LABELS[publication_state]
    return STATE_LABELS[step_state]


PUBLICATION_LABELS = {
    lifecycle.PublicationState.DRAFT: "Not in your course yet",
    lifecycle.PublicationState.SENT: "Sent, not confirmed yet",
    lifecycle.PublicationState.CONFIRMED: "In your course",
    lifecycle.PublicationState.UPDATED: "In your course, updated",
    lifecycle.PublicationState.WITHDRAWN: "Withdrawn",
}
CONFIRMED_BY = {
    "launch": "a step was opened from the course",
    "line_items": "the course lists the steps’ grade items",
    "teacher": "you confirmed it",
}
MODE_LABELS = {
    staging.ReleaseMode.MASTERY: "Mastery-gated: the next step opens when you confirm success",
    staging.ReleaseMode.SCHEDULED: "Scheduled: steps open on set dates",
    staging.ReleaseMode.BOTH: "Both: a step opens on its date, once the previous one succeeded",
}
PLATFORM_NAMES = {"moodle": "Moodle", "canvas": "Canvas"}


def when(value: datetime | None) -> Markup:
    """A time in the teacher's zone (the platform's, else the browser's): the teacher pages' one helper."""
    from tool.teacher import wording

    return wording.when(value, wording.platform_zone(getattr(g, "launch", None)))


@bp.context_processor
def _publish_helpers() -> dict[str, Any]:
    return {
        "turl": launch_url,
        "lt": launch_token() or "",
        "state_labels": STATE_LABELS,
        "step_label": step_label,
        "mode_labels": MODE_LABELS,
        "publication_labels": PUBLICATION_LABELS,
        "confirmed_by_labels": CONFIRMED_BY,
        "platform_names": PLATFORM_NAMES,
        "format_day": staging.format_day,
        "default_spacing": staging.DEFAULT_SPACING_DAYS,
        "step_title": neutral.step_title,
        "step_description": neutral.DESCRIPTION,
        "when": when,
    }
