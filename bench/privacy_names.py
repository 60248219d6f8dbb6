"""Precision and recall of the name detector for people the roster does not know.

    .venv/bin/python bench/privacy_names.py [--sweep] [--heldout] [--errors]

Reads tests/privacy_corpus/names.tsv (``--heldout``: names_heldout.tsv, written after the weights were
fixed, so its numbers were not tuned to): teacher-style sentences with every word of a
person's name marked ``[[like this]]``. Counts per word: a detected word inside a marked
name is a true positive, a detected word outside one a false positive, a marked word
not detected a false negative. ``--sweep`` prints the numbers for a range of thresholds;
``THRESHOLD`` in tool/privacy/names.py was chosen from it (the highest recall whose
precision stays at or above 0.9).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tool.privacy.names import THRESHOLD, name_score  # noqa: E402
from tool.privacy.text import tokenise  # noqa: E402

DATA = ROOT / "tests" / "privacy_corpus" / "names.tsv"
HELDOUT = ROOT / "tests" / "privacy_corpus" / "names_heldout.tsv"
_MARKED = re.compile(r"\[\[(.+?)\]\]")


@dataclass(frozen=True)
class Sentence:
    text: str
    names: frozenset[int]  # token indexes inside marked names
    scores: tuple[float, ...]


def load(path: Path = DATA) -> list[Sentence]:
    sentences = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        spans: list[tuple[int, int]] = []
        plain = ""
        position = 0
        for match in _MARKED.finditer(line):
            plain += line[position : match.start()]
            spans.append((len(plain), len(plain) + len(match.group(1))))
            plain += match.group(1)
            position = match.end()
        plain += line[position:]
        tokens = tokenise(plain)
        names = frozenset(i for i, t in enumerate(tokens) if any(s <= t.start and t.end <= e for s, e in spans))
        scores = tuple(name_score(plain, tokens, i) for i in range(len(tokens)))
        sentences.append(Sentence(plain, names, scores))
    return sentences


@dataclass(frozen=True)
class Result:
    threshold: float
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate(sentences: list[Sentence], threshold: float) -> Result:
    tp = fp = fn = 0
    for sentence in sentences:
        detected = {i for i, score in enumerate(sentence.scores) if score >= threshold}
        tp += len(detected & sentence.names)
        fp += len(detected - sentence.names)
        fn += len(sentence.names - detected)
    return Result(threshold, tp, fp, fn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="print every threshold from 0.1 to 1.0")
    parser.add_argument("--errors", action="store_true", help="list the missed and wrongly found words")
    parser.add_argument("--heldout", action="store_true", help="score the held-out sentences (names_heldout.tsv)")
    args = parser.parse_args(argv)
    sentences = load(HELDOUT if args.heldout else DATA)
    gold = sum(len(s.names) for s in sentences)
    print(f"{len(sentences)} sentences, {gold} name words")
    thresholds = [round(0.1 * i, 1) for i in range(1, 11)] if args.sweep else [THRESHOLD]
    print("| threshold | precision | recall | found right | found wrong | missed |")
    print("|---|---|---|---|---|---|")
    for threshold in thresholds:
        r = evaluate(sentences, threshold)
        mark = " (chosen)" if threshold == THRESHOLD else ""
        print(f"| {threshold:.1f}{mark} | {r.precision:.2f} | {r.recall:.2f} | {r.tp} | {r.fp} | {r.fn} |")
    if args.errors:
        for sentence in sentences:
            tokens = tokenise(sentence.text)
            for i, token in enumerate(tokens):
                found = sentence.scores[i] >= THRESHOLD
                if found != (i in sentence.names):
                    label = "wrongly found" if found else "missed"
                    print(f"{label}: {token.text!r} ({sentence.scores[i]:.2f}) in {sentence.text!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
