"""Route x role matrix: every teacher route, enumerated from the URL map, refuses
learners (403) and teachers of other courses or deployments (404 for objects)."""

from __future__ import annotations

import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from tool.db import session
from tool.lti.models import Deployment

from .conftest import LEARNER, MakeLaunch
from .rows import make_sequence

# Values for path parameters; a new parameter name fails the test until it is added here.
PARAMS = {
    "index": 0,
    "section": "task-0",
    "step_id": "no-such-step",
    "number": 1,
    "fmt": "md",
    "student_id": 1,
    "group": "drafts",
}
# Path parameters naming a row of one course: another course's teacher gets 404 for them.
OBJECT_ARGS = ("public_id", "student_id")


def teacher_rules(app: Flask) -> list[Rule]:
    """Every rule of the teacher area: our blueprint and any other mounted under /teacher."""
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/teacher/") or r.rule == "/teacher"]
    assert len([r for r in rules if r.endpoint.startswith("teacher.")]) >= 11
    return sorted(rules, key=lambda r: (r.endpoint == "teacher.delete", r.rule))


def url_for_rule(rule: Rule, public_id: str) -> str:
    values: dict[str, object] = {}
    for arg in rule.arguments:
        if arg == "public_id":
            values[arg] = public_id
        else:
            assert arg in PARAMS, f"add a test value for the new path parameter {arg!r}"
            values[arg] = PARAMS[arg]
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def methods(rule: Rule) -> list[str]:
    return sorted(m for m in rule.methods or () if m not in ("HEAD", "OPTIONS"))


def call(client: FlaskClient, method: str, url: str, lt: str):  # type: ignore[no-untyped-def]
    if method == "GET":
        return client.get(url, query_string={"lt": lt})
    return client.post(url, data={"lt": lt})


def test_learner_is_refused_on_every_teacher_route(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    lt = make_launch(role=LEARNER)
    for rule in teacher_rules(app):
        for method in methods(rule):
            response = call(client, method, url_for_rule(rule, public_id), lt)
            assert response.status_code == 403, (method, rule.rule)


def test_no_role_is_refused_on_every_teacher_route(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform)
    lt = make_launch(role="http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor")
    for rule in teacher_rules(app):
        for method in methods(rule):
            assert call(client, method, url_for_rule(rule, public_id), lt).status_code == 403, rule.rule


@pytest.mark.parametrize("other", ["context", "deployment"])
def test_teacher_of_another_course_gets_404_for_its_objects(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int], other: str
) -> None:
    public_id = make_sequence(app, platform)
    if other == "context":
        lt = make_launch(context_id="course-202")
    else:
        with app.app_context():
            dep = Deployment(registration_id=platform["registration_id"], deployment_id="dep-2", active=True)
            session().add(dep)
            session().commit()
            lt = make_launch(deployment_pk=dep.id, deployment_id="dep-2")
    for rule in teacher_rules(app):
        for method in methods(rule):
            response = call(client, method, url_for_rule(rule, public_id), lt)
            if any(arg in rule.arguments for arg in OBJECT_ARGS):
                assert response.status_code == 404, (method, rule.rule)
            else:
                # Pages without an object id: the own-course view, a redirect to it, or 400 for the
                # deep-link picker outside a deep-linking launch; never the other course's sequence.
                assert response.status_code in (200, 303, 400, 422), (method, rule.rule)
                assert public_id not in response.get_data(as_text=True)
                assert public_id not in response.headers.get("Location", "")
    # The sequence is untouched in its own course.
    own = client.get(f"/teacher/s/{public_id}", query_string={"lt": make_launch()})
    assert own.status_code == 200


def test_guessed_ids_are_404_even_for_the_right_teacher(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    make_sequence(app, platform)
    lt = make_launch()
    guess = secrets.token_urlsafe(12)
    for rule in teacher_rules(app):
        if "public_id" not in rule.arguments:
            continue
        for method in methods(rule):
            assert call(client, method, url_for_rule(rule, guess), lt).status_code == 404, rule.rule


def test_every_get_route_works_for_the_courses_own_teacher(
    app: Flask, client: FlaskClient, make_launch: MakeLaunch, platform: dict[str, int]
) -> None:
    """The matrix above is only meaningful if the same URLs succeed for the right person."""
    public_id = make_sequence(app, platform)
    lt = make_launch()
    for rule in teacher_rules(app):
        # Routes for one student's data need a roster student; their own tests cover them.
        if "student_id" in rule.arguments:
            continue
        if "GET" in methods(rule) and rule.endpoint.startswith("teacher."):
            response = client.get(url_for_rule(rule, public_id), query_string={"lt": lt})
            assert response.status_code == 200, rule.rule
