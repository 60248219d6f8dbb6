"""The teacher area through its HTTP interface (Flask test client, real database)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tool.db import session
from tool.teacher.models import GenerationJob, Sequence

from .conftest import LEARNER, MakeLaunch
from .sample import REQUEST


def _form(lt: str, **overrides: str) -> dict[str, str]:
    data = {k: v or "" for k, v in REQUEST.items()}
    data.update(lt=lt, target_label="Priya")
    data.update(overrides)
    return data


def test_index_lists_nothing_for_a_new_course(client: FlaskClient, make_launch: MakeLaunch) -> None:
    lt = make_launch()
    page = client.get("/teacher/", query_string={"lt": lt})
    assert page.status_code == 200
    assert "No sequences yet" in page.get_data(as_text=True)
    assert f"/teacher/new?lt={lt}" in page.get_data(as_text=True)


def test_new_form_marks_required_and_optional_with_examples(client: FlaskClient, make_launch: MakeLaunch) -> None:
    html = client.get("/teacher/new", query_string={"lt": make_launch()}).get_data(as_text=True)
    assert html.count("(required)") == 4  # three request fields + the student picker
    assert html.count("(optional)") == 4
    assert html.count("Example:") == 7
    # No NRPS claim on this launch: the teacher types a label.
    assert 'name="target_label"' in html and 'name="target_sub"' not in html


def test_invalid_submission_keeps_input_and_shows_errors_next_to_fields(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch
) -> None:
    lt = make_launch()
    response = client.post(
        "/teacher/new",
        data=_form(lt, target_skill="", student_level="", current_avoidance="Hides the book under the desk."),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="e-target_skill"' in html and 'id="e-student_level"' in html
    assert 'id="e-current_avoidance"' not in html
    assert "Hides the book under the desk." in html  # kept
    assert 'value="Priya"' in html
    with app.app_context():
        assert session().scalars(select(Sequence)).all() == []


def test_missing_student_label_is_an_error(client: FlaskClient, make_launch: MakeLaunch) -> None:
    lt = make_launch()
    response = client.post("/teacher/new", data=_form(lt, target_label=""))
    assert response.status_code == 422
    assert 'id="e-target"' in response.get_data(as_text=True)


def test_valid_submission_saves_inputs_then_queues_a_redacted_job(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch
) -> None:
    lt = make_launch()
    response = client.post(
        "/teacher/new",
        data=_form(lt, student_profile="Priya sits next to Tina Teacher's desk; email priya@example.test"),
    )
    assert response.status_code == 302
    assert f"lt={lt}" in response.headers["Location"]
    with app.app_context():
        row = session().scalars(select(Sequence)).one()
        job = session().scalars(select(GenerationJob)).one()
        assert row.inputs["student_profile"].startswith("Priya sits")  # kept as typed
        assert row.target_label == "Priya"
        sent = job.payload["request"]["student_profile"]
        assert "Priya" not in sent and "Tina" not in sent and "priya@example.test" not in sent
        assert sent.startswith("The student sits next to [Teacher]")
        assert job.redactions == {"the student": "Priya", "[Teacher]": "Tina Teacher"}
        assert job.status == "queued" and job.kind == "full"
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert 'id="progress"' in html and "teacher/progress.js" in html
    status = client.get(f"/teacher/s/{row.public_id}/status.json", query_string={"lt": lt}).get_json()
    assert status["status"] == "queued" and status["active"] is True


def test_learner_token_cannot_use_the_teacher_area(client: FlaskClient, make_launch: MakeLaunch) -> None:
    response = client.get("/teacher/", query_string={"lt": make_launch(role=LEARNER)})
    assert response.status_code == 403
    assert "for teachers" in response.get_data(as_text=True)


def test_missing_or_forged_token_is_401(client: FlaskClient) -> None:
    assert client.get("/teacher/").status_code == 401
    assert client.get("/teacher/", query_string={"lt": "forged"}).status_code == 401


def test_errors_are_in_plain_words_with_a_summary_linking_to_each_field(
    client: FlaskClient, make_launch: MakeLaunch
) -> None:
    lt = make_launch()
    response = client.post(
        "/teacher/new",
        data=_form(lt, target_skill="ab", student_level="", current_avoidance="x" * 1300, target_label=""),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "String should" not in html  # no validator jargon
    assert "Please write a little more (at least 3 characters)." in html
    assert "Please shorten this to 1200 characters or fewer (it has 1300)." in html
    assert "This field is required." in html
    assert '<a href="#f-target_skill">Target skill</a>' in html
    assert '<a href="#target">Student</a>' in html
    assert 'id="f-student_level"' in html and 'aria-invalid="true"' in html
    assert 'aria-describedby="h-student_level e-student_level"' in html
    assert "x" * 1300 in html  # kept


def test_post_without_the_launch_token_is_refused_even_with_cookies(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch
) -> None:
    """CSRF: a cross-site form carries the browser's cookies but cannot know the lt token."""
    make_launch()  # a real launch exists in this browser session
    posts = [r for r in app.url_map.iter_rules() if "POST" in (r.methods or ()) and r.endpoint.split(".")[0]
             in ("teacher", "publish", "student")]
    assert len(posts) >= 10
    for rule in posts:
        # Integer path arguments get 0, the others "x" (the route is refused before it is looked up).
        values: dict[str, object] = {
            arg: 0 if type(rule._converters[arg]).__name__ == "IntegerConverter" else "x" for arg in rule.arguments
        }
        url = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
        response = client.post(url, data={"target_skill": "Reading aloud"}, headers={"Origin": "https://evil.test"})
        assert response.status_code in (401, 403), rule.rule  # no launch token, or refused by origin first
