"""Tokens are counted for every attempt, failed ones too, per sequence and per deployment."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from support.fake_openai import FakeOpenAI

from config.settings import Settings
from tests.teacher.rows import make_sequence
from tool.db import session
from tool.generation.backend import GenerationError
from tool.generation.model import SequenceRequest
from tool.generation.openai_backend import OpenAIGenerator
from tool.generation.usage_ledger import deployment_usage, record_job, sequence_usage
from tool.teacher.models import GenerationJob, Sequence

REQUEST = SequenceRequest(target_skill="Reading aloud", student_level="Year 8", current_avoidance="Hides the book")


def _job(app: Flask, public_id: str) -> tuple[int, int]:
    with app.app_context():
        db = session()
        row = db.scalars(select(Sequence).where(Sequence.public_id == public_id)).one()
        job = GenerationJob(sequence_id=row.id, kind="full", status="failed", payload={}, redactions={})
        db.add(job)
        db.commit()
        return job.id, row.id


def test_a_failed_attempt_carries_its_tokens_and_they_are_counted(
    app: Flask, platform: dict[str, int], settings: Settings, fake_openai: FakeOpenAI
) -> None:
    llm = settings.model_copy(
        update={"llm_base_url": fake_openai.base_url, "llm_api_key": "k", "llm_max_retries": 0, "llm_model": "m"}
    )
    # Two unusable answers: the job fails, but both calls were paid for.
    fake_openai.reply_text("not json", usage={"prompt_tokens": 1500, "completion_tokens": 20, "cached_tokens": 1024})
    fake_openai.reply_text("still not", usage={"prompt_tokens": 1600, "completion_tokens": 30, "cached_tokens": 1024})
    with pytest.raises(GenerationError) as failure:
        OpenAIGenerator(llm).generate(REQUEST)
    assert failure.value.usage is not None and failure.value.usage.prompt_tokens == 3100

    first = make_sequence(app, platform)
    other = make_sequence(app, platform, context_id="course-202")
    job_id, sequence_id = _job(app, first)
    other_job, other_sequence = _job(app, other)
    with app.app_context():
        db = session()
        assert sequence_usage(db, sequence_id).attempts == 0
        record_job(db, job_id, "failed", failure.value, model="m")
        record_job(db, other_job, "failed", failure.value, model="m")
        record_job(db, job_id, "failed", GenerationError("no LLM call made"))  # nothing to count
        totals = sequence_usage(db, sequence_id)
        assert (totals.attempts, totals.failed) == (1, 1)
        assert (totals.prompt_tokens, totals.cached_tokens, totals.completion_tokens) == (3100, 2048, 50)
        whole = deployment_usage(db, platform["deployment_pk"])
        assert whole.attempts == 2 and whole.prompt_tokens == 6200
        assert deployment_usage(db, platform["deployment_pk"] + 99).attempts == 0
        assert sequence_usage(db, other_sequence).prompt_tokens == 3100


def test_the_worker_records_a_refused_job_and_a_written_one(
    app: Flask, platform: dict[str, int], fake_openai: FakeOpenAI
) -> None:
    from tests.teacher.test_tasks import _queued_job, _use_fake_llm
    from tool.generation.offline import OfflineGenerator
    from tool.teacher.tasks import execute_job

    _use_fake_llm(app, fake_openai)
    fake_openai.reply_refusal("I can't help with that.")
    with app.app_context():
        failed = _queued_job(app, platform)
        execute_job(failed)
        sequence_id = session().get(GenerationJob, failed).sequence_id  # type: ignore[union-attr]
        totals = sequence_usage(session(), sequence_id)
        assert (totals.attempts, totals.failed) == (1, 1) and totals.prompt_tokens > 1000
    written = OfflineGenerator(chosen=True).plan(REQUEST).model_dump_json()
    fake_openai.reply_text(written, usage={"prompt_tokens": 2100, "completion_tokens": 700, "cached_tokens": 1024})
    with app.app_context():
        ok = _queued_job(app, platform)
        execute_job(ok)
        sequence_id = session().get(GenerationJob, ok).sequence_id  # type: ignore[union-attr]
        totals = sequence_usage(session(), sequence_id)
        assert (totals.attempts, totals.failed, totals.cached_tokens) == (1, 0, 1024)
        assert deployment_usage(session(), platform["deployment_pk"]).attempts == 2
