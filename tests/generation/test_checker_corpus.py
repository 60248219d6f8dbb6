"""The checker against the labelled corpus in tests/checker_corpus (see bench/checker_eval.py)."""

from __future__ import annotations

import pytest

from bench.checker_eval import CORPUS, report, run

pytestmark = pytest.mark.skipif(not (CORPUS / "good").is_dir(), reason="no labelled corpus")


@pytest.fixture(scope="module")
def results():  # type: ignore[no-untyped-def]
    return run(CORPUS)


def test_no_must_fix_finding_on_any_good_document(results) -> None:  # type: ignore[no-untyped-def]
    alarms = {
        r.path.name: [f"[{f.check}] {f.location}: {f.message}" for f in r.must_fix]
        for r in results
        if r.label is None and r.must_fix
    }
    assert alarms == {}


def test_at_least_95_percent_of_defects_are_caught(results) -> None:  # type: ignore[no-untyped-def]
    defects = [r for r in results if r.label is not None]
    assert defects, "the corpus has no labelled defects"
    missed = [r.path.name for r in defects if not r.caught]
    assert 1 - len(missed) / len(defects) >= 0.95, missed


def test_report_prints_precision_and_recall(results, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    numbers = report(results)
    out = capsys.readouterr().out
    assert "recall" in out and "precision" in out and "checker time per sequence" in out
    assert numbers["false_alarms"] == 0
