"""The job state machine, its lease and the sweeper, and the cache's fallback, in-process and fast."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from tool.db import session, utcnow
from tool.kv_store import FallbackKeyValueStore, RedisKeyValueStore, SqlKeyValueStore
from tool.teacher import job_states, tasks
from tool.teacher.job_states import IllegalTransition, JobState
from tool.teacher.models import GenerationJob
from tool.teacher.models import Sequence as SequenceRow

from .conftest import FaultStack, RedisServer


@pytest.fixture
def stack(fault_stack) -> FaultStack:  # type: ignore[no-untyped-def]
    return fault_stack(embedded=True, SS_JOB_LEASE_SECONDS="30")  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("queued", JobState.DRAFTING, True),
        ("queued", JobState.CHECKING, False),
        ("drafting", JobState.REPAIRING, True),
        ("checking", JobState.QUEUED, True),  # waiting for a retry, or its worker was lost
        ("repairing", JobState.READY, True),
        ("ready", JobState.QUEUED, False),
        ("failed", JobState.DRAFTING, False),
    ],
)
def test_transitions_are_checked_in_one_place(current: str, new: JobState, allowed: bool) -> None:
    if allowed:
        job_states.check_transition(current, new)
    else:
        with pytest.raises(IllegalTransition):
            job_states.check_transition(current, new)


def test_the_database_refuses_an_unknown_state(stack: FaultStack) -> None:
    (job_id,) = stack.submit_jobs(1)
    with stack.app.app_context():
        db = session()
        with pytest.raises(IntegrityError):
            db.execute(update(GenerationJob).where(GenerationJob.id == job_id).values(status="stuck"))
        db.rollback()


def test_a_claim_is_exclusive_until_the_lease_runs_out(stack: FaultStack) -> None:
    (job_id,) = stack.submit_jobs(1)
    with stack.app.app_context():
        db = session()
        first = job_states.claim(db, job_id, 30)
        assert first is not None
        assert job_states.claim(db, job_id, 30) is None  # a duplicate delivery does not run it
        job = db.get(GenerationJob, job_id, populate_existing=True)
        assert job is not None and job.status == "drafting" and job.attempts == 1 and job.recoveries == 0
        assert job_states.blocks_new_job(job)
        row = db.get(SequenceRow, job.sequence_id)
        assert row is not None and row.status == "drafting"  # derived from the job
        job.lease_expires_at = utcnow() - timedelta(seconds=1)  # its worker died
        db.commit()
        assert job_states.lease_lost(job) and not job_states.blocks_new_job(job)
        assert job_states.label_for(job) == job_states.STOPPED_LABEL
        second = job_states.claim(db, job_id, 30)
        assert second is not None and second != first
        job = db.get(GenerationJob, job_id, populate_existing=True)
        assert job is not None and job.attempts == 2 and job.recoveries == 1
        assert not job_states.renew(db, job_id, first, 30)  # the old run no longer holds it
        assert job_states.renew(db, job_id, second, 30)


def test_the_sweeper_requeues_lost_jobs_and_dispatches_undispatched_ones_once(
    stack: FaultStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost, never_sent, just_sent, running = stack.submit_jobs(4)
    sent: list[int] = []
    monkeypatch.setattr(tasks, "enqueue", sent.append)
    with stack.app.app_context():
        db = session()
        long_ago = utcnow() - timedelta(minutes=1)
        assert job_states.claim(db, lost, 30) and job_states.claim(db, running, 30)
        db.execute(update(GenerationJob).where(GenerationJob.id == lost).values(lease_expires_at=long_ago))
        db.execute(
            update(GenerationJob)
            .where(GenerationJob.id == never_sent)
            .values(dispatched_at=None, created_at=long_ago)
        )
        db.commit()
        assert tasks.sweep(db) == {"recovered": 1, "waiting": 1, "dispatched": 2}
        assert sorted(sent) == sorted([lost, never_sent])
        job = db.get(GenerationJob, lost, populate_existing=True)
        assert job is not None and job.status == "queued" and job.recoveries == 1 and job.dispatched_at is not None
        assert job.error_reason == job_states.LOST_WORKER_NOTE
        assert tasks.sweep(db) == {"recovered": 0, "waiting": 0, "dispatched": 0}  # idempotent
        assert just_sent not in sent and running not in sent


def test_a_broker_still_down_leaves_jobs_for_the_next_sweep(stack: FaultStack, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(_job_id: int) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks, "enqueue", down)
    (job_id,) = stack.submit_jobs(1)
    with stack.app.app_context():
        db = session()
        job = db.get(GenerationJob, job_id)
        assert job is not None and job.dispatched_at is None and job.status == "queued"
        job.created_at = utcnow() - timedelta(minutes=1)
        db.commit()
        assert tasks.sweep(db) == {"recovered": 0, "waiting": 1, "dispatched": 0}
        monkeypatch.setattr(tasks, "enqueue", lambda _job_id: None)
        assert tasks.sweep(db) == {"recovered": 0, "waiting": 1, "dispatched": 1}
        assert tasks.sweep(db)["waiting"] == 0


def test_the_cache_falls_back_to_sql_while_redis_is_down_and_remembers_after(
    stack: FaultStack, redis_server: RedisServer
) -> None:
    store = FallbackKeyValueStore(
        RedisKeyValueStore(redis_server.url(3)), SqlKeyValueStore(stack.app.extensions["db_engine"])
    )
    store.set("launch:during", "kept", 600)  # Redis is not running: no exception
    assert store.get("launch:during") == "kept"
    assert store.add("nonce:used", "1", 600) is True
    redis_server.start()
    store._down_until = 0.0  # do not wait out the one-second back-off in a test
    assert store.get("launch:during") == "kept"  # written during the outage, found after it
    assert store.add("nonce:used", "1", 600) is False  # a nonce used during the outage stays used
    assert store.take("launch:during") == "kept" and store.take("launch:during") is None
    store.set("after", "in redis", 600)
    assert store.get("after") == "in redis"
