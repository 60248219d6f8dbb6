"""How well the quality checker agrees with a teacher: precision and recall per check on a labelled corpus.

    .venv/bin/python -m bench.checker_eval [--corpus tests/checker_corpus] [--verbose]

The corpus holds ``good/*.md`` (sequences a teacher would hand over) and
``defects/*.md`` (each a good sequence with one defect), labelled in
``labels.yaml`` with the defect's ``check`` (a-f or format), ``class``,
``severity`` and quoted ``evidence``.

- A defect is caught when the checker reports a finding of its labelled check,
  must-fix or consider.
- A false alarm is any must-fix finding on a good document. Consider findings
  on good documents are counted and printed too, but are not alarms: they are
  heuristics a teacher may overrule.
- Per check: recall = defects of that check caught / defects of that check;
  precision = must-fix findings of that check on defect documents labelled with
  it / all must-fix findings of that check (on good documents and on defects
  labelled with another check, it is an alarm the label does not explain).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tool.generation.checker import CHECKS, check_sequence  # noqa: E402
from tool.generation.document import parse_document  # noqa: E402
from tool.generation.model import Finding  # noqa: E402

CORPUS = ROOT / "tests" / "checker_corpus"


@dataclass
class Label:
    file: str
    check: str
    cls: str
    severity: str
    evidence: str


@dataclass
class Result:
    path: Path
    label: Label | None
    findings: list[Finding]
    seconds: float

    @property
    def caught(self) -> bool:
        return self.label is not None and any(f.check == self.label.check for f in self.findings)

    @property
    def must_fix(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "must_fix"]


def _key(name: str) -> str:
    return Path(name).stem


def load_labels(corpus: Path) -> dict[str, Label]:
    path = corpus / "labels.yaml"
    if not path.exists():
        return {}
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries: list[tuple[str, dict[str, Any]]] = []
    if isinstance(raw, dict) and isinstance(raw.get("defects"), (list, dict)):
        raw = raw["defects"]
    if isinstance(raw, dict):
        entries = [(str(k), v) for k, v in raw.items() if isinstance(v, dict)]
    elif isinstance(raw, list):
        entries = [(str(v.get("file") or v.get("path") or v.get("name")), v) for v in raw if isinstance(v, dict)]
    return {
        _key(name): Label(name, str(v.get("check")), str(v.get("class", "")), str(v.get("severity", "")),
                          str(v.get("evidence", "")))
        for name, v in entries
    }


def run(corpus: Path = CORPUS) -> list[Result]:
    labels = load_labels(corpus)
    results = []
    for kind in ("good", "defects"):
        for path in sorted((corpus / kind).glob("*.md")):
            sequence = parse_document(path.read_text(encoding="utf-8"))
            began = time.perf_counter()
            findings = check_sequence(sequence)
            seconds = time.perf_counter() - began
            label = labels.get(_key(path.name)) if kind == "defects" else None
            if kind == "defects" and label is None:
                print(f"warning: no label for {path.name}", file=sys.stderr)
                continue
            results.append(Result(path, label, findings, seconds))
    return results


def report(results: list[Result], verbose: bool = False) -> dict[str, float]:
    good = [r for r in results if r.label is None]
    defects = [r for r in results if r.label is not None]
    checks = [c for c in CHECKS if c != "judge"]
    print(f"corpus: {len(good)} good, {len(defects)} defects")
    print(f"{'check':<7}{'defects':>8}{'caught':>8}{'recall':>8}{'mustfix':>9}{'precision':>10}")
    true_pos: Counter[str] = Counter()
    all_pos: Counter[str] = Counter()
    for r in results:
        for check in {f.check for f in r.must_fix}:
            all_pos[check] += 1
            if r.label is not None and r.label.check == check:
                true_pos[check] += 1
    for check in checks:
        mine = [r for r in defects if r.label and r.label.check == check]
        caught = sum(r.caught for r in mine)
        recall = caught / len(mine) if mine else float("nan")
        precision = true_pos[check] / all_pos[check] if all_pos[check] else float("nan")
        print(f"{check:<7}{len(mine):>8}{caught:>8}{recall:>8.2f}{all_pos[check]:>9}{precision:>10.2f}")
    caught = sum(r.caught for r in defects)
    overall_recall = caught / len(defects) if defects else float("nan")
    overall_precision = sum(true_pos.values()) / sum(all_pos.values()) if all_pos else float("nan")
    alarms = [r for r in good if r.must_fix]
    considers = sum(len(r.findings) - len(r.must_fix) for r in good)
    print(f"overall: recall {overall_recall:.3f} ({caught}/{len(defects)}), must-fix precision "
          f"{overall_precision:.3f}; false alarms on good documents: {len(alarms)}/{len(good)}; "
          f"'worth a look' notes on good documents: {considers}")
    by_class: dict[str, list[bool]] = defaultdict(list)
    for r in defects:
        assert r.label is not None
        by_class[r.label.cls].append(r.caught)
    print("recall by class: " + ", ".join(f"{c or '?'} {sum(v)}/{len(v)}" for c, v in sorted(by_class.items())))
    times = [r.seconds * 1000 for r in results]
    if times:
        print(f"checker time per sequence: median {statistics.median(times):.2f} ms, max {max(times):.2f} ms")
    if verbose:
        for r in alarms:
            for f in r.must_fix:
                print(f"FALSE ALARM {r.path.name}: [{f.check}] {f.location}: {f.message} — {f.evidence}")
        for r in defects:
            if not r.caught and r.label is not None:
                print(f"MISSED {r.path.name}: [{r.label.check}/{r.label.cls}] {r.label.evidence}")
                for f in r.findings:
                    print(f"    got [{f.check}/{f.severity}] {f.location}: {f.message[:100]}")
    return {"recall": overall_recall, "false_alarms": float(len(alarms))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args()
    report(run(args.corpus), args.verbose)


if __name__ == "__main__":
    main()
