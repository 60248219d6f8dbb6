"""Direct row builders for tests that need an existing sequence (bypassing generation)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tool.db import session
from tool.teacher.models import Course, Sequence, SequenceVersion, User

from .sample import REQUEST, SEQUENCE


def make_sequence(
    app: Flask,
    platform: dict[str, int],
    *,
    context_id: str = "course-101",
    content: dict[str, Any] | None = None,
    findings: list[dict[str, Any]] | None = None,
    label: str = "Priya",
) -> str:
    """A ready sequence (version 1) in the given course; returns its public id."""
    with app.app_context():
        db = session()
        course = db.query(Course).filter_by(context_id=context_id, **platform).first()
        if course is None:
            course = Course(context_id=context_id, title="Course", **platform)
            db.add(course)
        author = db.query(User).filter_by(sub="author", registration_id=platform["registration_id"]).first()
        if author is None:
            author = User(registration_id=platform["registration_id"], sub="author", display_name="Author")
            db.add(author)
        db.flush()
        row = Sequence(
            course_id=course.id,
            created_by_id=author.id,
            target_label=label,
            inputs=dict(REQUEST),
            status="ready",
            current_version=1,
        )
        db.add(row)
        db.flush()
        db.add(
            SequenceVersion(
                sequence_id=row.id,
                number=1,
                content=content or SEQUENCE,
                findings=findings or [],
                source="generated",
            )
        )
        db.commit()
        return row.public_id
