"""How well the ladder matcher picks the right family, on labelled requests nobody tuned the families to.

    .venv/bin/python bench/matching_eval.py [--sweep]

Reads bench/data/matching_requests.yaml (teacher-style targets with the correct family, or ``none`` where
nothing in the library fits). A request counts as right at top-1 when the best family is the labelled one and
its confidence clears the threshold, or, for ``none``, when the matcher abstains. Top-3 asks whether the
labelled family is among the first three (regardless of threshold). ``--sweep`` prints the same numbers for
a range of thresholds; the threshold in tool/generation/ladders/matching.py was chosen from it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tool.generation.ladders.level import read_level  # noqa: E402
from tool.generation.ladders.matching import CONFIDENCE_THRESHOLD, MatchResult, default_matcher  # noqa: E402

DATA = ROOT / "bench" / "data" / "matching_requests.yaml"


@dataclass(frozen=True)
class Row:
    target: str
    level: str
    subject: str
    family: str
    result: MatchResult


@dataclass(frozen=True)
class Score:
    threshold: float
    total: int
    top1: int
    top3: int
    in_library: int
    abstained_wrongly: int
    none_total: int
    none_abstained: int
    misses: list[str]


def rows() -> list[Row]:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))["requests"]
    matcher = default_matcher()
    out = []
    for item in data:
        level = read_level(item["level"])
        result = matcher.rank(item["target"], item.get("subject", ""), level.age)
        out.append(Row(item["target"], item["level"], item.get("subject", ""), item["family"], result))
    return out


def score(items: list[Row], threshold: float) -> Score:
    top1 = top3 = abstained_wrongly = none_abstained = 0
    misses = []
    for row in items:
        best = row.result.best
        confident = best is not None and best.score >= threshold
        if row.family == "none":
            ok = not confident
            none_abstained += ok
        else:
            ok = confident and best is not None and best.family.id == row.family
            top3 += row.family in [c.family.id for c in row.result.ranked[:3]]
            abstained_wrongly += not confident
        top1 += ok
        if not ok:
            got = f"{best.family.id} ({best.score:.2f})" if best else "nothing"
            misses.append(f"{row.target!r} [{row.level}] -> {got}, expected {row.family}")
    nones = sum(1 for r in items if r.family == "none")
    return Score(threshold, len(items), top1, top3, len(items) - nones, abstained_wrongly, nones, none_abstained,
                 misses)


def table(s: Score) -> str:
    return "\n".join([
        "| measure | value |",
        "|---|---|",
        f"| labelled requests | {s.total} ({s.in_library} with a family, {s.none_total} where none fits) |",
        f"| top-1 accuracy (abstaining counts as right only where none fits) | {s.top1}/{s.total} = "
        f"{s.top1 / s.total:.1%} |",
        f"| top-3 (labelled family among the first three) | {s.top3}/{s.in_library} = "
        f"{s.top3 / s.in_library:.1%} |",
        f"| abstained although a family fits | {s.abstained_wrongly} |",
        f"| abstained where none fits | {s.none_abstained}/{s.none_total} |",
        f"| confidence threshold | {s.threshold:.2f} |",
    ])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep", action="store_true", help="print accuracy for a range of thresholds")
    args = parser.parse_args()
    items = rows()
    if args.sweep:
        for step in range(10, 55, 2):
            s = score(items, step / 100)
            print(f"threshold {s.threshold:.2f}: top-1 {s.top1}/{s.total}  abstained wrongly {s.abstained_wrongly}"
                  f"  none abstained {s.none_abstained}/{s.none_total}")
    s = score(items, CONFIDENCE_THRESHOLD)
    print(table(s))
    for miss in s.misses:
        print("miss:", miss)


if __name__ == "__main__":
    main()
