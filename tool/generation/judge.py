"""Optional second opinion: an LLM judges a finished sequence against checks (a)-(f).

The judge only ever adds findings (``check="judge"``, severity "consider", each
with the location and quoted evidence the judge gave) for the teacher to read;
it never blocks a sequence and never triggers the repair round. Any failure of the judge call itself is logged and
yields no findings.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from tool.generation.backend import GenerationError
from tool.generation.json_text import json_text
from tool.generation.model import Finding, Sequence

log = logging.getLogger(__name__)

CheckLetter = Literal["a", "b", "c", "d", "e", "f"]

_CHECK_NAMES: dict[str, str] = {
    "a": "first task virtually guaranteed",
    "b": "one small increment per step",
    "c": "mastery experiences lead",
    "d": "specific, credible attribution coaching",
    "e": "no generic praise or extrinsic rewards",
    "f": "ends at or near the target skill",
}


class CheckVerdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    check: CheckLetter
    verdict: Literal["pass", "fail"]
    location: str
    evidence: str


class Verdict(BaseModel):
    """The judge's answer: one verdict per check."""

    model_config = ConfigDict(extra="forbid")

    checks: list[CheckVerdict]


# (messages, schema name, schema) -> the model's raw answer text.
Complete = Callable[[list[dict[str, str]], str, dict[str, Any]], str]


def judge_sequence(sequence: Sequence, complete: Complete, response_format: str) -> list[Finding]:
    """Findings for every check the judge failed; [] when all pass or the judge errs."""
    from prompts.messages import judge_messages
    from tool.generation.schema import verdict_schema

    schema = verdict_schema()
    messages = judge_messages(sequence, response_format, schema)
    try:
        raw = complete(messages, "judge_verdict", schema)
        verdict = Verdict.model_validate_json(json_text(raw))
    except (GenerationError, ValidationError, ValueError) as exc:
        log.warning("judge pass skipped: %s", exc)
        return []
    return [
        Finding(
            check="judge",
            message=f"Second-opinion review: check ({item.check}) {_CHECK_NAMES[item.check]} looks unmet.",
            location=item.location or "Sequence",
            evidence=item.evidence or None,
            task_index=_task_index(item.location, len(sequence.tasks)),
            # The judge's verdicts are a second opinion: never blocking, never a repair trigger.
            severity="consider",
        )
        for item in verdict.checks
        if item.verdict == "fail"
    ]


def _task_index(location: str, task_count: int) -> int | None:
    """0-based task index when the judge's location reads like 'Task 3, …'."""
    words = location.replace(",", " ").replace(":", " ").split()
    for word, following in itertools.pairwise(words):
        if word.lower() == "task" and following.isdigit():
            index = int(following) - 1
            return index if 0 <= index < task_count else None
    return None
