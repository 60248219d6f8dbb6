"""Review page, edits as versions with re-checking, diffs, duplicate and delete."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tool.db import session
from tool.teacher.models import GenerationJob, Sequence, SequenceVersion

from .conftest import MakeLaunch
from .rows import make_sequence
from .sample import SEQUENCE

FINDING = {
    "check": "e",
    "message": "Generic praise is recommended.",
    "location": "Task 2 › Teacher script after success",
    "evidence": "Well done, <b>superstar</b>!",
    "task_index": 1,
}


def test_review_shows_the_seed_structure_checks_and_teacher_only_text(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform, findings=[FINDING])
    html = client.get(f"/teacher/s/{public_id}", query_string={"lt": make_launch()}).get_data(as_text=True)
    for heading in ("Efficacy diagnostic", "Task sequence", "Attribution coaching guide", "Long-term plan", "Cautions"):
        assert heading in html
    for n, task in enumerate(SEQUENCE["tasks"], start=1):
        assert f"Task {n}: {task['name']}" in html
    assert "Teacher script after success" in html and "If the student struggles" in html
    # Flag with escaped quoted evidence on task 2; passed checks listed; other tasks clean.
    assert "Well done, &lt;b&gt;superstar&lt;/b&gt;!" in html and "<b>superstar</b>" not in html
    assert "(a) The first task is virtually certain to succeed" in html
    assert html.count("No flags for this task.") == len(SEQUENCE["tasks"]) - 1
    # The way on to publishing and progress, carrying the launch token.
    assert f"/teacher/sequences/{public_id}/progress?lt=" in html


def test_llm_text_is_escaped(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    hostile = dict(SEQUENCE, long_term_plan='<script>alert("x")</script>')
    public_id = make_sequence(app, platform, content=hostile)
    html = client.get(f"/teacher/s/{public_id}", query_string={"lt": make_launch()}).get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_editing_a_task_saves_a_rechecked_version_and_a_diff(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    lt = make_launch()
    url = f"/teacher/s/{public_id}/edit/task-1"
    form = client.get(url, query_string={"lt": lt}).get_data(as_text=True)
    assert SEQUENCE["tasks"][1]["student_does"] in form
    task = dict(SEQUENCE["tasks"][1])
    data = {k: v or "" for k, v in task.items() if k != "sources"}
    data.update(lt=lt, teacher_script="You're so clever! Great job!", sources="mastery experience")
    response = client.post(url, data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("#task-1")
    with app.app_context():
        row = session().scalars(select(Sequence).where(Sequence.public_id == public_id)).one()
        assert row.current_version == 2
        version = session().scalars(select(SequenceVersion).where(SequenceVersion.number == 2)).one()
        assert version.source == "edited"
        assert version.content["tasks"][1]["teacher_script"] == "You're so clever! Great job!"
        # Re-checked on save: ability praise in a teacher script is flagged on that task.
        assert any(f["task_index"] == 1 for f in version.findings), version.findings
    history = client.get(f"/teacher/s/{public_id}/history", query_string={"lt": lt}).get_data(as_text=True)
    assert "+" in history and "You&#39;re so clever! Great job!" in history
    assert "Changes from version 1 to version 2" in history


def test_an_invalid_edit_keeps_the_text_and_names_the_field(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    lt = make_launch()
    data = {"lt": lt, "primary_barrier": "", "starting_point": "Kept text here", "sequence_strategy": "x"}
    response = client.post(f"/teacher/s/{public_id}/edit/diagnostic", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="e-primary_barrier"' in html and "Kept text here" in html
    assert client.get(f"/teacher/s/{public_id}/edit/task-99", query_string={"lt": lt}).status_code == 404


def test_duplicate_copies_inputs_for_a_new_student_and_queues_a_fresh_generation(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    lt = make_launch()
    page = client.get(f"/teacher/s/{public_id}/duplicate", query_string={"lt": lt}).get_data(as_text=True)
    assert "Solving two-step equations" in page  # inputs copied into the form
    data = {"lt": lt, "target_label": "Jonah", "target_skill": "Solving two-step equations",
            "student_level": "Year 9", "current_avoidance": "Says maths is pointless and stops."}
    response = client.post(f"/teacher/s/{public_id}/duplicate", data=data)
    assert response.status_code == 302
    with app.app_context():
        rows = session().scalars(select(Sequence).order_by(Sequence.id)).all()
        assert [r.target_label for r in rows] == ["Priya", "Jonah"]
        assert rows[1].public_id != public_id and rows[1].current_version is None
        job = session().scalars(select(GenerationJob)).one()
        assert job.sequence_id == rows[1].id and job.kind == "full"


def test_delete_asks_first_then_hides_the_sequence(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    lt = make_launch()
    confirm = client.get(f"/teacher/s/{public_id}/delete", query_string={"lt": lt})
    assert confirm.status_code == 200 and "Delete the sequence for Priya?" in confirm.get_data(as_text=True)
    assert client.get(f"/teacher/s/{public_id}", query_string={"lt": lt}).status_code == 200  # GET deleted nothing
    assert client.post(f"/teacher/s/{public_id}/delete", data={"lt": lt}).status_code == 302
    assert client.get(f"/teacher/s/{public_id}", query_string={"lt": lt}).status_code == 404
    assert public_id not in client.get("/teacher/", query_string={"lt": lt}).get_data(as_text=True)


def test_regenerate_task_queues_one_task_job_and_shows_progress(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    lt = make_launch()
    response = client.post(f"/teacher/s/{public_id}/tasks/2/regenerate", data={"lt": lt})
    assert response.status_code == 302
    with app.app_context():
        job = session().scalars(select(GenerationJob)).one()
        assert (job.kind, job.task_index, job.base_version) == ("task", 2, 1)
        assert job.payload["sequence"]["tasks"][2]["name"] == SEQUENCE["tasks"][2]["name"]
    html = client.get(f"/teacher/s/{public_id}", query_string={"lt": lt}).get_data(as_text=True)
    assert "Writing task 3" in html and "Task 1:" in html  # old version still shown under the progress
    # A second click while the job runs does not queue another.
    client.post(f"/teacher/s/{public_id}/tasks/2/regenerate", data={"lt": lt})
    with app.app_context():
        assert len(session().scalars(select(GenerationJob)).all()) == 1
