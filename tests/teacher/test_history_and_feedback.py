"""Restoring versions, and a word for every action: saved, restored, a rewrite that changed nothing, names in forms."""

from __future__ import annotations

import copy

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tool.db import session
from tool.teacher.models import GenerationJob, Sequence, SequenceVersion

from .conftest import MakeLaunch
from .rows import make_sequence
from .sample import SEQUENCE

ALT = "times-tables"


def _add_version(
    app: Flask,
    public_id: str,
    content: dict[str, object],
    *,
    source: str = "edited",
    job: GenerationJob | None = None,
    meta: dict[str, object] | None = None,
) -> None:
    with app.app_context():
        db = session()
        row = db.scalars(select(Sequence).where(Sequence.public_id == public_id)).one()
        job_id = None
        if job is not None:
            job.sequence_id = row.id
            db.add(job)
            db.flush()
            job_id = job.id
        number = (row.current_version or 0) + 1
        db.add(
            SequenceVersion(
                sequence_id=row.id, number=number, content=content, findings=[], source=source, job_id=job_id, meta=meta
            )
        )
        row.current_version = number
        db.commit()


def test_restore_adds_a_version_and_loses_nothing(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    edited = copy.deepcopy(SEQUENCE)
    edited["tasks"][0]["name"] = "Shopping puzzles"
    _add_version(app, public_id, edited)
    lt = make_launch()

    page = client.get(f"/teacher/s/{public_id}/history", query_string={"lt": lt}).get_data(as_text=True)
    assert "Step 1 · Task name" in page and "<del>Money </del>" in page and "<ins>Shopping </ins>" in page
    assert f"/teacher/s/{public_id}/history/1/restore" in page
    assert f"/teacher/s/{public_id}/history/2/restore" not in page  # the current one has no restore button

    response = client.post(f"/teacher/s/{public_id}/history/1/restore", data={"lt": lt})
    assert response.status_code == 302
    review = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Restored: the older text is now the newest version." in review
    assert "Step 1: Money puzzles" in review
    with app.app_context():
        versions = session().scalars(select(SequenceVersion).order_by(SequenceVersion.number)).all()
        assert [(v.number, v.source) for v in versions] == [(1, "generated"), (2, "edited"), (3, "restored")]
        assert versions[2].content == versions[0].content and versions[1].content["tasks"][0]["name"] == (
            "Shopping puzzles"
        )
        assert versions[2].meta == {"restored_from": 1}
    page = client.get(f"/teacher/s/{public_id}/history", query_string={"lt": lt}).get_data(as_text=True)
    assert "Restored from version 1" in page
    # Restoring the current version changes nothing and says so.
    again = client.post(f"/teacher/s/{public_id}/history/3/restore", data={"lt": lt})
    assert "already the current one" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert client.post(f"/teacher/s/{public_id}/history/99/restore", data={"lt": lt}).status_code == 404


def test_a_rewrite_that_changed_nothing_says_why(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    job = GenerationJob(kind="task", task_index=1, base_version=1, status="ready", payload={}, redactions={})
    meta = {
        "backend": "offline",
        "ladder": {"family_id": "solving-equations", "chosen_by": "match", "alternatives": ["no-such-ladder", ALT]},
    }
    _add_version(app, public_id, copy.deepcopy(SEQUENCE), source="regenerated_task", job=job, meta=meta)
    html = client.get(f"/teacher/s/{public_id}", query_string={"lt": make_launch()}).get_data(as_text=True)
    assert "Rewriting step 2 gave the same task back" in html
    assert "its skill ladder, which has one version of each step" in html
    assert f"/teacher/s/{public_id}/edit/task-1" in html
    # The alternatives the planner considered are offered as one-click rewrites (unknown ids are skipped).
    assert html.count('name="ladder_family" value="') >= 1
    assert f'<input type="hidden" name="ladder_family" value="{ALT}">' in html
    assert "no-such-ladder" not in html


def test_a_rewrite_that_changed_the_task_says_nothing_extra(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    changed = copy.deepcopy(SEQUENCE)
    changed["tasks"][1]["name"] = "Boxes and bags"
    job = GenerationJob(kind="task", task_index=1, base_version=1, status="ready", payload={}, redactions={})
    _add_version(app, public_id, changed, source="regenerated_task", job=job, meta={"backend": "openai"})
    html = client.get(f"/teacher/s/{public_id}", query_string={"lt": make_launch()}).get_data(as_text=True)
    assert "gave the same task back" not in html and "Boxes and bags" in html


def test_the_edit_form_shows_the_name_the_review_shows(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    content = copy.deepcopy(SEQUENCE)
    content["tasks"][0]["student_does"] = "The student finds the missing price."
    public_id = make_sequence(app, platform, content=content)
    with app.app_context():
        db = session()
        row = db.scalars(select(Sequence).where(Sequence.public_id == public_id)).one()
        db.add(
            GenerationJob(
                sequence_id=row.id, kind="full", status="ready", payload={}, redactions={"the student": "Priya"}
            )
        )
        db.commit()
    lt = make_launch()
    review = client.get(f"/teacher/s/{public_id}", query_string={"lt": lt}).get_data(as_text=True)
    form = client.get(f"/teacher/s/{public_id}/edit/task-0", query_string={"lt": lt}).get_data(as_text=True)
    assert "Priya finds the missing price." in review
    assert "Priya finds the missing price." in form and "The student finds" not in form


def test_notices_are_fixed_texts_only(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    lt = make_launch()
    html = client.get(f"/teacher/s/{public_id}", query_string={"lt": lt, "done": "<script>x</script>"})
    assert html.status_code == 200 and "<script>x" not in html.get_data(as_text=True)
    assert 'class="notice"' not in html.get_data(as_text=True)
