"""Usage per deployment for the console: sequences, students planned for, publications (a few grouped counts)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tool.publish.models import Publication
from tool.teacher.models import Course, Sequence


@dataclass(frozen=True)
class Usage:
    courses: int = 0
    sequences: int = 0
    students: int = 0
    publications: int = 0


def usage_by_deployment(engine: Engine, deployment_pks: list[int]) -> dict[int, Usage]:
    """Counts per deployment pk (deleted sequences not counted); deployments without use are absent."""
    if not deployment_pks:
        return {}
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    live = Sequence.deleted_at.is_(None)
    with Session(engine) as db:
        for pk, n in db.execute(
            select(Course.deployment_pk, func.count(Course.id))
            .where(Course.deployment_pk.in_(deployment_pks))
            .group_by(Course.deployment_pk)
        ):
            counts[pk]["courses"] = n
        for pk, n in db.execute(
            select(Course.deployment_pk, func.count(Sequence.id))
            .join(Sequence, Sequence.course_id == Course.id)
            .where(Course.deployment_pk.in_(deployment_pks), live)
            .group_by(Course.deployment_pk)
        ):
            counts[pk]["sequences"] = n
        # A student is a roster member planned for, or a label the teacher typed (per course).
        for pk, n in db.execute(
            select(Course.deployment_pk, func.count(distinct(Sequence.target_user_id)))
            .join(Sequence, Sequence.course_id == Course.id)
            .where(Course.deployment_pk.in_(deployment_pks), live, Sequence.target_user_id.is_not(None))
            .group_by(Course.deployment_pk)
        ):
            counts[pk]["students"] = n
        labelled = (
            select(Course.deployment_pk.label("pk"), Sequence.course_id, Sequence.target_label)
            .join(Sequence, Sequence.course_id == Course.id)
            .where(Course.deployment_pk.in_(deployment_pks), live, Sequence.target_user_id.is_(None))
            .distinct()
            .subquery()
        )
        for pk, n in db.execute(select(labelled.c.pk, func.count()).group_by(labelled.c.pk)):
            counts[pk]["students"] = counts[pk].get("students", 0) + n
        for pk, n in db.execute(
            select(Publication.deployment_pk, func.count(Publication.id))
            .where(Publication.deployment_pk.in_(deployment_pks))
            .group_by(Publication.deployment_pk)
        ):
            counts[pk]["publications"] = n
    return {pk: Usage(**values) for pk, values in counts.items()}
