"""The progress page in each publication state, in Chromium (Debian's, through Playwright).

Screenshots go to test-artifacts/screenshots/progress-<state>.png (git-ignored test artifacts);
docs/images/ holds copies of two of them for docs/publishing.md.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from support import axe
from support.browser import chromium

from publish.e2e import LmsWorld, wait_for
from publish.test_sent_check import Hang, grade_item_lists

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture
def browser() -> Iterator[Browser]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        yield browser


def _teacher_progress(world: LmsWorld, browser: Browser) -> tuple[Page, str]:
    # A teacher in Auckland: the page shows times in the browser's zone, not the server's UTC.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="Pacific/Auckland")
    page = context.new_page()
    page.goto(world.lms.launch_url(world.flavour, world.client_id, user="teacher"))
    page.wait_for_url("**/teacher/**")
    lt = page.url.split("lt=", 1)[1].split("&", 1)[0]
    url = f"{world.tool_url}/teacher/sequences/{world.sequence_public_id}/progress?lt={lt}"
    page.goto(url)
    return page, url


def _shot(page: Page, state: str) -> None:
    """Screenshot the page in ``state`` and check it with axe (no serious or critical problem)."""
    assert page.locator("#publication").get_attribute("data-state") == state
    page.screenshot(path=str(SHOTS / f"progress-{state}.png"), full_page=True)
    axe.check(page, f"teacher progress ({state})")


@pytest.mark.parametrize("lms_world", ["moodle"], indirect=True)
def test_progress_page_through_sent_confirmed_updated_and_withdrawn(lms_world: LmsWorld, browser: Browser) -> None:
    world = lms_world
    world.make_sequence(tasks=5)
    world.publish_by_deep_link(mode="mastery", save=False)  # Cancel on Moodle's summary
    page, url = _teacher_progress(world, browser)
    assert "Moodle has not confirmed yet" in page.locator("#publication").inner_text()
    _shot(page, "sent")

    _, links = world.publish_by_deep_link(mode="mastery")
    student = browser.new_page()
    student.goto(world.lms.launch_url("moodle", world.client_id, user="student1", link=links[0].id))
    student.get_by_label("Your response").fill("I told Sam my idea and wrote two sentences.")
    student.get_by_role("button", name="Send to my teacher").click()
    student.wait_for_selector("text=Sent. Your teacher will have a look.")
    page.goto(url)
    # The current step and the newest response come first, above the step cards and the folded help.
    now = page.locator("#now")
    assert "I told Sam my idea" in now.inner_text()
    assert now.bounding_box()["y"] < page.locator(".step").first.bounding_box()["y"]  # type: ignore[index]
    assert page.locator("#visibility").get_attribute("open") is None  # the static help is folded
    # Times are shown in the browser's zone by the page script, from a machine-readable <time>.
    stamp = now.locator("time")
    assert (stamp.get_attribute("datetime") or "").endswith("Z")  # UTC for machines
    assert "UTC" not in stamp.inner_text() and "GMT+13" in stamp.inner_text()
    _shot(page, "confirmed")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone between lessons: nothing runs off the side
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "progress-confirmed-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    def edit(content: object) -> None:
        content.tasks[0].student_instructions = "Tell a partner your idea, then write two sentences."  # type: ignore[attr-defined]

    world.new_version(edit)
    page.goto(url)
    assert "the student still sees version 1" in page.locator("#outdated").inner_text()
    page.screenshot(path=str(SHOTS / "progress-outdated.png"), full_page=True)
    page.get_by_role("button", name="Update the student’s steps").click()
    page.wait_for_selector("#publication[data-state='updated']")
    assert "the student now sees the latest version" in page.locator("#notice").inner_text()
    _shot(page, "updated")

    page.locator("#withdraw summary").click()
    page.get_by_role("button", name="Withdraw from the student").click()
    page.wait_for_selector("#publication[data-state='withdrawn']")
    _shot(page, "withdrawn")
    student.goto(world.lms.launch_url("moodle", world.client_id, user="student1", link=links[0].id))
    assert "isn’t set up for you" in student.content()
    page.get_by_role("button", name="Show the steps to the student again").click()
    page.wait_for_selector("#publication[data-state='updated']")


@pytest.mark.parametrize("lms_world", ["canvas"], indirect=True)
def test_progress_page_while_drafting_and_the_frame_resize_message(lms_world: LmsWorld, browser: Browser) -> None:
    world = lms_world
    world.make_sequence(tasks=5)
    token = world.teacher_token()
    # No worker runs here: the publishing job waits in the queue, the publication stays a draft.
    world.teacher_post(token, "publish", mode="mastery", spacing_days="3", timezone="UTC")
    page, url = _teacher_progress(world, browser)
    assert "Creating the assignments in Canvas" in page.locator("#publish-status").inner_text()
    _shot(page, "draft")

    # Inside the LMS's iframe, the page tells the LMS its height (lti.frameResize).
    host = page.context.new_page()  # the same browser (its cookies), framed by the LMS's own page
    host.goto(world.lms.url + "/")
    host.evaluate(
        """url => { window.seen = []; addEventListener('message', e => window.seen.push(e.data));
                   const frame = document.createElement('iframe'); frame.src = url;
                   frame.style.height = '150px'; frame.style.width = '900px'; document.body.append(frame); }""",
        url,
    )
    host.wait_for_function("window.seen.some(m => m && m.subject === 'lti.frameResize')", timeout=15000)
    heights = host.evaluate("window.seen.filter(m => m.subject === 'lti.frameResize').map(m => m.height)")
    assert max(heights) > 600  # the whole page, not the 150 px the frame started with


@pytest.mark.parametrize("lms_world", ["moodle"], indirect=True)
def test_a_sent_publication_becomes_confirmed_on_the_open_page_when_the_worker_has_checked(
    lms_world: LmsWorld, browser: Browser, worker: subprocess.Popen[bytes]
) -> None:
    world = lms_world
    world.make_sequence(tasks=3)
    world.publish_by_deep_link(mode="mastery")  # Moodle: Save; the course lists the grade items
    slow = world.lms.wrap(lambda app: Hang(app, grade_item_lists))  # the LMS is slow to list them
    try:
        page, _ = _teacher_progress(world, browser)
        assert page.locator("#publication").get_attribute("data-state") == "sent"
        assert "Checking with Moodle whether the steps are in the course" in page.locator("#sent-check").inner_text()
        loads: list[str] = []
        page.on("load", lambda _: loads.append(page.url))
        wait_for(lambda: slow.seen >= 1, timeout=60, what="the worker to ask the LMS")  # it waits; the page is up
    finally:
        slow.release.set()  # the LMS answers the worker now
    # Nobody reloads: the page's own poller notices the worker's answer.
    page.wait_for_selector("#publication[data-state='confirmed']", timeout=60000)
    assert "the course lists the steps’ grade items" in page.locator("#publication").inner_text()
    assert page.locator("#sent-check").count() == 0
    assert len(loads) <= 2, loads  # the poller waits for the answer: no reload after every poll
