"""The publication lifecycle against the development LMS, both flavours, as a real LMS is used for weeks.

Republishing creates nothing new; Moodle's Cancel leaves the publication unconfirmed;
a deleted activity's grade item is found again in a surviving copy, or explained;
an edit reaches the student after one "update" click, with their progress kept.
(A saved deep-linking publish confirmed by the course's grade item list: test_sent_check.py.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from devlms.model import Link
from publish.e2e import LmsWorld

BOTH = pytest.mark.parametrize("lms_world", ["moodle", "canvas"], indirect=True)


def _publish(world: LmsWorld, *, save: bool = True) -> tuple[str, list[Link]]:
    """Publish the way the flavour's teachers do: deep linking in Moodle, AGS assignments in Canvas."""
    if world.flavour == "moodle":
        return world.publish_by_deep_link(mode="mastery", save=save)
    token = world.teacher_token()
    world.publish_by_ags(token)
    return token, sorted(world.assignments(), key=lambda link: link.title)


def _step_ids(world: LmsWorld) -> list[str]:
    return [step.public_id for step in world.publication().steps]


def _link_of_step(world: LmsWorld, step_id: str) -> Link:
    return next(
        link
        for link in world.assignments()
        if link.custom.get("ss_step") == step_id or (link.url or "").endswith(f"step={step_id}")
    )


def _gradebook_items(world: LmsWorld) -> dict[str, Any]:
    return {row["line_item"]: row for row in world.platform.gradebook()}


@BOTH
def test_publishing_twice_creates_nothing_new(lms_world: LmsWorld) -> None:
    world = lms_world
    world.make_sequence(tasks=5)
    token, first = _publish(world)
    assert len(first) == 5
    if world.flavour == "moodle":
        page, _ = world.pick_in_deep_link()
        assert "Nothing new to add" in page and "Practice A · step 5" in page
        world.return_deep_link(page)  # the empty answer closes the LMS dialog; Save adds nothing
    else:
        world.publish_by_ags(token)
    with world.platform.lock:
        assert len(world.assignments()) == 5 and len(world.platform.line_items) == 5
    publication = world.publication()
    assert publication.state == "confirmed" and publication.confirmed_by == "line_items"


@pytest.mark.parametrize("lms_world", ["moodle"], indirect=True)
def test_a_new_task_is_the_only_item_sent_again_and_the_others_are_named_valid(lms_world: LmsWorld) -> None:
    world = lms_world
    world.make_sequence(tasks=4)
    _publish(world)
    world.new_version(lambda content: content.tasks.append(content.tasks[-1].model_copy(update={"name": "Task 5"})))
    page, _ = world.pick_in_deep_link(set_name="Blue")
    assert "Sending 1 practice step" in page and "New: Practice Blue · step 5." in page
    assert "Already in your course and still valid, nothing to do: Practice A · step 1, Practice A · step 2" in page
    assert "The course keeps the titles it already has" in page  # Moodle cannot rename through LTI
    world.return_deep_link(page)
    titles = sorted(link.title for link in world.assignments())
    assert titles == [f"Practice A · step {n}" for n in range(1, 5)] + ["Practice Blue · step 5"]
    assert world.publication().version_number == 2


@BOTH
def test_cancel_leaves_the_publication_unconfirmed_and_publishing_again_adds_one_set(lms_world: LmsWorld) -> None:
    world = lms_world
    world.make_sequence(tasks=5)
    if world.flavour == "moodle":
        token, links = world.publish_by_deep_link(mode="mastery", save=False)  # Cancel on Moodle's summary
    else:
        _, token = world.pick_in_deep_link()  # Canvas: the teacher closes the dialog before it returns
        links = world.assignments()
    assert links == []
    publication = world.publication()
    assert publication.state == "sent" and publication.confirmed_at is None
    html = world.progress_page(token)
    name = "Moodle" if world.flavour == "moodle" else "Canvas"
    assert f"{name} has not confirmed yet" in html and "if you pressed Cancel" in html
    assert 'data-state="sent"' in html and "I can see the steps in my course" in html

    _, links = world.publish_by_deep_link(mode="mastery")  # publish again, and Save this time
    assert len(links) == 5
    assert world.publication().state == "sent"  # still only sent: nobody has opened a step yet
    if world.flavour == "canvas":
        with world.platform.lock:
            for link in links:
                link.published = True
    world.launch("student2", link=links[2].id)  # anyone opening any step proves the items exist
    publication = world.publication()
    assert publication.state == "confirmed" and publication.confirmed_by == "launch"
    assert 'data-state="confirmed"' in world.progress_page(token)


@BOTH
def test_a_deleted_activity_scores_into_the_surviving_copy(lms_world: LmsWorld) -> None:
    world = lms_world
    world.make_sequence(tasks=5)
    token, _ = _publish(world)
    step1 = _step_ids(world)[0]
    original = _link_of_step(world, step1)
    if world.flavour == "canvas":
        with world.platform.lock:
            original.published = True
    world.launch("student1", link=original.id)  # the tool learns step 1's grade item
    copy = world.platform.duplicate_link(original.id)  # the teacher duplicated the activity…
    world.platform.delete_link(original.id)  # …and deleted the first one
    world.teacher_post(token, f"steps/{step1}/succeeded", note="talk first worked")
    rows = _gradebook_items(world)
    assert list(rows) == [copy.line_item_id] and rows[copy.line_item_id]["user_id"] == world.sub("student1")
    record = world.publication().steps[0].progress
    assert record.score_status == "posted" and record.score_attempts == 1
    # The score carries the moment the teacher confirmed success, not the moment it was sent.
    stamp = datetime.fromisoformat(rows[copy.line_item_id]["timestamp"].replace("Z", "+00:00"))
    assert stamp.astimezone(UTC).replace(tzinfo=None) == record.succeeded_at
    assert (
        world.publication()
        .steps[0]
        .line_item_url.split("?")[0]
        .rstrip("/")
        .endswith(("/lineitems/" + copy.line_item_id + "/lineitem", "/line_items/" + copy.line_item_id))
    )
    assert "Score sent to the course gradebook." in world.progress_page(token)


@pytest.mark.parametrize("lms_world", ["moodle"], indirect=True)
def test_without_the_listing_the_score_follows_the_copy_the_student_launched(lms_world: LmsWorld) -> None:
    world = lms_world
    world.make_sequence(tasks=5)
    token, _ = _publish(world)
    step1 = _step_ids(world)[0]
    original = _link_of_step(world, step1)
    world.launch("student1", link=original.id)
    copy = world.platform.duplicate_link(original.id)
    world.launch("student1", link=copy.id)  # the student works in the copy: its AGS claim is remembered
    world.platform.delete_link(original.id)
    from tool import db
    from tool.publish.models import Publication

    with world.app.app_context(), db.transaction() as s:  # as if the course never offered line item listing
        row = s.get(Publication, world.publication().id)
        assert row is not None
        row.lineitems_url = None
    world.teacher_post(token, f"steps/{step1}/succeeded")
    assert list(_gradebook_items(world)) == [copy.line_item_id]


@BOTH
def test_a_truly_gone_grade_item_is_explained_in_plain_words(lms_world: LmsWorld) -> None:
    world = lms_world
    world.make_sequence(tasks=5)
    token, _ = _publish(world)
    step1 = _step_ids(world)[0]
    original = _link_of_step(world, step1)
    if world.flavour == "canvas":
        with world.platform.lock:
            original.published = True
    world.launch("student1", link=original.id)
    world.platform.delete_link(original.id)
    world.teacher_post(token, f"steps/{step1}/succeeded")
    world.teacher_post(token, f"steps/{step1}/retry-score")
    record = world.publication().steps[0].progress
    assert record.score_status == "gone" and record.score_attempts == 2 and record.succeeded_at is not None
    html = world.progress_page(token)
    assert "The grade item for “Practice A · step 1” is no longer in the course" in html
    assert "The success is saved" in html and "Tried 2 times" in html
    section = html.split(f'id="step-{step1}"', 1)[1].split("</section>", 1)[0]
    assert "{" not in section and ".." not in section.replace("...", "")  # no raw JSON, no double full stop
    assert world.platform.gradebook() == []
    # Re-adding the step (publishing again) gives the score a home: sending again now succeeds.
    if world.flavour == "moodle":
        page, _ = world.pick_in_deep_link()
        assert "Sending 1 practice step" in page
        world.return_deep_link(page)
    else:
        world.publish_by_ags(token)
    world.teacher_post(token, f"steps/{step1}/retry-score")
    assert world.publication().steps[0].progress.score_status == "posted"
    assert [row["user_id"] for row in world.platform.gradebook()] == [world.sub("student1")]


@BOTH
def test_an_edit_reaches_the_student_after_update_and_progress_is_kept(lms_world: LmsWorld) -> None:
    world = lms_world
    world.make_sequence(tasks=5)
    token, _ = _publish(world)
    step1 = _step_ids(world)[0]
    link = _link_of_step(world, step1)
    if world.flavour == "canvas":
        with world.platform.lock:
            for item in world.assignments():
                item.published = True
    first = world.launch("student1", link=link.id)
    assert "Say your idea out loud" in first.text
    student = world.app.test_client()
    lt = first.url.split("lt=", 1)[1].split("&", 1)[0]
    sent = student.post(
        "/student/respond", data={"lt": lt, "step": step1, "response": "My first draft", "kind": "text"}
    )
    assert sent.status_code == 303

    def edit(content: Any) -> None:
        content.tasks[0].student_instructions = "Tell a partner your idea, then write two sentences."

    world.new_version(edit)
    assert "Say your idea out loud" in world.launch("student1", link=link.id).text  # not published yet
    html = world.progress_page(token)
    assert "the student still sees version 1, your current version is 2" in html

    world.teacher_post(token, "update")
    if world.flavour == "canvas":
        from tool.publish.tasks import execute_publish

        with world.app.app_context():
            assert execute_publish(world.publication().id) == "done"
    after = world.launch("student1", link=link.id).text
    assert "Tell a partner your idea" in after and "Say your idea out loud" not in after
    assert "My first draft" in after  # the response stays with the step
    publication = world.publication()
    assert publication.state == "updated" and publication.version_number == 2
    html = world.progress_page(token)
    assert "still sees version" not in html and "the student sees version 2" in html and "My first draft" in html
    assert len(world.assignments()) == 5  # updating created nothing in the course


@pytest.mark.parametrize("lms_world", ["canvas"], indirect=True)
def test_publishing_again_with_a_new_name_and_schedule_updates_the_assignments_in_place(lms_world: LmsWorld) -> None:
    world = lms_world
    world.make_sequence(tasks=5)
    token, first = _publish(world)
    ids = sorted(link.id for link in first)
    assert all(link.unlock_at is None for link in first)
    world.publish_by_ags(token, set_name="Green", mode="scheduled", start="2026-03-02", spacing_days="2")
    after = sorted(world.assignments(), key=lambda link: link.title)
    assert sorted(link.id for link in after) == ids  # the same assignments, PUT, none created
    assert [link.title for link in after] == [f"Practice Green · step {n}" for n in range(1, 6)]
    assert [link.unlock_at for link in after][:2] == ["2026-03-02T00:00:00Z", "2026-03-04T00:00:00Z"]
    with world.platform.lock:
        assert sorted(item.label for item in world.platform.line_items.values()) == [link.title for link in after]
