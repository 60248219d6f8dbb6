"""The home page of a large course and its paged lists in Debian's chromium: axe finds no serious problem,
the pager is a labelled navigation landmark that a keyboard reaches, and nothing scrolls sideways at 320 px."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from support import axe

from tool.teacher.attention import PAGE_SIZE

from .conftest import MakeLaunch
from .day_rows import MORNING, Course101

pytestmark = pytest.mark.browser


def _page(browser: Browser, width: int) -> Page:
    page = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB").new_page()
    page.set_default_timeout(120_000)
    return page


def test_large_course_pages_are_accessible(
    app: Flask, platform: dict[str, int], make_launch: MakeLaunch, served: str, browser: Browser
) -> None:
    rows = Course101(app, platform)
    for i in range(12):
        rows.published(f"Student {i:02d}", responded={0: ("text", MORNING + timedelta(minutes=i))})
    for i in range(PAGE_SIZE + 5):
        rows.draft(f"Draft Okonkwo-Fairweather {i:02d}")
    lt = make_launch()
    pages = {
        "teacher home (large course)": f"{served}/teacher/?lt={lt}",
        "teacher all students, page 2": f"{served}/teacher/students?lt={lt}&page=2",
        "teacher all students, filtered": f"{served}/teacher/students?lt={lt}&q=draft&page=2",
        "teacher drafts to review, page 2": f"{served}/teacher/waiting/drafts?lt={lt}&page=2",
    }
    for width in (320, 1280):
        page = _page(browser, width)
        for name, url in pages.items():
            response = page.goto(url)
            assert response is not None and response.status == 200, name
            if width == 1280:
                axe.check(page, name)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (name, width)
            pager = page.get_by_role("navigation", name="Pages of", exact=False)
            assert pager.count() == 1, name
        page.context.close()
    # The keyboard reaches "Next" on the home page and it opens page 2 of the list, still launched.
    page = _page(browser, 1280)
    page.goto(pages["teacher home (large course)"])
    nxt = page.locator('nav.pager a[rel="next"]')
    for _ in range(200):
        page.keyboard.press("Tab")
        if nxt.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the pager's Next link")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/teacher/students?" in url and "page=2" in url and f"lt={lt}" in url)
    assert page.locator("h1").inner_text().startswith("All your students")
    assert page.locator("tr[data-sequence]").count() == 12 + PAGE_SIZE + 5 - PAGE_SIZE
    page.context.close()
