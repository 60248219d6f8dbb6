"""Rows for the home page: students whose sequences are in every state a teacher meets in a day."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from tool.db import session
from tool.publish.models import Publication, PublishedStep, StepProgress
from tool.teacher.models import Course, GenerationJob, Sequence, SequenceVersion, User

from .sample import REQUEST, SEQUENCE

MORNING = datetime(2026, 3, 2, 8, 0)


def set_status(publication: Publication, status: str) -> None:
    """published | failed | publishing, in whichever columns this schema has (lifecycle or legacy)."""
    if hasattr(Publication, "sync_status"):
        sync = {"published": "done", "failed": "failed", "publishing": "running"}[status]
        publication.sync_status = sync  # type: ignore[attr-defined,unused-ignore]
        publication.state = "confirmed" if status == "published" else "draft"  # type: ignore[attr-defined,unused-ignore]
    else:
        publication.status = status  # type: ignore[attr-defined,unused-ignore]


class Course101:
    """Builds sequences in course-101 of the ``platform`` fixture; every method returns the public id."""

    def __init__(self, app: Flask, platform: dict[str, int]) -> None:
        self.app = app
        self.platform = platform
        self.count = 0

    def _base(self, name: str, *, version: bool = True, findings: list[dict[str, Any]] | None = None) -> Sequence:
        db = session()
        course = db.query(Course).filter_by(context_id="course-101", **self.platform).first()
        if course is None:
            course = Course(context_id="course-101", title="Year 9 Maths", **self.platform)
            db.add(course)
        author = db.query(User).filter_by(sub="teacher-sub-1").first()
        if author is None:
            author = User(registration_id=self.platform["registration_id"], sub="teacher-sub-1", display_name="Tina")
            db.add(author)
        self.count += 1
        student = User(
            registration_id=self.platform["registration_id"], sub=f"student-{self.count}-{name}", display_name=name
        )
        db.add(student)
        db.flush()
        row = Sequence(
            course_id=course.id,
            created_by_id=author.id,
            target_user_id=student.id,
            inputs=dict(REQUEST),
            status="ready" if version else "failed",
            current_version=1 if version else None,
            created_at=MORNING,
            updated_at=MORNING,
        )
        db.add(row)
        db.flush()
        if version:
            db.add(
                SequenceVersion(
                    sequence_id=row.id, number=1, content=SEQUENCE, findings=findings or [], source="generated"
                )
            )
        return row

    def draft(self, name: str, must_fix: int = 0) -> str:
        with self.app.app_context():
            findings = [
                {
                    "check": "e",
                    "message": "Generic praise.",
                    "location": "Task 1",
                    "task_index": 0,
                    "severity": "must_fix",
                }
                for _ in range(must_fix)
            ]
            row = self._base(name, findings=findings)
            session().commit()
            return row.public_id

    def writing_failed(self, name: str, at: datetime) -> str:
        with self.app.app_context():
            row = self._base(name, version=False)
            session().add(
                GenerationJob(
                    sequence_id=row.id,
                    kind="full",
                    status="failed",
                    error_reason="The writer was busy; try again.",
                    payload={},
                    redactions={},
                    finished_at=at,
                )
            )
            session().commit()
            return row.public_id

    def writing(self, name: str) -> str:
        with self.app.app_context():
            row = self._base(name, version=False)
            row.status = "drafting"
            session().add(GenerationJob(sequence_id=row.id, kind="full", status="drafting", payload={}, redactions={}))
            session().commit()
            return row.public_id

    def published(
        self,
        name: str,
        *,
        status: str = "published",
        responded: dict[int, tuple[str, datetime]] | None = None,
        succeeded: dict[int, datetime] | None = None,
        score_failed: set[int] | None = None,
        updated_at: datetime = MORNING,
    ) -> str:
        """Published in mastery mode; ``responded``: step index -> (kind, when); ``succeeded``: index -> when."""
        responded = responded or {}
        succeeded = succeeded or {}
        with self.app.app_context():
            db = session()
            row = self._base(name)
            publication = Publication(
                sequence_id=row.id,
                version_number=1,
                method="ags",
                release_mode="mastery",
                spacing_days=3,
                timezone="Europe/London",
                registration_id=self.platform["registration_id"],
                deployment_pk=self.platform["deployment_pk"],
                context_id="course-101",
                attempts=1,
                last_error="The course refused the new assignment (403)." if status == "failed" else None,
                updated_at=updated_at,
            )
            set_status(publication, status)
            db.add(publication)
            db.flush()
            for index in range(len(SEQUENCE["tasks"])):
                step = PublishedStep(
                    publication_id=publication.id, index=index, resource_id=f"ss:{row.public_id}:{index}"
                )
                db.add(step)
                db.flush()
                if index in responded or index in succeeded:
                    kind, at = responded.get(index, ("text", succeeded.get(index, MORNING) - timedelta(hours=1)))
                    done = succeeded.get(index)
                    failed = index in (score_failed or set())
                    db.add(
                        StepProgress(
                            step_id=step.id,
                            response_text="I did it." if kind == "did_it" else "x + 3 = 10 so x = 7",
                            response_kind=kind,
                            responded_at=at,
                            succeeded_at=done,
                            score_status=("failed" if failed else "posted") if done else "none",
                            score_error="The gradebook did not answer." if failed else None,
                            score_attempts=1 if done else 0,
                        )
                    )
            db.commit()
            return row.public_id
