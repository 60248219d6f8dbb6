"""Every version stores how many tasks it holds (``SequenceVersion.task_count``), so that the teacher's lists count
steps within the published version without reading its content; the migration fills it in for older rows."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from support.launches import teacher_launch

from config.settings import Settings
from tool import db as database
from tool.db import session
from tool.generation.model import Sequence
from tool.lti.launch import Launch
from tool.teacher import queries
from tool.teacher.jobs import start_job
from tool.teacher.models import Sequence as SequenceRow
from tool.teacher.models import SequenceVersion, task_count_of
from tool.teacher.tasks import execute_job

from .conftest import MakeLaunch
from .sample import REQUEST, SEQUENCE


def _launch(platform: dict[str, int]) -> Launch:
    return teacher_launch(platform)


def _stored(row_id: int) -> list[tuple[int, str, int, int]]:
    """(number, source, stored task_count, len(content["tasks"])) of every version, read back from the database."""
    db = session()
    db.expire_all()
    rows = db.execute(
        select(SequenceVersion.number, SequenceVersion.source, SequenceVersion.task_count, SequenceVersion.content)
        .where(SequenceVersion.sequence_id == row_id)
        .order_by(SequenceVersion.number)
    ).all()
    return [(number, source, count, len(content["tasks"])) for number, source, count, content in rows]


def test_every_kind_of_version_stores_its_task_count(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    launch = _launch(platform)
    with app.app_context():
        db = session()
        course = queries.ensure_course(db, launch)
        author = queries.launch_user(db, launch)
        row = SequenceRow(course_id=course.id, created_by_id=author.id, target_label="Priya", inputs=dict(REQUEST))
        db.add(row)
        db.commit()
        execute_job(start_job(db, launch, row, created_by=author, roster=None).id)  # 1: generated
        db.expire_all()
        first = Sequence.model_validate(queries.current_version(db, row).content)  # type: ignore[union-attr]
        job = start_job(db, launch, row, created_by=author, roster=None, kind="task", task_index=1, base=first)
        execute_job(job.id)  # 2: regenerated_task
        # 3: a version with two tasks (a row written directly), so the counts below differ from version to version.
        short = first.model_copy(update={"tasks": first.tasks[:2]}).model_dump(mode="json")
        db.add(SequenceVersion(sequence_id=row.id, number=3, content=short, findings=[], source="edited"))
        row.current_version = 3
        db.commit()
        row_id, public_id = row.id, row.public_id
    lt = make_launch()
    task = dict(short["tasks"][1])
    data = {k: v or "" for k, v in task.items() if k != "sources"}
    data.update(lt=lt, teacher_script="You kept going when it got hard.", sources="mastery experience")
    assert client.post(f"/teacher/s/{public_id}/edit/task-1", data=data).status_code == 302  # 4: edited
    assert client.post(f"/teacher/s/{public_id}/history/1/restore", data={"lt": lt}).status_code == 302  # 5

    with app.app_context():
        stored = _stored(row_id)
        assert [(number, source) for number, source, _, _ in stored] == [
            (1, "generated"),
            (2, "regenerated_task"),
            (3, "edited"),
            (4, "edited"),
            (5, "restored"),
        ]
        assert [count for _, _, count, _ in stored] == [tasks for _, _, _, tasks in stored]
        whole = len(first.tasks)
        assert whole > 2 and [count for _, _, count, _ in stored] == [whole, whole, 2, 2, whole]

        # Content given to an existing version (only tests do this) carries its count with it.
        version = session().scalars(select(SequenceVersion).where(SequenceVersion.number == 5)).one()
        version.content = {**version.content, "tasks": version.content["tasks"][:1]}
        session().commit()
        assert _stored(row_id)[-1][2:] == (1, 1)


def test_task_count_of_reads_missing_or_empty_task_lists_as_zero() -> None:
    assert task_count_of(SEQUENCE) == len(SEQUENCE["tasks"]) == 4
    assert task_count_of({"tasks": []}) == 0
    assert task_count_of({"title_skill": "x"}) == 0
    assert task_count_of(None) == 0


def test_migration_fills_in_the_task_count_of_existing_versions(settings: Settings) -> None:
    from tool import create_app
    from tool.db import upgrade_schema

    app = create_app(settings, TESTING=True)
    versions = sa.table(
        "sequence_versions",
        sa.column("id", sa.Integer),
        sa.column("sequence_id", sa.Integer),
        sa.column("number", sa.Integer),
        sa.column("content", sa.JSON),
        sa.column("findings", sa.JSON),
        sa.column("source", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    no_tasks = {k: v for k, v in SEQUENCE.items() if k != "tasks"}
    three = copy.deepcopy(SEQUENCE)
    three["tasks"] = three["tasks"][:3]
    contents: list[tuple[dict[str, Any], int]] = [(SEQUENCE, 4), (three, 3), ({**SEQUENCE, "tasks": []}, 0)]
    contents.append((no_tasks, 0))
    try:
        upgrade_schema(app, "0009_hidden_words")
        now = datetime(2026, 3, 1, 9, 0)
        with app.app_context(), database.transaction() as s:
            s.execute(
                sa.text(
                    "INSERT INTO lti_registrations (id, issuer, client_id, name, auth_login_url, auth_token_url, "
                    "jwks_url, platform_family, granted_scopes, status, created_at) "
                    "VALUES (1, 'http://lms', 'c1', 'LMS', 'http://lms/a', 'http://lms/t', 'http://lms/j', "
                    "'moodle', '', 'active', :now)"
                ),
                {"now": now},
            )
            s.execute(
                sa.text(
                    "INSERT INTO lti_deployments (id, registration_id, deployment_id, active, created_at) "
                    "VALUES (1, 1, '1', true, :now)"
                ),
                {"now": now},
            )
            s.execute(
                sa.text(
                    "INSERT INTO courses (id, registration_id, deployment_pk, context_id, title, created_at) "
                    "VALUES (1, 1, 1, 'c', 'Course', :now)"
                ),
                {"now": now},
            )
            s.execute(
                sa.text(
                    "INSERT INTO users (id, registration_id, sub, display_name, updated_at) "
                    "VALUES (1, 1, '3', 'T', :now)"
                ),
                {"now": now},
            )
            s.execute(
                sa.text(
                    "INSERT INTO sequences (id, public_id, course_id, created_by_id, inputs, status, "
                    "created_at, updated_at) VALUES (1, 'sq1', 1, 1, '{}', 'ready', :now, :now)"
                ),
                {"now": now},
            )
            for number, (content, _) in enumerate(contents, start=1):
                s.execute(
                    sa.insert(versions).values(
                        id=number,
                        sequence_id=1,
                        number=number,
                        content=content,
                        findings=[],
                        source="generated",
                        created_at=now,
                    )
                )
        upgrade_schema(app)
        with app.app_context():
            db = session()
            counts = db.execute(select(SequenceVersion.task_count).order_by(SequenceVersion.number)).scalars().all()
            assert counts == [expected for _, expected in contents]
            assert all(v.task_count == task_count_of(v.content) for v in db.scalars(select(SequenceVersion)))
            # From now on every version must say how many tasks it has.
            with pytest.raises(IntegrityError):
                db.execute(
                    sa.insert(versions).values(
                        id=9, sequence_id=1, number=9, content=SEQUENCE, findings=[], source="edited", created_at=now
                    )
                )
            db.rollback()
    finally:
        app.extensions["db_engine"].dispose()
