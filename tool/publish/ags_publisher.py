"""Publishing a sequence as LMS assignments through AGS (Canvas), resumably.

Contract of ``run_publish``:
- Re-reads the publication; a publication already published with every step
  recorded is a no-op (safe to run twice).
- Lists the platform's line items tagged ``stepping-stones`` BEFORE creating
  anything and adopts those whose resourceId names one of our steps, so a
  publish that died after the LMS created an item but before we recorded it
  never creates a duplicate.
- Records each created line item's URL in its own commit the moment the LMS
  returns it: a publish interrupted after 3 of 5 items resumes to exactly 5.
- Uses the one ``AgsClient`` it is given (one access token for the whole run).
- Transient failures (timeouts, 429, 5xx) propagate as ``TransientLmsError`` for
  the Celery task to retry with backoff; anything else marks the publication
  failed with a message for the teacher.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tool.db import utcnow
from tool.publish import neutral, staging
from tool.publish.lms import AgsClient, LmsError, TransientLmsError
from tool.publish.models import METHOD_AGS, Publication, PublishedStep

CANVAS_SUBMISSION_TYPE = "https://canvas.instructure.com/lti/submission_type"


def step_launch_url(base_url: str, step: PublishedStep) -> str:
    """The launch URL published for a step: our launch endpoint plus the opaque step id only."""
    return f"{base_url.rstrip('/')}/lti/launch?step={step.public_id}"


def line_item_body(publication: Publication, step: PublishedStep, base_url: str) -> dict[str, Any]:
    """One AGS line item for a step: neutral label, ids, dates, launchable in Canvas."""
    plan = publication.plan
    body: dict[str, Any] = {
        "scoreMaximum": 1,
        "label": neutral.step_title(step.number),
        "resourceId": step.resource_id,
        "tag": neutral.TAG,
        CANVAS_SUBMISSION_TYPE: {"type": "external_tool", "external_tool_url": step_launch_url(base_url, step)},
    }
    unlock = staging.unlock_at(plan, step.index)
    due = staging.due_at(plan, step.index)
    if unlock is not None:
        body["startDateTime"] = staging.iso_utc(unlock)
    if due is not None:
        body["endDateTime"] = staging.iso_utc(due)
    return body


def _finish(db: Session, publication: Publication, status: str, error: str | None) -> None:
    publication.status = status
    publication.last_error = error
    if status == "published":
        publication.published_at = utcnow()
    db.commit()


def run_publish(
    db: Session, publication_id: int, client: AgsClient, base_url: str, *, steps_limit: int | None = None
) -> str:
    """Create the publication's missing line items; returns the publication's final status.

    ``steps_limit`` is only for operators and tests: stop after creating that many
    new items, leaving the publication ``publishing`` as an interrupted run would.
    """
    publication = db.get(Publication, publication_id)
    if publication is None or publication.method != METHOD_AGS:
        return "missing"
    steps = sorted(publication.steps, key=lambda s: s.index)
    if publication.status == "published" and all(s.line_item_url for s in steps):
        return "published"
    if not publication.lineitems_url:
        _finish(db, publication, "failed", "The course did not give Stepping Stones a place to create assignments.")
        return "failed"
    publication.status = "publishing"
    publication.attempts += 1
    db.commit()
    lineitems_url = publication.lineitems_url
    try:
        mine = {step.resource_id: step for step in steps}
        for item in client.line_items(lineitems_url, tag=neutral.TAG):
            step = mine.get(str(item.get("resourceId", "")))
            if step is not None and not step.line_item_url and item.get("id"):
                step.line_item_url = str(item["id"])
                step.line_item_recorded_at = utcnow()
        db.commit()
        created = 0
        for step in steps:
            if step.line_item_url:
                continue
            if steps_limit is not None and created >= steps_limit:
                return "publishing"
            item = client.create_line_item(lineitems_url, line_item_body(publication, step, base_url))
            step.line_item_url = str(item["id"])
            step.line_item_recorded_at = utcnow()
            db.commit()  # recorded at once: the next run must not create it again
            created += 1
    except TransientLmsError as exc:
        publication.last_error = str(exc)
        db.commit()
        raise
    except LmsError as exc:
        db.rollback()
        publication = db.get(Publication, publication_id)
        assert publication is not None
        _finish(db, publication, "failed", str(exc))
        return "failed"
    _finish(db, publication, "published", None)
    return "published"
