"""Imports every feature's models so Alembic and ``create_all`` see one metadata."""

from __future__ import annotations

import importlib

# Each feature owns its tables in its own models module.
MODEL_MODULES = (
    "tool.kv_store",
    "tool.lti.models",
    "tool.teacher.models",
    "tool.publish.models",
    "tool.generation.usage_ledger",
    "tool.privacy.audit",
    "tool.privacy.models",
)


def import_all_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
