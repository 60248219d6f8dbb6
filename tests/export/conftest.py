"""Fixtures for the export tests (see sample.py)."""

from .sample import exported  # noqa: F401
