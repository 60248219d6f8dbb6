"""The axe helper fails a page that has serious problems (so a clean run means something)."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright
from support import axe
from support.browser import launch_chromium

pytestmark = pytest.mark.browser

BROKEN = """<!doctype html><html><head><title>Broken</title></head><body><main>
<h1>Broken on purpose</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button></button>
<p style="color:#bbb;background:#fff">Low-contrast words a student might need to read.</p>
</main></body></html>"""


def test_serious_and_critical_violations_fail_with_the_rule_named() -> None:
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page()
            page.set_content(BROKEN)
            with pytest.raises(AssertionError) as failed:
                axe.check(page, "deliberately broken page (must fail)")
        finally:
            browser.close()
    message = str(failed.value)
    for rule in ("image-alt", "button-name", "color-contrast"):
        assert rule in message, rule
    assert axe.RESULTS[-1].name == "deliberately broken page (must fail)" and axe.RESULTS[-1].violations.get("critical")
