"""The sequence as JSON: the model's own schema, validated by pydantic on the way in."""

from __future__ import annotations

import json

from pydantic import ValidationError

from tool.generation.markdown import ParseError
from tool.generation.model import Sequence

# How many validation problems to name in one ParseError message.
_MAX_PROBLEMS = 5


def render_json(seq: Sequence) -> str:
    """Indented JSON of the sequence, ending with one newline; ``parse_json`` reads it back."""
    return seq.model_dump_json(indent=2) + "\n"


def _path(loc: tuple[int | str, ...]) -> str:
    """Pydantic's ('tasks', 2, 'teacher_script') as 'tasks[3].teacher_script' (1-based, as teachers count)."""
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "document"


def parse_json(text: str) -> Sequence:
    """Read a sequence from JSON; ``ParseError`` names the line (syntax) or the fields (schema).

    Accepts a bare sequence object or one wrapped as ``{"sequence": {...}}``
    (the shape of a stored generation result).
    """
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise ParseError(f"this is not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from exc
    if isinstance(data, dict) and isinstance(data.get("sequence"), dict):
        data = data["sequence"]
    if not isinstance(data, dict):
        raise ParseError("expected a JSON object describing one sequence", 1)
    try:
        return Sequence.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_path(err['loc'])}: {err['msg']}" for err in exc.errors()[:_MAX_PROBLEMS]]
        more = exc.error_count() - len(problems)
        suffix = f" (and {more} more)" if more > 0 else ""
        raise ParseError("the JSON is not a valid sequence: " + "; ".join(problems) + suffix) from exc
