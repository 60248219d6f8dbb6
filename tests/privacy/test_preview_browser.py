"""The preview in a real browser (Debian's chromium through Playwright): a new request's preview,
a word marked to hide, the preview updated, then the request sent on to be written.

The screenshot goes to test-artifacts/screenshots/ (git-ignored); docs/images/preview-1280.png is a copy.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser
from sqlalchemy import select
from support import axe

from tests.teacher.conftest import MakeLaunch
from tool.db import session
from tool.teacher.models import GenerationJob

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser


def test_teacher_previews_hides_a_word_and_sends(
    app: Flask, browser: Browser, served: str, make_launch: MakeLaunch
) -> None:
    lt = make_launch()
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB").new_page()
    page.goto(f"{served}/teacher/new?lt={lt}")
    page.fill("[name=target_label]", "Kıvanç")
    page.fill("[name=target_skill]", "Reading aloud to the class")
    page.fill("[name=student_level]", "Year 8")
    page.fill(
        "[name=current_avoidance]",
        "KIVANÇ asks to go to the toilet when Tina says it is his turn; at Riverside Boxing Club he reads aloud.",
    )
    page.fill("[name=student_profile]", "His sister Ayşe (ayse@home.test) reads with him; Mr.Teacher noticed it too.")
    page.click("text=See what the AI provider will see")
    page.wait_for_selector("h1:has-text('What the AI provider will see')")
    assert page.locator("mark.swap", has_text="The student").count() >= 1
    page.fill("#hide", "Riverside Boxing Club")
    page.click("button[name=update]")
    page.wait_for_selector("td:has-text('Riverside Boxing Club')")
    assert "Riverside" not in page.inner_text("dl.preview")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "preview-1280.png"), full_page=True)
    axe.check(page, "teacher preview of what the AI provider will see")
    page.click("button[name=send]")
    page.wait_for_url("**/teacher/s/**")
    with app.app_context():
        job = session().scalars(select(GenerationJob)).one()
        sent = str(job.payload["request"])
        assert "Riverside" not in sent and "Kıvanç" not in sent and "KIVANÇ" not in sent and "Ayşe" not in sent
