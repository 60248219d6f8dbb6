"""The tool served on a real loopback port (its base URL is the port it got), for devlms tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask

from config.settings import Settings
from devlms.testing import ServerThread


@dataclass
class LiveTool:
    url: str
    app: Flask


@contextmanager
def live_tool(settings: Settings) -> Iterator[LiveTool]:
    from tool import create_app
    from tool.db import upgrade_schema

    thread = ServerThread()
    url = thread.start()
    app = create_app(settings.model_copy(update={"base_url": url}), TESTING=True)
    upgrade_schema(app)
    thread.app = app.wsgi_app
    try:
        yield LiveTool(url=url, app=app)
    finally:
        thread.stop()
        app.extensions["db_engine"].dispose()
