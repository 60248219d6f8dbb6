"""The whole system on loopback for end-to-end tests: development LMS, the tool served
in a thread, and a REAL Celery worker subprocess sharing the test's SS_* environment."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from flask import Flask

from config.settings import Settings, get_settings
from devlms.testing import DevLmsServer, LaunchDriver, ServerThread
from tool.demo import connect_platform, start_worker, stop_worker


@dataclass
class Stack:
    app: Flask
    tool_url: str
    devlms: DevLmsServer
    client_ids: dict[str, str]
    worker_log: Path

    def teacher_session(self, flavour: str = "canvas", user: str = "teacher") -> tuple[requests.Session, str]:
        """Launch as ``user`` through the LMS; returns the browser session and the landing URL."""
        driver = LaunchDriver(self.devlms)
        response = driver.launch(flavour, self.client_ids[flavour], user=user)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text[:500]
        return driver.session, response.url


def launch_token(url: str) -> str:
    match = re.search(r"[?&]lt=([^&]+)", url)
    assert match, url
    return match.group(1)


def wait_for(predicate: Callable[[], object], timeout: float, what: str, log: Path | None = None) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    tail = log.read_text()[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n--- worker log ---\n{tail}")


@pytest.fixture
def stack_factory(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[..., Stack]]:
    """Build the stack with extra SS_* settings (e.g. the generator); stopped at teardown."""
    started: list[Callable[[], None]] = []

    def build(**env: str) -> Stack:
        tool_thread = ServerThread()
        tool_url = tool_thread.start()
        started.append(tool_thread.stop)
        monkeypatch.setenv("SS_BASE_URL", tool_url)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        from tool import create_app
        from tool.db import upgrade_schema

        app = create_app(get_settings(), TESTING=True)
        upgrade_schema(app)
        started.append(app.extensions["db_engine"].dispose)
        tool_thread.app = app.wsgi_app
        lms = DevLmsServer().start()
        started.append(lms.stop)
        client_ids = {p.flavour: connect_platform(app, p) for p in (lms.canvas, lms.moodle)}
        log = tmp_path / "worker.log"
        # The worker gets exactly our environment: same database, broker and generator.
        worker = start_worker(dict(os.environ), log)
        started.append(lambda: stop_worker(worker))
        return Stack(app, tool_url, lms, client_ids, log)

    yield build
    for stop in reversed(started):
        stop()


def worker_running(process: subprocess.Popen[bytes]) -> bool:
    return process.poll() is None
