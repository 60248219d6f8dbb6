"""The offline planner: deterministic, checker-clean, and different per scenario."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.settings import Settings
from tool.generation.backend import GenerationError
from tool.generation.checker import check_sequence
from tool.generation.factory import make_generator
from tool.generation.model import SequenceRequest
from tool.generation.offline import (
    OfflineGenerator,
    choose_strategy,
    first_clause,
    load_library,
)
from tool.generation.openai_backend import OpenAIGenerator

SCENARIOS: dict[str, SequenceRequest] = {
    "writing": SequenceRequest(
        target_skill="Extended writing — the student says 'I can't write' and has produced almost no "
        "extended writing all year",
        student_level="Year 8",
        current_avoidance="Writes one sentence, stops, rubs it out, writes the same sentence again, then puts "
        "head on desk. If pushed, says 'I don't know what to write'.",
        subject_area="English",
        student_strengths="Excellent verbal contributions in class discussion — articulate, detailed",
    ),
    "fractions": SequenceRequest(
        target_skill="Adding and comparing fractions",
        student_level="Year 6",
        current_avoidance="Leaves every fraction question blank and says maths is not for them",
        subject_area="Maths",
        student_strengths="Handles money confidently at the school shop",
    ),
    "reading aloud": SequenceRequest(
        target_skill="Reading aloud in class",
        student_level="Year 4",
        current_avoidance="Asks to go to the toilet whenever it is nearly their turn to read",
        student_strengths="Loves listening to stories and remembers them in detail",
    ),
    "speaking french": SequenceRequest(
        target_skill="Speaking French in front of the class",
        student_level="Year 9",
        current_avoidance="Freezes and stays silent when asked to speak; looks down",
        subject_area="French",
        student_strengths="Strong written vocabulary",
    ),
    "word problems": SequenceRequest(
        target_skill="Solving multi-step word problems",
        student_level="Year 7",
        current_avoidance="Reads the first line, then leaves the problem blank",
        subject_area="Maths",
        student_strengths="Fast, accurate mental arithmetic",
    ),
    "pe": SequenceRequest(
        target_skill="Catching a ball during games",
        student_level="Year 5",
        current_avoidance="Forgets kit and sits out",
        subject_area="PE",
    ),
    "art": SequenceRequest(
        target_skill="Drawing from observation",
        student_level="Year 7",
        current_avoidance="Tears up drawings before anyone sees them",
        subject_area="Art",
        student_strengths="Lots of imaginative ideas",
    ),
    "chemistry": SequenceRequest(
        target_skill="Balancing chemical equations",
        student_level="Year 10",
        current_avoidance="Waits for the answers to go up on the board",
        subject_area="Chemistry",
    ),
    "asking questions": SequenceRequest(
        target_skill="Asking questions in class",
        student_level="Year 7",
        current_avoidance="Never puts hand up, waits to copy from a friend",
    ),
    "music": SequenceRequest(
        target_skill="Performing a piece on the piano for the class",
        student_level="Year 8",
        current_avoidance="Plays well in lessons alone but freezes and stops when others listen",
        subject_area="Music",
    ),
    "handwriting": SequenceRequest(
        target_skill="Handwriting neatly on the line",
        student_level="Year 3",
        current_avoidance="Refuses to pick up the pencil and says his writing is messy",
        student_strengths="Loves drawing superheroes",
    ),
}

EXPECTED_STRATEGY = {
    "writing": "talk-to-write",
    "fractions": "concrete-to-abstract",
    "reading aloud": "echo-reading",
    "speaking french": "private-rehearsal",
    "word problems": "chunking",
    "pe": "pe-progression",
    "art": "draft-not-final",
    "chemistry": "worked-example-fade",
    "asking questions": "question-ladder",
    "music": "performance-rehearsal",
    "handwriting": "shapes-to-letters",
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_passes_checker_with_own_fields(name: str) -> None:
    request = SCENARIOS[name]
    result = OfflineGenerator().generate(request)
    assert check_sequence(result.sequence, request, require_own_fields=True) == []
    assert result.meta.findings == [] and result.meta.initial_findings == []
    assert 4 <= len(result.sequence.tasks) <= 6


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_strategy_chosen_by_cues(name: str) -> None:
    _, strategies = load_library()
    assert choose_strategy(SCENARIOS[name], strategies).id == EXPECTED_STRATEGY[name]


def test_every_bridge_in_the_library_is_used_and_clean() -> None:
    _, strategies = load_library()
    assert {s.id for s in strategies} == set(EXPECTED_STRATEGY.values())


def test_scenarios_differ_meaningfully() -> None:
    planner = OfflineGenerator()
    plans = {name: planner.plan(request) for name, request in SCENARIOS.items()}
    first_tasks = {plan.tasks[0].student_does for plan in plans.values()}
    assert len(first_tasks) == len(plans)
    instructions = {tuple(t.student_instructions for t in plan.tasks) for plan in plans.values()}
    assert len(instructions) == len(plans)


def test_deterministic() -> None:
    request = SCENARIOS["fractions"]
    assert OfflineGenerator().plan(request) == OfflineGenerator().plan(request)


def test_request_details_are_filled_in() -> None:
    plan = OfflineGenerator().plan(SCENARIOS["word problems"])
    first = plan.tasks[0]
    # The first task starts from the stated strength.
    assert "fast, accurate mental arithmetic" in first.why_it_builds_efficacy
    # The last task reaches the target skill at the student's level.
    assert "solving multi-step word problems" in plan.tasks[-1].student_does
    assert "Year 7" in plan.tasks[-1].student_does
    assert plan.student_level == "Year 7 Maths"
    assert plan.title_skill == "Solving multi-step word problems"


def test_student_instructions_never_carry_teacher_text() -> None:
    _, strategies = load_library()
    library = {t["instructions"] for s in strategies for t in s.data["tasks"]}
    for request in SCENARIOS.values():
        plan = OfflineGenerator().plan(request)
        for task in plan.tasks:
            text = task.student_instructions or ""
            # Shown to the student exactly as written in the library: no teacher text can leak in.
            assert text in library
            assert request.current_avoidance[:25].lower() not in text.lower()
            assert re.search(r"\byou(r)?\b", text.lower())
            for banned in ("avoid", "difficult", "hard", "can't", "struggle", "nervous", "{"):
                assert banned not in text.lower()


def test_without_strengths_the_first_task_looks_for_them() -> None:
    with_strength = OfflineGenerator().plan(SCENARIOS["art"])
    without = OfflineGenerator().plan(SCENARIOS["art"].model_copy(update={"student_strengths": None}))
    assert "no strengths were noted" in without.tasks[0].student_does
    assert "no strengths were noted" not in with_strength.tasks[0].student_does
    assert "lots of imaginative ideas" in with_strength.tasks[0].why_it_builds_efficacy


def test_previous_attempts_and_profile_shape_the_diagnostic() -> None:
    request = SCENARIOS["writing"].model_copy(
        update={
            "previous_attempts": "Sentence starters and a writing frame",
            "student_profile": "Quiet, likes football",
        }
    )
    plan = OfflineGenerator().plan(request)
    assert "Already tried: sentence starters and a writing frame" in plan.diagnostic.primary_barrier
    assert "quiet, likes football" in plan.diagnostic.sequence_strategy
    assert "encouragement has most likely been tried" in OfflineGenerator().plan(
        SCENARIOS["writing"]
    ).diagnostic.primary_barrier


def test_unmatched_request_falls_back_to_worked_examples() -> None:
    request = SequenceRequest(target_skill="Knitting a scarf", student_level="Adult", current_avoidance="Leaves")
    _, strategies = load_library()
    assert choose_strategy(request, strategies).id == "worked-example-fade"
    assert OfflineGenerator().generate(request).meta.findings == []


def test_meta_and_progress() -> None:
    stages: list[str] = []
    result = OfflineGenerator().generate(SCENARIOS["pe"], progress=stages.append)
    assert stages == ["drafting", "checking"]
    assert result.meta.backend == "offline" and result.meta.model == "offline-planner"
    assert result.meta.note is not None and "no API key is configured" in result.meta.note
    assert "was chosen" in (OfflineGenerator(chosen=True).generate(SCENARIOS["pe"]).meta.note or "")


def test_regenerate_task_restores_that_rung_only() -> None:
    request = SCENARIOS["fractions"]
    planner = OfflineGenerator()
    plan = planner.plan(request)
    edited = plan.model_copy(
        update={"tasks": [*plan.tasks[:2], plan.tasks[2].model_copy(update={"name": "Mine"}), *plan.tasks[3:]]}
    )
    result = planner.regenerate_task(request, edited, 2)
    assert result.sequence == plan
    with pytest.raises(GenerationError, match="no task 7"):
        planner.regenerate_task(request, plan, 6)


def test_first_clause() -> None:
    assert first_clause("Extended writing — the student says 'I can't write'") == "extended writing"
    assert first_clause("Fractions: adding them") == "fractions"
    assert first_clause("GCSE French speaking (oral exam)") == "GCSE French speaking"


def test_malformed_library_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bridges.yaml"
    bad.write_text("common: {}\nstrategies:\n  - id: x\n    tasks: [{name: a}]\n")
    with pytest.raises(ValueError, match="4-6 tasks"):
        load_library(bad)


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


def test_scenario_wording_fits_the_skill() -> None:
    """What a teacher would notice first: the ladder talks about their skill, not another one."""
    planner = OfflineGenerator()
    music = planner.plan(SCENARIOS["music"])
    assert not any("sentence" in t.student_does or "vocabulary" in t.student_does for t in music.tasks)
    questions = planner.plan(SCENARIOS["asking questions"])
    assert all("question" in t.student_does for t in questions.tasks)
    assert "worked example" not in " ".join(t.student_does for t in questions.tasks)
    # Swimming is not played as a game.
    swimming_request = SequenceRequest(
        target_skill="Swimming a width of the pool without a float",
        student_level="Year 5",
        current_avoidance="Stays at the shallow end holding the side",
        subject_area="PE",
        student_strengths="Confident kicking with a float",
    )
    swimming = planner.plan(swimming_request)
    assert check_sequence(swimming, swimming_request, require_own_fields=True) == []
    assert "game" not in swimming.tasks[-1].name.lower()
    assert "swimming a width of the pool without a float" in swimming.tasks[-1].student_does
    # A stated strength that is not a spoken one is not called "out loud".
    science = planner.plan(
        SequenceRequest(
            target_skill="Writing up a science practical",
            student_level="Year 9",
            current_avoidance="Does the experiment happily but leaves the write-up blank",
            subject_area="Science",
            student_strengths="Careful and accurate when measuring in experiments",
        )
    )
    assert "out loud: careful" not in science.diagnostic.starting_point
    assert "careful and accurate when measuring in experiments" in science.diagnostic.starting_point
    # No "problems in solving … problems" fill.
    word_problems = planner.plan(SCENARIOS["word problems"])
    assert "in solving" not in word_problems.diagnostic.starting_point
