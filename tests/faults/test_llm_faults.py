"""A failing LLM endpoint, through Celery's own retry machinery (``autoretry_for``).

The task runs with ``apply()`` (in this process, retries included, countdowns skipped) against a
real OpenAI-compatible server on loopback. Each fault either recovers or ends in a clear failed
state with the teacher's inputs intact and a retry allowed; every call to the endpoint is counted,
so "we tried N times" is checked against what the endpoint saw.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from support.fake_openai import FakeOpenAI, Reply, fake_openai  # noqa: F401

from tool.db import session, utcnow
from tool.teacher import job_states
from tool.teacher.models import GenerationJob, SequenceVersion
from tool.teacher.models import Sequence as SequenceRow
from tool.teacher.tasks import DEADLINE_REASON, run_generation_job

from .conftest import REQUEST, FaultStack, good_answer

TIMEOUT = 0.5


def _stack(fault_stack, server: FakeOpenAI, **extra: str) -> FaultStack:  # type: ignore[no-untyped-def]
    return fault_stack(  # type: ignore[no-any-return]
        SS_GENERATOR="openai",
        SS_LLM_BASE_URL=server.base_url,
        SS_LLM_API_KEY="sk-test",
        SS_LLM_TIMEOUT_SECONDS=str(TIMEOUT),
        **extra,
    )


def _run(stack: FaultStack) -> GenerationJob:
    (job_id,) = stack.submit_jobs(1)
    with stack.app.app_context():
        run_generation_job.apply(args=[job_id])
        db = session()
        db.rollback()
        job = db.get(GenerationJob, job_id)
        assert job is not None
        db.expunge(job)
        return job


def _versions(stack: FaultStack, job: GenerationJob) -> int:
    with stack.app.app_context():
        return session().scalar(select(func.count()).where(SequenceVersion.sequence_id == job.sequence_id)) or 0


def _assert_clean_failure(stack: FaultStack, job: GenerationJob) -> None:
    assert job.status == "failed"
    assert job.error_reason and "Traceback" not in job.error_reason and "Error" not in job.error_reason
    assert not job_states.blocks_new_job(job)  # the teacher may try again at once
    with stack.app.app_context():
        row = session().get(SequenceRow, job.sequence_id)
        assert row is not None and row.inputs == REQUEST and row.status == "failed"
    assert _versions(stack, job) == 0


RECOVERING = {
    "429 with Retry-After": Reply(status=429, error="rate limited", headers={"Retry-After": "1"}),
    "500": Reply(status=500, error="internal error"),
    "timeout": None,  # scripted below: an answer slower than the client's timeout
}


@pytest.mark.faults
@pytest.mark.parametrize("fault", list(RECOVERING))
def test_a_transient_fault_is_retried_by_the_worker_and_recovers(
    fault: str,
    fault_stack,  # type: ignore[no-untyped-def]
    fake_openai: FakeOpenAI,  # noqa: F811
) -> None:
    stack = _stack(fault_stack, fake_openai)
    reply = RECOVERING[fault] or Reply(content="{}", delay=TIMEOUT * 3)
    fake_openai.reply(reply).reply_json(good_answer())
    job = _run(stack)
    assert job.status == "ready" and job.error_reason is None
    assert job.attempts == 2
    assert len(fake_openai.chat_requests) == 2  # one failed call, one good: no hidden SDK retries
    assert _versions(stack, job) == 1


@pytest.mark.faults
def test_malformed_json_is_repaired_in_one_round(fault_stack, fake_openai: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    stack = _stack(fault_stack, fake_openai)
    fake_openai.reply_text('{"title_skill": "Writing", "tasks": [}').reply_json(good_answer())
    job = _run(stack)
    assert job.status == "ready" and job.attempts == 1
    assert len(fake_openai.chat_requests) == 2  # the answer, then the repair round
    assert _versions(stack, job) == 1


@pytest.mark.faults
@pytest.mark.parametrize(
    ("fault", "replies", "calls"),
    [
        ("refusal", [Reply(content=None, refusal="I can't help with that.")], 1),
        ("truncated", [Reply(content='{"title_skill": "Wri', finish_reason="length")], 1),
        ("malformed twice", [Reply(content="not json"), Reply(content="still not json")], 2),
    ],
)
def test_a_permanent_fault_fails_at_once_with_inputs_kept(
    fault: str,
    replies: list[Reply],
    calls: int,
    fault_stack,  # type: ignore[no-untyped-def]
    fake_openai: FakeOpenAI,  # noqa: F811
) -> None:
    stack = _stack(fault_stack, fake_openai)
    for reply in replies:
        fake_openai.reply(reply)
    job = _run(stack)
    _assert_clean_failure(stack, job)
    assert job.attempts == 1
    assert len(fake_openai.chat_requests) == calls


@pytest.mark.faults
def test_the_retry_budget_is_one_number_the_teacher_is_told(fault_stack, fake_openai: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    stack = _stack(fault_stack, fake_openai, SS_TASK_MAX_RETRIES="3")
    fake_openai.default = lambda _body: Reply(status=503, error="overloaded")
    job = _run(stack)
    _assert_clean_failure(stack, job)
    assert job.attempts == 4
    assert len(fake_openai.chat_requests) == 4  # SDK retries x worker retries would have been 12
    assert "We tried 4 times" in (job.error_reason or "")


@pytest.mark.faults
def test_no_retry_starts_past_the_generation_deadline(fault_stack, fake_openai: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """A job that has already used its whole deadline (a hanging provider) is not retried again."""
    stack = _stack(fault_stack, fake_openai, SS_GENERATION_DEADLINE_SECONDS="600", SS_TASK_MAX_RETRIES="50")
    fake_openai.default = lambda _body: Reply(content="{}", delay=TIMEOUT * 3)
    (job_id,) = stack.submit_jobs(1)
    with stack.app.app_context():
        db = session()
        job = db.get(GenerationJob, job_id)
        assert job is not None
        job.started_at = utcnow() - timedelta(seconds=599)  # one second of the deadline left
        db.commit()
        run_generation_job.apply(args=[job_id])
        db.rollback()
        job = db.get(GenerationJob, job_id)
        assert job is not None
        db.expunge(job)
    _assert_clean_failure(stack, job)
    assert job.error_reason == DEADLINE_REASON
    assert job.attempts == 1 and len(fake_openai.chat_requests) == 1
