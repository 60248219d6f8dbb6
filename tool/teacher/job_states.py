"""The one owner of generation-job and sequence states: every write of either goes through here.

A job moves ``queued -> drafting -> (checking | repairing)* -> ready | failed``; from any
active state it may go back to ``queued`` (waiting for a retry, or its worker was lost).
``ready`` and ``failed`` are final: trying again is a new job.

A running job holds a *lease* (``lease_expires_at``) that its worker renews while it runs;
a job whose lease ran out lost its worker (killed, out of memory, redeployed). Such a job is
shown as stopped, the teacher may start again at once, and the sweeper re-dispatches it.

The sequence's status is derived, never set by hand: it follows its newest job until the
sequence has a version, and is ``ready`` from then on (see ``sequence_status``).
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session

from tool.db import utcnow

if TYPE_CHECKING:
    from tool.teacher.models import GenerationJob
    from tool.teacher.models import Sequence as SequenceRow


class JobState(StrEnum):
    QUEUED = "queued"
    DRAFTING = "drafting"
    CHECKING = "checking"
    REPAIRING = "repairing"
    READY = "ready"
    FAILED = "failed"


ACTIVE = frozenset({JobState.QUEUED, JobState.DRAFTING, JobState.CHECKING, JobState.REPAIRING})
FINISHED = frozenset({JobState.READY, JobState.FAILED})
RUNNING = ACTIVE - {JobState.QUEUED}

# The sequence shows its newest job's state until it has a version: the same values.
SequenceStatus = JobState

# Running states follow the generator's progress in any order; a lost run that finished after
# its job was put back in the queue may still deliver (queued -> ready).
TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.DRAFTING, *FINISHED}),
    **{state: frozenset({*RUNNING, JobState.QUEUED, *FINISHED}) for state in RUNNING},
    JobState.READY: frozenset(),
    JobState.FAILED: frozenset(),
}

LOST_WORKER_NOTE = "The background writer stopped while working on this; it is starting again."
STOPPED_LABEL = "The background writer stopped; it will start again shortly, or you can try again now"
SUPERSEDED_REASON = "Replaced by a newer attempt."

# After the states: models.py builds its check constraints from them (a circular import).
from tool.teacher import models  # noqa: E402


class IllegalTransition(RuntimeError):
    pass


def check_transition(current: str, new: JobState) -> None:
    if new not in TRANSITIONS[JobState(current)]:
        raise IllegalTransition(f"a job cannot go from {current} to {new}")


def sequence_status(row: SequenceRow, newest_job: GenerationJob | None) -> SequenceStatus:
    """Derived: ready once a version exists, else the newest job's state."""
    if row.current_version is not None:
        return SequenceStatus.READY
    return SequenceStatus(newest_job.status) if newest_job is not None else SequenceStatus.QUEUED


def _newest_job(db: Session, sequence_id: int) -> GenerationJob | None:
    return db.scalars(
        select(models.GenerationJob)
        .where(models.GenerationJob.sequence_id == sequence_id)
        .order_by(models.GenerationJob.id.desc())
        .limit(1)
    ).first()


def sync_sequence(db: Session, sequence: SequenceRow) -> None:
    """Store the derived status on the row (lists read it without joining jobs)."""
    db.flush()
    sequence.status = sequence_status(sequence, _newest_job(db, sequence.id))


def move(db: Session, job: GenerationJob, new: JobState, *, reason: str | None = None) -> None:
    """Apply one transition to ``job`` (and its sequence); the caller commits."""
    check_transition(job.status, new)
    job.status = new
    job.error_reason = reason
    if new in FINISHED:
        job.finished_at = utcnow()
    if new in FINISHED or new is JobState.QUEUED:
        job.lease_expires_at = None
        job.lease_owner = None
    sequence = db.get(models.Sequence, job.sequence_id)
    if sequence is not None:
        sync_sequence(db, sequence)


def created(db: Session, job: GenerationJob) -> None:
    """A new job (status ``queued``) was added to the session: its sequence follows it."""
    job.status = JobState.QUEUED
    sequence = db.get(models.Sequence, job.sequence_id)
    if sequence is not None:
        sync_sequence(db, sequence)


# -- leases -----------------------------------------------------------------------------------


def lease_lost(job: GenerationJob, now: datetime | None = None) -> bool:
    """True when the job was running and its worker stopped renewing the lease."""
    if job.status not in ACTIVE or job.lease_expires_at is None:
        return False
    return job.lease_expires_at < (now or utcnow())


def blocks_new_job(job: GenerationJob | None) -> bool:
    """Whether a retry or regenerate must wait: only for a job that is really still going."""
    return job is not None and job.status in ACTIVE and not lease_lost(job)


def label_for(job: GenerationJob) -> str | None:
    """A label overriding the plain state's, for a job whose worker was lost."""
    return STOPPED_LABEL if lease_lost(job) else None


def claim(db: Session, job_id: int, lease_seconds: int) -> str | None:
    """Take the job for this run: queued, or running with a lease that ran out.

    Compare-and-set in one UPDATE, so two deliveries of one job never both run it.
    Returns the lease owner token, or None when another run holds it or it is finished.
    """
    now = utcnow()
    owner = f"{os.getpid()}:{secrets.token_hex(6)}"  # which process holds it, for operators and tests
    result = db.execute(
        update(models.GenerationJob)
        .where(
            models.GenerationJob.id == job_id,
            models.GenerationJob.status.in_(list(ACTIVE)),
            or_(models.GenerationJob.lease_expires_at.is_(None), models.GenerationJob.lease_expires_at < now),
        )
        .values(
            status=JobState.DRAFTING,
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=models.GenerationJob.attempts + 1,
            # A lease that ran out and was not yet swept: this run is a recovery too.
            recoveries=models.GenerationJob.recoveries
            + case((models.GenerationJob.lease_expires_at.is_not(None), 1), else_=0),
            started_at=case((models.GenerationJob.started_at.is_(None), now), else_=models.GenerationJob.started_at),
            error_reason=None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.rollback()
        return None
    job = db.get(models.GenerationJob, job_id, populate_existing=True)
    assert job is not None
    sequence = db.get(models.Sequence, job.sequence_id)
    if sequence is not None:
        sync_sequence(db, sequence)
    db.commit()
    return owner


def renew(db: Session, job_id: int, owner: str, lease_seconds: int) -> bool:
    """Heartbeat: extend our lease; False when the job is no longer ours (finished or taken over)."""
    result = db.execute(
        update(models.GenerationJob)
        .where(
            models.GenerationJob.id == job_id,
            models.GenerationJob.lease_owner == owner,
            models.GenerationJob.status.in_(list(RUNNING)),
        )
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    db.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def recover_lost(db: Session, now: datetime | None = None) -> list[int]:
    """Jobs whose worker was lost go back to ``queued`` (one recovery each); returns their ids."""
    now = now or utcnow()
    lost = db.scalars(
        select(models.GenerationJob)
        .where(models.GenerationJob.status.in_(list(RUNNING)), models.GenerationJob.lease_expires_at < now)
        .with_for_update(skip_locked=True)
    ).all()
    for job in lost:
        job.recoveries += 1
        move(db, job, JobState.QUEUED, reason=LOST_WORKER_NOTE)
        job.dispatched_at = None
    db.commit()
    return [job.id for job in lost]


def undispatched(db: Session, *, stale_after: timedelta, now: datetime | None = None) -> list[int]:
    """Queued jobs no worker holds: never dispatched (the broker was down), or dispatched so
    long ago that the message must have been lost."""
    now = now or utcnow()
    rows = db.scalars(
        select(models.GenerationJob.id).where(
            models.GenerationJob.status == JobState.QUEUED,
            models.GenerationJob.lease_expires_at.is_(None),
            or_(
                models.GenerationJob.dispatched_at.is_(None)
                & (models.GenerationJob.created_at < now - timedelta(seconds=2)),
                models.GenerationJob.dispatched_at < now - stale_after,
            ),
        )
    ).all()
    return list(rows)


def mark_dispatched(db: Session, job_id: int) -> None:
    db.execute(
        update(models.GenerationJob)
        .where(models.GenerationJob.id == job_id)
        .values(dispatched_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.commit()


def supersede_stopped(db: Session, sequence_id: int) -> None:
    """Before a new job starts: a job of this sequence whose worker was lost is closed, so it
    can never finish later and add a second version behind the new one."""
    for job in db.scalars(
        select(models.GenerationJob).where(
            models.GenerationJob.sequence_id == sequence_id, models.GenerationJob.status.in_(list(ACTIVE))
        )
    ):
        if lease_lost(job):
            move(db, job, JobState.FAILED, reason=SUPERSEDED_REASON)
