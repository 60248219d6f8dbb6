"""Publishing a sequence as LMS assignments through AGS (Canvas), resumably; publishing again updates.

Contract of ``run_publish``:
- Re-reads the publication. Lists the platform's line items tagged
  ``stepping-stones`` BEFORE creating anything and adopts those whose resourceId
  names one of our steps (several copies of one step: the first found), so a
  publish that died after the LMS created an item but before we recorded it, or a
  second publish, never creates a duplicate.
- Items that exist but show an old label, maximum or dates (a new set name, a new
  schedule) are updated in place with PUT: publishing again is an update.
- Records each created line item's URL in its own commit the moment the LMS
  returns it: a publish interrupted after 3 of 5 items resumes to exactly 5.
- Uses the one ``AgsClient`` it is given (one access token for the whole run).
- Transient failures (timeouts, 429, 5xx) propagate for the Celery task to retry
  with backoff; anything else marks the job failed with a message for the teacher.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from tool.lti.ags import AgsClient, AgsError
from tool.publish import lifecycle, neutral, progress, staging
from tool.publish.models import METHOD_AGS, Publication, PublishedStep

CANVAS_SUBMISSION_TYPE = "https://canvas.instructure.com/lti/submission_type"
log = logging.getLogger(__name__)


def step_launch_url(base_url: str, step: PublishedStep) -> str:
    """The launch URL published for a step: our launch endpoint plus the opaque step id only."""
    return f"{base_url.rstrip('/')}/lti/launch?step={step.public_id}"


def line_item_body(publication: Publication, step: PublishedStep, base_url: str) -> dict[str, Any]:
    """One AGS line item for a step: neutral label, ids, dates, launchable in Canvas."""
    plan = publication.plan
    body: dict[str, Any] = {
        "scoreMaximum": 1,
        "label": neutral.step_title(step.number, publication.set_name),
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


def _outdated(existing: dict[str, Any], wanted: dict[str, Any], *, keeps_dates: bool) -> bool:
    """Whether the platform's copy differs from what we would publish now (Moodle never keeps dates)."""
    fields = ["label", "scoreMaximum"] + (["startDateTime", "endDateTime"] if keeps_dates else [])
    for name in fields:
        have, want = existing.get(name), wanted.get(name)
        if name == "scoreMaximum":
            have = float(have) if isinstance(have, int | float) else have
            want = float(want) if isinstance(want, int | float) else want
        elif name.endswith("DateTime"):
            try:
                have = staging.iso_utc(staging.parse_iso(have)) if isinstance(have, str) and have else None
            except ValueError:  # a date we cannot read: write ours
                have = None
        if have != want:
            return True
    return False


def run_publish(
    db: Session, publication_id: int, client: AgsClient, base_url: str, *, steps_limit: int | None = None
) -> str:
    """Create the missing line items and update outdated ones; returns the job's final sync status.

    ``steps_limit`` is only for operators and tests: stop after creating that many
    new items, leaving the job ``running`` as an interrupted run would.
    """
    publication = db.get(Publication, publication_id)
    if publication is None or publication.method != METHOD_AGS:
        return "missing"
    content = progress.publication_content(db, publication)
    steps = progress.live_steps(publication, content)
    if not publication.lineitems_url:
        lifecycle.sync_failed(publication, "The course did not give Stepping Stones a place to create assignments.")
        db.commit()
        return lifecycle.SyncStatus.FAILED.value
    lifecycle.sync_started(publication)
    db.commit()
    keeps_dates = publication.platform_family != "moodle"
    try:
        found: dict[str, dict[str, Any]] = {}
        for item in client.list_line_items(tag=neutral.TAG):
            found.setdefault(str(item.get("resourceId", "")), item)
        created = 0
        for step in steps:
            wanted = line_item_body(publication, step, base_url)
            existing = found.get(step.resource_id)
            if existing is not None and existing.get("id"):
                lifecycle.record_line_item(step, str(existing["id"]))
                if _outdated(existing, wanted, keeps_dates=keeps_dates):
                    client.update_line_item(str(existing["id"]), wanted)
                    log.info("publication %s: updated the line item of step %s", publication.id, step.number)
                db.commit()
                continue
            if steps_limit is not None and created >= steps_limit:
                return lifecycle.SyncStatus.RUNNING.value
            item = client.create_line_item(wanted)
            lifecycle.record_line_item(step, str(item["id"]))
            db.commit()  # recorded at once: the next run must not create it again
            created += 1
    except AgsError as exc:
        if exc.transient:
            lifecycle.sync_retrying(publication, str(exc))
            db.commit()
            raise
        db.rollback()
        publication = db.get(Publication, publication_id)
        assert publication is not None
        lifecycle.sync_failed(publication, str(exc))
        db.commit()
        return lifecycle.SyncStatus.FAILED.value
    lifecycle.sync_done(publication)
    db.commit()
    return lifecycle.SyncStatus.DONE.value
