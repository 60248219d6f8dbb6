"""The admin console in a real browser (Debian's chromium via Playwright), with screenshots.

A Moodle-flavoured development LMS registers the tool by Dynamic Registration; a teacher's launch
is refused with the page that says where to switch it on; the tool administrator signs in, switches
the deployment on in the console, and the teacher's next launch reaches the teacher view.
Screenshots go to test-artifacts/screenshots/admin-*.png.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .conftest import PASSWORD
from .test_activation_devlms import register_dynamically

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.mark.browser
def test_the_admin_console_in_chromium(devlms, tool_server):
    from playwright.sync_api import sync_playwright

    client_id, deployment_id, _ = register_dynamically(devlms, tool_server, "moodle")
    devlms.moodle.activate_tool(client_id)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-background-networking"]
        )
        try:
            teacher = browser.new_context().new_page()
            teacher.goto(devlms.launch_url("moodle", client_id, user="teacher"))
            teacher.wait_for_selector("#not-active", timeout=20_000)
            assert "Ask your LMS administrator" in teacher.inner_text("#not-active")
            assert teacher.locator("#activate-here").count() == 0
            teacher.screenshot(path=str(SCREENSHOTS / "admin-launch-not-switched-on.png"), full_page=True)

            admin = browser.new_context().new_page()
            admin.goto(tool_server.url + "/admin/")
            admin.wait_for_selector("#admin-login")
            admin.screenshot(path=str(SCREENSHOTS / "admin-sign-in.png"), full_page=True)
            admin.fill("#password", "not the password")
            admin.click("#sign-in")
            assert "That password is not right" in admin.inner_text("main")
            admin.fill("#password", PASSWORD)
            admin.click("#sign-in")
            admin.wait_for_url(lambda url: urlsplit(url).path == "/admin/")
            row = admin.locator(f'tr[data-deployment="{deployment_id}"]')
            assert row.get_attribute("data-state") == "inactive"
            admin.screenshot(path=str(SCREENSHOTS / "admin-console-switched-off.png"), full_page=True)
            row.locator("button.activate").click()
            admin.wait_for_selector("#notice")
            assert "switched on" in admin.inner_text("#notice")
            assert admin.locator(f'tr[data-deployment="{deployment_id}"]').get_attribute("data-state") == "active"
            admin.screenshot(path=str(SCREENSHOTS / "admin-console-switched-on.png"), full_page=True)

            teacher.goto(devlms.launch_url("moodle", client_id, user="teacher"))
            teacher.wait_for_url(lambda url: urlsplit(url).path == "/teacher/", timeout=20_000)
            assert teacher.locator('[role="alert"]').count() == 0

            admin.reload()
            row_text = admin.inner_text(f'tr[data-deployment="{deployment_id}"]')
            assert "UTC" in row_text  # the teacher's launch shows as the last launch
            admin.click("text=Sign out")
            admin.wait_for_selector("#admin-login")
            admin.goto(tool_server.url + "/admin/")
            assert admin.locator("#admin-login").count() == 1
        finally:
            browser.close()
