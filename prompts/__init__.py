"""Versioned prompt templates and the one way to fill them.

Templates live in ``prompts/<version>/<name>.md``. ``{{name}}`` placeholders are
filled in a single pass, so text supplied by a teacher that happens to contain
``{{...}}`` is never expanded a second time. The system prompt has no
placeholders at all: it is a static prefix, byte-identical across requests, so
providers can cache it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

PROMPT_VERSION = "sequence_v1"

_ROOT = Path(__file__).resolve().parent
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")


@lru_cache(maxsize=32)
def load(name: str, version: str = PROMPT_VERSION) -> str:
    """The raw text of template ``name`` (without ``.md``) of ``version``.

    Raises FileNotFoundError for an unknown template, so a typo fails loudly.
    """
    return (_ROOT / version / f"{name}.md").read_text(encoding="utf-8")


def render(name: str, version: str = PROMPT_VERSION, **values: str) -> str:
    """Template ``name`` with every ``{{key}}`` replaced by ``values[key]``.

    Raises KeyError when the template uses a placeholder that was not given,
    so a missing value never reaches the model as a literal ``{{key}}``.
    """
    template = load(name, version)

    def substitute(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return _PLACEHOLDER.sub(substitute, template)


def placeholders(name: str, version: str = PROMPT_VERSION) -> set[str]:
    """The placeholder names template ``name`` expects."""
    return set(_PLACEHOLDER.findall(load(name, version)))
