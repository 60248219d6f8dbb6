"""Finding the JSON object in a model's answer."""

from __future__ import annotations

import re

# Small local models fence JSON even in JSON mode.
_FENCE = re.compile(r"```(?:json|JSON)?[ \t]*\r?\n?(.*?)```", re.DOTALL)
# Reasoning models served behind OpenAI-compatible APIs may think aloud first.
_THINK = re.compile(r"^\s*<think>.*?</think>", re.DOTALL)


def json_text(raw: str) -> str:
    """The JSON object inside ``raw``, without the wrapping real models add around it.

    Small local models wrap JSON in a Markdown fence even in JSON mode, some add a
    sentence before or after it, and reasoning models may send a ``<think>`` block
    first. Unwrapping them here saves a repair round (and its tokens).
    """
    text = _THINK.sub("", raw).strip()
    if text.startswith("{"):
        return text
    fenced = _FENCE.search(text)
    if fenced:
        return fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        return text[start : end + 1]
    return text
