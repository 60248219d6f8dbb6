"""The student's side through the development LMS: gating, scores in the gradebook, classmates, privacy."""

from __future__ import annotations

import pytest
from publish.e2e import LmsWorld
from publish.factories import AVOIDANCE, FORBIDDEN


def _assert_nothing_teacher_only(html: str) -> None:
    lowered = html.lower()
    for word in (*FORBIDDEN, AVOIDANCE.lower(), "why this builds", "if the student struggles", "teacher script"):
        assert word.lower() not in lowered, word


@pytest.mark.parametrize("lms_world", ["moodle", "canvas"], indirect=True)
def test_step_two_opens_after_the_teacher_confirms_step_one_and_the_score_reaches_the_gradebook(
    lms_world: LmsWorld,
) -> None:
    world = lms_world
    world.make_sequence(tasks=5)
    token, links = world.publish_by_deep_link(mode="mastery")
    step1, step2 = links[0], links[1]
    if world.flavour == "canvas":
        with world.platform.lock:  # Canvas makes deep-linked assignments unpublished: the teacher publishes them
            for link in links:
                link.published = True

    locked = world.launch("student1", link=step2.id)
    assert locked.status_code == 200 and "/student/" in locked.url
    assert "Practice A · step 2 isn’t open yet" in locked.text
    assert "Practice A · step 2 — opens after your current step" in locked.text
    assert "Step 2&lt;/b&gt;" not in locked.text
    _assert_nothing_teacher_only(locked.text)

    current = world.launch("student1", link=step1.id)
    assert "&lt;b&gt;Step 1&lt;/b&gt;" in current.text
    _assert_nothing_teacher_only(current.text)

    step1_id = step1.custom["ss_step"]
    marked = world.app.test_client().post(
        f"/teacher/sequences/{world.sequence_public_id}/steps/{step1_id}/succeeded",
        data={"lt": token, "note": "used the talk-first plan"},
    )
    assert marked.status_code == 303
    rows = [row for row in world.platform.gradebook() if row["line_item"] == step1.line_item_id]
    assert len(rows) == 1 and rows[0]["user_id"] == world.sub("student1")
    assert rows[0]["result"] == rows[0]["maximum"] == 1

    opened = world.launch("student1", link=step2.id)
    assert "isn’t open yet" not in opened.text and "&lt;b&gt;Step 2&lt;/b&gt;" in opened.text
    assert "Practice A · step 1 — done" in opened.text
    _assert_nothing_teacher_only(opened.text)

    progress = world.app.test_client().get(
        f"/teacher/sequences/{world.sequence_public_id}/progress", query_string={"lt": token}
    )
    assert "Score sent to the course gradebook." in progress.get_data(True)


@pytest.mark.parametrize("lms_world", ["moodle"], indirect=True)
def test_a_classmate_opening_the_same_step_sees_the_neutral_page(lms_world: LmsWorld) -> None:
    world = lms_world
    world.make_sequence(tasks=5)
    _, links = world.publish_by_deep_link(mode="mastery")
    for user in ("student2", "student3"):
        page = world.launch(user, link=links[0].id)
        assert page.status_code == 200
        assert "This practice activity isn’t set up for you — nothing to do here" in page.text
        assert "Say your idea" not in page.text
        _assert_nothing_teacher_only(page.text)
    assert world.platform.gradebook() == []


@pytest.mark.parametrize("lms_world", ["moodle"], indirect=True)
def test_a_failed_score_keeps_the_success_and_sending_again_reaches_the_gradebook(lms_world: LmsWorld) -> None:
    from publish.e2e import FailNth

    world = lms_world
    world.make_sequence(tasks=5)
    token, links = world.publish_by_deep_link(mode="mastery")
    world.launch("student1", link=links[0].id)  # the student opens step 1: we learn its line item
    busy = FailNth(
        world.lms._thread.app,  # type: ignore[arg-type]
        lambda environ: environ["REQUEST_METHOD"] == "POST" and "/scores" in environ["PATH_INFO"],
        n=1,
        status=503,
    )
    world.lms._thread.app = busy
    step_id = links[0].custom["ss_step"]
    client = world.app.test_client()
    base = f"/teacher/sequences/{world.sequence_public_id}"
    client.post(f"{base}/steps/{step_id}/succeeded", data={"lt": token, "note": "first try"})
    page = client.get(f"{base}/progress", query_string={"lt": token}).get_data(True)
    assert "The success is saved either way" in page and "busy or unavailable" in page
    assert world.platform.gradebook() == []
    assert "Practice A · step 1 — done" in world.launch("student1", link=links[1].id).text  # gating uses the success

    client.post(f"{base}/steps/{step_id}/retry-score", data={"lt": token})
    rows = world.platform.gradebook()
    assert [(r["user_id"], r["result"]) for r in rows] == [(world.sub("student1"), 1.0)]
    assert "Score sent to the course gradebook." in client.get(f"{base}/progress", query_string={"lt": token}).get_data(
        True
    )
