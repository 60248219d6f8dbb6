"""Sending a step's success to the LMS gradebook.

The success itself is already committed when ``send_score`` runs: a failure
here only leaves ``score_status = "failed"`` with the reason, shown to the
teacher beside a "Send again" button. The score is 1 of 1, Completed /
FullyGraded, for the sequence's target student (their LTI ``sub``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from tool import db as database
from tool.db import utcnow
from tool.publish import neutral
from tool.publish.lms import AgsClient, LmsError
from tool.publish.models import Publication, PublishedStep, StepEvent, StepProgress
from tool.teacher.models import Sequence

log = logging.getLogger(__name__)


def score_body(user_sub: str, when: datetime | None = None) -> dict[str, Any]:
    """An AGS score meaning "succeeded at this step"."""
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    return {
        "userId": user_sub,
        "scoreGiven": 1,
        "scoreMaximum": 1,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        # Microseconds: platforms refuse a timestamp not newer than the stored one.
        "timestamp": moment.isoformat(timespec="microseconds").replace("+00:00", "Z"),
    }


def find_line_item(client: AgsClient, publication: Publication, step: PublishedStep) -> str | None:
    """The step's line item URL, looked up by resourceId when we have not recorded it."""
    if step.line_item_url:
        return step.line_item_url
    if not publication.lineitems_url:
        return None
    for item in client.line_items(publication.lineitems_url, tag=neutral.TAG):
        if item.get("resourceId") == step.resource_id and item.get("id"):
            return str(item["id"])
    return None


def deliver(db: Session, progress_id: int, client: AgsClient) -> str:
    """Post the score for one succeeded step; returns the resulting score status."""
    record = db.get(StepProgress, progress_id)
    if record is None or record.succeeded_at is None:
        return "none"
    if record.score_status == "posted":
        return "posted"
    step = record.step
    publication = step.publication
    sequence = db.get(Sequence, publication.sequence_id)
    target = sequence.target_user if sequence is not None else None
    record.score_attempts += 1
    try:
        if target is None:
            raise LmsError("The sequence has no student from the class list to send the score for.")
        url = find_line_item(client, publication, step)
        if url is None:
            raise LmsError(
                "The course has no grade column for this step yet: ask the student to open the step once "
                "from the course, then send the score again."
            )
        if step.line_item_url != url:
            step.line_item_url = url
            step.line_item_recorded_at = utcnow()
        client.post_score(url, score_body(target.sub))
    except LmsError as exc:
        record.score_status = "failed"
        record.score_error = str(exc)
        db.add(StepEvent(step_id=step.id, kind="score_failed", text=str(exc)))
        db.commit()
        return "failed"
    record.score_status = "posted"
    record.score_error = None
    record.score_posted_at = utcnow()
    db.add(StepEvent(step_id=step.id, kind="score_posted"))
    db.commit()
    return "posted"


def send_score(progress_id: int) -> str:
    """Send now, inside the request (one short AGS call); never raises for LMS trouble."""
    session = database.session()
    record = session.get(StepProgress, progress_id)
    if record is None:
        return "none"
    publication = record.step.publication
    try:
        from tool.publish.lms_client import ags_client_for

        client = ags_client_for(current_app, publication.registration_id, publishing=False)
    except LmsError as exc:
        record.score_status = "failed"
        record.score_error = str(exc)
        record.score_attempts += 1
        session.commit()
        return "failed"
    return deliver(session, progress_id, client)
