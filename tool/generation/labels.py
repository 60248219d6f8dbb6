"""The seed's headings and field labels (our output contract), plus our two extra task fields.

Shared by the Markdown renderer/parser and the checker's locations, so a
teacher reads the same words in the document and in a finding.
"""

from __future__ import annotations

from typing import Final

from tool.generation.model import Source

TITLE: Final = "Self-Efficacy Sequence"

HEADER: Final = {
    "target_skill": "Target skill",
    "current_avoidance": "Current avoidance",
    "student_level": "For",
}

DIAGNOSTIC_SECTION: Final = "Efficacy Diagnostic"
DIAGNOSTIC: Final = {
    "primary_barrier": "Primary barrier",
    "starting_point": "Starting point",
    "sequence_strategy": "Sequence strategy",
}

TASKS_SECTION: Final = "Task Sequence"
# The seed's five task fields, in the seed's order ...
TASK_SEED: Final = {
    "student_does": "What the student does",
    "why_it_builds_efficacy": "Why this builds efficacy",
    "success_looks_like": "Success looks like",
    "teacher_script": "Teacher script after success",
    "if_struggles": "If the student struggles",
}
# ... and ours, rendered after them only when present.
TASK_OWN: Final = {
    "student_instructions": "Student instructions",
    "increment": "Step up from the last task",
}
TASK: Final = {**TASK_SEED, **TASK_OWN}

COACHING_SECTION: Final = "Attribution Coaching Guide"
PHRASES_USE: Final = "Phrases to USE"
PHRASES_AVOID: Final = "Phrases to AVOID"

PLAN_SECTION: Final = "Long-Term Plan"
CAUTIONS_SECTION: Final = "Cautions"

SEPARATOR: Final = " › "

SOURCE_LABELS: Final = {
    Source.MASTERY: "Mastery experience",
    Source.VICARIOUS: "Vicarious experience",
    Source.PERSUASION: "Verbal persuasion",
    Source.PHYSIOLOGICAL: "Physiological and emotional state",
}


def task_location(index: int, field: str | None = None) -> str:
    """E.g. ``task_location(1, "teacher_script")`` -> "Task 2 › Teacher script after success"."""
    place = f"Task {index + 1}"
    return place + SEPARATOR + TASK[field] if field else place
