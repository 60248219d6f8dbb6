"""In a real browser (Debian's chromium through Playwright): the teacher confirms a step, the student moves on.

Screenshots of the teacher progress view and the student view are saved to
test-artifacts/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from publish.e2e import LmsWorld
from publish.factories import FORBIDDEN
from support.browser import launch_chromium

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lms_world", ["moodle"], indirect=True)
def test_teacher_progress_and_student_view_in_chromium(lms_world: LmsWorld) -> None:
    world = lms_world
    world.make_sequence(tasks=5)
    _, links = world.publish_by_deep_link(mode="mastery")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            student = browser.new_page()
            student.goto(world.lms.launch_url("moodle", world.client_id, user="student1", link=links[0].id))
            student.wait_for_url("**/student/**")
            student.get_by_label("Your response").fill("I said my idea to my partner, then wrote it down.")
            student.get_by_role("button", name="Send to my teacher").click()
            student.wait_for_selector("text=Sent. Your teacher will have a look.")
            student.screenshot(path=str(SHOTS / "student-step-1.png"), full_page=True)
            html = student.content()
            for word in FORBIDDEN:
                assert word.lower() not in html.lower(), word

            teacher = browser.new_page()
            teacher.goto(world.lms.launch_url("moodle", world.client_id, user="teacher"))
            teacher.wait_for_url("**/teacher/**")
            lt = teacher.url.split("lt=", 1)[1].split("&", 1)[0]
            teacher.goto(f"{world.tool_url}/teacher/sequences/{world.sequence_public_id}/progress?lt={lt}")
            first = teacher.locator(f"#step-{links[0].custom['ss_step']}")
            assert first.get_attribute("data-state") == "submitted"
            assert "I said my idea to my partner" in first.inner_text()
            assert "TEACHERONLY script 1" not in first.inner_text()  # folded under the response…
            first.locator("summary").click()
            assert "TEACHERONLY script 1" in first.inner_text()  # …one click away
            first.get_by_label("Short note").fill("Used the talk-first plan")
            first.get_by_role("button", name="Succeeded").click()
            teacher.wait_for_selector(f"#step-{links[0].custom['ss_step']}[data-state='succeeded']")
            assert teacher.locator("text=Score sent to the course gradebook.").count() == 1
            teacher.screenshot(path=str(SHOTS / "teacher-progress.png"), full_page=True)

            student.goto(world.lms.launch_url("moodle", world.client_id, user="student1", link=links[1].id))
            student.wait_for_url("**/student/**")
            assert "Practice A · step 1 — done" in student.content()
            student.screenshot(path=str(SHOTS / "student-step-2.png"), full_page=True)

            classmate = browser.new_page()
            classmate.goto(world.lms.launch_url("moodle", world.client_id, user="student2", link=links[0].id))
            classmate.wait_for_url("**/student/**")
            assert "isn’t set up for you" in classmate.content()
            classmate.screenshot(path=str(SHOTS / "student-not-for-you.png"), full_page=True)
        finally:
            browser.close()
    assert (SHOTS / "teacher-progress.png").stat().st_size > 10_000
