"""A ``devlms`` pytest fixture: a started development LMS on a loopback port, stopped afterwards.

Reuse it from a conftest with ``from devlms.pytest_plugin import devlms  # noqa: F401``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devlms.testing import DevLmsServer


@pytest.fixture
def devlms() -> Iterator[DevLmsServer]:
    server = DevLmsServer().start()
    try:
        yield server
    finally:
        server.stop()
