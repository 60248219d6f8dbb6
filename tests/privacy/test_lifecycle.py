"""Retention, export and deletion, counted: rows before and after, and nothing left that names the student."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select, text

from tests.teacher.conftest import MakeLaunch
from tests.teacher.sample import REQUEST, SEQUENCE
from tool.db import session, utcnow
from tool.generation.model import Usage
from tool.generation.usage_ledger import record_attempt
from tool.lti.models import Deployment
from tool.privacy import lifecycle
from tool.privacy.audit import AuditEvent, events
from tool.privacy.tasks import purge_expired
from tool.publish.models import Publication, PublishedStep, StepEvent, StepProgress
from tool.teacher.models import Course, GenerationJob, Sequence, SequenceVersion, User

SAM = {
    "sub": "sam-sub-4711",
    "display_name": "Sam Student",
    "given_name": "Sam",
    "family_name": "Student",
    "email": "sam.student@school.test",
}
SUE = {
    "sub": "sue-sub-4712",
    "display_name": "Sue Scholar",
    "given_name": "Sue",
    "family_name": "Scholar",
    "email": "sue@school.test",
}
COUNTED = {
    "sequences": Sequence,
    "versions": SequenceVersion,
    "jobs": GenerationJob,
    "publications": Publication,
    "steps": PublishedStep,
    "responses": StepProgress,
    "step_events": StepEvent,
    "users": User,
}


def _user(db: Any, registration_id: int, person: dict[str, str]) -> User:
    user = User(registration_id=registration_id, **person)
    db.add(user)
    db.flush()
    return user


def _sequence(db: Any, course: Course, author: User, target: User, *, age_days: int = 0) -> Sequence:
    """A published sequence with a job, its token count, two steps, the student's answer and history."""
    when = utcnow() - timedelta(days=age_days)
    row = Sequence(
        course_id=course.id,
        created_by_id=author.id,
        target_user_id=target.id,
        inputs=dict(REQUEST),
        status="ready",
        current_version=1,
        created_at=when,
        updated_at=when,
    )
    db.add(row)
    db.flush()
    job = GenerationJob(
        sequence_id=row.id,
        kind="full",
        status="ready",
        payload={},
        created_by_id=author.id,
        redactions={"the student": target.display_name},
    )
    db.add(job)
    db.flush()
    db.add(
        SequenceVersion(sequence_id=row.id, number=1, content=SEQUENCE, findings=[], source="generated", job_id=job.id)
    )
    record_attempt(db, job.id, row.id, "ready", Usage(prompt_tokens=2000, completion_tokens=900), "m")
    publication = Publication(
        sequence_id=row.id,
        version_number=1,
        method="ags",
        release_mode="all",
        spacing_days=0,
        registration_id=course.registration_id,
        deployment_pk=course.deployment_pk,
        context_id=course.context_id,
    )
    db.add(publication)
    db.flush()
    for index in range(2):
        step = PublishedStep(publication_id=publication.id, index=index, resource_id=f"r{row.id}-{index}")
        db.add(step)
        db.flush()
        db.add(StepProgress(step_id=step.id, response_text=f"{target.given_name} wrote three lines"))
        db.add(StepEvent(step_id=step.id, kind="responded", text="three lines", actor_sub=target.sub))
    if age_days:  # the insert stamped updated_at with now; age it
        db.flush()
        db.execute(text("UPDATE sequences SET updated_at = :when WHERE id = :id"), {"when": when, "id": row.id})
    return row


def _build(app: Flask, platform: dict[str, int]) -> dict[str, int]:
    with app.app_context():
        db = session()
        course = Course(context_id="course-101", title="Year 8 English", **platform)
        db.add(course)
        teacher = _user(db, platform["registration_id"], {"sub": "teacher-sub-1", "display_name": "Tina Teacher"})
        sam = _user(db, platform["registration_id"], SAM)
        sue = _user(db, platform["registration_id"], SUE)
        db.flush()
        _sequence(db, course, teacher, sam)
        _sequence(db, course, teacher, sam)
        _sequence(db, course, teacher, sue)
        db.commit()
        return {"sam": sam.id, "sue": sue.id, "course": course.id, "teacher": teacher.id}


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        db = session()
        return {name: db.scalar(select(func.count()).select_from(model)) or 0 for name, model in COUNTED.items()}


def _everything(app: Flask) -> str:
    """Every value of every row of every table, as text."""
    with app.app_context():
        db = session()
        tables = inspect(db.get_bind()).get_table_names()
        return "\n".join(
            str(tuple(row))
            for table in tables
            for row in db.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608
        )


def test_teacher_exports_then_deletes_one_student(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    ids = _build(app, platform)
    lt = make_launch()
    exported = client.get(f"/teacher/students/{ids['sam']}/export.json", query_string={"lt": lt})
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    data = json.loads(exported.get_data(as_text=True))
    assert data["student"]["name"] == "Sam Student" and len(data["sequences"]) == 2
    assert data["sequences"][0]["published_steps"][0]["response"] == "Sam wrote three lines"
    assert data["sequences"][0]["versions"][0]["content"]["title_skill"]

    before = _counts(app)
    assert "Sam Student" in _everything(app)
    confirm = client.get(f"/teacher/students/{ids['sam']}/delete", query_string={"lt": lt})
    assert confirm.status_code == 200 and "2 sequences" in confirm.get_data(as_text=True)
    deleted = client.post(f"/teacher/students/{ids['sam']}/delete", data={"lt": lt})
    assert deleted.status_code == 200 and "Deleted" in deleted.get_data(as_text=True)
    after = _counts(app)
    assert before == {
        "sequences": 3,
        "versions": 3,
        "jobs": 3,
        "publications": 3,
        "steps": 6,
        "responses": 6,
        "step_events": 6,
        "users": 3,
    }
    # Sam's two sequences and everything under them, and Sam's user row; Sue's sequence stays whole.
    assert after == {
        "sequences": 1,
        "versions": 1,
        "jobs": 1,
        "publications": 1,
        "steps": 2,
        "responses": 2,
        "step_events": 2,
        "users": 2,
    }
    everything = _everything(app)
    for trace in (SAM["display_name"], SAM["sub"], SAM["email"], "Sam wrote"):
        assert trace not in everything, trace
    assert SUE["display_name"] in everything
    with app.app_context():
        log = events(session())
        assert [e.action for e in log].count("exported") == 2 and [e.action for e in log].count("deleted") == 2
        assert all(e.student_id == ids["sam"] for e in log)
    # Deleting again: the student has nothing here any more.
    assert client.get(f"/teacher/students/{ids['sam']}/delete", query_string={"lt": lt}).status_code == 404


def test_another_course_cannot_export_or_delete_the_student(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    ids = _build(app, platform)
    other = make_launch(context_id="course-999")
    assert client.get(f"/teacher/students/{ids['sam']}/export.json", query_string={"lt": other}).status_code == 404
    assert client.post(f"/teacher/students/{ids['sam']}/delete", data={"lt": other}).status_code == 404
    assert _counts(app)["sequences"] == 3


def test_the_scheduled_purge_deletes_only_what_is_past_the_window(app: Flask, platform: dict[str, int]) -> None:
    ids = _build(app, platform)
    with app.app_context():
        db = session()
        course, teacher, sue = db.get(Course, ids["course"]), db.get(User, ids["teacher"]), db.get(User, ids["sue"])
        old = _sequence(db, course, teacher, sue, age_days=800)
        binned = _sequence(db, course, teacher, sue)
        binned.deleted_at = utcnow() - timedelta(days=lifecycle.DELETED_GRACE_DAYS + 1)
        db.commit()
        old_id = old.id
    assert _counts(app)["sequences"] == 5
    assert app.config["SETTINGS"].retention_days == 730
    with app.app_context():
        done = purge_expired()
    assert done["sequences"] == 2 and done["responses"] == 4 and done["jobs"] == 2 and done["token_records"] == 2
    assert _counts(app)["sequences"] == 3
    with app.app_context():
        assert [e.action for e in events(session())] == ["expired", "expired"]
        assert session().get(Sequence, old_id) is None
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["privacy-retention-purge"]["task"] == "privacy.purge_expired"


def test_an_admin_deletes_a_whole_deployment_and_no_other(app: Flask, platform: dict[str, int]) -> None:
    _build(app, platform)
    with app.app_context():
        db = session()
        other = Deployment(registration_id=platform["registration_id"], deployment_id="dep-2", active=True)
        db.add(other)
        db.flush()
        course = Course(
            context_id="course-7",
            title="Other school",
            registration_id=platform["registration_id"],
            deployment_pk=other.id,
        )
        db.add(course)
        teacher = _user(db, platform["registration_id"], {"sub": "t2", "display_name": "Olu Other"})
        pupil = _user(db, platform["registration_id"], {"sub": "p2", "display_name": "Pat Pupil"})
        _sequence(db, course, teacher, pupil)
        db.commit()
        done = lifecycle.delete_deployment(db, platform["deployment_pk"])
        db.commit()
        assert (done.sequences, done.responses, done.users) == (3, 6, 3)
        assert db.scalar(select(func.count()).select_from(Sequence)) == 1
        assert db.scalar(select(func.count()).select_from(Course)) == 1
        assert {e.deployment_pk for e in db.scalars(select(AuditEvent))} == {platform["deployment_pk"]}
    everything = _everything(app)
    assert "Sam Student" not in everything and "Tina Teacher" not in everything and "Pat Pupil" in everything
