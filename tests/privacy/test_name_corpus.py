"""The name detector on the labelled sentences (bench/privacy_names.py prints the full table)."""

from __future__ import annotations

from bench.privacy_names import DATA, HELDOUT, evaluate, load
from tool.privacy.names import THRESHOLD


def test_tuning_sentences_keep_precision_and_recall() -> None:
    result = evaluate(load(DATA), THRESHOLD)
    assert result.precision >= 0.9 and result.recall >= 0.85, result


def test_held_out_sentences_keep_precision_and_recall() -> None:
    result = evaluate(load(HELDOUT), THRESHOLD)
    assert result.precision >= 0.85 and result.recall >= 0.85, result
