"""Teacher progress view: states, scripts beside responses, success and adjustment, access rules."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from publish.factories import INSTRUCTOR, launch_token, make_world, publish
from tool import db
from tool.publish import progress


def _teacher(app: Flask, **kw: object) -> str:
    return launch_token(app, "3", roles=(INSTRUCTOR,), **kw)


def test_progress_view_shows_states_responses_and_teacher_guidance(app: Flask, client: FlaskClient) -> None:
    world = make_world(app)
    steps = publish(app, world)
    client.post("/student/respond", data={"lt": launch_token(app, "4"), "step": steps[0], "response": "my draft"})
    html = client.get(f"/teacher/sequences/{world.sequence_public_id}/progress", query_string={"lt": _teacher(app)})
    assert html.status_code == 200
    page = html.get_data(True)
    assert page.count('data-state="submitted"') == 1 and page.count('data-state="locked"') == 4
    assert "my draft" in page and "TEACHERONLY script 1" in page and "STRUGGLEONLY adjust 1" in page
    # The help names the launching LMS only (this publication is Moodle's): no Canvas menu path.
    assert "Restrict access" in page and "Assign to" not in page


def test_succeeded_is_recorded_even_when_the_score_cannot_be_sent(app: Flask, client: FlaskClient) -> None:
    world = make_world(app)
    steps = publish(app, world)
    token = _teacher(app)
    base = f"/teacher/sequences/{world.sequence_public_id}"
    done = client.post(f"{base}/steps/{steps[0]}/succeeded", data={"lt": token, "note": "used the plan"})
    assert done.status_code == 303
    with app.app_context():
        step = progress.find_step(db.session(), steps[0])
        assert step is not None and step.progress is not None
        assert step.progress.succeeded_at is not None and step.progress.success_note == "used the plan"
        # The registration's token URL is unreachable: the score fails, the success stays.
        assert step.progress.score_status == "failed" and step.progress.score_error
    page = client.get(f"{base}/progress", query_string={"lt": token}).get_data(True)
    assert 'data-state="succeeded"' in page and 'data-state="open"' in page
    assert "Send the score again" in page and "The success is saved either way" in page


def test_try_again_keeps_the_step_open_with_the_note(app: Flask, client: FlaskClient) -> None:
    world = make_world(app)
    steps = publish(app, world)
    token = _teacher(app)
    base = f"/teacher/sequences/{world.sequence_public_id}"
    client.post("/student/respond", data={"lt": launch_token(app, "4"), "step": steps[0], "response": "try"})
    client.post(f"{base}/steps/{steps[0]}/another-go", data={"lt": token, "note": "give a sentence starter"})
    page = client.get(f"{base}/progress", query_string={"lt": token}).get_data(True)
    assert 'data-state="needs another go"' in page and "give a sentence starter" in page
    student = client.get("/student/", query_string={"lt": launch_token(app, "4"), "step": steps[0]}).get_data(True)
    assert "have another go" in student and "sentence starter" not in student  # the note stays with the teacher
    client.post("/student/respond", data={"lt": launch_token(app, "4"), "step": steps[0], "response": "again"})
    page = client.get(f"{base}/progress", query_string={"lt": token}).get_data(True)
    assert 'data-state="submitted"' in page


def test_every_publish_route_refuses_learners_and_other_courses(app: Flask, client: FlaskClient) -> None:
    world = make_world(app)
    steps = publish(app, world)
    learner = launch_token(app, "4")
    other_course = _teacher(app, scope=(1, 1, "course-202"))
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("publish.")]
    assert len(rules) >= 7
    for rule in rules:
        path = rule.rule.replace("<public_id>", world.sequence_public_id).replace("<step_id>", steps[0])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            as_learner = client.open(path, method=method, data={"lt": learner}, query_string={"lt": learner})
            assert as_learner.status_code == 403, (path, method)
            if "<public_id>" in rule.rule:
                as_other = client.open(
                    path, method=method, data={"lt": other_course}, query_string={"lt": other_course}
                )
                assert as_other.status_code == 404, (path, method)
    with app.app_context():
        step = progress.find_step(db.session(), steps[0])
        assert step is not None and step.progress is None  # nothing was recorded by those requests
