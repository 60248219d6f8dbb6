"""The ``format`` check: every section and field is there, in the numbers the seed asks for.

With ``require_own_fields`` (our generators' output) each task also needs our
student instructions (second person, never naming the avoidance) and, after
the first task, the step up from the previous one.
"""

from __future__ import annotations

from tool.generation import labels as L
from tool.generation.checks.fields import finding, phrase_location
from tool.generation.model import Finding, Sequence, Task
from tool.generation.textmatch import excerpt, matcher

MIN_TASKS, MAX_TASKS = 4, 6
MIN_PHRASES = 3


def _missing(label: str, location: str, task_index: int | None = None) -> Finding:
    return finding("format", f"“{label}” is missing or empty.", location, task_index=task_index)


def _student_instructions(index: int, text: str) -> list[Finding]:
    location = L.task_location(index, "student_instructions")
    out: list[Finding] = []
    if matcher("student_voice", "second_person").search(text) is None:
        out.append(finding("format", "Student instructions should speak to the student as “you”.",
                           location, excerpt(text), index))
    third = matcher("student_voice", "third_person").search(text)
    if third is not None:
        out.append(finding("format", "Student instructions talk about the student instead of to them.",
                           location, excerpt(text, third), index))
    for hit in matcher("student_voice", "avoidance_words").find_all(text):
        out.append(finding(
            "format",
            f"Student instructions must not mention avoidance, difficulty or worry (“{hit.phrase}”).",
            location, excerpt(text, hit), index,
        ))
    return out


def _task(index: int, task: Task, require_own_fields: bool) -> list[Finding]:
    out: list[Finding] = []
    if not task.name.strip():
        out.append(_missing("Task name", L.task_location(index), index))
    for key, label in L.TASK_SEED.items():
        if not getattr(task, key).strip():
            out.append(_missing(label, L.task_location(index, key), index))
    if not require_own_fields:
        return out
    if not (task.student_instructions or "").strip():
        out.append(_missing(L.TASK_OWN["student_instructions"], L.task_location(index, "student_instructions"),
                            index))
    else:
        out += _student_instructions(index, task.student_instructions or "")
    if index > 0 and not (task.increment or "").strip():
        out.append(_missing(L.TASK_OWN["increment"], L.task_location(index, "increment"), index))
    return out


def check_format(seq: Sequence, *, require_own_fields: bool = False) -> list[Finding]:
    out: list[Finding] = []
    if not seq.title_skill.strip():
        out.append(_missing(f"{L.TITLE}: <skill>", "Title"))
    for key, label in L.HEADER.items():
        if not getattr(seq, key).strip():
            out.append(_missing(label, label))
    for key, label in L.DIAGNOSTIC.items():
        if not getattr(seq.diagnostic, key).strip():
            out.append(_missing(label, L.DIAGNOSTIC_SECTION + L.SEPARATOR + label))
    count = len(seq.tasks)
    if not MIN_TASKS <= count <= MAX_TASKS:
        out.append(finding(
            "format", f"The sequence has {count} task(s); it needs {MIN_TASKS} to {MAX_TASKS}.", L.TASKS_SECTION
        ))
    for index, task in enumerate(seq.tasks):
        out += _task(index, task, require_own_fields)
    for label, phrases in ((L.PHRASES_USE, seq.phrases_to_use), (L.PHRASES_AVOID, seq.phrases_to_avoid)):
        if len(phrases) < MIN_PHRASES:
            out.append(finding(
                "format", f"“{label}” lists {len(phrases)} phrase(s); it needs at least {MIN_PHRASES}.",
                L.COACHING_SECTION + L.SEPARATOR + label,
            ))
        for number, phrase in enumerate(phrases, start=1):
            if not phrase.text.strip():
                out.append(_missing("Phrase", phrase_location(label, number)))
    if not seq.long_term_plan.strip():
        out.append(_missing(L.PLAN_SECTION, L.PLAN_SECTION))
    return out
