"""A family's steps as sequence tasks, with the typed slots filled."""

from __future__ import annotations

from collections.abc import Mapping

from tool.generation.ladders.schema import Family, Step
from tool.generation.model import Phrase, Task


def fill(template: str, slots: Mapping[str, str]) -> str:
    """``template`` with its typed slots filled (the schema allows only known slot names)."""
    return template.format_map(dict(slots))


def default_slots(family: Family, level_phrase: str | None = None) -> dict[str, str]:
    low, high = family.ages
    return {
        "level_phrase": level_phrase or f"for a student aged {low} to {high}",
        "subject": family.subject,
        "interest": family.default_interest,
    }


def step_task(step: Step, slots: Mapping[str, str]) -> Task:
    return Task(
        name=fill(step.name, slots),
        student_does=fill(step.does, slots),
        sources=list(step.sources),
        why_it_builds_efficacy=fill(step.why, slots),
        success_looks_like=fill(step.success, slots),
        teacher_script=fill(step.script, slots),
        if_struggles=fill(step.struggles, slots),
        student_instructions=fill(step.instructions, slots),
        increment=fill(step.increment.text, slots) if step.increment else None,
    )


def family_tasks(family: Family, slots: Mapping[str, str]) -> list[Task]:
    return [step_task(step, slots) for step in family.steps]


def family_phrases(family: Family) -> list[Phrase]:
    return [Phrase(text=p.text, why=p.why) for p in family.phrases_to_use]
