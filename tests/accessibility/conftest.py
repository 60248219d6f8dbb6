"""Prints every page's axe result at the end of the run, so the numbers are in the test output."""

from __future__ import annotations

from typing import Any

from publish.e2e import lms_world, worker  # noqa: F401  (fixtures)
from support import axe


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = axe.summary_lines()
    if lines:
        terminalreporter.section(f"axe-core {axe.AXE_VERSION}: serious/critical violations must be zero")
        for line in lines:
            terminalreporter.write_line(line)
