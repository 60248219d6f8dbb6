from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from .platform import LoopbackPlatform, register


@pytest.fixture
def platform() -> Iterator[LoopbackPlatform]:
    server = LoopbackPlatform()
    yield server
    server.close()


@pytest.fixture
def registered(app: Flask, platform: LoopbackPlatform) -> LoopbackPlatform:
    register(app, platform)
    return platform


@pytest.fixture
def tool_server(settings):  # type: ignore[no-untyped-def]
    from .live import live_tool

    with live_tool(settings) as live:
        yield live


from devlms.pytest_plugin import devlms  # noqa: E402, F401
