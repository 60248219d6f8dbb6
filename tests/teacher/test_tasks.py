"""The generation task body: stages, idempotency, retries only for transient errors,
plain-language failures, one-task rewrites that keep the teacher's edits."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select
from support.fake_openai import FakeOpenAI, fake_openai  # noqa: F401
from support.launches import teacher_launch

from tool.db import session
from tool.generation.backend import TransientGenerationError
from tool.generation.model import Sequence
from tool.lti.launch import Launch
from tool.teacher import queries
from tool.teacher.jobs import start_job
from tool.teacher.models import GenerationJob, SequenceVersion
from tool.teacher.models import Sequence as SequenceRow
from tool.teacher.tasks import execute_job

from .sample import REQUEST


def _launch(platform: dict[str, int]) -> Launch:
    return teacher_launch(platform)


def _queued_job(app: Flask, platform: dict[str, int], **job: object) -> int:
    """A saved sequence and a queued job (publishing to the real embedded broker)."""
    launch = _launch(platform)
    db = session()
    course = queries.ensure_course(db, launch)
    author = queries.launch_user(db, launch)
    row = SequenceRow(course_id=course.id, created_by_id=author.id, target_label="Priya", inputs=dict(REQUEST))
    db.add(row)
    db.commit()
    return start_job(db, launch, row, created_by=author, roster=None, **job).id  # type: ignore[arg-type]


def _versions(row_id: int) -> int:
    return session().scalar(select(func.count()).where(SequenceVersion.sequence_id == row_id)) or 0


def test_a_job_runs_once_even_if_delivered_twice(app: Flask, platform: dict[str, int]) -> None:
    with app.app_context():
        job_id = _queued_job(app, platform)
        execute_job(job_id)
        execute_job(job_id)  # redelivery: a no-op
        job = session().get(GenerationJob, job_id)
        assert job is not None and job.status == "ready" and job.attempts == 1
        row = session().get(SequenceRow, job.sequence_id)
        assert row is not None and row.status == "ready" and row.current_version == 1
        assert _versions(row.id) == 1
        version = queries.current_version(session(), row)
        assert version is not None and version.source == "generated" and version.job_id == job_id
        assert version.meta is not None and version.meta["backend"] == "offline"


def test_stages_are_recorded_in_order(app: Flask, platform: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    from tool.teacher import tasks

    seen: list[str] = []
    real = tasks._set_status

    def spy(job_id: int, status: str, owner: str | None = None) -> None:
        real(job_id, status, owner)  # type: ignore[arg-type]
        with session().get_bind().connect() as conn:
            seen.append(conn.execute(select(GenerationJob.status).where(GenerationJob.id == job_id)).scalar_one())

    monkeypatch.setattr(tasks, "_set_status", spy)
    with app.app_context():
        execute_job(_queued_job(app, platform))
    assert seen[0] == "drafting" and "checking" in seen
    assert seen.index("drafting") < seen.index("checking")


def _use_fake_llm(app: Flask, server: FakeOpenAI) -> None:
    settings = app.config["SETTINGS"]
    settings.generator = "openai"
    settings.llm_base_url = server.base_url
    settings.llm_api_key = "sk-test"
    settings.llm_max_retries = 0  # the SDK's own retries off: the task's retry is under test
    settings.llm_timeout_seconds = 5.0


def test_transient_errors_retry_then_fail_in_plain_words(
    app: Flask,
    platform: dict[str, int],
    fake_openai: FakeOpenAI,  # noqa: F811
) -> None:
    _use_fake_llm(app, fake_openai)
    app.config["SETTINGS"].task_max_retries = 1  # a budget of two attempts
    fake_openai.reply_status(503).reply_status(503)
    with app.app_context():
        job_id = _queued_job(app, platform)
        with pytest.raises(TransientGenerationError):
            execute_job(job_id)
        job = session().get(GenerationJob, job_id)
        assert job is not None and job.status == "queued" and "Trying again" in (job.error_reason or "")
        execute_job(job_id)
        session().expire_all()
        job = session().get(GenerationJob, job_id)
        assert job is not None and job.status == "failed" and job.attempts == 2
        assert "We tried 2 times" in (job.error_reason or "")
        assert len(fake_openai.chat_requests) == 2  # the SDK's own retries are off: 2 tries, 2 calls
        assert session().get(SequenceRow, job.sequence_id).status == "failed"  # type: ignore[union-attr]


def test_a_refusal_fails_at_once_without_retry(
    app: Flask,
    platform: dict[str, int],
    fake_openai: FakeOpenAI,  # noqa: F811
) -> None:
    _use_fake_llm(app, fake_openai)
    fake_openai.reply_refusal("I can't help with that.")
    with app.app_context():
        job_id = _queued_job(app, platform)
        execute_job(job_id)  # no retry raised
        job = session().get(GenerationJob, job_id)
        assert job is not None and job.status == "failed" and job.attempts == 1
        assert job.error_reason and "Traceback" not in job.error_reason
        assert len(fake_openai.chat_requests) == 1


def test_task_rewrite_keeps_edits_made_while_it_ran(app: Flask, platform: dict[str, int]) -> None:
    with app.app_context():
        db = session()
        first = _queued_job(app, platform)
        execute_job(first)
        row = db.get(SequenceRow, db.get(GenerationJob, first).sequence_id)  # type: ignore[union-attr]
        assert row is not None
        base = Sequence.model_validate(queries.current_version(db, row).content)  # type: ignore[union-attr]
        launch = _launch(platform)
        author = queries.launch_user(db, launch)
        job = start_job(db, launch, row, created_by=author, roster=None, kind="task", task_index=1, base=base)
        # The teacher edits the plan and task 2 (version 2) before the worker gets to the task job.
        edited_tasks = list(base.tasks)
        edited_tasks[1] = base.tasks[1].model_copy(update={"name": "Renamed by the teacher meanwhile"})
        edited = base.model_copy(update={"long_term_plan": "Edited by the teacher meanwhile.", "tasks": edited_tasks})
        db.add(SequenceVersion(sequence_id=row.id, number=2, content=edited.model_dump(mode="json"), source="edited"))
        row.current_version = 2
        db.commit()
        execute_job(job.id)
        db.expire_all()
        assert row.current_version == 3
        latest = Sequence.model_validate(queries.current_version(db, row).content)  # type: ignore[union-attr]
        assert latest.long_term_plan == "Edited by the teacher meanwhile."
        assert latest.tasks[0] == base.tasks[0]
        # The rewritten task is spliced in over the edited one (the offline planner restores its own task).
        assert latest.tasks[1] == base.tasks[1]
        assert queries.current_version(db, row).source == "regenerated_task"  # type: ignore[union-attr]


def test_a_deleted_sequence_is_not_generated(app: Flask, platform: dict[str, int]) -> None:
    from tool.db import utcnow

    with app.app_context():
        job_id = _queued_job(app, platform)
        job = session().get(GenerationJob, job_id)
        session().get(SequenceRow, job.sequence_id).deleted_at = utcnow()  # type: ignore[union-attr]
        session().commit()
        execute_job(job_id)
        assert job.status == "failed" and "deleted" in (job.error_reason or "")  # type: ignore[union-attr]
