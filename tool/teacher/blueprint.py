"""The teacher blueprint and what every teacher template can use."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from tool.generation.ladders.library import families_by_subject
from tool.lti.session import launch_token, launch_url
from tool.teacher.privacy import restore

bp = Blueprint("teacher", __name__, url_prefix="/teacher")

STATUS_LABELS = {
    "queued": "Waiting for the writer to start",
    "drafting": "Drafting the tasks",
    "checking": "Checking the draft against the six quality checks",
    "repairing": "Fixing what the check found",
    "ready": "Ready",
    "failed": "Could not be written",
}
CHECK_LABELS = {
    "format": "Follows the expected structure",
    "a": "(a) The first task is virtually certain to succeed",
    "b": "(b) Each step adds one small increment",
    "c": "(c) Mastery experiences are the main intervention",
    "d": "(d) Attribution coaching is specific and credible",
    "e": "(e) No generic praise or extrinsic rewards",
    "f": "(f) The sequence ends at or near the target skill",
    "judge": "Second reader's review",
}


@bp.app_template_filter("for_teacher")
def for_teacher(value: str | None, names: dict[str, str] | None = None) -> str:
    """Restore redacted names for the teacher's eyes; Jinja still escapes the result."""
    return restore(value or "", names or {})


@bp.context_processor
def _teacher_helpers() -> dict[str, Any]:
    return {
        "turl": launch_url,
        "lt": launch_token() or "",
        "status_labels": STATUS_LABELS,
        "check_labels": CHECK_LABELS,
        "ladder_groups": families_by_subject,
    }
