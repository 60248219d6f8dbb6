"""Walk every piece of text in a sequence with the place a teacher would look for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from tool.generation import labels as L
from tool.generation.model import CheckId, Finding, Sequence, Task

S = L.SEPARATOR


Zone = Literal["speech", "advice", "mention"]
# Said to the student: a teacher script or student instructions (and phrases to use, below).
_SPEECH_FIELDS = frozenset({"teacher_script", "student_instructions"})


@dataclass(frozen=True)
class TextField:
    location: str
    text: str
    task_index: int | None = None
    # Where the text sits decides what a phrase in it means (see tool.generation.checks.patterns):
    # "speech" is said to the student, "advice" tells the teacher what to do, "mention" only
    # describes (header, diagnostic, cautions, "Phrases to AVOID") and may name banned things.
    zone: Zone = "advice"

    @property
    def in_phrases_to_avoid(self) -> bool:
        return L.PHRASES_AVOID in self.location


def task_fields(index: int, task: Task) -> Iterator[TextField]:
    yield TextField(L.task_location(index), task.name, index)
    for key in L.TASK:
        value = getattr(task, key)
        if value:
            zone: Zone = "speech" if key in _SPEECH_FIELDS else "advice"
            yield TextField(L.task_location(index, key), value, index, zone)


def phrase_location(section: str, number: int) -> str:
    return f"{L.COACHING_SECTION}{S}{section}{S}{number}"


def all_fields(seq: Sequence) -> Iterator[TextField]:
    """Every non-empty text in document order (title, header, diagnostic, tasks, phrases, plan, cautions)."""
    yield TextField("Title", seq.title_skill, zone="mention")
    for key, label in L.HEADER.items():
        yield TextField(label, getattr(seq, key), zone="mention")
    for key, label in L.DIAGNOSTIC.items():
        # The barrier and starting point describe the student (and what failed before); the strategy
        # is a plan, so what it recommends counts.
        zone: Zone = "advice" if key == "sequence_strategy" else "mention"
        yield TextField(L.DIAGNOSTIC_SECTION + S + label, getattr(seq.diagnostic, key), zone=zone)
    for i, task in enumerate(seq.tasks):
        yield from task_fields(i, task)
    for n, phrase in enumerate(seq.phrases_to_use, start=1):
        loc = phrase_location(L.PHRASES_USE, n)
        yield TextField(loc, phrase.text, zone="speech")
        if phrase.why:  # why the phrase works: it may name what the phrase rules out
            yield TextField(loc, phrase.why, zone="mention")
    for n, phrase in enumerate(seq.phrases_to_avoid, start=1):
        loc = phrase_location(L.PHRASES_AVOID, n)
        yield TextField(loc, phrase.text, zone="mention")
        if phrase.why:
            yield TextField(loc, phrase.why, zone="mention")
    yield TextField(L.PLAN_SECTION, seq.long_term_plan)
    for n, caution in enumerate(seq.cautions, start=1):
        yield TextField(f"{L.CAUTIONS_SECTION}{S}{n}", caution, zone="mention")


def finding(
    check: CheckId,
    message: str,
    location: str,
    evidence: str | None = None,
    task_index: int | None = None,
    severity: Literal["must_fix", "consider"] = "must_fix",
) -> Finding:
    return Finding(
        check=check, message=message, location=location, evidence=evidence, task_index=task_index, severity=severity
    )
