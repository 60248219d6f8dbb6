"""The teacher area's tables: courses, people, sequences, their versions and generation jobs.

Every row hangs off a ``Course`` whose (registration, deployment, context) triple
is a launch's ``scope_key``; ``tool.teacher.queries`` is the only way views reach
these rows, and it always filters by that triple.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tool.db import Base, utcnow
from tool.teacher.job_states import ACTIVE, FINISHED, JobState

# Kept for readers of the old names; tool.teacher.job_states owns the states and their transitions.
JOB_STATES = tuple(JobState)
ACTIVE_JOB_STATES = ACTIVE
FINISHED_JOB_STATES = FINISHED
STATUS_CHECK = "status IN ({})".format(", ".join(f"'{state}'" for state in JobState))


def new_public_id() -> str:
    """Opaque id for URLs and the LMS: never the row id, never guessable."""
    return secrets.token_urlsafe(12)


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_pk", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("lti_registrations.id"), index=True)
    deployment_pk: Mapped[int] = mapped_column(ForeignKey("lti_deployments.id"))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def scope_key(self) -> tuple[int, int, str]:
        return (self.registration_id, self.deployment_pk, self.context_id)


class User(Base):
    """A person as one registration knows them. The name is shown to teachers, never sent to the LLM."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("registration_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("lti_registrations.id"))
    sub: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(255), default="")
    given_name: Mapped[str | None] = mapped_column(String(255))
    family_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Sequence(Base):
    """One teacher's request for one student; its content lives in versions."""

    __tablename__ = "sequences"
    __table_args__ = (CheckConstraint(STATUS_CHECK, name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The target student: a roster member when the platform offers a roster, else a label
    # the teacher typed (a first name or initials).
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    target_label: Mapped[str | None] = mapped_column(String(120))
    # The SequenceRequest exactly as the teacher typed it (names included: it never leaves us).
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Derived from the newest job by tool.teacher.job_states (never written elsewhere).
    status: Mapped[str] = mapped_column(String(16), default="queued")
    current_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()

    course: Mapped[Course] = relationship(lazy="joined")
    target_user: Mapped[User | None] = relationship(foreign_keys=[target_user_id], lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="joined")

    @property
    def target_name(self) -> str:
        if self.target_user is not None:
            return self.target_user.display_name or "Unnamed student"
        return self.target_label or "Unnamed student"


class SequenceVersion(Base):
    __tablename__ = "sequence_versions"
    __table_args__ = (UniqueConstraint("sequence_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    # len(content["tasks"]), kept with the content (set whenever it is assigned), so that lists counting
    # steps within the published version (tool.teacher.attention) never parse the JSON.
    task_count: Mapped[int] = mapped_column(Integer)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(24))  # generated | edited | regenerated_task
    # The job that produced it; unique, so two runs of one job can never add two versions.
    job_id: Mapped[int | None] = mapped_column(ForeignKey("generation_jobs.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @validates("content")
    def _count_tasks(self, _key: str, content: dict[str, Any]) -> dict[str, Any]:
        self.task_count = task_count_of(content)
        return content


def task_count_of(content: dict[str, Any] | None) -> int:
    """How many tasks a version's content holds (what ``SequenceVersion.task_count`` stores)."""
    return len((content or {}).get("tasks") or [])


class GenerationJob(Base):
    __tablename__ = "generation_jobs"
    __table_args__ = (CheckConstraint(STATUS_CHECK, name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # full | task
    task_index: Mapped[int | None] = mapped_column(Integer)
    # For a task job: the version it rewrites (so a stale job never overwrites newer edits).
    base_version: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Running: the worker renews the lease; once it runs out the worker was lost (job_states).
    lease_owner: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[datetime | None] = mapped_column(index=True)
    # When the message was handed to the broker; None = not yet (the broker was down).
    dispatched_at: Mapped[datetime | None] = mapped_column()
    # Times a lost worker's run was taken over (each also counts as an attempt).
    recoveries: Mapped[int] = mapped_column(Integer, default=0)
    error_reason: Mapped[str | None] = mapped_column(Text)
    # What the generator receives, already redacted (see tool.teacher.privacy):
    # {"request": SequenceRequest, "sequence": Sequence | None (task jobs)}. The worker
    # never needs roster data or names.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Placeholder -> original text for the names removed before the LLM saw the request.
    # Server-side only; used to restore names when rendering for the teacher.
    redactions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
