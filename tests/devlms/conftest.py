"""Fixtures for the development LMS tests: the ``devlms`` server and a fake tool on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_tool import FakeTool  # tests/devlms is on sys.path (no __init__: "devlms" is the real package)

from devlms.pytest_plugin import devlms  # noqa: F401  (re-exported fixture)
from devlms.testing import DevLmsServer, LaunchDriver


@pytest.fixture
def fake_tool() -> Iterator[FakeTool]:
    tool = FakeTool().start()
    try:
        yield tool
    finally:
        tool.stop()


@pytest.fixture
def driver(devlms: DevLmsServer) -> Iterator[LaunchDriver]:  # noqa: F811
    launch_driver = LaunchDriver(devlms)
    try:
        yield launch_driver
    finally:
        launch_driver.close()
