"""Platform storage in a real browser: the tool framed cross-site, where its cookie cannot work.

The loopback platform serves a course page on http://127.0.0.1:<p> that frames the tool,
served as http://localhost:<t> (another site), next to a storage frame named
``post_message_forwarding`` that answers ``lti.put_data`` / ``lti.get_data`` from its own
localStorage, as Canvas does. Chromium does not keep or send our ``SameSite=Lax`` cookie in that
cross-site frame, so the launch can only be bound through platform storage; without a
storage frame it is refused with the page that says what to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.browser import launch_chromium

from devlms.testing import ServerThread

from .platform import LoopbackPlatform, register


@pytest.fixture
def framed_tool(settings: Any, platform: LoopbackPlatform) -> Iterator[str]:
    from tool import create_app
    from tool.db import upgrade_schema

    thread = ServerThread()
    port = thread.start().rsplit(":", 1)[1]
    base = f"http://localhost:{port}"  # a different site from the platform's 127.0.0.1
    # "refuse" as over https: plain http would accept an unbound launch under the default "auto".
    app = create_app(settings.model_copy(update={"base_url": base, "unbound_launches": "refuse"}), TESTING=True)
    upgrade_schema(app)
    register(app, platform)
    thread.app = app.wsgi_app
    platform.tool_login_url = base + "/lti/login"
    try:
        yield base
    finally:
        thread.stop()
        app.extensions["db_engine"].dispose()


def _tool_frame_after(platform: LoopbackPlatform, query: str, final_path: str = "") -> tuple[str, str, list[str]]:
    """The tool frame's URL and HTML once the flow has settled (on ``final_path`` when given: with platform
    storage the frame shows the storage page first, then navigates on by itself)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_context().new_page()
            seen: list[str] = []
            page.on("request", lambda r: seen.append(f"{r.method} {r.url.split('?')[0]}"))
            page.goto(f"{platform.url}/course?{query}")
            frame = page.frame_locator("#tool")
            try:
                # Generous for a loaded shared machine: the flow is six requests and two postMessage rounds.
                frame.locator("h1").first.wait_for(timeout=60000)
            except Exception as exc:
                # Names and URLs only: reading a frame's content while it navigates can block until the
                # test's own timeout, hiding the requests that say where the flow stopped.
                frames = [(f.name, f.url) for f in page.frames]
                raise AssertionError(f"{seen}\n{frames}") from exc
            tool = next(f for f in page.frames if f.name != "post_message_forwarding" and f != page.main_frame)
            if final_path:
                try:
                    tool.wait_for_url(f"**{final_path}**", timeout=60000)
                except Exception as exc:
                    raise AssertionError(f"{seen}\n{tool.url}") from exc
            tool.wait_for_load_state()
            return tool.url, tool.content(), seen
        finally:
            browser.close()


@pytest.mark.browser
def test_a_framed_launch_without_cookies_is_bound_through_platform_storage(framed_tool, platform):
    url, html, seen = _tool_frame_after(platform, "storage=1", final_path="/student/")
    assert url.startswith(framed_tool + "/student/"), (url, html[:500])
    # Two launch POSTs: the first found no cookie and asked the platform's storage, the second carried it.
    assert seen.count(f"POST {framed_tool}/lti/launch") == 2, seen


@pytest.mark.browser
def test_a_framed_launch_with_neither_cookie_nor_storage_is_refused_clearly(framed_tool, platform):
    url, html, _seen = _tool_frame_after(platform, "storage=0")
    assert url == framed_tool + "/lti/launch"
    assert "could not be tied to your browser" in html and "new window" in html
