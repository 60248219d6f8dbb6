"""The offline planner: a skill ladder from the library, fitted to this student.

1. Choose the family: the teacher's pick, or the best match for the target skill
   and age (``matching``); with no confident match, a guided draft (``guided``).
2. Read the teacher's words (``reading``): the damaged source with the
   teacher's description quoted, each previous attempt with why it did not
   build belief, the stated strength, interests and needs.
3. Fill the family: task 1 uses the strength through the family's own hook (or
   a strength kind), steps that lean on something already tried are adjusted,
   typed slots ({level_phrase}, {subject}, {interest}) are filled.

Deterministic: the same request gives the same sequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from tool.generation.labels import SOURCE_LABELS
from tool.generation.ladders import guided
from tool.generation.ladders.level import Level, read_level
from tool.generation.ladders.library import LADDERS_DIR, family_by_id
from tool.generation.ladders.matching import MatchResult, default_matcher
from tool.generation.ladders.reading import (
    Attempt,
    Evidence,
    Need,
    diagnose,
    find_cue,
    quote,
    read_attempts,
    read_interest,
    read_needs,
    read_strength,
    tag_adjustment,
)
from tool.generation.ladders.render import family_phrases, fill, step_task
from tool.generation.ladders.schema import Family, Hook
from tool.generation.model import Diagnostic, LadderUse, Phrase, Sequence, SequenceRequest, Source, Task

NONE = "none"  # the teacher's choice "none — build from my starting point"

# Added to the family's strategy when the teacher's words point at a source the family does not lead with.
SOURCE_STRATEGY = {
    Source.PHYSIOLOGICAL: "Because the stress shows before the task even starts, each step opens with a short calming "
    "routine practised in advance, and every step stays private until the last.",
    Source.VICARIOUS: "Because the student measures themselves against others, a classmate at a similar starting "
    "point shows one step, and progress is only ever compared with the student's own earlier work.",
    Source.PERSUASION: "Because encouragement has lost its value for this student, the teacher's words after each "
    "step point only at something the student can check for themselves.",
    Source.MASTERY: "Because the student has so little evidence of success, every step is sized to end in a success "
    "they can see and keep.",
}


@cache
def common() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((LADDERS_DIR / "_common.yaml").read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Plan:
    sequence: Sequence
    ladder: LadderUse


def choose(request: SequenceRequest, level: Level) -> tuple[Family | None, LadderUse]:
    """The family to build on, and how it was chosen."""
    pick = request.ladder_family
    if pick == NONE:
        return None, LadderUse(family_id=None, chosen_by="teacher-none")
    if pick:
        family = family_by_id(pick)
        if family is not None:
            return family, LadderUse(family_id=family.id, based_on=family.based_on, chosen_by="teacher")
    result = match(request, level)
    alternatives = [c.family.id for c in result.ranked[1:4]]
    best = result.best
    if best is None or not result.confident:
        return None, LadderUse(family_id=None, chosen_by="no-match",
                               confidence=round(best.score, 3) if best else None,
                               alternatives=[c.family.id for c in result.ranked[:3]])
    return best.family, LadderUse(family_id=best.family.id, based_on=best.family.based_on, chosen_by="matched",
                                  confidence=round(best.score, 3), alternatives=alternatives)


def choose_ladder(request: SequenceRequest) -> tuple[Family | None, LadderUse]:
    """The family for ``request`` (teacher's pick or confident match), for the LLM's reference ladder."""
    return choose(request, read_level(request.student_level))


def match(request: SequenceRequest, level: Level | None = None) -> MatchResult:
    level = level or read_level(request.student_level)
    return default_matcher().rank(request.target_skill, request.subject_area or "", level.age)


def plan(request: SequenceRequest) -> Plan:
    level = read_level(request.student_level)
    family, use = choose(request, level)
    described = [request.current_avoidance, request.student_profile or "", request.previous_attempts or ""]
    evidence = diagnose(described, family.barrier if family else Source.MASTERY)
    attempts = read_attempts(request.previous_attempts)
    needs = read_needs(request.student_profile)
    if family is None:
        data = common()
        main = evidence[0].source
        sequence = guided.draft(
            request, level, barrier=primary_barrier(evidence, attempts), barrier_source=main,
            strategy_extra=SOURCE_STRATEGY[main] + needs_sentence(needs),
            avoid=avoid_phrases(attempts, data["phrases_to_avoid"]), cautions=cautions(attempts, data["cautions"]),
            plan_suffix=" ".join(data["long_term_suffix"].split()),
        )
    else:
        sequence = _fill_family(family, request, level, evidence, attempts, needs)
    return Plan(sequence, use)


# --- filling a family --------------------------------------------------------------------------


def primary_barrier(evidence: list[Evidence], attempts: list[Attempt]) -> str:
    main = evidence[0]
    text = f"{SOURCE_LABELS[main.source]} is the most damaged source. "
    if main.quote:
        text += f"The teacher describes {main.quote}: {main.why}."
    else:
        text += f"Nothing in the description points elsewhere, and for this skill it is the usual pattern: {main.why}."
    others = [e for e in evidence[1:] if e.quote]
    if others:
        other = others[0]
        tried = any(other.quote.strip("“”…") in a.text for a in attempts) if other.quote else False
        where = "in what has already been tried" if tried else f"({other.quote})"
        text += (f" There are signs of {SOURCE_LABELS[other.source].lower()} too {where}, so the sequence deals "
                 "with that alongside.")
    return text + " " + attempts_summary(attempts)


def attempts_summary(attempts: list[Attempt]) -> str:
    if not attempts:
        return ("Nothing tried before is recorded. Ordinary encouragement has most likely been tried; without a "
                "success behind it, it cannot change what the student believes.")
    named = "; ".join(f"{quote(a.text, 14)}: {a.why}" for a in attempts)
    return (f"Already tried: {named}. The sequence does not repeat any of these; it gives the student successes "
            "of their own as evidence instead.")


def _hook(family: Family, strengths: str | None) -> Hook | None:
    if not strengths:
        return None
    return next((h for h in family.hooks if find_cue(strengths, list(h.cues))), None)


def _starting_point(family: Family, request: SequenceRequest, slots: dict[str, str],
                    hook: Hook | None) -> tuple[str, str | None]:
    """The starting point text, and a sentence to add to task 1 (None when task 1 needs none)."""
    base = fill(family.starting_point, slots)
    strengths = request.student_strengths
    if not strengths:
        return (base + " No strengths were recorded, so task 1 doubles as a check: notice which part goes most "
                "smoothly and build the next steps from it.",
                "As no strengths were noted, watch which part goes most smoothly and build the next tasks from it.")
    reported = f"The teacher reports that the student already does this well: {quote(strengths, 24)}."
    if hook is not None:
        return f"{reported} Task 1 starts exactly there. {base}", None
    kind = read_strength(strengths)
    if kind is not None:
        return f"{reported} Task 1 builds on it ({kind.phrase}). {base}", kind.task1
    return (f"{reported} Task 1 opens with the student showing you that strength for a minute before the first "
            f"item, so the lesson starts on something they know they can do. {base}",
            "It opens with a minute of the strength the teacher noted (see Starting point), so the first thing the "
            "student does today is something they already do well.")


def _strategy(family: Family, slots: dict[str, str], evidence: list[Evidence], needs: list[Need]) -> str:
    text = fill(family.strategy, slots)
    main = evidence[0].source
    if main != family.barrier:
        text += " " + SOURCE_STRATEGY[main]
    return text + needs_sentence(needs)


def needs_sentence(needs: list[Need]) -> str:
    """" Adapted for the needs in the profile (autism): …." (empty when the profile names none)."""
    if not needs:
        return ""
    return (f" Adapted for the needs in the profile ({', '.join(n.label for n in needs)}): "
            + "; ".join(n.adapt for n in needs) + ".")


def _tasks(family: Family, slots: dict[str, str], hook: Hook | None, task1_extra: str | None,
           attempts: list[Attempt]) -> list[Task]:
    tried_tags = {a.tag for a in attempts if a.tag}
    tasks: list[Task] = []
    for index, step in enumerate(family.steps):
        task = step_task(step, slots)
        updates: dict[str, str] = {}
        if index == 0 and hook is not None:
            updates["student_does"] = fill(hook.does, slots)
            if hook.script:
                updates["teacher_script"] = hook.script
        elif index == 0 and task1_extra:
            updates["student_does"] = f"{task.student_does} {task1_extra}"
        adjust = [tag_adjustment(t.value) for t in step.tags if t.value in tried_tags]
        if adjust:
            updates["student_does"] = " ".join([updates.get("student_does", task.student_does), *adjust])
        if step.increment is not None:
            updates["increment"] = f"{step.increment.dimension.value.capitalize()}: {task.increment}"
        tasks.append(task.model_copy(update=updates))
    return tasks


def avoid_phrases(attempts: list[Attempt], base: list[dict[str, str]]) -> list[Phrase]:
    phrases = [Phrase(text=p["text"], why=" ".join(p["why"].split())) for p in base]
    for attempt in attempts:
        if attempt.spoken and all(attempt.spoken.lower() != p.text.lower() for p in phrases):
            phrases.append(Phrase(text=attempt.spoken, why="Already tried with this student: encouragement with no "
                                  "success behind it, so it now counts for little."))
    return phrases


def cautions(attempts: list[Attempt], base: list[str]) -> list[str]:
    out = [" ".join(c.split()) for c in base]
    for attempt in attempts:
        if attempt.caution and " ".join(attempt.caution.split()) not in out:
            out.append(" ".join(attempt.caution.split()))
    return out


def _fill_family(family: Family, request: SequenceRequest, level: Level, evidence: list[Evidence],
                 attempts: list[Attempt], needs: list[Need]) -> Sequence:
    slots = {
        "level_phrase": level.phrase,
        "subject": family.subject,
        "interest": read_interest(request.student_strengths, request.student_profile) or family.default_interest,
    }
    hook = _hook(family, request.student_strengths)
    starting_point, task1_extra = _starting_point(family, request, slots, hook)
    data = common()
    return Sequence(
        title_skill=family.name,
        target_skill=request.target_skill,
        current_avoidance=request.current_avoidance,
        student_level=request.student_level + (f" {request.subject_area}" if request.subject_area else ""),
        diagnostic=Diagnostic(
            primary_barrier=primary_barrier(evidence, attempts),
            primary_barrier_source=evidence[0].source,
            starting_point=starting_point,
            sequence_strategy=_strategy(family, slots, evidence, needs),
        ),
        tasks=_tasks(family, slots, hook, task1_extra, attempts),
        phrases_to_use=family_phrases(family),
        phrases_to_avoid=avoid_phrases(attempts, data["phrases_to_avoid"]),
        long_term_plan=fill(family.long_term_plan, slots) + " " + " ".join(data["long_term_suffix"].split()),
        cautions=cautions(attempts, data["cautions"]),
    )
