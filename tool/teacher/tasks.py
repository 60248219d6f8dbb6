"""Background generation: one Celery task that runs one ``GenerationJob`` row.

Contract:
- The task takes a job id and re-reads everything; the job's ``payload`` is already
  redacted, so the worker never handles student names.
- Idempotent: a job that is ready or failed is a no-op, and a version carries its
  job id under a unique constraint, so two runs of one job never add two versions.
- The job row moves through drafting -> checking -> repairing as the generator
  reports progress, and ends ``ready`` or ``failed`` with a reason in plain words.
- Only ``TransientGenerationError`` is retried, with exponential backoff and full
  jitter, up to ``settings.task_max_retries`` times; other errors fail at once.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tool import db as database
from tool.db import utcnow
from tool.generation.backend import GenerationError, Stage, TransientGenerationError
from tool.generation.model import GenerationResult, Sequence, SequenceRequest
from tool.teacher import queries
from tool.teacher.models import FINISHED_JOB_STATES, GenerationJob, SequenceVersion
from tool.teacher.models import Sequence as SequenceRow

log = logging.getLogger(__name__)

RETRY_BACKOFF_FACTOR = 2  # seconds; the n-th retry waits up to 2 * 2**n
RETRY_BACKOFF_MAX = 60
UNEXPECTED_REASON = (
    "Something went wrong on our side while writing the sequence. Please try again; "
    "if it keeps happening, tell your administrator."
)


class JobRetry(Exception):
    """Raised by ``execute_job`` when the Celery task should retry later."""

    def __init__(self, error: TransientGenerationError) -> None:
        super().__init__(error.reason)
        self.error = error


def _set_status(job_id: int, status: Stage) -> None:
    """Record a progress stage in its own short transaction so the web page sees it at once."""
    with Session(database.engine()) as own, own.begin():
        job = own.get(GenerationJob, job_id)
        if job is not None and job.status not in FINISHED_JOB_STATES:
            job.status = status
            sequence = own.get(SequenceRow, job.sequence_id)
            if sequence is not None and sequence.current_version is None:
                sequence.status = status


def _fresh_job(db: Session, job_id: int) -> GenerationJob | None:
    """The job as the database has it now (progress is written by other sessions)."""
    db.rollback()
    return db.get(GenerationJob, job_id, populate_existing=True)


def _fail(job_id: int, reason: str) -> None:
    db = database.session()
    job = _fresh_job(db, job_id)
    if job is None or job.status in FINISHED_JOB_STATES:
        return
    job.status = "failed"
    job.error_reason = reason
    job.finished_at = utcnow()
    sequence = db.get(SequenceRow, job.sequence_id)
    if sequence is not None and sequence.current_version is None:
        sequence.status = "failed"
    db.commit()


def _generate(job: GenerationJob, progress: Any) -> GenerationResult:
    from tool.generation.factory import make_generator

    generator = make_generator(current_app.config["SETTINGS"])
    request = SequenceRequest.model_validate(job.payload["request"])
    if job.kind == "task":
        base = Sequence.model_validate(job.payload["sequence"])
        assert job.task_index is not None
        return generator.regenerate_task(request, base, job.task_index, progress)
    return generator.generate(request, progress)


def _content_for(db: Session, job: GenerationJob, sequence: SequenceRow, result: GenerationResult) -> tuple[
    dict[str, Any], list[dict[str, Any]]
]:
    """The new version's content and findings.

    A task job splices its one task into the *current* version, so edits the teacher
    saved while the job ran are kept; the splice is re-checked as a whole.
    """
    findings = [f.model_dump(mode="json") for f in result.meta.findings]
    if job.kind != "task" or sequence.current_version is None:
        return result.sequence.model_dump(mode="json"), findings
    current = queries.current_version(db, sequence)
    assert current is not None
    merged = Sequence.model_validate(current.content)
    assert job.task_index is not None
    if job.task_index < len(merged.tasks) and job.task_index < len(result.sequence.tasks):
        merged.tasks[job.task_index] = result.sequence.tasks[job.task_index]
    from tool.generation.checker import check_sequence

    request = SequenceRequest.model_validate(sequence.inputs)
    return merged.model_dump(mode="json"), [
        f.model_dump(mode="json") for f in check_sequence(merged, request, require_own_fields=True)
    ]


def _store_result(job_id: int, result: GenerationResult) -> bool:
    """Write the version and finish the job; False if another run already did."""
    db = database.session()
    db.rollback()
    job = db.scalars(
        select(GenerationJob)
        .where(GenerationJob.id == job_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if job.status in FINISHED_JOB_STATES:
        db.rollback()
        return False
    sequence = db.get(SequenceRow, job.sequence_id, populate_existing=True)
    assert sequence is not None
    content, findings = _content_for(db, job, sequence, result)
    number = queries.next_version_number(db, sequence)
    db.add(
        SequenceVersion(
            sequence_id=sequence.id,
            number=number,
            content=content,
            findings=findings,
            meta=result.meta.model_dump(mode="json"),
            source="regenerated_task" if job.kind == "task" else "generated",
            job_id=job.id,
            created_by_id=job.created_by_id,
        )
    )
    sequence.current_version = number
    sequence.status = "ready"
    sequence.updated_at = utcnow()
    job.status = "ready"
    job.error_reason = None
    job.finished_at = utcnow()
    try:
        db.commit()
    except IntegrityError:
        # A concurrent run of the same job wrote its version first.
        db.rollback()
        return False
    return True


def execute_job(job_id: int, *, retries_left: int) -> None:
    """Run job ``job_id`` once. Raises ``JobRetry`` when a retry is worthwhile."""
    db = database.session()
    job = _fresh_job(db, job_id)
    if job is None or job.status in FINISHED_JOB_STATES:
        return
    sequence = db.get(SequenceRow, job.sequence_id, populate_existing=True)
    if sequence is None or sequence.deleted_at is not None:
        _fail(job_id, "The sequence was deleted before it was written.")
        return
    job.attempts += 1
    job.started_at = job.started_at or utcnow()
    job.error_reason = None
    db.commit()
    _set_status(job_id, "drafting")
    try:
        result = _generate(job, lambda stage: _set_status(job_id, stage))
    except TransientGenerationError as exc:
        if retries_left > 0:
            _note_retry(job_id, exc.reason)
            raise JobRetry(exc) from exc
        _fail(job_id, f"{exc.reason} We tried {job.attempts} times; please try again in a few minutes.")
        return
    except GenerationError as exc:
        _fail(job_id, exc.reason)
        return
    except SoftTimeLimitExceeded:
        _fail(job_id, "Writing the sequence took too long and was stopped. Please try again.")
        return
    except Exception:
        log.exception("generation job %s failed unexpectedly", job_id)
        _fail(job_id, UNEXPECTED_REASON)
        return
    _store_result(job_id, result)


def _note_retry(job_id: int, reason: str) -> None:
    db = database.session()
    job = _fresh_job(db, job_id)
    if job is not None and job.status not in FINISHED_JOB_STATES:
        job.status = "queued"
        job.error_reason = f"{reason} Trying again shortly."
        db.commit()


@shared_task(bind=True, name="teacher.run_generation_job", acks_late=True)
def run_generation_job(self: Any, job_id: int) -> None:
    """Celery entry point; see the module docstring for the contract."""
    max_retries = int(current_app.config["SETTINGS"].task_max_retries)
    retries_done = int(self.request.retries or 0)
    try:
        execute_job(job_id, retries_left=max_retries - retries_done)
    except JobRetry as exc:
        countdown = get_exponential_backoff_interval(
            factor=RETRY_BACKOFF_FACTOR, retries=retries_done, maximum=RETRY_BACKOFF_MAX, full_jitter=True
        )
        raise self.retry(exc=exc.error, countdown=countdown, max_retries=max_retries) from exc


def enqueue(job_id: int) -> None:
    """Hand job ``job_id`` to the worker (called after the job row is committed)."""
    run_generation_job.delay(job_id)
