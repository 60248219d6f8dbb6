"""Walk every piece of text in a sequence with the place a teacher would look for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tool.generation import labels as L
from tool.generation.model import CheckId, Finding, Sequence, Task

S = L.SEPARATOR


@dataclass(frozen=True)
class TextField:
    location: str
    text: str
    task_index: int | None = None
    # Inside "Phrases to AVOID", naming bad language is the point: check (e) skips it.
    in_phrases_to_avoid: bool = False


def task_fields(index: int, task: Task) -> Iterator[TextField]:
    yield TextField(L.task_location(index), task.name, index)
    for key in L.TASK:
        value = getattr(task, key)
        if value:
            yield TextField(L.task_location(index, key), value, index)


def phrase_location(section: str, number: int) -> str:
    return f"{L.COACHING_SECTION}{S}{section}{S}{number}"


def all_fields(seq: Sequence) -> Iterator[TextField]:
    """Every non-empty text in document order (title, header, diagnostic, tasks, phrases, plan, cautions)."""
    yield TextField("Title", seq.title_skill)
    for key, label in L.HEADER.items():
        yield TextField(label, getattr(seq, key))
    for key, label in L.DIAGNOSTIC.items():
        yield TextField(L.DIAGNOSTIC_SECTION + S + label, getattr(seq.diagnostic, key))
    for i, task in enumerate(seq.tasks):
        yield from task_fields(i, task)
    for n, phrase in enumerate(seq.phrases_to_use, start=1):
        loc = phrase_location(L.PHRASES_USE, n)
        yield TextField(loc, phrase.text)
        if phrase.why:
            yield TextField(loc, phrase.why)
    for n, phrase in enumerate(seq.phrases_to_avoid, start=1):
        loc = phrase_location(L.PHRASES_AVOID, n)
        yield TextField(loc, phrase.text, in_phrases_to_avoid=True)
        if phrase.why:
            yield TextField(loc, phrase.why, in_phrases_to_avoid=True)
    yield TextField(L.PLAN_SECTION, seq.long_term_plan)
    for n, caution in enumerate(seq.cautions, start=1):
        yield TextField(f"{L.CAUTIONS_SECTION}{S}{n}", caution)


def finding(
    check: CheckId, message: str, location: str, evidence: str | None = None, task_index: int | None = None
) -> Finding:
    return Finding(check=check, message=message, location=location, evidence=evidence, task_index=task_index)
