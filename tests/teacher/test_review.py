"""Review page, edits as versions with re-checking, diffs, duplicate and delete."""

from __future__ import annotations

import re

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
CONSIDER = {
    "check": "d",
    "message": "The script does not name the strategy.",
    "location": "Task 4 › Teacher script after success",
    "task_index": 3,
    "severity": "consider",
}
OVERALL = {
    "check": "e",
    "message": "A reward is suggested.",
    "location": "Task 9 › Teacher script after success",
    "task_index": 8,
    "severity": "must_fix",
}


def test_review_in_plain_words_with_an_honest_summary(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform, findings=[FINDING, CONSIDER, OVERALL])
    html = client.get(f"/teacher/s/{public_id}", query_string={"lt": make_launch()}).get_data(as_text=True)
    for heading in (
        "Why they avoid it",
        "The steps",
        "What to say, and what not to",
        "After the last step",
        "Cautions",
    ):
        assert heading in html
    # The source document's headings are there only behind the "show the research terms" switch.
    assert 'id="show-terms"' in html
    assert '<span class="term"> (Efficacy Diagnostic)</span>' in html
    visible = re.sub(r'<span class="term">.*?</span>', "", html)
    for research in (
        "Efficacy Diagnostic",
        "Task Sequence",
        "Attribution Coaching",
        "(a)",
        "(e) ",
        "mastery experience",
    ):
        assert research not in visible.replace('value="mastery experience"', ""), research
    for n, task in enumerate(SEQUENCE["tasks"], start=1):
        assert f"Step {n}: {task['name']}" in html and f'href="#task-{n - 1}"' in html
    assert "What to say when it goes well" in html and "If the student struggles" in html
    # The summary counts must-fix and worth-a-look findings and links to each; none is dropped.
    assert re.search(r"Checks: <span class=\"flag\">2 must fix</span> · 1 worth a look", html)
    assert "— Generic praise is recommended." in html  # each link says which finding it is
    for n in (1, 2, 3):
        assert html.count(f'href="#finding-{n}"') == 1 and html.count(f'id="finding-{n}"') == 1
    # The finding on a task that no longer exists is shown in the summary, in plain words.
    assert "Step 9 › What to say when it goes well" in html
    # Passing checks: one line.
    assert html.count("✓ Passed:") == 1 and "an easy first step" in html
    # Escaped evidence; the flagged step is open, later clean steps are folded.
    assert "Well done, &lt;b&gt;superstar&lt;/b&gt;!" in html and "<b>superstar</b>" not in html
    assert re.search(r'<details class="card task" id="task-0" open>', html)
    assert re.search(r'<details class="card task" id="task-1" open>', html)
    assert re.search(r'<details class="card task" id="task-2">', html)
    # What the student sees, as they see it.
    assert "Work through card 1 on your own whiteboard." in html and "What the student sees" in html
    # The way on to publishing and progress, carrying the launch token, with the things to fix first.
    assert f"/teacher/sequences/{public_id}/progress?lt=" in html
    assert "The checks found 2 things to fix first" in html


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
    saved = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved as a new version." in saved
    with app.app_context():
        row = session().scalars(select(Sequence).where(Sequence.public_id == public_id)).one()
        assert row.current_version == 2
        version = session().scalars(select(SequenceVersion).where(SequenceVersion.number == 2)).one()
        assert version.source == "edited"
        assert version.content["tasks"][1]["teacher_script"] == "You're so clever! Great job!"
        # Re-checked on save: ability praise in a teacher script is flagged on that task.
        assert any(f["task_index"] == 1 for f in version.findings), version.findings
    history = client.get(f"/teacher/s/{public_id}/history", query_string={"lt": lt}).get_data(as_text=True)
    assert "What changed from version 1 to version 2" in history
    # Field by field, in plain words, with the changed words marked; no raw diff.
    assert "Step 2 · What to say when it goes well" in history
    assert "<ins>You&#39;re so clever! Great job!</ins>" in history
    assert "@@" not in history and "Edited" in history and "Tina Teacher" in history


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
    data = {
        "lt": lt,
        "target_label": "Jonah",
        "target_skill": "Solving two-step equations",
        "student_level": "Year 9",
        "current_avoidance": "Says maths is pointless and stops.",
    }
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
    assert "Writing task 3" in html and "Step 1:" in html  # old version still shown under the progress
    # A second click while the job runs does not queue another.
    client.post(f"/teacher/s/{public_id}/tasks/2/regenerate", data={"lt": lt})
    with app.app_context():
        assert len(session().scalars(select(GenerationJob)).all()) == 1
