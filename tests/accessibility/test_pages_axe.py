"""Accessibility in Debian's chromium: axe-core on every teacher, student, admin and error page reachable
through the development LMS, the student view at 320 px and at 200% zoom, and status said in words.

Per-page axe results are printed in the run's summary (tests/accessibility/conftest.py) and written to
test-artifacts/axe/; screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from publish.e2e import LmsWorld
from support import axe

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser


def _page(browser: Browser, **options: object) -> Page:
    """A page that waits long enough for a loaded shared machine (first-use work such as the name lexicon)."""
    page = browser.new_page(**options)  # type: ignore[arg-type]
    page.set_default_timeout(120_000)
    return page


def _visit(page: Page, url: str, name: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 500, f"{name}: HTTP {response and response.status}"
    axe.check(page, name)


def _complete_inputs(world: LmsWorld, public_id: str) -> None:
    """The request as the new-sequence form stores it (the shared factory keeps only three fields)."""
    from sqlalchemy import select

    from tool import db
    from tool.teacher.models import Sequence

    with world.app.app_context(), db.transaction() as s:
        row = s.scalars(select(Sequence).where(Sequence.public_id == public_id)).one()
        row.inputs = {
            "target_skill": "Write a developed paragraph",
            "student_level": "Year 8",
            "current_avoidance": "Writes one sentence, rubs it out, puts head on desk.",
            "student_strengths": "Articulate in class discussion",
        }


def _words_not_colour(page: Page, selector: str) -> None:
    """Every status marker on the page says its state in text (colour only repeats it)."""
    markers = page.locator(selector)
    for i in range(markers.count()):
        assert markers.nth(i).inner_text().strip(), f"{selector} #{i} shows a state by colour alone"


@pytest.mark.parametrize("lms_world", ["moodle"], indirect=True)
def test_axe_finds_no_serious_problem_on_any_page(lms_world: LmsWorld, browser: Browser) -> None:
    world = lms_world
    public_id = world.make_sequence(tasks=5)
    _complete_inputs(world, public_id)
    page = _page(browser, viewport={"width": 1200, "height": 900})
    tool = world.tool_url

    # Teacher pages, from a real launch through the LMS.
    page.goto(world.lms.launch_url("moodle", world.client_id, user="teacher"))
    page.wait_for_url("**/teacher/**")
    lt = page.url.split("lt=", 1)[1].split("&", 1)[0]
    axe.check(page, "teacher home")
    _visit(page, f"{tool}/teacher/new?lt={lt}", "teacher new sequence")
    # The server's own error page (as a browser without form validation gets it).
    page.evaluate("() => document.querySelectorAll('form').forEach(f => { f.noValidate = true; })")
    page.get_by_role("button", name="Write the sequence").click()
    page.wait_for_selector(".field-error, [role=alert]")
    axe.check(page, "teacher new sequence with errors")
    _visit(page, f"{tool}/teacher/s/{public_id}?lt={lt}", "teacher review")
    _visit(page, f"{tool}/teacher/s/{public_id}/edit/task-0?lt={lt}", "teacher edit a task")
    _visit(page, f"{tool}/teacher/s/{public_id}/history?lt={lt}", "teacher versions")
    _visit(page, f"{tool}/teacher/s/{public_id}/preview?lt={lt}", "teacher what the AI sees")
    _visit(page, f"{tool}/teacher/s/{public_id}/export?lt={lt}", "teacher print and download")
    _visit(page, f"{tool}/teacher/sequences/{public_id}/progress?lt={lt}", "teacher progress (not published)")
    page.goto(world.lms.launch_url("moodle", world.client_id, user="teacher", message="LtiDeepLinkingRequest"))
    page.wait_for_url("**/teacher/deep-link**")
    axe.check(page, "teacher deep-link picker")

    # Published: the teacher's progress page and the students' pages.
    token, links = world.publish_by_deep_link(mode="mastery")
    _visit(page, f"{tool}/teacher/sequences/{public_id}/progress?lt={token}", "teacher progress (published)")
    _words_not_colour(page, ".step .badge, .pass, .flag")
    student = _page(browser, viewport={"width": 1200, "height": 900})
    student.goto(world.lms.launch_url("moodle", world.client_id, user="student1", link=links[0].id))
    student.wait_for_url("**/student/**")
    axe.check(student, "student current step")
    _words_not_colour(student, ".steps li, .badge, .pass")
    student.get_by_role("button", name="Send to my teacher").click()
    student.wait_for_selector("[role=alert]")
    axe.check(student, "student empty response error")
    student.goto(world.lms.launch_url("moodle", world.client_id, user="student1", link=links[1].id))
    student.wait_for_url("**/student/**")
    axe.check(student, "student locked step")
    student.goto(world.lms.launch_url("moodle", world.client_id, user="student2", link=links[0].id))
    student.wait_for_url("**/student/**")
    axe.check(student, "classmate neutral page")

    # Admin and error pages.
    _visit(page, f"{tool}/admin/login", "admin sign-in")
    _visit(page, f"{tool}/admin/", "admin console (signed out)")
    _visit(page, f"{tool}/no-such-page", "error 404")
    _visit(page, f"{tool}/teacher/", "error no launch (401)")
    _visit(page, f"{tool}/teacher/?lt=expired-or-forged", "error expired launch")
    assert len(axe.RESULTS) >= 20


@pytest.mark.parametrize("lms_world", ["moodle"], indirect=True)
def test_the_student_view_reads_at_320_px_and_at_200_percent_zoom(lms_world: LmsWorld, browser: Browser) -> None:
    world = lms_world
    world.make_sequence(tasks=5)
    _, links = world.publish_by_deep_link(mode="mastery")
    SHOTS.mkdir(parents=True, exist_ok=True)
    url = world.lms.launch_url("moodle", world.client_id, user="student1", link=links[0].id)

    narrow = _page(browser, viewport={"width": 320, "height": 640})
    narrow.goto(url)
    narrow.wait_for_url("**/student/**")
    _readable_without_sideways_scrolling(narrow)
    axe.check(narrow, "student step at 320 px")
    narrow.screenshot(path=str(SHOTS / "student-320px.png"), full_page=True)

    # 200% zoom of a 1280 px window: the browser lays the page out in 640 CSS px at twice the size.
    zoomed = _page(browser, viewport={"width": 640, "height": 400}, device_scale_factor=2)
    zoomed.goto(url)
    zoomed.wait_for_url("**/student/**")
    _readable_without_sideways_scrolling(zoomed)
    font_px = zoomed.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.instructions')).fontSize)")
    assert font_px >= 16  # body text is never scaled below the browser default
    axe.check(zoomed, "student step at 200% zoom")
    zoomed.screenshot(path=str(SHOTS / "student-200-percent.png"), full_page=True)


def _readable_without_sideways_scrolling(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.clientWidth")
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the page scrolls sideways: {scroll_width} px of content in {width} px"
    for selector in (".instructions", "textarea#response", "button"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, selector
    assert page.get_by_role("button", name="Send to my teacher").is_visible()
