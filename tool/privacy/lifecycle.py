"""Student data that can be found, exported and deleted.

- ``expire``: the scheduled purge (``tool.privacy.tasks``): sequences untouched for longer than
  ``SS_RETENTION_DAYS`` (and sequences the teacher deleted more than ``DELETED_GRACE_DAYS`` ago)
  go, with their versions, jobs, token counts, publications, steps, the student's responses and
  the step history.
- ``export_student`` / ``delete_student``: one student's sequences in one course, for their teacher.
- ``delete_deployment``: everything of one LTI deployment, for an administrator.

Every deletion is recorded in the audit log (ids only). Functions here never commit; callers do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from tool.generation.usage_ledger import LlmUsage
from tool.privacy import audit
from tool.privacy.models import HiddenWords
from tool.privacy.restore import restore_data

DELETED_GRACE_DAYS = 30


@dataclass
class Deleted:
    """Rows deleted, per kind."""

    sequences: int = 0
    versions: int = 0
    jobs: int = 0
    token_records: int = 0
    publications: int = 0
    steps: int = 0
    responses: int = 0
    step_events: int = 0
    users: int = 0

    def __iadd__(self, other: Deleted) -> Deleted:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _count(db: Session, statement: Any) -> int:
    return int(db.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def delete_sequences(db: Session, sequence_ids: list[int]) -> Deleted:
    """Delete the sequences and every row that hangs off them, children first."""
    from tool.publish.models import Publication, PublishedStep, StepEvent, StepProgress
    from tool.teacher.models import GenerationJob, Sequence, SequenceVersion

    done = Deleted()
    if not sequence_ids:
        return done
    publications = select(Publication.id).where(Publication.sequence_id.in_(sequence_ids))
    steps = select(PublishedStep.id).where(PublishedStep.publication_id.in_(publications))
    done.step_events = _count(db, delete(StepEvent).where(StepEvent.step_id.in_(steps)))
    done.responses = _count(db, delete(StepProgress).where(StepProgress.step_id.in_(steps)))
    done.steps = _count(db, delete(PublishedStep).where(PublishedStep.publication_id.in_(publications)))
    done.publications = _count(db, delete(Publication).where(Publication.sequence_id.in_(sequence_ids)))
    done.versions = _count(db, delete(SequenceVersion).where(SequenceVersion.sequence_id.in_(sequence_ids)))
    done.token_records = _count(db, delete(LlmUsage).where(LlmUsage.sequence_id.in_(sequence_ids)))
    db.execute(delete(HiddenWords).where(HiddenWords.sequence_id.in_(sequence_ids)))
    done.jobs = _count(db, delete(GenerationJob).where(GenerationJob.sequence_id.in_(sequence_ids)))
    done.sequences = _count(db, delete(Sequence).where(Sequence.id.in_(sequence_ids)))
    return done


def _forget_unreferenced_users(db: Session, user_ids: set[int]) -> int:
    """Delete user rows nothing refers to any more; blank the name and e-mail of the others."""
    from tool.teacher.models import GenerationJob, Sequence, SequenceVersion, User

    removed = 0
    for user_id in user_ids:
        referenced = any(
            db.scalar(select(column).where(column == user_id).limit(1)) is not None
            for column in (
                Sequence.target_user_id,
                Sequence.created_by_id,
                SequenceVersion.created_by_id,
                GenerationJob.created_by_id,
            )
        )
        if referenced:
            db.execute(
                update(User)
                .where(User.id == user_id)
                .values(display_name="", given_name=None, family_name=None, email=None)
            )
        else:
            removed += _count(db, delete(User).where(User.id == user_id))
    return removed


def _record_deletions(
    db: Session, rows: list[Any], action: audit.Action, actor_id: int | None, deployment_pk: int | None
) -> None:
    for row in rows:
        audit.record(
            db,
            action,
            actor_id=actor_id,
            deployment_pk=deployment_pk if deployment_pk is not None else row.course.deployment_pk,
            sequence_id=row.id,
            student_id=row.target_user_id,
        )


def expire(db: Session, now: datetime, retention_days: int) -> Deleted:
    """The scheduled purge: sequences untouched for ``retention_days`` (0 = keep), and those the teacher
    deleted more than ``DELETED_GRACE_DAYS`` ago."""
    from tool.teacher.models import Sequence

    conditions = [Sequence.deleted_at < now - timedelta(days=DELETED_GRACE_DAYS)]
    if retention_days > 0:
        conditions.append(Sequence.updated_at < now - timedelta(days=retention_days))
    rows = list(db.scalars(select(Sequence).where(or_(*conditions))))
    _record_deletions(db, rows, "expired", None, None)
    students = {r.target_user_id for r in rows if r.target_user_id is not None}
    done = delete_sequences(db, [r.id for r in rows])
    done.users = _forget_unreferenced_users(db, students)
    return done


def student_sequences(db: Session, course_id: int, student_id: int) -> list[Any]:
    from tool.teacher.models import Sequence

    return list(
        db.scalars(
            select(Sequence)
            .where(Sequence.course_id == course_id, Sequence.target_user_id == student_id)
            .order_by(Sequence.id)
        )
    )


def export_student(db: Session, course_id: int, student_id: int, actor_id: int | None) -> dict[str, Any]:
    """Everything the tool keeps about one student in one course, names restored, as JSON-ready data."""
    from tool.publish.models import Publication, PublishedStep, StepEvent, StepProgress
    from tool.teacher import queries
    from tool.teacher.models import SequenceVersion, User

    student = db.get(User, student_id)
    sequences = []
    for row in student_sequences(db, course_id, student_id):
        names = queries.teacher_names(db, row)
        versions = db.scalars(
            select(SequenceVersion).where(SequenceVersion.sequence_id == row.id).order_by(SequenceVersion.number)
        )
        publication = db.scalar(select(Publication).where(Publication.sequence_id == row.id))
        steps: list[dict[str, Any]] = []
        if publication is not None:
            for step in db.scalars(select(PublishedStep).where(PublishedStep.publication_id == publication.id)):
                progress = db.scalar(select(StepProgress).where(StepProgress.step_id == step.id))
                events = db.scalars(select(StepEvent).where(StepEvent.step_id == step.id).order_by(StepEvent.id))
                steps.append(
                    {
                        "step": step.index + 1,
                        "response": progress.response_text if progress else None,
                        "responded_at": _iso(progress.responded_at) if progress else None,
                        "succeeded_at": _iso(progress.succeeded_at) if progress else None,
                        "history": [{"kind": e.kind, "text": e.text, "at": _iso(e.at)} for e in events],
                    }
                )
        sequences.append(
            {
                "id": row.public_id,
                "created_at": _iso(row.created_at),
                "updated_at": _iso(row.updated_at),
                "deleted_at": _iso(row.deleted_at),
                "request": row.inputs,
                "versions": [
                    {
                        "number": v.number,
                        "source": v.source,
                        "created_at": _iso(v.created_at),
                        "content": restore_data(v.content, names),
                    }
                    for v in versions
                ],
                "published_steps": steps,
            }
        )
        audit.record(
            db,
            "exported",
            actor_id=actor_id,
            deployment_pk=row.course.deployment_pk,
            sequence_id=row.id,
            student_id=student_id,
        )
    return {
        "student": {
            "name": student.display_name if student else None,
            "given_name": student.given_name if student else None,
            "family_name": student.family_name if student else None,
            "email": student.email if student else None,
        },
        "sequences": sequences,
    }


def delete_student(db: Session, course_id: int, student_id: int, actor_id: int | None) -> Deleted:
    """Delete one student's sequences in one course and, if nothing else refers to them, their user row."""
    rows = student_sequences(db, course_id, student_id)
    _record_deletions(db, rows, "deleted", actor_id, None)
    done = delete_sequences(db, [r.id for r in rows])
    done.users = _forget_unreferenced_users(db, {student_id})
    return done


def delete_deployment(db: Session, deployment_pk: int, actor_id: int | None = None) -> Deleted:
    """Delete every sequence, job, response and course of one LTI deployment (for the admin console);
    user rows nothing else refers to go too."""
    from tool.teacher.models import Course, Sequence

    course_ids = list(db.scalars(select(Course.id).where(Course.deployment_pk == deployment_pk)))
    rows = list(db.scalars(select(Sequence).where(Sequence.course_id.in_(course_ids))))
    _record_deletions(db, rows, "deleted", actor_id, deployment_pk)
    people = {r.target_user_id for r in rows if r.target_user_id is not None} | {r.created_by_id for r in rows}
    done = delete_sequences(db, [r.id for r in rows])
    db.execute(delete(Course).where(Course.id.in_(course_ids)))
    done.users = _forget_unreferenced_users(db, people)
    return done


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
