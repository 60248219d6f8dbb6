"""Fixtures for the admin console: the tool on a loopback port, the development LMS, a password."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from werkzeug.security import generate_password_hash

from config.settings import Settings
from tests.lti.live import LiveTool, live_tool

PASSWORD = "correct horse battery staple"
# A cheap hash keeps the tests quick (the default scrypt costs ~0.4 s per check, by design).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@pytest.fixture
def settings(settings: Settings) -> Settings:  # type: ignore[override]
    """The shared settings with a tool-admin password configured."""
    return settings.model_copy(update={"admin_password_hash": PASSWORD_HASH})


@pytest.fixture
def tool_server(settings: Settings) -> Iterator[LiveTool]:
    with live_tool(settings) as live:
        yield live


from devlms.pytest_plugin import devlms  # noqa: E402, F401
