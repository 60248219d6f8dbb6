"""Debian's chromium through Playwright, started the one way every browser test starts it.

Never a browser Playwright downloads: the system's ``/usr/bin/chromium`` (installed by
scripts/setup-test-deps.sh), without the sandbox (CI runs as root) and without background networking
(the tests reach loopback only).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Playwright, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking"]


def launch_chromium(pw: Playwright) -> Browser:
    return pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)


@contextmanager
def chromium() -> Iterator[Browser]:
    """A running chromium for the block, closed afterwards (a fixture yields it)."""
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            yield browser
        finally:
            browser.close()
