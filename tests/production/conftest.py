"""Fixtures for the production-shape tests (see stack.py)."""

from .stack import production_stack  # noqa: F401
