"""Sending a step's success to the LMS gradebook, finding the grade item again when it moved.

The success itself is already committed when ``send_score`` runs: a failure
here only leaves the score ``failed`` (worth sending again) or ``gone`` (no grade
item for the step exists in the course) with the reason, shown to the teacher
beside a "Send the score again" button. The score is 1 of 1, Completed /
FullyGraded, for the sequence's target student (their LTI ``sub``), stamped with
the moment the teacher confirmed success.

Where the score goes, in order: the grade item recorded for the step; if the
LMS answers 404/410 (the activity was deleted), the items the course lists for
the step's resourceId and our tag (a duplicated or re-added copy), then the
grade item of the copy the student last launched (its AGS claim). Every attempt
bumps the progress row's attempt count, adds a history row and is logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC

from flask import current_app
from sqlalchemy.orm import Session

from tool import db as database
from tool.lti.ags import AgsClient, AgsError
from tool.lti.runtime import get_runtime
from tool.publish import lifecycle, neutral
from tool.publish.models import METHOD_AGS, Publication, PublishedStep, StepEvent, StepProgress
from tool.teacher.models import Sequence

log = logging.getLogger(__name__)

NO_STUDENT = "The sequence has no student from the class list to send the score for."
NOT_YET = (
    "The course has no grade item for this step yet: ask the student to open the step once from the course, "
    "then send the score again."
)


@dataclass(frozen=True)
class ScoreOutcome:
    """The score's status after one delivery; ``transient``: the LMS was busy, trying later may work."""

    status: str
    transient: bool = False


def gone_message(publication: Publication, step: PublishedStep) -> str:
    """Plain words for a step whose grade item no longer exists anywhere in the course."""
    title = neutral.step_title(step.number, publication.set_name)
    if publication.method == METHOD_AGS:
        again = "press “Check the course again” at the top of this page to create it again"
    else:
        again = "add the step to the course again (Stepping Stones → Select content; the other steps stay valid)"
    return (
        f"The grade item for “{title}” is no longer in the course: it was probably deleted with its activity. "
        f"The success is saved. To send the score, {again}, then press “Send the score again”, "
        "or enter the mark in the gradebook yourself."
    )


def _alternatives(client: AgsClient, publication: Publication, step: PublishedStep, tried: set[str]) -> list[str]:
    """Grade items the step may live in now: listed copies first, then the student's launched copy."""
    urls: list[str] = []
    if publication.lineitems_url:
        try:
            for item in client.list_line_items(resource_id=step.resource_id, tag=neutral.TAG):
                if item.get("id"):
                    urls.append(str(item["id"]))
        except AgsError as exc:
            log.warning("step %s: could not list grade items to find the step again: %s", step.id, exc.detail or exc)
            if exc.transient:
                raise
    if step.launched_line_item_url:
        urls.append(step.launched_line_item_url)
    return [url for url in dict.fromkeys(urls) if url not in tried]


def _post(client: AgsClient, url: str, sub: str, record: StepProgress) -> None:
    """Post 1/1; a 409 means the gradebook already holds this success (an earlier attempt landed)."""
    moment = record.succeeded_at.replace(tzinfo=UTC) if record.succeeded_at else None
    try:
        client.post_score(url, user_id=sub, score_given=1, score_maximum=1, timestamp=moment)
    except AgsError as exc:
        if not exc.stale:
            raise


def _fail(
    db: Session,
    record: StepProgress,
    step: PublishedStep,
    reason: str,
    *,
    gone: bool,
    detail: str,
    transient: bool = False,
) -> ScoreOutcome:
    lifecycle.score_failed(record, reason, gone=gone)
    db.add(StepEvent(step_id=step.id, kind="score_failed", text=reason))
    db.commit()
    log.warning(
        "score for step %s not sent (attempt %s, %s): %s",
        step.id,
        record.score_attempts,
        record.score_status,
        detail or reason,
    )
    return ScoreOutcome(record.score_status, transient)


def deliver(db: Session, progress_id: int, client: AgsClient) -> ScoreOutcome:
    """Post the score for one succeeded step; returns the resulting score status."""
    record = db.get(StepProgress, progress_id)
    if record is None or record.succeeded_at is None:
        return ScoreOutcome(lifecycle.ScoreStatus.NONE.value)
    if record.score_status == lifecycle.ScoreStatus.POSTED.value:
        return ScoreOutcome(record.score_status)
    step = record.step
    publication = step.publication
    sequence = db.get(Sequence, publication.sequence_id)
    target = sequence.target_user if sequence is not None else None
    lifecycle.score_attempt(record)
    db.commit()
    if target is None:
        return _fail(db, record, step, NO_STUDENT, gone=False, detail="")
    tried: set[str] = set()
    queue = [url for url in (step.line_item_url, step.launched_line_item_url) if url][:1]
    try:
        if not queue:
            queue = _alternatives(client, publication, step, tried)
        if not queue:
            return _fail(db, record, step, NOT_YET, gone=False, detail="")
        while queue:
            url = queue.pop(0)
            tried.add(url)
            try:
                _post(client, url, target.sub, record)
            except AgsError as exc:
                if not exc.gone:
                    raise
                log.info("step %s: grade item %s is gone (HTTP %s); looking it up again", step.id, url, exc.status)
                if not queue:
                    queue = _alternatives(client, publication, step, tried)
                continue
            lifecycle.record_line_item(step, url)
            lifecycle.score_posted(record)
            db.add(StepEvent(step_id=step.id, kind="score_posted"))
            db.commit()
            log.info("score for step %s sent to %s (attempt %s)", step.id, url, record.score_attempts)
            return ScoreOutcome(record.score_status)
    except AgsError as exc:
        return _fail(db, record, step, str(exc), gone=False, detail=exc.detail, transient=exc.transient)
    return _fail(db, record, step, gone_message(publication, step), gone=True, detail=f"tried {sorted(tried)}")


def send_score(progress_id: int) -> ScoreOutcome:
    """Send now (short AGS calls); never raises for LMS trouble."""
    session = database.session()
    record = session.get(StepProgress, progress_id)
    if record is None:
        return ScoreOutcome(lifecycle.ScoreStatus.NONE.value)
    publication = record.step.publication
    try:
        client = AgsClient.for_registration(
            get_runtime(current_app), publication.registration_id, publication.lineitems_url
        )
    except AgsError as exc:
        lifecycle.score_attempt(record)
        return _fail(session, record, record.step, str(exc), gone=False, detail=exc.detail, transient=exc.transient)
    return deliver(session, progress_id, client)
