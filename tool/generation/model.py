"""The self-efficacy sequence: what the teacher asks for and what we produce.

The output mirrors the seed document's format (its headings are our output
contract) plus two fields of our own per task: student-facing instructions and
the one increment over the previous task. A document parsed from the seed's
Markdown format has neither; only our own generators must always fill them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Text = str


class Source(StrEnum):
    """Bandura's four sources of self-efficacy, strongest first."""

    MASTERY = "mastery experience"
    VICARIOUS = "vicarious experience"
    PERSUASION = "verbal persuasion"
    PHYSIOLOGICAL = "physiological and emotional state"


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


class SequenceRequest(BaseModel):
    """The teacher's description of the student and the skill they avoid.

    Required: target skill, student level, current avoidance. The rest is
    optional context; an empty string counts as not provided.
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    target_skill: str = Field(
        min_length=3, max_length=300, description="What the student believes they can't do."
    )
    student_level: str = Field(min_length=1, max_length=120, description="Year, grade or age band.")
    current_avoidance: str = Field(
        min_length=3, max_length=1200, description="What the student does instead of the skill."
    )
    subject_area: str | None = Field(default=None, max_length=120)
    student_profile: str | None = Field(default=None, max_length=1500)
    previous_attempts: str | None = Field(default=None, max_length=1200)
    student_strengths: str | None = Field(default=None, max_length=1200)
    # The skill ladder to build on: empty = the best match from the library, "none" = build from the
    # teacher's own starting point, or a family id the teacher picked (config/ladders).
    ladder_family: str | None = Field(default=None, max_length=80, pattern=r"^[a-z0-9-]*$")

    @field_validator(
        "subject_area", "student_profile", "previous_attempts", "student_strengths", "ladder_family", mode="before"
    )
    @classmethod
    def _empty_is_absent(cls, value: str | None) -> str | None:
        return _clean(value) if isinstance(value, str) else value


class Diagnostic(BaseModel):
    primary_barrier: Text = Field(description="Which source of self-efficacy is most damaged, and why.")
    # The most damaged source, named. Our generators always fill it; the seed's Markdown
    # carries it only inside the prose, from which the parser infers it when it can.
    primary_barrier_source: Source | None = None
    starting_point: Text = Field(description="The closest thing to the target skill the student CAN do.")
    sequence_strategy: Text = Field(description="Which sources the sequence targets, in what order.")


class Task(BaseModel):
    name: Text
    student_does: Text = Field(description="What the student does.")
    sources: list[Source] = Field(description="Source(s) of self-efficacy the task targets, main one first.")
    why_it_builds_efficacy: Text
    success_looks_like: Text
    teacher_script: Text = Field(description="Exact attribution language after success (teacher only).")
    if_struggles: Text = Field(description="What to do if the student struggles (teacher only).")
    # Ours, beyond the seed: shown to the student; second person, at their level, never
    # mentions avoidance or difficulty.
    student_instructions: Text | None = None
    # Ours, beyond the seed: the one thing that changed from the previous task.
    increment: Text | None = None


class Phrase(BaseModel):
    text: Text
    why: Text | None = None


class Sequence(BaseModel):
    """One self-efficacy sequence in the seed's structure."""

    title_skill: Text = Field(description="The skill named in the document heading.")
    target_skill: Text
    current_avoidance: Text
    student_level: Text = Field(description="The 'For:' line.")
    diagnostic: Diagnostic
    tasks: list[Task]
    phrases_to_use: list[Phrase]
    phrases_to_avoid: list[Phrase]
    long_term_plan: Text
    cautions: list[Text] = Field(default_factory=list)


CheckId = Literal["format", "a", "b", "c", "d", "e", "f", "judge"]


class Finding(BaseModel):
    """One problem the quality checker found, with where and the quoted evidence."""

    check: CheckId
    message: str
    location: str = Field(description="Human-readable place, e.g. 'Task 2 › Teacher script after success'.")
    evidence: str | None = None
    task_index: int | None = Field(default=None, description="0-based task the finding belongs to, if any.")
    # "must_fix": breaks the seed's rules (blocks ``check``, drives the repair round);
    # "consider": a heuristic a teacher may overrule. The default keeps stored findings loadable.
    severity: Literal["must_fix", "consider"] = "must_fix"


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
        )


LadderChoice = Literal["matched", "teacher", "no-match", "teacher-none"]


class LadderUse(BaseModel):
    """Which skill ladder family a sequence was built on, and how it was chosen."""

    family_id: str | None = Field(description="None for a guided draft built from the teacher's starting point.")
    based_on: str | None = None
    chosen_by: LadderChoice
    confidence: float | None = Field(default=None, description="Match score of the family (0-1), when matched.")
    alternatives: list[str] = Field(default_factory=list, description="Next-best family ids, best first.")


class GenerationMeta(BaseModel):
    backend: Literal["offline", "openai"]
    model: str
    prompt_version: str
    usage: Usage = Field(default_factory=Usage)
    initial_findings: list[Finding] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list, description="After the repair round, if any.")
    repaired: bool = False
    note: str | None = None
    ladder: LadderUse | None = None


class GenerationResult(BaseModel):
    sequence: Sequence
    meta: GenerationMeta
