"""The worker SIGKILLed in the middle of the LLM call, 20 times on each broker.

Workers run as production runs them (prefork pool, embedded beat for the sweeper). Every kill
lands while a real HTTP request to the OpenAI-compatible endpoint is in flight:
- most kill the pool process running the task (what the kernel's OOM killer does); the
  worker forks a new one at once, so a kill costs about a second;
- every WHOLE_EVERY-th kills the whole worker (process group: main process, pool, beat), as a
  crashed container does, and a new worker starts.
With a 2 s lease and a 1 s sweep a lost job is back in the queue within about 3 s.

Asserted exactly: every job ends ``ready`` with one version; the recoveries recorded equal the
kills; each job's attempts equal its recoveries + 1; the endpoint saw kills + jobs calls.
Bounded: after the last kill, every job is ready within RECOVERY_BOUND_SECONDS.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from sqlalchemy import func, select
from support.fake_openai import FakeOpenAI, fake_openai  # noqa: F401

from tool.db import session
from tool.teacher.job_states import RUNNING
from tool.teacher.models import GenerationJob, SequenceVersion

from .conftest import FaultStack, RedisServer, slow_good_answers, wait_until

KILLS = 20
WHOLE_EVERY = 10  # kills 0 and 10 take down the whole worker; the others its pool process
JOBS = 20  # more jobs than kills: each kill lands on a fresh job while lost ones recover behind it
LLM_DELAY = 0.8  # seconds per answer: the kill lands 0.2 s into the call
LEASE_SECONDS = 2
RECOVERY_BOUND_SECONDS = 120


def _pid_running_a_job(stack: FaultStack, dead: set[int]) -> int | None:
    """The process holding a live lease (its pid is in the lease owner)."""
    with stack.app.app_context():
        db = session()
        db.rollback()
        owners = db.scalars(
            select(GenerationJob.lease_owner).where(
                GenerationJob.status.in_(list(RUNNING)), GenerationJob.lease_owner.is_not(None)
            )
        ).all()
    pids = {int(owner.split(":")[0]) for owner in owners if owner}
    alive = [pid for pid in pids - dead if _alive(pid)]
    return alive[0] if len(alive) == 1 else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.faults
@pytest.mark.parametrize("broker", ["sql", "redis"])
def test_worker_killed_mid_generation_loses_nothing_and_duplicates_nothing(
    broker: str,
    fault_stack,  # type: ignore[no-untyped-def]
    redis_server: RedisServer,
    fake_openai: FakeOpenAI,  # noqa: F811
) -> None:
    slow_good_answers(fake_openai, LLM_DELAY)
    urls: dict[str, str] = {}
    if broker == "redis":
        redis_server.start()
        urls = {"broker_url": redis_server.url(0), "cache_url": redis_server.url(1)}
    stack = fault_stack(
        embedded=broker == "sql",
        **urls,
        SS_GENERATOR="openai",
        SS_LLM_BASE_URL=fake_openai.base_url,
        SS_LLM_API_KEY="sk-test",
        SS_LLM_TIMEOUT_SECONDS="10",
        SS_JOB_LEASE_SECONDS=str(LEASE_SECONDS),
        SS_SWEEP_INTERVAL_SECONDS="1",
        # Every kill costs the job one attempt; the budget must outlast the kills of this test.
        SS_TASK_MAX_RETRIES=str(KILLS + 1),
    )
    job_ids = stack.submit_jobs(JOBS)
    stack.workers.start()
    dead: set[int] = set()
    whole_kills = 0

    for kill in range(KILLS):
        calls_before = len(fake_openai.chat_requests)
        if stack.workers.current is None:
            stack.workers.start()
        wait_until(
            lambda calls_before=calls_before: len(fake_openai.chat_requests) > calls_before,  # type: ignore[misc]
            90,
            f"a worker to call the LLM (worker log:\n{stack.workers.log_tail()})",
        )
        time.sleep(0.2)
        pid = wait_until(lambda: _pid_running_a_job(stack, dead), 10, "the running job's process")
        if kill % WHOLE_EVERY == 0:
            stack.workers.sigkill_worker()
            whole_kills += 1
        else:
            os.kill(pid, signal.SIGKILL)
        dead.add(pid)

    killed_at = time.monotonic()
    if stack.workers.current is None:
        stack.workers.start()

    def all_ready() -> bool:
        with stack.app.app_context():
            db = session()
            db.rollback()
            statuses = db.scalars(select(GenerationJob.status).where(GenerationJob.id.in_(job_ids))).all()
            return all(status == "ready" for status in statuses)

    wait_until(all_ready, RECOVERY_BOUND_SECONDS, f"every job to be ready\n{stack.workers.log_tail()}")
    recovered_in = time.monotonic() - killed_at

    with stack.app.app_context():
        db = session()
        jobs = db.scalars(select(GenerationJob).where(GenerationJob.id.in_(job_ids))).all()
        assert sum(job.recoveries for job in jobs) == KILLS
        for job in jobs:
            assert job.attempts == job.recoveries + 1, (job.id, job.attempts, job.recoveries)
            versions = db.scalar(select(func.count()).where(SequenceVersion.sequence_id == job.sequence_id))
            assert versions == 1
        assert db.scalar(select(func.count()).select_from(SequenceVersion)) == JOBS
        assert set(db.scalars(select(SequenceVersion.job_id)).all()) == set(job_ids)
    assert whole_kills == 2
    assert len(fake_openai.chat_requests) == KILLS + JOBS
    assert recovered_in < RECOVERY_BOUND_SECONDS


@pytest.mark.faults
def test_a_job_whose_worker_died_shows_as_stopped_and_the_teacher_can_retry_at_once(
    fault_stack,  # type: ignore[no-untyped-def]
    fake_openai: FakeOpenAI,  # noqa: F811
) -> None:
    from tool.lti.session import start_session

    from .conftest import REQUEST

    slow_good_answers(fake_openai, LLM_DELAY)
    stack = fault_stack(
        embedded=True,
        SS_GENERATOR="openai",
        SS_LLM_BASE_URL=fake_openai.base_url,
        SS_LLM_API_KEY="sk-test",
        SS_JOB_LEASE_SECONDS=str(LEASE_SECONDS),
        # No sweep during the test's window: the teacher acts before the sweeper would.
        SS_SWEEP_INTERVAL_SECONDS="3600",
    )
    (lost_job,) = stack.submit_jobs(1)
    stack.workers.start()
    wait_until(lambda: fake_openai.chat_requests, 90, f"the worker to call the LLM\n{stack.workers.log_tail()}")
    stack.workers.sigkill_worker()  # and no worker comes back

    with stack.app.app_context():
        job = session().get(GenerationJob, lost_job)
        assert job is not None
        public_id = job_sequence_public_id(job.sequence_id)
    with stack.app.test_request_context():
        lt = start_session(stack.launch())
    client = stack.app.test_client()
    before = client.get(f"/teacher/s/{public_id}/status.json", query_string={"lt": lt}).get_json()
    assert before["active"] is True and before["stopped"] is False  # the lease is still running
    time.sleep(LEASE_SECONDS + 0.5)
    after = client.get(f"/teacher/s/{public_id}/status.json", query_string={"lt": lt}).get_json()
    assert after["stopped"] is True and after["active"] is False
    assert "stopped" in after["label"]

    form = {"lt": lt, **{key: value for key, value in REQUEST.items() if value}}
    retried = client.post(f"/teacher/s/{public_id}/retry", data=form)
    assert retried.status_code == 302
    with stack.app.app_context():
        db = session()
        db.rollback()
        jobs = db.scalars(select(GenerationJob).order_by(GenerationJob.id)).all()
        assert [j.status for j in jobs] == ["failed", "queued"]  # the lost one is closed, not left to finish
    stack.workers.start()

    def new_job_ready() -> bool:
        with stack.app.app_context():
            db = session()
            db.rollback()
            return db.scalars(select(GenerationJob.status).order_by(GenerationJob.id)).all() == ["failed", "ready"]

    wait_until(new_job_ready, 90, f"the retried job\n{stack.workers.log_tail()}")
    with stack.app.app_context():
        assert session().scalar(select(func.count()).select_from(SequenceVersion)) == 1
    assert len(fake_openai.chat_requests) == 2


def job_sequence_public_id(sequence_id: int) -> str:
    from tool.teacher.models import Sequence as SequenceRow

    row = session().get(SequenceRow, sequence_id)
    assert row is not None
    return row.public_id
