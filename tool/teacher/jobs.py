"""Starting generation jobs: redact first, save, then enqueue.

The job row is committed before the message is published, so the worker always
finds it. If the broker cannot be reached the job stays queued with the teacher's
inputs, marked as not yet dispatched; the sweeper (``tasks.sweep``) hands it over
when the broker is back.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from tool.generation.model import Sequence, SequenceRequest
from tool.lti.launch import Launch
from tool.lti.nrps import Member
from tool.teacher import job_states, privacy, tasks
from tool.teacher.job_states import JobState
from tool.teacher.models import GenerationJob, User
from tool.teacher.models import Sequence as SequenceRow

log = logging.getLogger(__name__)
BROKER_DOWN_NOTE = (
    "The background writer cannot be reached just now. Your request is saved and will start "
    "by itself as soon as it is back; you do not need to type it again."
)


def start_job(
    db: Session,
    launch: Launch,
    row: SequenceRow,
    *,
    created_by: User,
    roster: list[Member] | None,
    kind: str = "full",
    task_index: int | None = None,
    base: Sequence | None = None,
) -> GenerationJob:
    """Create, commit and enqueue a job for ``row``; the payload is redacted here."""
    redactor = privacy.job_redactor(launch, row, roster, db)
    request = redactor.model(SequenceRequest.model_validate(row.inputs))
    payload: dict[str, object] = {"request": request.model_dump(mode="json"), "sequence": None}
    payload["hidden_words"] = list(redactor.hidden)
    if base is not None:
        # Only what the teacher wrote or changed is redacted; the model's own text is left as it is.
        payload["sequence"] = redactor.model(base, keep=privacy.model_output(db, row)).model_dump(mode="json")
    job_states.supersede_stopped(db, row.id)
    job = GenerationJob(
        sequence_id=row.id,
        kind=kind,
        task_index=task_index,
        base_version=row.current_version if kind == "task" else None,
        status=JobState.QUEUED,
        attempts=0,
        payload=payload,
        redactions=redactor.restorations(),
        created_by_id=created_by.id,
    )
    db.add(job)
    job_states.created(db, job)
    db.commit()
    if not tasks.dispatch(db, job.id):
        job.error_reason = BROKER_DOWN_NOTE
        db.commit()
    return job
