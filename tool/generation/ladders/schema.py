"""The data model of one skill ladder family, validated when the library loads.

A family is written for one skill (two-digit addition, reading aloud in class,
water confidence...). Its text is fixed, reviewed like code; the planner fills
only typed slots, never pastes the teacher's clauses into a sentence:

- ``{level_phrase}``: "for Year 3", "for Grade 5", "for a 7-year-old" (from the student level);
- ``{subject}``: the family's subject;
- ``{interest}``: a topic the student likes, from ``config/ladders/_strengths.yaml``
  ("football", "animals"), or the family's ``default_interest``.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from tool.generation.model import Source

SLOTS = frozenset({"level_phrase", "subject", "interest"})
_SLOT = re.compile(r"\{([^{}]*)\}")

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3)]


class Dimension(StrEnum):
    """The one thing a step changes over the previous one."""

    SUPPORT = "support"
    SIZE = "size"
    REPRESENTATION = "representation"
    INDEPENDENCE = "independence"
    AUDIENCE = "audience"
    TIME_PRESSURE = "time pressure"
    STAKES = "stakes"


class StepTag(StrEnum):
    """What a step leans on, so a step the teacher says already failed can be recognised."""

    PARTNER = "partner"          # works with or in front of one peer
    SCRIBE = "scribe"            # an adult or tool writes for the student
    AUDIENCE = "audience"        # a group or the class watches or listens
    TIMED = "timed"              # a clock or time limit
    PEER_MODEL = "peer-model"    # watches a similar peer
    ADULT_MODEL = "adult-model"  # watches the teacher do it
    CALMING = "calming"          # a breathing or calming routine
    TECHNOLOGY = "technology"    # a device, app, recorder or computer
    HOME = "home"                # done away from school
    CONCRETE = "concrete"        # objects, manipulatives, equipment


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def _check_slots(text: str) -> str:
    unknown = set(_SLOT.findall(text)) - SLOTS
    if unknown:
        raise ValueError(f"unknown slot(s) {sorted(unknown)}; allowed: {sorted(SLOTS)}")
    return text


class Increment(_Strict):
    dimension: Dimension
    text: Line = Field(description="Teacher-facing: the one thing that changed from the previous step.")


class Step(_Strict):
    name: Line
    does: Line = Field(description="What the student does (teacher-facing, 'The student ...').")
    sources: list[Source] = Field(min_length=1, max_length=3)
    why: Line
    success: Line
    script: Line = Field(description="The teacher's exact words after success; credits this step's strategy.")
    struggles: Line = Field(description="A concrete adjustment that keeps the step, never abandoning it.")
    instructions: Line = Field(description="Shown to the student: second person, calm, never about avoidance.")
    increment: Increment | None = None
    tags: list[StepTag] = Field(default_factory=list)

    @field_validator("name", "does", "why", "success", "script", "struggles", "instructions")
    @classmethod
    def _slots(cls, value: str) -> str:
        return _check_slots(value)


class Hook(_Strict):
    """How task 1 uses a strength the teacher states, when the strength mentions one of ``cues``."""

    cues: list[Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=2)]] = Field(
        min_length=1
    )
    does: Line = Field(description="Replaces step 1's 'does': task 1 built on this strength, concretely.")
    script: Line | None = Field(default=None, description="Replaces step 1's script, if the credit changes.")

    @field_validator("does")
    @classmethod
    def _slots(cls, value: str) -> str:
        return _check_slots(value)


class PhraseData(_Strict):
    text: Line
    why: Line


class Family(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    name: Line = Field(description="Short title, e.g. 'Two-digit addition'.")
    based_on: Line = Field(description="Shown to the teacher: 'Based on: <based_on>'. Lower case.")
    subject: Line
    ages: tuple[int, int] = Field(description="Youngest and oldest age in years this ladder suits.")
    progression: Line = Field(description="The recognised progression the ladder follows.")
    description: Line = Field(description="What the skill is, for matching.")
    examples: list[Line] = Field(min_length=5, description="Target skills as teachers phrase them.")
    default_interest: Line = Field(description="Topic used for {interest} when the student's interests are unknown.")
    barrier: Source = Field(description="The source usually damaged for this skill, when the teacher's words "
                            "give no other evidence.")
    starting_point: Line
    strategy: Line
    target: Line = Field(description="Noun phrase: the target at its real scale and setting (the last step).")
    hooks: list[Hook] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=5, max_length=6)
    phrases_to_use: list[PhraseData] = Field(min_length=3)
    long_term_plan: Line

    @field_validator("starting_point", "strategy", "target", "long_term_plan")
    @classmethod
    def _slots(cls, value: str) -> str:
        return _check_slots(value)

    @model_validator(mode="after")
    def _shape(self) -> Family:
        low, high = self.ages
        if not 3 <= low <= high <= 19:
            raise ValueError(f"ages {self.ages} must be 3..19, youngest first")
        if self.steps[0].increment is not None:
            raise ValueError("step 1 is the starting point: it has no increment")
        if self.steps[0].sources[0] != Source.MASTERY:
            raise ValueError("step 1's main source must be mastery experience")
        for number, step in enumerate(self.steps[1:], start=2):
            if step.increment is None:
                raise ValueError(f"step {number} needs an increment (dimension and text)")
        return self


class Library(_Strict):
    families: list[Family]
