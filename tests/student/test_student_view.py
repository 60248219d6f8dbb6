"""The student's page: only their current step, calm wording, locked steps without content."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from publish.factories import FORBIDDEN, INSTRUCTOR, launch_token, make_world, publish

from tool import db
from tool.publish import progress


def _mark_succeeded(app: Flask, step_public_id: str) -> None:
    with app.app_context(), db.transaction() as s:
        step = progress.find_step(s, step_public_id)
        assert step is not None
        progress.mark_succeeded(s, step, "used the plan", "3")


def test_current_step_shows_instructions_escaped_and_nothing_teacher_only(app: Flask, client: FlaskClient) -> None:
    world = make_world(app)
    steps = publish(app, world)
    html = client.get("/student/", query_string={"lt": launch_token(app, "4"), "step": steps[0]}).get_data(True)
    assert "Practice step 1" in html
    assert "Say your idea out loud, then write it down." in html
    assert "&lt;b&gt;Step 1&lt;/b&gt;" in html and "<b>Step 1</b>" not in html  # LLM text is escaped
    assert "no timer" in html and "draft" in html
    assert "Practice step 2 — opens after your current step" in html
    assert "Step 2</b>" not in html and "Step 2&lt;" not in html  # locked content is never sent
    for word in FORBIDDEN:
        assert word.lower() not in html.lower(), word
    assert "Write a developed paragraph" not in html and "Extended writing" not in html


def test_step_two_is_locked_until_step_one_succeeds(app: Flask, client: FlaskClient) -> None:
    world = make_world(app)
    steps = publish(app, world)
    token = launch_token(app, "4")
    locked = client.get("/student/", query_string={"lt": token, "step": steps[1]}).get_data(True)
    assert "Practice step 2 isn’t open yet" in locked
    assert "Step 2&lt;/b&gt;" not in locked
    _mark_succeeded(app, steps[0])
    opened = client.get("/student/", query_string={"lt": token, "step": steps[1]}).get_data(True)
    assert "isn’t open yet" not in opened
    assert "&lt;b&gt;Step 2&lt;/b&gt;" in opened
    assert "Practice step 1 — done" in opened


def test_another_student_and_a_teacher_of_another_course_see_the_neutral_page(app: Flask, client: FlaskClient) -> None:
    world = make_world(app)
    steps = publish(app, world)
    for token in (
        launch_token(app, "5"),  # Sue, a classmate
        launch_token(app, "4", scope=(1, 2, "course-101")),  # same sub, other deployment
        launch_token(app, "4", scope=(2, 3, "course-101")),  # same sub, other platform
    ):
        html = client.get("/student/", query_string={"lt": token, "step": steps[0]}).get_data(True)
        assert "This practice activity isn’t set up for you — nothing to do here" in html
        assert "Say your idea" not in html
    unknown = client.get("/student/", query_string={"lt": launch_token(app, "4"), "step": "nope"})
    assert "isn’t set up for you" in unknown.get_data(True)


def test_custom_param_selects_the_step_and_no_step_shows_the_current_one(app: Flask, client: FlaskClient) -> None:
    world = make_world(app)
    steps = publish(app, world)
    token = launch_token(app, "4", custom={"ss_step": steps[1], "ss_sequence": world.sequence_public_id})
    assert "Practice step 2 isn’t open yet" in client.get("/student/", query_string={"lt": token}).get_data(True)
    plain = client.get("/student/", query_string={"lt": launch_token(app, "4")}).get_data(True)
    assert "&lt;b&gt;Step 1&lt;/b&gt;" in plain


def test_a_student_without_a_sequence_sees_a_calm_page(app: Flask, client: FlaskClient) -> None:
    make_world(app)
    html = client.get("/student/", query_string={"lt": launch_token(app, "77")}).get_data(True)
    assert "Nothing to do here yet" in html


def test_responding_records_the_answer_and_only_for_the_current_step(app: Flask, client: FlaskClient) -> None:
    world = make_world(app)
    steps = publish(app, world)
    token = launch_token(app, "4")
    sent = client.post("/student/respond", data={"lt": token, "step": steps[0], "response": "My <i>idea</i>"})
    assert sent.status_code == 303
    page = client.get(sent.headers["Location"]).get_data(True)
    assert "Sent. Your teacher will have a look." in page and "My &lt;i&gt;idea&lt;/i&gt;" in page
    client.post("/student/respond", data={"lt": token, "step": steps[1], "response": "sneaky"})
    client.post("/student/respond", data={"lt": launch_token(app, "5"), "step": steps[0], "response": "not mine"})
    client.post("/student/respond", data={"lt": token, "step": steps[0], "kind": "did_it"})
    with app.app_context():
        first = progress.find_step(db.session(), steps[0])
        second = progress.find_step(db.session(), steps[1])
        assert first is not None and second is not None and first.progress is not None
        assert first.progress.response_kind == "did_it" and first.progress.response_text == "I did it."
        assert [e.text for e in progress.history(db.session(), first)] == ["My <i>idea</i>", "I did it."]
        assert second.progress is None


def test_a_teacher_launch_on_the_student_page_is_not_the_student(app: Flask, client: FlaskClient) -> None:
    world = make_world(app)
    steps = publish(app, world)
    html = client.get("/student/", query_string={"lt": launch_token(app, "3", roles=(INSTRUCTOR,)), "step": steps[0]})
    assert "isn’t set up for you" in html.get_data(True)


def test_an_empty_response_says_what_to_do_and_records_nothing(app: Flask, client: FlaskClient) -> None:
    world = make_world(app)
    steps = publish(app, world)
    page = client.post("/student/respond", data={"lt": launch_token(app, "4"), "step": steps[0], "response": "  "})
    html = page.get_data(True)
    assert "The box is empty" in html and 'role="alert"' in html
    assert 'aria-describedby="response-help response-problem"' in html
    with app.app_context():
        step = progress.find_step(db.session(), steps[0])
        assert step is not None and step.progress is None


def test_a_too_long_response_is_kept_in_the_box_not_cut(app: Flask, client: FlaskClient) -> None:
    world = make_world(app)
    steps = publish(app, world)
    long_text = "word " * (progress.MAX_RESPONSE_CHARS // 5) + "the end of my answer"
    page = client.post("/student/respond", data={"lt": launch_token(app, "4"), "step": steps[0], "response": long_text})
    html = page.get_data(True)
    assert "longer than this box takes" in html
    assert "the end of my answer</textarea>" in html
    with app.app_context():
        step = progress.find_step(db.session(), steps[0])
        assert step is not None and step.progress is None


def test_i_did_it_keeps_the_words_the_student_typed(app: Flask, client: FlaskClient) -> None:
    world = make_world(app)
    steps = publish(app, world)
    sent = client.post(
        "/student/respond",
        data={"lt": launch_token(app, "4"), "step": steps[0], "kind": "did_it", "response": "I read it to Ms K"},
    )
    assert sent.status_code == 303
    with app.app_context():
        step = progress.find_step(db.session(), steps[0])
        assert step is not None and step.progress is not None
        assert step.progress.response_kind == "did_it"
        assert step.progress.response_text == "I did it.\n\nI read it to Ms K"


def test_the_teacher_placeholder_reads_as_your_teacher_for_the_student(app: Flask, client: FlaskClient) -> None:
    from sqlalchemy import select

    from tool.teacher.models import SequenceVersion

    world = make_world(app)
    steps = publish(app, world)
    with app.app_context(), db.transaction() as s:
        version = s.scalars(select(SequenceVersion).where(SequenceVersion.sequence_id == world.sequence_id)).first()
        assert version is not None
        data = dict(version.content)
        tasks = [dict(t) for t in data["tasks"]]
        tasks[0]["student_instructions"] = "[Teacher] will listen first. Then tell [Teacher] your idea."
        data["tasks"] = tasks
        version.content = data
    html = client.get("/student/", query_string={"lt": launch_token(app, "4"), "step": steps[0]}).get_data(True)
    assert "Your teacher will listen first. Then tell your teacher your idea." in html
    assert "[Teacher]" not in html
