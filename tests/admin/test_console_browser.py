"""The admin console in a real browser (Debian's chromium via Playwright), with screenshots.

A Moodle-flavoured development LMS registers the tool by Dynamic Registration in the browser (the
"registered" page waits for Finish); a teacher's launch is refused with the page that says where to
switch it on; the LMS administrator's launch offers the switch; the tool administrator signs in,
approves a second registration that waits for approval, switches the deployment on, and the
teacher's next launch reaches the teacher view. Screenshots: test-artifacts/screenshots/admin-*.png.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from support.browser import launch_chromium

from tool.lti.runtime import get_runtime

from .conftest import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"admin-{name}.png"), full_page=True)


@pytest.mark.browser
def test_the_admin_console_in_chromium(devlms, tool_server):
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    moodle = devlms.moodle
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            # The Moodle administrator registers the tool (Moodle redirects to our registration page).
            lms_admin = browser.new_context().new_page()
            before = set(moodle.tools)
            start = urlencode({"url": tool_server.url + "/lti/register"})
            lms_admin.goto(f"{devlms.url}/moodle/admin/register?{start}")
            lms_admin.click("#register")
            lms_admin.wait_for_selector("#registered")
            assert tool_server.url + "/admin/" in lms_admin.inner_text("#registered")
            shot(lms_admin, "registered-moodle")
            lms_admin.click("#finish")
            assert lms_admin.locator("#finish").is_disabled()
            (client_id,) = set(moodle.tools) - before
            deployment_id = moodle.tools[client_id].deployment_id
            moodle.activate_tool(client_id)

            teacher = browser.new_context().new_page()
            teacher.goto(devlms.launch_url("moodle", client_id, user="teacher"))
            teacher.wait_for_selector("#not-active", timeout=20_000)
            assert "Ask your LMS administrator" in teacher.inner_text("#not-active")
            assert teacher.locator("#activate-here").count() == 0
            shot(teacher, "launch-not-switched-on")

            lms_admin.goto(devlms.launch_url("moodle", client_id, user="admin"))
            lms_admin.wait_for_selector("#activate-here", timeout=20_000)
            shot(lms_admin, "launch-offer-for-lms-admin")

            # A second registration under the same issuer waits for approval.
            registry = get_runtime(tool_server.app).registry
            registry.save_registration(
                issuer=moodle.issuer, client_id="second-client", auth_login_url=moodle.url("/mod/lti/auth.php"),
                auth_token_url=moodle.token_url, jwks_url=moodle.url("/mod/lti/certs.php"),
                platform_family="moodle", name="Moodle at a second registration", status="pending", source="dynamic",
            )

            admin = browser.new_context().new_page()
            admin.goto(tool_server.url + "/admin/")
            admin.wait_for_selector("#admin-login")
            shot(admin, "sign-in")
            admin.fill("#password", "not the password")
            admin.click("#sign-in")
            assert "That password is not right" in admin.inner_text("main")
            admin.fill("#password", PASSWORD)
            admin.click("#sign-in")
            admin.wait_for_url(lambda url: urlsplit(url).path == "/admin/")
            assert "second-client" in admin.inner_text("#pending")
            row = admin.locator(f'tr[data-deployment="{deployment_id}"]')
            assert row.get_attribute("data-state") == "inactive"
            shot(admin, "console-pending-and-switched-off")

            admin.click("#pending button.approve")
            admin.wait_for_selector("#notice")
            assert "approved" in admin.inner_text("#notice") and admin.locator("#pending").count() == 0
            admin.locator(f'tr[data-deployment="{deployment_id}"] button.activate').click()
            admin.wait_for_selector("#notice")
            assert "switched on" in admin.inner_text("#notice")
            assert admin.locator(f'tr[data-deployment="{deployment_id}"]').get_attribute("data-state") == "active"
            shot(admin, "console-switched-on")

            teacher.goto(devlms.launch_url("moodle", client_id, user="teacher"))
            teacher.wait_for_url(lambda url: urlsplit(url).path == "/teacher/", timeout=20_000)
            assert teacher.locator('[role="alert"]').count() == 0

            admin.reload()
            assert "UTC" in admin.inner_text(f'tr[data-deployment="{deployment_id}"]')  # the last launch
            admin.click("text=Sign out")
            admin.wait_for_selector("#admin-login")
            admin.goto(tool_server.url + "/admin/")
            assert admin.locator("#admin-login").count() == 1
        finally:
            browser.close()
