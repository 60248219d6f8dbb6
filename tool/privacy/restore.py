"""Putting names back for the teacher's eyes (never for the student or the LLM)."""

from __future__ import annotations

import re
from typing import Any


def restore(value: str, mapping: dict[str, str]) -> str:
    """``value`` with each one-person placeholder ("the student", "[Teacher]") replaced by the name."""
    if not value or not mapping:
        return value or ""
    for placeholder, original in mapping.items():
        if not placeholder or not original:
            continue
        start = r"(?<!\w)" if placeholder[0].isalnum() else ""
        end = r"(?!\w)" if placeholder[-1].isalnum() else ""
        pattern = re.compile(start + re.escape(placeholder) + end, re.IGNORECASE)
        value = pattern.sub(lambda _m, name=original: name, value)  # type: ignore[misc]
    return value


def restore_data(data: Any, mapping: dict[str, str]) -> Any:
    """Every string inside ``data`` (dicts, lists, as from ``model_dump``) restored."""
    if isinstance(data, str):
        return restore(data, mapping)
    if isinstance(data, list):
        return [restore_data(item, mapping) for item in data]
    if isinstance(data, dict):
        return {key: restore_data(item, mapping) for key, item in data.items()}
    return data
