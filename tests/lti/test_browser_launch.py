"""A teacher and a student launch from the development LMS in a real browser (Debian's chromium).

Tool and devlms each run on their own loopback port; chromium opens the devlms
launch button's URL and follows the whole OIDC dance (auto-submitting forms
included) into the tool. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from support.browser import launch_chromium

from .test_devlms_integration import install_manually

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
EXPECTED = {"teacher": "/teacher/", "student1": "/student/"}


@pytest.mark.browser
@pytest.mark.parametrize("flavour", ["canvas", "moodle"])
def test_teacher_and_student_reach_their_views_in_chromium(devlms, tool_server, flavour):
    from playwright.sync_api import sync_playwright

    client_id, _ = install_manually(devlms, tool_server, flavour)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            for user, path in EXPECTED.items():
                page = browser.new_context().new_page()
                statuses: list[int] = []
                page.on(
                    "response",
                    lambda r, seen=statuses, prefix=tool_server.url + path: (
                        seen.append(r.status) if r.url.startswith(prefix) else None
                    ),
                )
                page.goto(devlms.launch_url(flavour, client_id, user=user))
                page.wait_for_url(lambda url, p=path: urlsplit(url).path == p, timeout=20_000)
                page.wait_for_load_state("load")
                page.screenshot(path=str(SCREENSHOTS / f"lti-launch-{flavour}-{user}.png"), full_page=True)
                assert urlsplit(page.url).netloc == urlsplit(tool_server.url).netloc
                assert "lt=" in page.url
                assert statuses and statuses[-1] == 200, statuses
                # The view itself rendered, not an error page.
                assert page.locator('[role="alert"]').count() == 0, page.content()[:2000]
                assert page.locator("h1").count() >= 1
                if user == "teacher":
                    # The course title travelled from the platform's id_token to the teacher's view.
                    assert "Year 8 English" in page.content()
                page.context.close()
        finally:
            browser.close()
