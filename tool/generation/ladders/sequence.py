"""A family as a whole sequence with nothing personalised (for checking the library itself)."""

from __future__ import annotations

from tool.generation.ladders.planner import avoid_phrases, common
from tool.generation.ladders.render import default_slots, family_phrases, family_tasks, fill
from tool.generation.ladders.schema import Family
from tool.generation.model import Diagnostic, Sequence, SequenceRequest


def plain_sequence(family: Family) -> tuple[Sequence, SequenceRequest]:
    """The family's ladder with default slots, and a request naming its first example as the target."""

    slots = default_slots(family)
    request = SequenceRequest(target_skill=family.examples[0], student_level=slots["level_phrase"],
                              current_avoidance="Says 'I can't do this' and does something else.")
    seq = Sequence(
        title_skill=family.name,
        target_skill=family.examples[0],
        current_avoidance=request.current_avoidance,
        student_level=slots["level_phrase"],
        diagnostic=Diagnostic(primary_barrier=f"{family.barrier.value}: assumed from the skill.",
                              primary_barrier_source=family.barrier,
                              starting_point=fill(family.starting_point, slots),
                              sequence_strategy=fill(family.strategy, slots)),
        tasks=family_tasks(family, slots),
        phrases_to_use=family_phrases(family),
        phrases_to_avoid=avoid_phrases([], common()["phrases_to_avoid"]),
        long_term_plan=fill(family.long_term_plan, slots),
    )
    return seq, request
