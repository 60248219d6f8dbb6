"""What cannot be published, and how the teacher is told."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from publish.e2e import LmsWorld
from publish.factories import INSTRUCTOR, launch_token, make_world
from tool import db
from tool.publish import progress
from tool.teacher import queries
from tool.teacher.models import Sequence


def _content(seq: Sequence) -> progress.SequenceContent:
    version = queries.current_version(db.session(), seq)
    assert version is not None
    return progress.SequenceContent.model_validate(version.content)


def test_a_sequence_without_student_instructions_is_refused_with_the_task_named(app: Flask) -> None:
    world = make_world(app, instructions=False)
    with app.app_context():
        seq = db.session().get(Sequence, world.sequence_id)
        assert seq is not None
        content = _content(seq)
        with pytest.raises(progress.NotPublishable, match=r"Task 1, 2, 3, 4, 5 has no instructions for the student"):
            progress.check_publishable(seq, content)


def test_a_label_only_student_cannot_be_published(app: Flask) -> None:
    world = make_world(app)
    with app.app_context(), db.transaction() as s:
        seq = s.get(Sequence, world.sequence_id)
        assert seq is not None
        seq.target_user_id = None
        seq.target_label = "S.S."
    with app.app_context():
        seq = db.session().get(Sequence, world.sequence_id)
        assert seq is not None
        with pytest.raises(progress.NotPublishable, match="typed as a label"):
            progress.check_publishable(seq, _content(seq))


def test_progress_page_offers_course_menu_instructions_when_ags_assignments_are_not_possible(
    app: Flask, client: FlaskClient
) -> None:
    world = make_world(app)
    token = launch_token(app, "3", roles=(INSTRUCTOR,), platform_family="moodle")
    page = client.get(f"/teacher/sequences/{world.sequence_public_id}/progress", query_string={"lt": token})
    html = page.get_data(True)
    assert page.status_code == 200 and "Select content" in html and "Publish as assignments" not in html
    refused = client.post(
        f"/teacher/sequences/{world.sequence_public_id}/publish", data={"lt": token, "mode": "mastery"}
    )
    assert refused.status_code == 400


def test_a_bad_plan_is_shown_to_the_teacher_and_nothing_is_published(app: Flask, client: FlaskClient) -> None:
    world = make_world(app)
    token = launch_token(
        app,
        "3",
        roles=(INSTRUCTOR,),
        platform_family="canvas",
        ags_lineitems_url="http://127.0.0.1:9/line_items",
        ags_scopes=("https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",),
    )
    page = client.get(f"/teacher/sequences/{world.sequence_public_id}/progress", query_string={"lt": token})
    assert "Publish as assignments" in page.get_data(True)
    bad = client.post(
        f"/teacher/sequences/{world.sequence_public_id}/publish",
        data={"lt": token, "mode": "scheduled", "start": "", "spacing_days": "3"},
    )
    assert bad.status_code == 400 and "Choose the date the first step opens." in bad.get_data(True)
    with app.app_context():
        assert progress.get_publication(db.session(), world.sequence_id) is None


@pytest.mark.parametrize("lms_world", ["canvas"], indirect=True)
def test_a_single_item_canvas_placement_is_told_to_use_a_multi_item_menu(lms_world: LmsWorld) -> None:
    world = lms_world
    world.make_sequence(tasks=5)
    picker = world.launch("teacher", message="LtiDeepLinkingRequest", placement="assignment_selection")
    token = picker.url.split("lt=", 1)[1].split("&", 1)[0]
    chosen = world.app.test_client().post(
        "/teacher/deep-link", data={"lt": token, "sequence": world.sequence_public_id, "mode": "mastery"}
    )
    assert chosen.status_code == 400 and "takes one item only" in chosen.get_data(True)
    assert world.assignments() == []


def test_learners_cannot_open_the_deep_link_picker(app: Flask, client: FlaskClient) -> None:
    make_world(app)
    assert client.get("/teacher/deep-link", query_string={"lt": launch_token(app, "4")}).status_code == 403


def test_publish_with_the_worker_unreachable_says_so_and_offers_a_retry(app: Flask, client: FlaskClient) -> None:
    # A broker that cannot be opened (a real failure, no double): the publish must not be a 500.
    app.extensions["celery"].conf.broker_url = "sqla+sqlite:////nonexistent-dir-for-test/broker.sqlite"
    world = make_world(app)
    token = launch_token(
        app,
        "3",
        roles=(INSTRUCTOR,),
        platform_family="canvas",
        ags_lineitems_url="http://127.0.0.1:9/line_items",
        ags_scopes=("https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",),
    )
    base = f"/teacher/sequences/{world.sequence_public_id}"
    sent = client.post(f"{base}/publish", data={"lt": token, "mode": "mastery", "spacing_days": "3"})
    assert sent.status_code == 303
    page = client.get(f"{base}/progress", query_string={"lt": token}).get_data(True)
    assert "could not be reached" in page and "Try publishing again" in page
    assert "Publishing did not finish" in page
    with app.app_context():
        pub = progress.get_publication(db.session(), world.sequence_id)
        assert pub is not None and pub.sync_status == "failed" and pub.state == "draft"
