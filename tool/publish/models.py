"""Publishing tables: a sequence's publication, its steps in the LMS, and the student's progress.

One ``Publication`` per sequence (publishing again reuses it, so step ids and
progress survive a re-publish; its states are written only by
``tool.publish.lifecycle``). Each ``PublishedStep`` is one task as the LMS
knows it: an opaque public id (the only thing in launch URLs) and, once the
LMS has one, its line item URL, written the moment the LMS returns it so an
interrupted publish resumes where it stopped. ``StepProgress`` is the target
student's work and the teacher's verdict at one step; ``StepEvent`` keeps the
history (every response, adjustment and success) so nothing is overwritten.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tool.db import Base, utcnow
from tool.publish.lifecycle import PublicationState, ScoreStatus, SyncStatus, allowed
from tool.publish.staging import ReleaseMode, ReleasePlan

METHOD_AGS = "ags"
METHOD_DEEP_LINK = "deep_link"


def new_step_id() -> str:
    return secrets.token_urlsafe(12)


class Publication(Base):
    __tablename__ = "publications"
    __table_args__ = (
        CheckConstraint(allowed("state", PublicationState), name="state"),
        CheckConstraint(allowed("sync_status", SyncStatus), name="sync_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id"), unique=True)
    # The sequence version whose tasks were published (students see this version).
    version_number: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))  # ags | deep_link
    state: Mapped[str] = mapped_column(String(16), default=PublicationState.DRAFT.value)
    sync_status: Mapped[str] = mapped_column(String(16), default=SyncStatus.IDLE.value)
    # A short neutral name telling this sequence's items apart in the course ("A" -> "Practice A · step 1").
    set_name: Mapped[str | None] = mapped_column(String(24))
    release_mode: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date | None] = mapped_column(Date)
    spacing_days: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Where the LMS takes line items (AGS claim of the teacher's launch) and who to ask.
    registration_id: Mapped[int] = mapped_column(Integer)
    deployment_pk: Mapped[int] = mapped_column(Integer)
    context_id: Mapped[str] = mapped_column(String(255))
    platform_family: Mapped[str | None] = mapped_column(String(32))
    lineitems_url: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    confirmed_at: Mapped[datetime | None] = mapped_column()
    confirmed_by: Mapped[str | None] = mapped_column(String(16))  # launch | line_items | teacher
    version_published_at: Mapped[datetime | None] = mapped_column()

    steps: Mapped[list[PublishedStep]] = relationship(
        back_populates="publication", order_by="PublishedStep.index", lazy="selectin"
    )

    @property
    def plan(self) -> ReleasePlan:
        return ReleasePlan(
            mode=ReleaseMode(self.release_mode),
            start=self.start_date,
            spacing_days=self.spacing_days,
            timezone=self.timezone,
        )


class PublishedStep(Base):
    __tablename__ = "published_steps"
    __table_args__ = (UniqueConstraint("publication_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), index=True)
    index: Mapped[int] = mapped_column(Integer)  # 0-based task index
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_step_id)
    resource_id: Mapped[str] = mapped_column(String(120))
    line_item_url: Mapped[str | None] = mapped_column(Text)
    line_item_recorded_at: Mapped[datetime | None] = mapped_column()
    # The grade item in the AGS claim of the latest launch: the copy the student actually used.
    launched_line_item_url: Mapped[str | None] = mapped_column(Text)
    # When a deep-linking response last carried this step (None: never sent by deep linking).
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    publication: Mapped[Publication] = relationship(back_populates="steps")
    progress: Mapped[StepProgress | None] = relationship(back_populates="step", lazy="selectin")

    @property
    def number(self) -> int:
        return self.index + 1


class StepProgress(Base):
    """The target student's latest response and the teacher's latest verdict at one step."""

    __tablename__ = "step_progress"
    __table_args__ = (CheckConstraint(allowed("score_status", ScoreStatus), name="score_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("published_steps.id"), unique=True)
    response_text: Mapped[str | None] = mapped_column(Text)
    response_kind: Mapped[str | None] = mapped_column(String(16))  # text | did_it
    responded_at: Mapped[datetime | None] = mapped_column()
    succeeded_at: Mapped[datetime | None] = mapped_column()
    success_note: Mapped[str | None] = mapped_column(Text)
    adjusted_at: Mapped[datetime | None] = mapped_column()
    adjustment_note: Mapped[str | None] = mapped_column(Text)
    # Score passback, one row per step (attempts, status, last error) like a webhook delivery row.
    score_status: Mapped[str] = mapped_column(String(16), default=ScoreStatus.NONE.value)
    score_attempts: Mapped[int] = mapped_column(Integer, default=0)
    score_error: Mapped[str | None] = mapped_column(Text)
    score_posted_at: Mapped[datetime | None] = mapped_column()
    score_last_attempt_at: Mapped[datetime | None] = mapped_column()

    step: Mapped[PublishedStep] = relationship(back_populates="progress")


class StepEvent(Base):
    """Append-only history of a step: responded | succeeded | adjusted | score_posted | score_failed.

    Every score attempt adds one row (with the grade item tried and the outcome)."""

    __tablename__ = "step_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("published_steps.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    actor_sub: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(default=utcnow)
