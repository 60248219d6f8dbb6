"""Everything the LMS shows about a published step, in words safe for the whole course.

Course members see published items in most LMSs whatever the teacher intends,
so nothing here may depend on the sequence's content: no skill, no student, no
avoidance, no diagnostic. The functions take only numbers on purpose.
"""

from __future__ import annotations

TAG = "stepping-stones"
DESCRIPTION = "A short practice activity."


def step_title(number: int) -> str:
    """Title of step ``number`` (1-based)."""
    return f"Practice step {number}"


def resource_id(sequence_public_id: str, number: int) -> str:
    """AGS resourceId naming a sequence's step; opaque ids only."""
    return f"ss:{sequence_public_id}:{number}"
