"""Loading the skill ladder library from ``config/ladders/*.yaml`` (files starting with ``_`` are not families)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from config.settings import REPO_ROOT
from tool.generation.ladders.schema import Family, Library

LADDERS_DIR = REPO_ROOT / "config" / "ladders"


class LadderError(ValueError):
    """A ladder file is malformed; the message names the file."""


def load_file(path: Path) -> list[Family]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Library.model_validate(raw).families
    except (yaml.YAMLError, ValueError) as exc:
        raise LadderError(f"{path.name}: {exc}") from exc


def family_files(directory: Path = LADDERS_DIR) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_"))


@cache
def load_families(directory: Path = LADDERS_DIR) -> tuple[Family, ...]:
    """Every family, in file then file order; ids must be unique across files."""
    families: list[Family] = []
    seen: dict[str, str] = {}
    for path in family_files(directory):
        for family in load_file(path):
            if family.id in seen:
                raise LadderError(f"{path.name}: family id {family.id!r} already used in {seen[family.id]}")
            seen[family.id] = path.name
            families.append(family)
    return tuple(families)


def family_by_id(family_id: str, directory: Path = LADDERS_DIR) -> Family | None:
    return next((f for f in load_families(directory) if f.id == family_id), None)


def families_by_subject(directory: Path = LADDERS_DIR) -> list[tuple[str, list[Family]]]:
    """Families grouped by subject (subjects and families in alphabetical order), for the teacher's picker."""
    groups: dict[str, list[Family]] = {}
    for family in load_families(directory):
        groups.setdefault(family.subject, []).append(family)
    return [(subject, sorted(groups[subject], key=lambda f: f.name)) for subject in sorted(groups)]
