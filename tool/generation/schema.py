"""JSON schemas for structured output, built from the pydantic models.

OpenAI's strict mode wants every property listed in ``required`` and
``additionalProperties: false`` on every object; optional values are expressed
as a ``null`` alternative instead of being left out. We also inline ``$defs``
because llama.cpp's schema-to-grammar converter handles ``$ref`` poorly, and
drop keys strict mode rejects (``default``, ``title``).

Our own generators must always fill the fields the seed's format lacks
(student instructions, increment, named barrier source), so the schema sent to
the model makes those non-nullable: the model cannot "opt out" of them.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from tool.generation.model import Sequence, Task

JsonSchema = dict[str, Any]

# Fields the model schema allows to be null (parsed seed documents lack them)
# but which an LLM draft must fill.
OWN_FIELDS = frozenset({"student_instructions", "increment", "primary_barrier_source"})

_DROPPED_KEYS = ("default", "title")


def strict_schema(model: type[BaseModel], must_fill: frozenset[str] = OWN_FIELDS) -> JsonSchema:
    """A self-contained strict JSON schema for ``model``.

    Contract: no ``$ref``/``$defs``; every object has all its properties in
    ``required`` and ``additionalProperties: false``; properties named in
    ``must_fill`` lose their ``null`` alternative.
    """
    raw = model.model_json_schema()
    defs: dict[str, JsonSchema] = raw.pop("$defs", {})
    strict: JsonSchema = _strictify(_inline(raw, defs), must_fill)
    return strict


def _inline(node: Any, defs: dict[str, JsonSchema]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = copy.deepcopy(defs[ref.rsplit("/", 1)[-1]])
            # Keep a description given at the use site; it is more specific.
            if "description" in node:
                target["description"] = node["description"]
            return _inline(target, defs)
        return {key: _inline(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def _strictify(node: Any, must_fill: frozenset[str]) -> Any:
    if isinstance(node, list):
        return [_strictify(item, must_fill) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strictify(value, must_fill) for key, value in node.items() if key not in _DROPPED_KEYS}
    if out.get("type") == "object" and "properties" in out:
        properties: dict[str, Any] = out["properties"]
        for name in must_fill & properties.keys():
            properties[name] = _without_null(properties[name])
        out["required"] = list(properties)
        out["additionalProperties"] = False
    return out


def _without_null(prop: JsonSchema) -> JsonSchema:
    alternatives = prop.get("anyOf")
    if not isinstance(alternatives, list):
        return prop
    kept = [alt for alt in alternatives if alt.get("type") != "null"]
    if len(kept) != 1:
        return prop
    merged = {key: value for key, value in prop.items() if key != "anyOf"}
    merged.update(kept[0])
    return merged


@lru_cache(maxsize=1)
def sequence_schema() -> JsonSchema:
    """The strict schema for a whole sequence (cached: it is static)."""
    return strict_schema(Sequence)


@lru_cache(maxsize=1)
def task_schema() -> JsonSchema:
    """The strict schema for one task (used when one task is rewritten)."""
    return strict_schema(Task)


@lru_cache(maxsize=1)
def verdict_schema() -> JsonSchema:
    """The strict schema for the LLM judge's verdict."""
    from tool.generation.judge import Verdict

    return strict_schema(Verdict, frozenset())
