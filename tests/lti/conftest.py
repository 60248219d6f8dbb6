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
