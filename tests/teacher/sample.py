"""A complete, valid sequence written for these tests (not taken from the seed)."""

from __future__ import annotations

from typing import Any

REQUEST: dict[str, Any] = {
    "target_skill": "Solving two-step equations",
    "student_level": "Year 9",
    "current_avoidance": "Copies the question, then leaves the page blank and asks to go to the library.",
    "subject_area": "Mathematics",
    "student_profile": None,
    "previous_attempts": None,
    "student_strengths": "Quick at mental arithmetic with money.",
}


def _task(n: int, name: str, does: str, increment: str | None) -> dict[str, Any]:
    return {
        "name": name,
        "student_does": does,
        "sources": ["mastery experience"],
        "why_it_builds_efficacy": "A real success the student produced, one step beyond the last one.",
        "success_looks_like": f"Completes step {n} correctly without help.",
        "teacher_script": f"You solved that because you undid each operation in order — that method works (step {n}).",
        "if_struggles": "Go back to the previous step's example and do one more like it together.",
        "student_instructions": f"Work through card {n} on your own whiteboard.",
        "increment": increment,
    }


SEQUENCE: dict[str, Any] = {
    "title_skill": "Solving two-step equations",
    "target_skill": "Solve two-step linear equations",
    "current_avoidance": "Leaves the page blank.",
    "student_level": "Year 9",
    "diagnostic": {
        "primary_barrier": "Mastery experiences are missing: algebra has only ever meant getting things wrong.",
        "primary_barrier_source": "mastery experience",
        "starting_point": "Works out change from a price in their head.",
        "sequence_strategy": "Mastery first, with a peer worked example at step three.",
    },
    "tasks": [
        _task(1, "Money puzzles", "Finds the missing price in 'something + £3 = £10'.", None),
        _task(2, "Boxes", "Writes the same puzzle with a box instead of a price.", "A box replaces the price."),
        _task(3, "Letters", "Uses a letter for the box: x + 3 = 10.", "A letter replaces the box."),
        _task(4, "Two steps", "Solves 2x + 3 = 11 by undoing one step at a time.", "A second operation."),
    ],
    "phrases_to_use": [{"text": "You undid the steps in order; that is why it worked.", "why": None}],
    "phrases_to_avoid": [{"text": "You're a natural!", "why": "Ability praise."}],
    "long_term_plan": "Keep the undo-in-order routine visible; add one new operation at a time.",
    "cautions": ["Check the difficulty is motivational, not a gap in number facts."],
}
