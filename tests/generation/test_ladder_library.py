"""The skill ladder library: its shape, every family checker-clean, and matching measured on labelled data."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from config.settings import REPO_ROOT
from tool.generation.checker import check_sequence
from tool.generation.ladders.level import read_level
from tool.generation.ladders.library import LadderError, load_families, load_file
from tool.generation.ladders.matching import CONFIDENCE_THRESHOLD
from tool.generation.ladders.sequence import plain_sequence

FAMILIES = load_families()


def _eval_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("matching_eval", REPO_ROOT / "bench" / "matching_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["matching_eval"] = module
    spec.loader.exec_module(module)
    return module


def test_the_library_covers_at_least_sixty_skills_from_reception_to_year_13() -> None:
    assert len(FAMILIES) >= 60
    assert min(f.ages[0] for f in FAMILIES) <= 4 and max(f.ages[1] for f in FAMILIES) >= 18
    assert len({f.subject for f in FAMILIES}) >= 8


@pytest.mark.parametrize("family", FAMILIES, ids=[f.id for f in FAMILIES])
def test_every_family_passes_the_checker(family) -> None:  # type: ignore[no-untyped-def]
    sequence, request = plain_sequence(family)
    must_fix = [f for f in check_sequence(sequence, request, require_own_fields=True) if f.severity == "must_fix"]
    assert must_fix == []
    assert family.steps[-1].name.endswith("(target)")
    assert family.steps[0].increment is None and all(s.increment for s in family.steps[1:])


def test_a_malformed_file_is_refused_with_its_name(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("families:\n  - id: Not An Id\n    name: x\n")
    with pytest.raises(LadderError, match=r"bad\.yaml"):
        load_file(bad)


def test_matching_accuracy_on_the_labelled_requests() -> None:
    module = _eval_module()
    score = module.score(module.rows(), CONFIDENCE_THRESHOLD)
    assert score.total >= 40
    assert score.top1 / score.total >= 0.9, score.misses
    assert score.none_abstained >= score.none_total - 1


def test_age_filter_keeps_young_children_off_secondary_ladders() -> None:
    from tool.generation.ladders.matching import default_matcher

    age = read_level("Reception").age
    ranked = default_matcher().rank("writing an essay", "", age).ranked
    assert all(c.family.ages[0] - 1 <= (age or 0) for c in ranked)
    assert "essay-writing" not in [c.family.id for c in ranked]


def test_ladders_check_command(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tool.cli import main

    runner = CliRunner()
    clean = runner.invoke(main, ["ladders", "check"])
    assert clean.exit_code == 0, clean.stdout
    assert f"{len(FAMILIES)} families" in clean.stdout and "0 must-fix finding(s)" in clean.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("families:\n  - id: x\n    name: x\n")
    broken = runner.invoke(main, ["ladders", "check", str(bad)])
    assert broken.exit_code == 1 and "bad.yaml" in broken.stderr
