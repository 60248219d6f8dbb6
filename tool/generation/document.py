"""One entry point for reading a sequence document in either of our formats."""

from __future__ import annotations

import re

from tool.generation.json_format import parse_json, render_json
from tool.generation.markdown import ParseError, parse_markdown, render_markdown
from tool.generation.model import Sequence

__all__ = ["ParseError", "parse_document", "parse_json", "parse_markdown", "render_json", "render_markdown"]

_JSON_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*)\n\s*```\s*$", re.DOTALL | re.IGNORECASE)


def parse_document(text: str) -> Sequence:
    """Parse JSON if the text is a JSON object (optionally in a ```json fence), else Markdown.

    Raises ``ParseError`` from whichever parser the text was sniffed as.
    """
    body = text.lstrip("\ufeff")
    fenced = _JSON_FENCE.match(body)
    if fenced and fenced.group(1).lstrip().startswith("{"):
        return parse_json(fenced.group(1))
    if body.lstrip().startswith("{"):
        return parse_json(body)
    return parse_markdown(body)
