"""Two sequences in one course: distinct neutral set names, each student finds their own step,
and a teacher opening a step link lands on that sequence's progress."""

from __future__ import annotations

import pytest

from publish.e2e import LmsWorld
from tool.publish import neutral


@pytest.mark.parametrize("lms_world", ["moodle", "canvas"], indirect=True)
def test_two_sets_in_one_course_are_told_apart_and_each_student_is_pointed_to_their_own_step(
    lms_world: LmsWorld,
) -> None:
    world = lms_world
    world.make_sequence(tasks=3, student="student1")
    world.publish_by_deep_link(mode="mastery")
    world.make_sequence(tasks=3, student="student2")
    page, _ = world.pick_in_deep_link(set_name="Blue")
    world.return_deep_link(page)
    links = world.assignments()
    if world.flavour == "canvas":
        with world.platform.lock:
            for link in links:
                link.published = True
    titles = sorted(link.title for link in links)
    assert titles == sorted(
        [f"Practice A · step {n}" for n in (1, 2, 3)] + [f"Practice Blue · step {n}" for n in (1, 2, 3)]
    )

    sams_step = next(link for link in links if link.title == "Practice A · step 1")
    sues_step = next(link for link in links if link.title == "Practice Blue · step 1")
    # Sue opens Sam's step from the course list: nothing of Sam's, a pointer to her own current step.
    wrong = world.launch("student2", link=sams_step.id)
    assert "isn’t set up for you" in wrong.text
    assert "Your own practice is <strong>Practice Blue · step 1</strong>" in wrong.text
    assert "Say your idea" not in wrong.text.split("Your own practice")[0]
    own = world.app.test_client().get(wrong.text.split('href="', 2)[-1].split('"', 1)[0].replace("&amp;", "&"))
    assert own.status_code == 200 and "Practice Blue · step 1" in own.get_data(True)
    assert "Say your idea out loud" in own.get_data(True)
    # Ravi has no sequence: the neutral page, without a pointer.
    ravi = world.launch("student3", link=sues_step.id)
    assert "isn’t set up for you" in ravi.text and "Your own practice" not in ravi.text


@pytest.mark.parametrize("lms_world", ["moodle", "canvas"], indirect=True)
def test_a_teacher_opening_a_step_link_lands_on_that_sequences_progress(lms_world: LmsWorld) -> None:
    world = lms_world
    world.make_sequence(tasks=3)
    _, links = world.publish_by_deep_link(mode="mastery")
    step_link = next(link for link in links if link.title == "Practice A · step 2")
    page = world.launch("teacher", link=step_link.id)
    assert f"/teacher/sequences/{world.sequence_public_id}/progress" in page.url
    assert page.url.endswith(f"#step-{step_link.custom['ss_step']}")
    assert "Progress: Sam Student" in page.text
    assert world.publication().state == "confirmed"  # the teacher's launch proves the items exist too


def test_set_names_are_short_neutral_and_unique() -> None:
    assert neutral.next_set_name(["A", "b", None]) == "C"
    assert neutral.step_title(2, "Blue") == "Practice Blue · step 2"
    assert neutral.step_title(2) == "Practice step 2"
    private = ["Sam Student", "Write a developed paragraph"]
    assert neutral.check_set_name("  Blue  ", private_words=private, taken=["A"]) == "Blue"
    for bad, why in (
        ("Sam", "does not name the student or the skill"),
        ("paragraphs B", "does not name the student or the skill"),
        ("a", "already uses"),
        ("<b>", "letters, digits"),
        ("", "short name"),
    ):
        with pytest.raises(neutral.SetNameError, match=why):
            neutral.check_set_name(bad, private_words=private, taken=["A"])
