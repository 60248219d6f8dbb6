"""The teacher loop with the keyboard only, in chromium: Tab, typing, arrow keys and Enter; no mouse.

Launch -> New sequence -> fill the form -> Write the sequence (a real worker writes it) -> Publish and
follow progress -> Publish as assignments (the worker creates them in the LMS) -> Succeeded (the score
reaches the gradebook). Every control reached by Tab must show where the focus is.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright
from publish.e2e import LmsWorld
from support import axe
from support.browser import launch_chromium

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
MAX_TABS = 120

pytestmark = pytest.mark.browser

_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), id: el.id || "", text: (el.innerText || el.value || "").trim().slice(0, 80),
    visible: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none",
  };
}"""


def tab_to(page: Page, wanted: re.Pattern[str], *, what: str) -> dict[str, Any]:
    """Press Tab until the focused control's id or text matches; each stop must show its focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None:
            continue
        assert focused["visible"], f"no visible focus on {focused} while tabbing to {what}"
        if wanted.search(focused["id"]) or wanted.search(focused["text"]):
            return focused  # type: ignore[no-any-return]
    raise AssertionError(f"{what} cannot be reached with Tab (tried {MAX_TABS} times)")


def _type_into(page: Page, field_id: str, text: str) -> None:
    tab_to(page, re.compile(rf"^{field_id}$"), what=field_id)
    page.keyboard.type(text)


@pytest.mark.parametrize("lms_world", ["canvas"], indirect=True)
def test_the_teacher_loop_with_the_keyboard_only(lms_world: LmsWorld, worker: subprocess.Popen[bytes]) -> None:
    world = lms_world
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.set_default_timeout(120_000)
            page.goto(world.lms.launch_url("canvas", world.client_id, user="teacher"))
            page.wait_for_url("**/teacher/**")

            tab_to(page, re.compile(r"^New sequence$"), what="New sequence")
            page.keyboard.press("Enter")
            page.wait_for_url("**/teacher/new**")
            tab_to(page, re.compile(r"^f-target_sub$"), what="the student list")
            for _ in range(10):  # arrow keys walk the roster until the student is chosen
                if page.evaluate("() => document.activeElement.selectedOptions[0].text") == "Sam Student":
                    break
                page.keyboard.press("ArrowDown")
            assert page.evaluate("() => document.activeElement.selectedOptions[0].text") == "Sam Student"
            _type_into(page, "f-target_skill", "Writing a developed paragraph in English")
            _type_into(page, "f-student_level", "Year 8")
            _type_into(page, "f-current_avoidance", "Writes one sentence, rubs it out, puts head on desk.")
            tab_to(page, re.compile(r"^Write the sequence$"), what="Write the sequence")
            page.keyboard.press("Enter")

            page.wait_for_url("**/teacher/s/**")
            page.locator("#task-0").wait_for()  # the written sequence replaced the progress box
            axe.check(page, "keyboard: review after writing")
            tab_to(page, re.compile(r"^Publish and follow progress$"), what="Publish and follow progress")
            page.keyboard.press("Enter")
            page.wait_for_url("**/progress**")
            tab_to(page, re.compile(r"^Publish as assignments$"), what="Publish as assignments")
            page.keyboard.press("Enter")

            deadline = time.monotonic() + 120
            while page.locator("form.succeeded").count() == 0:
                assert time.monotonic() < deadline, "the worker did not publish within 120 s"
                time.sleep(1)
                try:
                    page.reload()
                except PlaywrightError:  # the page's own poller reloaded it at the same moment
                    page.wait_for_load_state()
            axe.check(page, "keyboard: progress after publishing")
            tab_to(page, re.compile(r"^Succeeded$"), what="Succeeded on step 1")
            page.keyboard.press("Enter")
            page.get_by_text("Score sent to the course gradebook.").first.wait_for()
            page.screenshot(path=str(SHOTS / "keyboard-loop-progress.png"), full_page=True)
        finally:
            browser.close()
    rows = [row for row in world.platform.gradebook() if row["user_id"] == world.sub("student1")]
    assert len(rows) == 1 and rows[0]["result"] == rows[0]["maximum"]
