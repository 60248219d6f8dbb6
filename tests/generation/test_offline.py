"""The offline planner: the right ladder for the skill, filled from the teacher's own words."""

from __future__ import annotations

import pytest

from config.settings import Settings
from tool.generation.backend import GenerationError
from tool.generation.checker import check_sequence
from tool.generation.factory import make_generator
from tool.generation.ladders.planner import NONE, plan
from tool.generation.model import SequenceRequest, Source
from tool.generation.offline import OfflineGenerator
from tool.generation.openai_backend import OpenAIGenerator

# Realistic requests and the family a teacher would expect for each.
SCENARIOS: dict[str, tuple[SequenceRequest, str]] = {
    "two-digit addition": (SequenceRequest(
        target_skill="Adding 34 + 25 and other two-digit sums", student_level="Year 2",
        current_avoidance="Puts her pencil down and says she can't do numbers",
        student_strengths="Adds 10 on a hundred square without help", subject_area="Maths",
    ), "two-digit-addition"),
    "extended writing": (SequenceRequest(
        target_skill="Extended writing: a developed paragraph", student_level="Year 8",
        current_avoidance="Writes one sentence, rubs it out, then puts head on desk", subject_area="English",
        student_strengths="Articulate and detailed in class discussion",
    ), "extended-writing"),
    "name writing": (SequenceRequest(
        target_skill="Writing his own name", student_level="Reception",
        current_avoidance="Scribbles over the paper and runs off to the construction area",
    ), "name-writing"),
    "swimming": (SequenceRequest(
        target_skill="Getting into the pool and putting her face in the water", student_level="Year 1",
        current_avoidance="Cries at the poolside and clings to the teaching assistant", subject_area="PE",
    ), "swimming-water-confidence"),
    "sight-reading": (SequenceRequest(
        target_skill="Sight-reading new pieces on the piano", student_level="Year 10",
        current_avoidance="Plays by ear instead and pretends to read the music", subject_area="Music",
        student_strengths="Plays tunes by ear very well",
    ), "music-sight-reading"),
    "spelling test": (SequenceRequest(
        target_skill="The weekly spelling test", student_level="Year 4",
        current_avoidance="Has a tummy ache every Friday morning before spellings",
        student_profile="Dyslexic; confident speaker", subject_area="English",
    ), "spelling-tests"),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_ladder_is_for_the_skill_asked_about(name: str) -> None:
    request, family = SCENARIOS[name]
    planned = plan(request)
    assert planned.ladder.family_id == family
    assert planned.ladder.chosen_by == "matched" and (planned.ladder.confidence or 0) > 0


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_has_no_must_fix_finding(name: str) -> None:
    request, _ = SCENARIOS[name]
    sequence = plan(request).sequence
    must_fix = [f for f in check_sequence(sequence, request, require_own_fields=True)
                if f.severity == "must_fix"]
    assert must_fix == []


def test_stated_strength_is_used_concretely_in_task_1() -> None:
    request, _ = SCENARIOS["two-digit addition"]
    first = plan(request).sequence.tasks[0]
    assert "hundred square" in first.student_does
    assert "fraction" not in first.student_does.lower()
    sight = plan(SCENARIOS["sight-reading"][0]).sequence
    assert "by ear" in sight.tasks[0].student_does


def test_diagnosis_reads_the_teacher_words_and_quotes_them() -> None:
    swimming = plan(SCENARIOS["swimming"][0]).sequence.diagnostic
    assert swimming.primary_barrier_source == Source.PHYSIOLOGICAL
    assert "“Cries at the poolside and clings to the teaching assistant”" in swimming.primary_barrier
    writing = plan(SCENARIOS["extended writing"][0]).sequence.diagnostic
    assert writing.primary_barrier_source == Source.MASTERY
    compare = SequenceRequest(target_skill="Two-digit subtraction", student_level="Year 3",
                              current_avoidance="Copies from his neighbour and says everyone else can do it")
    assert plan(compare).sequence.diagnostic.primary_barrier_source == Source.VICARIOUS


def test_every_previous_attempt_is_named_with_why_and_never_repeated() -> None:
    request = SequenceRequest(
        target_skill="Reading aloud in front of the class", student_level="Year 5",
        current_avoidance="Asks to go to the toilet when it is nearly her turn",
        previous_attempts="A sticker chart for reading aloud; we told her 'Just put your hand up!' and "
                          "promised a toy if she read to the class",
    )
    sequence = plan(request).sequence
    barrier = sequence.diagnostic.primary_barrier
    for fragment in ("A sticker chart for reading aloud", "we told her 'Just put your hand up!'",
                     "promised a toy if she read to the class"):
        assert fragment in barrier
    assert "extrinsic reward" in barrier and "persuasion with no mastery experience" in barrier
    for task in sequence.tasks:
        for text in (task.student_does, task.teacher_script, task.student_instructions or ""):
            assert "sticker" not in text.lower() and "toy" not in text.lower()
    assert any(p.text == "Just put your hand up!" for p in sequence.phrases_to_avoid)


def test_a_step_that_leans_on_a_failed_attempt_is_adjusted() -> None:
    request, _ = SCENARIOS["extended writing"]
    tried = request.model_copy(update={"previous_attempts": "A TA scribed for him every lesson"})
    before = plan(request).sequence
    after = plan(tried).sequence
    changed = [i for i, (a, b) in enumerate(zip(before.tasks, after.tasks, strict=True))
               if a.student_does != b.student_does]
    assert changed, "a scribing step should say how it differs from the scribing already tried"
    assert all("voice recorder" in after.tasks[i].student_does for i in changed)


def test_profile_needs_become_adaptations_not_pasted_text() -> None:
    request, _ = SCENARIOS["spelling test"]
    strategy = plan(request).sequence.diagnostic.sequence_strategy
    assert "(dyslexia)" in strategy and "reading load" in strategy
    assert "Dyslexic; confident speaker" not in strategy


def test_nothing_fits_gives_an_honest_guided_draft() -> None:
    request = SequenceRequest(target_skill="Tying his shoelaces", student_level="Year 2",
                              current_avoidance="Waits for an adult to do it",
                              student_strengths="Good at threading beads")
    result = OfflineGenerator().generate(request)
    assert result.meta.ladder is not None and result.meta.ladder.family_id is None
    assert result.meta.ladder.chosen_by == "no-match"
    assert "guided draft" in (result.meta.note or "")
    text = " ".join(t.student_does for t in result.sequence.tasks)
    assert "[To complete:" in text and "“Tying his shoelaces”" in text
    assert "“Good at threading beads”" in result.sequence.tasks[0].student_does


def test_teacher_can_pick_a_family_or_none() -> None:
    request, _ = SCENARIOS["extended writing"]
    picked = plan(request.model_copy(update={"ladder_family": "essay-writing"}))
    assert picked.ladder.family_id == "essay-writing" and picked.ladder.chosen_by == "teacher"
    none = plan(request.model_copy(update={"ladder_family": NONE}))
    assert none.ladder.family_id is None and none.ladder.chosen_by == "teacher-none"
    assert "[To complete:" in none.sequence.tasks[0].student_does


def test_deterministic_and_different_per_skill() -> None:
    request, _ = SCENARIOS["two-digit addition"]
    assert plan(request).sequence == plan(request).sequence
    firsts = {plan(r).sequence.tasks[0].student_does for r, _ in SCENARIOS.values()}
    assert len(firsts) == len(SCENARIOS)


def test_student_instructions_never_carry_teacher_text() -> None:
    request, _ = SCENARIOS["swimming"]
    for task in plan(request).sequence.tasks:
        assert "Cries" not in (task.student_instructions or "")
        assert "clings" not in (task.student_instructions or "")


def test_meta_and_progress() -> None:
    stages: list[str] = []
    result = OfflineGenerator().generate(SCENARIOS["name writing"][0], progress=stages.append)
    assert stages == ["drafting", "checking"]
    assert result.meta.backend == "offline" and result.meta.model == "offline-planner"
    assert result.meta.note is not None and "no API key is configured" in result.meta.note
    assert "Based on:" in result.meta.note
    assert "was chosen" in (OfflineGenerator(chosen=True).generate(SCENARIOS["name writing"][0]).meta.note or "")


def test_regenerate_task_restores_that_step_only() -> None:
    request, _ = SCENARIOS["two-digit addition"]
    planner = OfflineGenerator()
    planned = planner.plan(request)
    edited = planned.model_copy(
        update={"tasks": [*planned.tasks[:2], planned.tasks[2].model_copy(update={"name": "Mine"}),
                          *planned.tasks[3:]]}
    )
    result = planner.regenerate_task(request, edited, 2)
    assert result.sequence == planned
    with pytest.raises(GenerationError, match="no task 7"):
        planner.regenerate_task(request, planned, 6)


def test_factory(settings: Settings) -> None:
    assert isinstance(make_generator(settings), OfflineGenerator)
    with_key = settings.model_copy(update={"generator": "auto", "llm_api_key": "sk-x"})
    assert isinstance(make_generator(with_key), OpenAIGenerator)
    assert isinstance(make_generator(with_key, "offline"), OfflineGenerator)
    without_key = settings.model_copy(update={"generator": "auto"})
    offline = make_generator(without_key)
    assert isinstance(offline, OfflineGenerator) and "no API key" in offline.note
    with pytest.raises(ValueError, match="unknown generator backend"):
        make_generator(settings, "gpt")
