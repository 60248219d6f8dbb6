"""The teacher guide and the student handout as plain document outlines, shared by every format.

One outline, built from the same headings and labels as the Markdown document (``tool.generation.labels``),
feeds the print page, the PDF and the Word file, so all of them show the whole sequence in the source
document's order: header lines, Efficacy Diagnostic, Task Sequence (every field of every task, scripts
included), Attribution Coaching Guide, Long-Term Plan, Cautions.

The handout is built from ``student_instructions`` alone, after the student page's own wording step,
so no teacher-only text and no name can reach it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tool.generation import labels as L
from tool.generation.model import Phrase, Sequence, Source, Task
from tool.privacy.restore import restore_data

ItemKind = Literal["field", "paragraph", "bullet"]


@dataclass(frozen=True)
class Item:
    kind: ItemKind
    text: str
    label: str = ""
    # Words the teacher says (scripts, phrases to use): a copy button on the print page, a shaded box in files.
    script: bool = False


@dataclass
class Section:
    heading: str
    level: int  # 1 = the title, 2 = a section of the source document, 3 = a task or a phrase list
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Guide:
    title: str
    student: str  # who it is for (the teacher's own export: names restored)
    sections: list[Section]

    def all_text(self) -> str:
        """Everything a reader sees, in order (tests and the search in a PDF reader rely on it)."""
        parts = [self.title, self.student]
        for section in self.sections:
            parts.append(section.heading)
            parts += [f"{item.label}: {item.text}" if item.label else item.text for item in section.items]
        return "\n".join(parts)


@dataclass(frozen=True)
class HandoutStep:
    number: int
    total: int
    instructions: str


def restored(sequence: Sequence, names: dict[str, str]) -> Sequence:
    """The sequence with the privacy placeholders turned back into the names (teacher exports only)."""
    return Sequence.model_validate(restore_data(sequence.model_dump(mode="json"), names))


def sources_prefix(sources: list[Source]) -> str:
    if not sources:
        return ""
    main = L.SOURCE_LABELS[sources[0]]
    more = ", ".join(L.SOURCE_LABELS[s].lower() for s in sources[1:])
    return f"{main} (+ {more}) — " if more else f"{main} — "


def _task_section(index: int, task: Task) -> Section:
    values = task.model_dump()
    values["why_it_builds_efficacy"] = sources_prefix(task.sources) + task.why_it_builds_efficacy
    section = Section(f"Task {index + 1}: {task.name}", 3)
    for key, label in L.TASK.items():
        value = values[key]
        if key in L.TASK_OWN and value is None:
            continue
        section.items.append(Item("field", value or "", label, script=key == "teacher_script"))
    return section


def _phrases(heading: str, phrases: list[Phrase], *, to_say: bool) -> Section:
    return Section(
        heading, 3, [Item("bullet", f"“{p.text}”" + (f" — {p.why}" if p.why else ""), script=to_say) for p in phrases]
    )


def teacher_guide(sequence: Sequence, student: str) -> Guide:
    """The whole sequence for the teacher (pass a ``restored`` sequence)."""
    d = sequence.diagnostic
    header = Section(
        f"{L.TITLE}: {sequence.title_skill}",
        1,
        [Item("field", str(getattr(sequence, key)), label) for key, label in L.HEADER.items()],
    )
    barrier = d.primary_barrier
    if d.primary_barrier_source is not None and not barrier.startswith(L.SOURCE_LABELS[d.primary_barrier_source]):
        barrier = sources_prefix([d.primary_barrier_source]) + barrier
    diagnostic_values = {"primary_barrier": barrier, "starting_point": d.starting_point,
                         "sequence_strategy": d.sequence_strategy}
    sections = [
        header,
        Section(
            L.DIAGNOSTIC_SECTION,
            2,
            [Item("field", diagnostic_values[key], label) for key, label in L.DIAGNOSTIC.items()],
        ),
        Section(L.TASKS_SECTION, 2),
        *[_task_section(i, task) for i, task in enumerate(sequence.tasks)],
        Section(L.COACHING_SECTION, 2),
        _phrases(L.PHRASES_USE, sequence.phrases_to_use, to_say=True),
        _phrases(L.PHRASES_AVOID, sequence.phrases_to_avoid, to_say=False),
        Section(L.PLAN_SECTION, 2, [Item("paragraph", sequence.long_term_plan)]),
    ]
    if sequence.cautions:
        sections.append(Section(L.CAUTIONS_SECTION, 2, [Item("bullet", c) for c in sequence.cautions]))
    return Guide(f"{L.TITLE}: {sequence.title_skill}", student, sections)


def handout_steps(sequence: Sequence) -> list[HandoutStep]:
    """One page per task: the student's own instructions, worded as the student page words them.

    Takes the sequence as stored (placeholders, never restored names). A task without student
    instructions gets a line asking the student to see their teacher, never the teacher's text.
    """
    from tool.student.views import for_student

    total = len(sequence.tasks)
    return [
        HandoutStep(
            i + 1,
            total,
            for_student(task.student_instructions) or "Your teacher will explain this step to you.",
        )
        for i, task in enumerate(sequence.tasks)
    ]
