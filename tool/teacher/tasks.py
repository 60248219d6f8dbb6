"""Background generation: one Celery task that runs one ``GenerationJob`` row, and the sweeper.

Contract:
- The task takes a job id and re-reads everything; the job's ``payload`` is already
  redacted, so the worker never handles student names.
- Idempotent: a run first *claims* the job (a lease, compare-and-set in
  ``tool.teacher.job_states``), so two deliveries never run it at once; a version carries
  its job id under a unique constraint, so a job never adds two versions.
- While it runs, a heartbeat renews the lease. A worker that dies stops renewing; the
  beat-driven ``sweep_jobs`` puts the job back in the queue and dispatches it again, and
  also dispatches jobs the broker never received (it was down when the teacher submitted).
- One retry budget: ``settings.task_max_retries + 1`` attempts in all (a run whose worker
  was lost counts), within ``settings.generation_deadline_seconds`` from the first start.
  Only ``TransientGenerationError`` is retried, by Celery (``autoretry_for`` with backoff
  and jitter); the SDK's own retries are off by default so the teacher's "we tried N
  times" counts every call to the provider.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tool import db as database
from tool.db import utcnow
from tool.generation import usage_ledger
from tool.generation.backend import GenerationError, Stage, TransientGenerationError
from tool.generation.model import GenerationResult, Sequence, SequenceRequest
from tool.teacher import job_states, queries
from tool.teacher.job_states import FINISHED, JobState
from tool.teacher.models import GenerationJob, SequenceVersion
from tool.teacher.models import Sequence as SequenceRow

log = logging.getLogger(__name__)

RETRY_BACKOFF_FACTOR = 2  # seconds; Celery's n-th retry waits up to 2 * 2**n (full jitter)
RETRY_BACKOFF_MAX = 60
UNEXPECTED_REASON = (
    "Something went wrong on our side while writing the sequence. Please try again; "
    "if it keeps happening, tell your administrator."
)
DEADLINE_REASON = "Writing the sequence took too long and was stopped. Please try again."


def tried_phrase(attempts: int, sdk_retries: int) -> str:
    """The retry budget in the teacher's words, counting every call to the provider."""
    times = "once" if attempts == 1 else f"{attempts} times"
    if sdk_retries == 0:
        return f"We tried {times}"
    return f"We tried {times}, each with up to {sdk_retries} quick repeats"


def _settings() -> Any:
    return current_app.config["SETTINGS"]


def _set_status(job_id: int, status: Stage, owner: str | None = None) -> None:
    """Record a progress stage in its own short transaction so the web page sees it at once."""
    with Session(database.engine()) as own, own.begin():
        job = own.get(GenerationJob, job_id)
        if job is None or job.status in FINISHED or job.status == status:
            return
        if owner is not None and job.lease_owner != owner:
            return  # another run took the job over
        job_states.move(own, job, JobState(status), reason=job.error_reason)


def _fresh_job(db: Session, job_id: int) -> GenerationJob | None:
    """The job as the database has it now (progress is written by other sessions)."""
    db.rollback()
    return db.get(GenerationJob, job_id, populate_existing=True)


def _fail(job_id: int, reason: str) -> None:
    db = database.session()
    job = _fresh_job(db, job_id)
    if job is None or job.status in FINISHED:
        return
    job_states.move(db, job, JobState.FAILED, reason=reason)
    db.commit()


class Heartbeat:
    """Renews the job's lease every third of its length while the run is alive."""

    def __init__(self, engine: Engine, job_id: int, owner: str, lease_seconds: int) -> None:
        self._engine, self._job_id, self._owner, self._lease = engine, job_id, owner, lease_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job_id}", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._lease / 3):
            try:
                with Session(self._engine) as db:
                    if not job_states.renew(db, self._job_id, self._owner, self._lease):
                        return
            except Exception:  # a database blip: the next beat tries again
                log.warning("could not renew the lease of job %s", self._job_id, exc_info=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _generate(job: GenerationJob, progress: Any) -> GenerationResult:
    from tool.generation.factory import make_generator

    generator = make_generator(current_app.config["SETTINGS"])
    request = SequenceRequest.model_validate(job.payload["request"])
    if job.kind == "task":
        base = Sequence.model_validate(job.payload["sequence"])
        assert job.task_index is not None
        return generator.regenerate_task(request, base, job.task_index, progress)
    return generator.generate(request, progress)


def _content_for(
    db: Session, job: GenerationJob, sequence: SequenceRow, result: GenerationResult
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
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


def _store_result(job_id: int, owner: str, result: GenerationResult) -> bool:
    """Write the version and finish the job; False if another run already did or holds it.

    A teacher's edit saved at the same moment can take the version number first: then the result is
    written again under the next number (neither is lost).
    """
    for _attempt in range(queries.VERSION_ATTEMPTS):
        stored = _try_store_result(job_id, owner, result)
        if stored is not None:
            return stored
    return False


def _try_store_result(job_id: int, owner: str, result: GenerationResult) -> bool | None:
    """One attempt; None when the version number was taken meanwhile (try again)."""
    db = database.session()
    db.rollback()
    job = db.scalars(
        select(GenerationJob)
        .where(GenerationJob.id == job_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    # Ours, or put back in the queue after our lease ran out and not yet taken by another run.
    if job.status in FINISHED or job.lease_owner not in (owner, None):
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
    sequence.updated_at = utcnow()
    job_states.move(db, job, JobState.READY)
    try:
        db.commit()
    except IntegrityError:
        # The number was taken meanwhile: by a concurrent run of this job (the next attempt finds the
        # job finished and stops) or by a teacher's edit (the next attempt takes the next number).
        db.rollback()
        return None
    return True


def _deadline_passed(job: GenerationJob, wait_seconds: float = 0.0) -> bool:
    if job.started_at is None:
        return False
    deadline = job.started_at + timedelta(seconds=_settings().generation_deadline_seconds)
    return utcnow() + timedelta(seconds=wait_seconds) >= deadline


def _gave_up(job: GenerationJob, reason: str) -> str:
    settings = _settings()
    return f"{reason} {tried_phrase(job.attempts, settings.llm_max_retries)}; please try again in a few minutes."


def execute_job(job_id: int, *, retries_done: int = 0) -> None:
    """Run job ``job_id`` once. Re-raises ``TransientGenerationError`` when a retry fits the budget.

    ``retries_done`` is Celery's count for this message; it only sizes the next backoff.
    """
    settings = _settings()
    db = database.session()
    job = _fresh_job(db, job_id)
    if job is None or job.status in FINISHED:
        return
    sequence = db.get(SequenceRow, job.sequence_id, populate_existing=True)
    if sequence is None or sequence.deleted_at is not None:
        _fail(job_id, "The sequence was deleted before it was written.")
        return
    budget = settings.task_max_retries + 1
    no_live_run = job.lease_expires_at is None or job_states.lease_lost(job)
    if job.attempts >= budget and no_live_run:
        # The last allowed attempt lost its worker.
        _fail(job_id, _gave_up(job, "The background writer stopped while writing this."))
        return
    if _deadline_passed(job):
        _fail(job_id, DEADLINE_REASON)
        return
    owner = job_states.claim(db, job_id, settings.job_lease_seconds)
    if owner is None:
        return  # another run holds the job (a duplicate delivery) or it just finished
    job = _fresh_job(db, job_id)
    assert job is not None
    with Heartbeat(database.engine(), job_id, owner, settings.job_lease_seconds):
        try:
            result = _generate(job, lambda stage: _set_status(job_id, stage, owner))
        except TransientGenerationError as exc:
            usage_ledger.record_job(db, job_id, "retrying", exc)  # failed attempts cost tokens too
            job = _fresh_job(db, job_id)
            assert job is not None
            backoff = min(RETRY_BACKOFF_MAX, RETRY_BACKOFF_FACTOR * 2**retries_done)
            if job.attempts >= budget:
                _fail(job_id, _gave_up(job, exc.reason))
                return
            if _deadline_passed(job, backoff):
                _fail(job_id, DEADLINE_REASON)
                return
            _wait_for_retry(job_id, owner, exc.reason)
            raise
        except GenerationError as exc:
            usage_ledger.record_job(db, job_id, "failed", exc)
            _fail(job_id, exc.reason)
            return
        except SoftTimeLimitExceeded:
            _fail(job_id, DEADLINE_REASON)
            return
        except Exception:
            log.exception("generation job %s failed unexpectedly", job_id)
            _fail(job_id, UNEXPECTED_REASON)
            return
        usage_ledger.record_job(db, job_id, "ready", result)
        _store_result(job_id, owner, result)


def _wait_for_retry(job_id: int, owner: str, reason: str) -> None:
    db = database.session()
    job = _fresh_job(db, job_id)
    if job is not None and job.status not in FINISHED and job.lease_owner == owner:
        job_states.move(db, job, JobState.QUEUED, reason=f"{reason} Trying again shortly.")
        job.dispatched_at = utcnow()  # Celery holds the retry message until its countdown ends
        db.commit()


@shared_task(
    bind=True,
    name="teacher.run_generation_job",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientGenerationError,),
    retry_backoff=RETRY_BACKOFF_FACTOR,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=None,  # the budget is the job's attempts (execute_job), which survive lost workers
)
def run_generation_job(self: Any, job_id: int) -> None:
    """Celery entry point; see the module docstring for the contract."""
    execute_job(job_id, retries_done=int(self.request.retries or 0))


def enqueue(job_id: int) -> None:
    """Hand job ``job_id`` to the worker (called after the job row is committed)."""
    run_generation_job.delay(job_id)


def dispatch(db: Session, job_id: int) -> bool:
    """Enqueue and record it; False (and the job stays undispatched) when the broker is down."""
    try:
        enqueue(job_id)
    except Exception:
        log.warning("could not hand generation job %s to the broker; the sweeper will try again", job_id)
        return False
    job_states.mark_dispatched(db, job_id)
    return True


def sweep(db: Session) -> dict[str, int]:
    """Re-dispatch jobs whose worker was lost and jobs the broker never got; idempotent."""
    settings = _settings()
    recovered = job_states.recover_lost(db)
    stale_after = timedelta(seconds=RETRY_BACKOFF_MAX + 4 * settings.job_lease_seconds)
    waiting = [i for i in job_states.undispatched(db, stale_after=stale_after) if i not in recovered]
    dispatched = 0
    for job_id in [*recovered, *waiting]:
        if not dispatch(db, job_id):
            break  # the broker is down: everything waits for the next sweep
        dispatched += 1
    if recovered or waiting:
        log.info("sweeper: %d lost, %d waiting, %d dispatched", len(recovered), len(waiting), dispatched)
    return {"recovered": len(recovered), "waiting": len(waiting), "dispatched": dispatched}


@shared_task(name="teacher.sweep_jobs", ignore_result=True)
def sweep_jobs() -> dict[str, int]:
    """Run by Celery beat every ``SS_SWEEP_INTERVAL_SECONDS`` (and once when a worker starts)."""
    return sweep(database.session())
