"""Who viewed, changed, published, exported or deleted which sequence: ids only, never names.

A row names the acting user's row id, the deployment, the sequence's row id and the
action; it outlives the sequence (no foreign key to it), so a deletion stays on record.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from tool.db import Base, utcnow

log = logging.getLogger(__name__)

Action = Literal["viewed", "changed", "generated", "published", "exported", "deleted", "expired"]


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(16))
    # Row ids only: users.id of whoever acted (None for the scheduled clean-up), the LTI deployment
    # row and the sequence row. No names, no LMS ids, no text.
    actor_id: Mapped[int | None] = mapped_column(Integer)
    deployment_pk: Mapped[int | None] = mapped_column(Integer, index=True)
    sequence_id: Mapped[int | None] = mapped_column(Integer, index=True)
    student_id: Mapped[int | None] = mapped_column(Integer)


def record(
    db: Session,
    action: Action,
    *,
    actor_id: int | None,
    deployment_pk: int | None,
    sequence_id: int | None = None,
    student_id: int | None = None,
) -> None:
    """Add one event (the caller commits with its own change)."""
    db.add(
        AuditEvent(
            action=action,
            actor_id=actor_id,
            deployment_pk=deployment_pk,
            sequence_id=sequence_id,
            student_id=student_id,
        )
    )


def events(db: Session, *, deployment_pk: int | None = None, sequence_id: int | None = None) -> list[AuditEvent]:
    """Events newest first, for one deployment and/or one sequence."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if deployment_pk is not None:
        query = query.where(AuditEvent.deployment_pk == deployment_pk)
    if sequence_id is not None:
        query = query.where(AuditEvent.sequence_id == sequence_id)
    return list(db.scalars(query))
