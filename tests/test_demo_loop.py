"""The README's run command, used as a person would: the whole loop in a browser.

Starts ``stepping-stones demo`` (web + real Celery worker + development LMS on the
embedded defaults, offline generator) as its own process on free loopback ports,
then drives Debian's chromium: teacher launch from the LMS home page → new
sequence for a student from the roster → the worker writes it → review →
publish as Canvas assignments → the student launches step 1 from the LMS and
sees only their instructions. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect, sync_playwright
from support.browser import launch_chromium

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, str]]:
    tool_url = f"http://127.0.0.1:{_free_port()}"
    lms_url = f"http://127.0.0.1:{_free_port()}"
    # Only the embedded defaults: drop every SS_ variable the test run may carry.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SS_")}
    env.update(
        SS_INSTANCE_DIR=str(tmp_path / "instance"),
        SS_BASE_URL=tool_url,
        SS_DEVLMS_URL=lms_url,
        SS_GENERATOR="offline",
    )
    log = (tmp_path / "demo.log").open("wb")
    command = [str(Path(sys.executable).with_name("stepping-stones")), "demo"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(lms_url + "/")
        _wait_for(tool_url + "/lti/jwks")
        yield tool_url, lms_url
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()
    output = (tmp_path / "demo.log").read_text(errors="replace")
    assert "stopped" in output, output[-3000:]


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"demo-{name}.png"), full_page=True)


def _launch_from_lms(page: Page, lms_url: str, button: str, section: str = "/canvas/launch") -> None:
    page.goto(lms_url + "/")
    page.locator(f'form[action="{section}"]').filter(has_text=button).first.locator("button").click()


def test_the_whole_loop_in_a_browser_through_the_run_command(demo: tuple[str, str]) -> None:
    _tool_url, lms_url = demo
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        try:
            # Teacher: launch, new sequence for a student picked from the roster.
            _launch_from_lms(page, lms_url, "Launch as teacher")
            expect(page.get_by_role("heading", name="What needs you")).to_be_visible()
            page.get_by_role("main").get_by_role("link", name="New sequence").click()
            page.select_option("#f-target_sub", label="Sam Student")
            page.fill("#f-target_skill", "Writing a developed paragraph in English")
            page.fill("#f-student_level", "Year 8")
            page.fill("#f-current_avoidance", "Writes one sentence, rubs it out, puts head on desk.")
            page.fill("#f-student_strengths", "Articulate and detailed in class discussion")
            _shot(page, "1-new-sequence")
            page.get_by_role("button", name="Write the sequence").click()

            # The real worker writes it; the page follows the job by itself.
            expect(page.get_by_text("Step 1:", exact=False).first).to_be_visible(timeout=60_000)
            expect(page.get_by_text("What to say when it goes well").first).to_be_visible()
            _shot(page, "2-review")

            # Publish as Canvas assignments (mastery-gated), through the worker.
            page.get_by_role("link", name="Publish and follow progress").click()
            page.get_by_role("button", name="Publish as assignments").click()
            deadline = time.monotonic() + 60
            while "Check the course again" not in page.content():
                assert time.monotonic() < deadline, "the worker did not publish within 60 s"
                time.sleep(1)
                try:
                    page.reload()
                except PlaywrightError:  # the page's own poller reloaded it at the same moment
                    page.wait_for_load_state()
            _shot(page, "3-progress")

            # The LMS now lists the neutral assignments; the student opens step 1.
            page.goto(lms_url + "/")
            expect(page.get_by_text("Practice A · step 1").first).to_be_visible()
            home = page.content()
            assert "avoid" not in home.lower() and "paragraph" not in home.lower()
            page.locator("li, tr, div").filter(has_text="Practice A · step 1").last.locator(
                'form[action="/canvas/launch"]'
            ).filter(has_text="Launch as Sam Student").locator("button").click()
            expect(page.get_by_role("heading", name="Practice A · step 1")).to_be_visible()
            student = page.content()
            assert "Teacher script" not in student and "head on desk" not in student
            assert "opens after your current step" in student
            _shot(page, "4-student-step-1")
        finally:
            browser.close()
