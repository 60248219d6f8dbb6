"""Word lists the sequence parser and quality checker match against.

Each ``<name>.yaml`` file in this directory maps list names to lists of
phrases. Teachers' wording changes faster than code, so the lists live here as
data. Conventions (applied by ``tool.generation.checks.text.PhraseMatcher``):

- matching is case-insensitive and word-boundary aware;
- a trailing ``*`` matches any word ending (``sticker*`` matches "stickers");
- a single space matches any run of whitespace;
- a list ``<name>_exceptions`` next to ``<name>`` excuses matches that lie
  inside one of its phrases ("you can do it because ..." is credible).

Files are read once per process and cached; callers must not mutate results.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LEXICON_DIR = Path(__file__).resolve().parent


class LexiconError(ValueError):
    """A lexicon file is missing or not a mapping of names to lists of strings."""


@cache
def load_lexicon(name: str) -> dict[str, tuple[str, ...]]:
    """Return the lists in ``config/lexicons/<name>.yaml`` as tuples of stripped phrases."""
    path = LEXICON_DIR / f"{name}.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise LexiconError(f"no lexicon file {path.name}") from exc
    if not isinstance(raw, dict):
        raise LexiconError(f"{path.name} must be a mapping of list names to lists")
    lists: dict[str, tuple[str, ...]] = {}
    for key, values in raw.items():
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise LexiconError(f"{path.name}: '{key}' must be a list of non-empty strings")
        lists[str(key)] = tuple(v.strip() for v in values)
    return lists


def lexicon_list(name: str, key: str) -> tuple[str, ...]:
    """One list from one lexicon file; a missing list is an error, not an empty match."""
    lists = load_lexicon(name)
    if key not in lists:
        raise LexiconError(f"{name}.yaml has no list '{key}'")
    return lists[key]
