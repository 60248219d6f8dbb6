"""The teacher's pages in a real browser (Debian's chromium through Playwright), at phone and desktop widths.

Screenshots go to test-artifacts/screenshots/ (git-ignored); docs/images/ holds copies for the
teacher's guide. Besides looking right, each page is checked for what a screenshot cannot prove:
no word broken across lines, times rewritten into the browser's zone, folded steps opening from a
link, the research terms appearing only on request, no horizontal scrolling at 320 px.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page

from tool.db import session
from tool.teacher.models import Sequence, SequenceVersion

from .conftest import MakeLaunch
from .day_rows import MORNING, Course101
from .sample import SEQUENCE

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDTHS = (390, 1280)

pytestmark = pytest.mark.browser

# Words that must never be split across two lines (a skill name like "Progress" once showed as "Progre/ss").
BROKEN_WORDS_JS = """
(selector) => {
  const broken = [];
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /[^\\s\\-‐]+/g;  // a break after a hyphen is a normal line break
      let m;
      while ((m = re.exec(node.textContent)) !== null) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}
"""


def _page(browser: Browser, width: int, zone: str = "Pacific/Auckland") -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900}, timezone_id=zone, locale="en-GB")
    return context.new_page()


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _a_day(app: Flask, platform: dict[str, int]) -> str:
    rows = Course101(app, platform)
    rows.published("Asha Progress", responded={0: ("text", MORNING + timedelta(hours=2))})
    rows.published("Ben Status", responded={0: ("did_it", MORNING + timedelta(hours=1))})
    rows.published("Cara Okonkwo-Fairweather", status="failed", updated_at=MORNING + timedelta(minutes=30))
    rows.published("Dev Patel", succeeded={0: MORNING + timedelta(minutes=10)}, score_failed={0})
    rows.writing_failed("Eli Novak", MORNING + timedelta(minutes=5))
    rows.draft("Fay Lindqvist", must_fix=2)
    rows.writing("Gus Abara")
    return rows.published("Hana Sato", succeeded={0: MORNING})


def test_home_page_at_phone_and_desktop_widths(
    app: Flask, platform: dict[str, int], make_launch: MakeLaunch, served: str, browser: Browser
) -> None:
    _a_day(app, platform)
    lt = make_launch()
    for width in (320, *WIDTHS, 600):
        page = _page(browser, width)
        page.goto(f"{served}/teacher/?lt={lt}")
        assert page.locator("#needs-count").inner_text() == "6"
        needs = page.locator("#needs > li")
        assert needs.count() == 6
        assert needs.nth(0).inner_text().startswith("Ben Status")
        # Times: rewritten by the script into the browser's zone (Ben at 09:00 UTC; Auckland is UTC+13 in March).
        first_time = page.locator("#needs time").first
        assert "22:00" in first_time.inner_text(), first_time.inner_text()
        assert first_time.get_attribute("title") == "2 Mar 2026, 09:00 UTC"
        assert page.evaluate(BROKEN_WORDS_JS, "table.sequences td, #needs li") == []
        _no_sideways_scroll(page)
        if width in WIDTHS:
            _shot(page, f"teacher-home-{width}.png")
        if width == 600:
            # The check can fail: with the old rule (break anywhere) the squeezed table splits words.
            page.evaluate("document.body.style.overflowWrap = 'anywhere'")
            assert page.evaluate(BROKEN_WORDS_JS, "table.sequences td, #needs li") != []
        page.context.close()


def _with_findings(app: Flask, platform: dict[str, int]) -> str:
    public_id = Course101(app, platform).published("Asha Progress", responded={0: ("text", MORNING)})
    findings: list[dict[str, Any]] = [
        {
            "check": "e",
            "message": "Generic praise: say what the student did that worked instead.",
            "location": "Task 2 › Teacher script after success",
            "evidence": "You're so clever!",
            "task_index": 1,
            "severity": "must_fix",
        },
        {
            "check": "e",
            "message": "An extrinsic reward (a sticker) is recommended.",
            "location": "Task 2 › Teacher script after success",
            "evidence": "Here's a sticker",
            "task_index": 1,
            "severity": "must_fix",
        },
        {
            "check": "d",
            "message": "The script does not name the strategy the student used.",
            "location": "Task 4 › Teacher script after success",
            "task_index": 3,
            "severity": "consider",
        },
    ]
    edited = copy.deepcopy(SEQUENCE)
    edited["tasks"][1]["teacher_script"] = "You're so clever! Here's a sticker."
    with app.app_context():
        db = session()
        row = db.query(Sequence).filter_by(public_id=public_id).one()
        row.current_version = 2
        db.add(
            SequenceVersion(
                sequence_id=row.id,
                number=2,
                content=edited,
                findings=findings,
                source="edited",
                created_by_id=row.created_by_id,
            )
        )
        db.commit()
    return public_id


def test_review_page_with_findings(
    app: Flask, platform: dict[str, int], make_launch: MakeLaunch, served: str, browser: Browser
) -> None:
    public_id = _with_findings(app, platform)
    lt = make_launch()
    for width in WIDTHS:
        page = _page(browser, width)
        page.goto(f"{served}/teacher/s/{public_id}?lt={lt}")
        assert "2 must fix" in page.locator("#checks-heading").inner_text()
        assert not page.get_by_text("Efficacy Diagnostic").first.is_visible()
        _shot(page, f"teacher-review-{width}.png")
        page.screenshot(path=str(SHOTS / f"teacher-review-top-{width}.png"))  # the first screen: the summary
        _no_sideways_scroll(page)
        page.context.close()
    page = _page(browser, 1280)
    page.goto(f"{served}/teacher/s/{public_id}?lt={lt}")
    # The worth-a-look finding sits in step 4, folded; its summary link opens the step.
    assert not page.locator("#finding-3").is_visible()
    page.locator('a[href="#finding-3"]').click()
    page.wait_for_function("document.getElementById('task-3').open")
    assert page.locator("#finding-3").is_visible()
    # The research terms appear only when asked for.
    page.get_by_label("Show the research terms").check()
    assert page.locator("#diagnostic h2 .term").is_visible()
    assert page.locator("#diagnostic h2").inner_text() == "Why they avoid it (Efficacy Diagnostic)"
    page.context.close()


def test_history_view(
    app: Flask, platform: dict[str, int], make_launch: MakeLaunch, served: str, browser: Browser
) -> None:
    public_id = _with_findings(app, platform)
    lt = make_launch()
    for width in WIDTHS:
        page = _page(browser, width)
        page.goto(f"{served}/teacher/s/{public_id}/history?lt={lt}")
        change = page.locator(".change").first
        assert "Step 2 · What to say when it goes well" in change.inner_text()
        assert change.locator("ins").first.inner_text().startswith("You're so clever!")
        _shot(page, f"teacher-history-{width}.png")
        _no_sideways_scroll(page)
        page.context.close()
    page = _page(browser, 390)
    page.goto(f"{served}/teacher/s/{public_id}/history?lt={lt}")
    page.get_by_role("button", name="Restore version 1").click()
    page.wait_for_selector(".notice")
    assert "Restored" in page.locator(".notice").inner_text()
    assert "You're so clever" not in page.locator("#task-1").inner_text()
    page.context.close()


def test_date_fields_only_for_a_release_on_dates(
    app: Flask, platform: dict[str, int], make_launch: MakeLaunch, served: str, browser: Browser
) -> None:
    from tool.lti.tool_configuration import SCOPE_LINEITEM

    public_id = Course101(app, platform).draft("Asha Progress")
    lt = make_launch(
        platform_family="canvas", ags_lineitems_url="http://127.0.0.1:9/lineitems", ags_scopes=(SCOPE_LINEITEM,)
    )
    page = _page(browser, 390)
    page.goto(f"{served}/teacher/sequences/{public_id}/progress?lt={lt}")
    assert page.locator('input[name="mode"][value="mastery"]').is_checked()
    assert not page.locator("#start").is_visible() and not page.locator("#spacing_days").is_visible()
    page.locator('input[name="mode"][value="scheduled"]').check()
    assert page.locator("#start").is_visible() and page.locator("#spacing_days").is_visible()
    page.locator('input[name="mode"][value="mastery"]').check()
    assert not page.locator("#start").is_visible()
    page.context.close()
