"""Tokens each generation attempt used (prompt, cached, completion), failed attempts included.

A row per attempt, written by the worker (``record_attempt``). Teachers see the totals of
one sequence (``sequence_usage``), administrators those of one deployment
(``deployment_usage``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, Integer, String, case, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from tool.db import Base, utcnow
from tool.generation.model import Usage

log = logging.getLogger(__name__)


class LlmUsage(Base):
    __tablename__ = "llm_usage"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("generation_jobs.id", ondelete="CASCADE"), index=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # ready | failed | retrying
    model: Mapped[str] = mapped_column(String(120), default="")
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class UsageTotals:
    attempts: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0

    @property
    def any(self) -> bool:
        return self.attempts > 0


def usage_of(error_or_result: object) -> Usage | None:
    """The usage a generator attached to its result (``meta.usage``) or to its error (``usage``)."""
    meta = getattr(error_or_result, "meta", None)
    usage = getattr(meta, "usage", None) if meta is not None else getattr(error_or_result, "usage", None)
    return usage if isinstance(usage, Usage) else None


def record_attempt(db: Session, job_id: int, sequence_id: int, outcome: str, usage: Usage | None, model: str) -> None:
    """Add one attempt's tokens (the caller commits). Attempts that never reached the LLM add nothing."""
    if usage is None:
        return
    db.add(
        LlmUsage(
            job_id=job_id,
            sequence_id=sequence_id,
            outcome=outcome,
            model=model[:120],
            prompt_tokens=usage.prompt_tokens,
            cached_tokens=usage.cached_tokens,
            completion_tokens=usage.completion_tokens,
        )
    )


def _totals(db: Session, *where: ColumnElement[bool]) -> UsageTotals:
    row = db.execute(
        select(
            func.count(LlmUsage.id),
            func.coalesce(func.sum(case((LlmUsage.outcome != "ready", 1), else_=0)), 0),
            func.coalesce(func.sum(LlmUsage.prompt_tokens), 0),
            func.coalesce(func.sum(LlmUsage.cached_tokens), 0),
            func.coalesce(func.sum(LlmUsage.completion_tokens), 0),
        ).where(*where)
    ).one()
    return UsageTotals(*(int(v or 0) for v in row))


def sequence_usage(db: Session, sequence_id: int) -> UsageTotals:
    """Every attempt for one sequence (for the teacher's review page)."""
    return _totals(db, LlmUsage.sequence_id == sequence_id)


def deployment_usage(db: Session, deployment_pk: int) -> UsageTotals:
    """Every attempt in every course of one LTI deployment (for the admin console)."""
    from tool.teacher.models import Course, Sequence

    in_deployment = (
        select(Sequence.id).join(Course, Course.id == Sequence.course_id).where(Course.deployment_pk == deployment_pk)
    )
    return _totals(db, LlmUsage.sequence_id.in_(in_deployment))


def record_job(db: Session, job_id: int, outcome: str, error_or_result: object, model: str = "") -> None:
    """Record the tokens of one finished attempt of job ``job_id`` and commit.

    For the worker: ``outcome`` is "ready" (pass the ``GenerationResult``), "failed" or
    "retrying" (pass the ``GenerationError``). Never raises: accounting must not fail a job.
    """
    from tool.teacher.models import GenerationJob

    try:
        job = db.get(GenerationJob, job_id)
        usage = usage_of(error_or_result)
        if job is None or usage is None:
            return
        meta = getattr(error_or_result, "meta", None)
        record_attempt(db, job_id, job.sequence_id, outcome, usage, str(getattr(meta, "model", "") or model))
        db.commit()
    except Exception:
        db.rollback()
        log.exception("could not record token usage for job %s", job_id)
