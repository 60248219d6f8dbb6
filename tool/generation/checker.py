"""The deterministic quality checker: the seed's self-check (a)-(f) plus ``format``.

``check_sequence`` runs on every save, so it is fast (word lists compiled once,
no model calls) and never raises on incomplete documents: anything missing is
a ``format`` finding. Each finding names its check, a teacher-readable
location such as "Task 2 › Teacher script after success", the 0-based task it
belongs to (if any) and the quoted evidence.

The rules, in short (details and thresholds in ``tool.generation.checks``):

- format: all sections and fields present; 4-6 tasks; at least 3 phrases to use
  and 3 to avoid; with ``require_own_fields`` every task's student instructions
  (second person, no avoidance/worry words) and every later task's increment.
- a: the first task is not marked as the target, does not match the last task
  or the target skill, and has no un-negated "new skill"/pressure cue.
- b: no two tasks share most of their name or "what the student does"; only the
  last task is marked as the target; numbers in task names never go down for
  the same thing; increments (where given) are present and not repeated.
- c: every task names a source; the first task's main source is mastery
  experience, and so is at least half the tasks'.
- d: every teacher script credits effort or strategy, shares a content word with
  its task, and credits no ability or luck; phrases to use likewise.
- e: no generic praise, ability praise, empty encouragement, comparison or
  extrinsic reward anywhere but "Phrases to AVOID", unless negated nearby.
- f: the last task is marked as the target or shares at least half of the
  target skill's content words.
"""

from __future__ import annotations

from typing import Final

from tool.generation.checks.language import check_d, check_language
from tool.generation.checks.progression import check_a, check_b, check_c, check_f
from tool.generation.checks.structure import check_format
from tool.generation.model import CheckId, Finding, Sequence, SequenceRequest

# The deterministic checks, in the order a teacher reads them ("judge" is the optional LLM review).
CHECKS: Final[tuple[CheckId, ...]] = ("format", "a", "b", "c", "d", "e", "f")


def check_sequence(
    seq: Sequence, request: SequenceRequest | None = None, *, require_own_fields: bool = False
) -> list[Finding]:
    """All findings for ``seq``, grouped by check in ``CHECKS`` order; empty means it passes.

    ``request`` (optional) adds the teacher's own target skill to the (a)/(f)
    comparisons. ``require_own_fields`` is for our generators' output; a
    document in the seed's format passes without our extra fields.
    """
    found = [
        *check_format(seq, require_own_fields=require_own_fields),
        *check_a(seq, request),
        *check_b(seq, require_own_fields=require_own_fields),
        *check_c(seq),
        *check_d(seq),
        *check_language(seq),
        *check_f(seq, request),
    ]
    return sorted(found, key=lambda item: CHECKS.index(item.check))


def must_fix(findings: list[Finding]) -> list[Finding]:
    """The findings that break the seed's rules (they block ``check`` and drive the repair round)."""
    return [item for item in findings if item.severity == "must_fix"]


def summarise(findings: list[Finding]) -> dict[CheckId, list[Finding]]:
    """Findings grouped by check; every deterministic check is a key, passed ones map to []."""
    grouped: dict[CheckId, list[Finding]] = {check: [] for check in CHECKS}
    for item in findings:
        grouped.setdefault(item.check, []).append(item)
    return grouped


def passed_checks(findings: list[Finding]) -> list[CheckId]:
    """The deterministic checks with no findings, in ``CHECKS`` order."""
    failed = {item.check for item in findings}
    return [check for check in CHECKS if check not in failed]


def findings_for_task(findings: list[Finding], index: int) -> list[Finding]:
    """The findings that belong to the 0-based task ``index`` (for the per-task review view)."""
    return [item for item in findings if item.task_index == index]
