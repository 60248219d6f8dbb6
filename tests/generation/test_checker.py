"""The quality checker: the Year 8 fixture passes; each check catches what it is for, and only that."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.lexicons import LEXICON_DIR, LexiconError, lexicon_list, load_lexicon
from tool.generation.checker import (
    CHECKS,
    check_sequence,
    findings_for_task,
    passed_checks,
    summarise,
)
from tool.generation.document import parse_markdown
from tool.generation.model import CheckId, Finding, Phrase, Sequence, SequenceRequest, Source
from tool.generation.textmatch import PhraseMatcher, find_unnegated

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "year8_writing.md"


@pytest.fixture
def seq() -> Sequence:
    return parse_markdown(FIXTURE.read_text(encoding="utf-8"))


def _checks(findings: list[Finding]) -> set[CheckId]:
    return {f.check for f in findings}


def _only(findings: list[Finding], check: CheckId) -> list[Finding]:
    return [f for f in findings if f.check == check]


def _with_own_fields(seq: Sequence) -> Sequence:
    out = seq.model_copy(deep=True)
    steps = ["", "You write one sentence yourself.", "You write three sentences from your notes.",
             "The notes go; you write a whole paragraph from your spoken plan.",
             "You plan quietly and write the paragraph on your own."]
    for i, task in enumerate(out.tasks):
        task.student_instructions = f"Say your answer out loud first, then follow step {i + 1} on your card."
        task.increment = steps[i] or None
    return out


# --- the fixture -----------------------------------------------------------------------------


def test_year8_fixture_passes_every_check(seq: Sequence) -> None:
    request = SequenceRequest(
        target_skill=seq.target_skill, student_level="Year 8", current_avoidance=seq.current_avoidance
    )
    assert check_sequence(seq) == []
    assert check_sequence(seq, request) == []
    assert passed_checks([]) == list(CHECKS)


# --- format ----------------------------------------------------------------------------------


def test_format_catches_missing_fields_and_counts(seq: Sequence) -> None:
    broken = seq.model_copy(deep=True)
    broken.tasks = broken.tasks[:3]
    broken.tasks[1].if_struggles = "  "
    broken.phrases_to_avoid = broken.phrases_to_avoid[:2]
    broken.diagnostic.starting_point = ""
    findings = _only(check_sequence(broken), "format")
    assert {(f.location, f.task_index) for f in findings} == {
        ("Efficacy Diagnostic › Starting point", None),
        ("Task Sequence", None),
        ("Task 2 › If the student struggles", 1),
        ("Attribution Coaching Guide › Phrases to AVOID", None),
    }
    assert any("3 task(s); it needs 4 to 6" in f.message for f in findings)


def test_seed_format_document_needs_our_fields_only_when_asked(seq: Sequence) -> None:
    assert check_sequence(seq, require_own_fields=False) == []
    findings = check_sequence(seq, require_own_fields=True)
    assert _checks(findings) == {"format"}
    assert sorted(f.location for f in findings) == sorted(
        [f"Task {n} › Student instructions" for n in range(1, 6)]
        + [f"Task {n} › Step up from the last task" for n in range(2, 6)]
    )
    assert check_sequence(_with_own_fields(seq), require_own_fields=True) == []


def test_student_instructions_speak_to_the_student_without_naming_the_avoidance(seq: Sequence) -> None:
    own = _with_own_fields(seq)
    own.tasks[0].student_instructions = "Don't worry if writing feels difficult; you can stop."
    own.tasks[1].student_instructions = "The student writes one sentence."
    findings = _only(check_sequence(own, require_own_fields=True), "format")
    messages = [(f.task_index, f.message) for f in findings]
    assert (0, "Student instructions must not mention avoidance, difficulty or worry (“worry”).") in messages
    assert (0, "Student instructions must not mention avoidance, difficulty or worry (“difficult”).") in messages
    assert (1, "Student instructions should speak to the student as “you”.") in messages
    assert (1, "Student instructions talk about the student instead of to them.") in messages


# --- (a) -------------------------------------------------------------------------------------


def test_a_first_task_marked_as_target_fails(seq: Sequence) -> None:
    broken = seq.model_copy(deep=True)
    broken.tasks[0].name = "Write a Paragraph (Target)"
    findings = _only(check_sequence(broken), "a")
    assert findings and findings[0].task_index == 0 and findings[0].location == "Task 1"
    assert findings[0].evidence == "Write a Paragraph (Target)"


def test_a_first_task_needing_a_new_skill_or_pressure_fails(seq: Sequence) -> None:
    broken = seq.model_copy(deep=True)
    broken.tasks[0].student_does = "Writes a paragraph independently as a timed test in front of the class."
    cues = {f.message.split("(“")[1].split("”")[0] for f in _only(check_sequence(broken), "a")}
    assert cues == {"independently", "timed", "test", "in front of the class"}


def test_a_example_is_not_an_exam(seq: Sequence) -> None:
    fine = seq.model_copy(deep=True)
    fine.tasks[0].student_does += " The teacher shows an example first."
    assert _only(check_sequence(fine), "a") == []
    fine.tasks[0].student_does += " Then a practice exam."
    assert [f.evidence for f in _only(check_sequence(fine), "a")] == ["Then a practice exam."]


def test_a_negated_pressure_is_fine(seq: Sequence) -> None:
    fine = seq.model_copy(deep=True)
    fine.tasks[0].success_looks_like += " This is not a test, and nothing is timed."
    assert check_sequence(fine) == []


def test_a_first_task_that_is_the_target_skill_fails(seq: Sequence) -> None:
    broken = seq.model_copy(deep=True)
    broken.tasks[0].name = "Extended response"
    broken.tasks[0].student_does = "Writes an extended response: a developed paragraph in English."
    findings = _only(check_sequence(broken), "a")
    assert [f.message.split(",")[0] for f in findings] == ["The first task asks for the target skill itself"]
    assert findings[0].severity == "must_fix"


# --- (b) -------------------------------------------------------------------------------------


def test_b_near_duplicate_task_fails(seq: Sequence) -> None:
    broken = seq.model_copy(deep=True)
    copy = broken.tasks[1].model_copy()
    copy.name = "Talk It, Write One Sentence Again"
    broken.tasks.insert(2, copy)
    findings = _only(check_sequence(broken), "b")
    assert {(f.task_index, f.location) for f in findings} == {
        (2, "Task 3"),
        (2, "Task 3 › What the student does"),
    }
    assert "Task 3 repeats Task 2" in findings[0].message


def test_b_step_back_fails(seq: Sequence) -> None:
    swapped = seq.model_copy(deep=True)
    swapped.tasks[1], swapped.tasks[2] = swapped.tasks[2], swapped.tasks[1]
    findings = _only(check_sequence(swapped), "b")
    assert [(f.task_index, f.message) for f in findings] == [
        (2, "Task 3 asks for less than Task 2 (scale); a step back breaks the order.")
    ]


def test_b_target_before_the_end_fails(seq: Sequence) -> None:
    broken = seq.model_copy(deep=True)
    broken.tasks[2].name += " (Target)"
    findings = _only(check_sequence(broken), "b")
    assert [f.location for f in findings] == ["Task 3"]
    assert "2 task(s) follow it" in findings[0].message


def test_b_increments_must_each_name_a_new_step(seq: Sequence) -> None:
    own = _with_own_fields(seq)
    assert _only(check_sequence(own), "b") == []
    own.tasks[3].increment = own.tasks[2].increment
    own.tasks[4].increment = None
    findings = _only(check_sequence(own), "b")
    assert [(f.task_index, f.message) for f in findings] == [
        (3, "Task 4 names the same step up as Task 3; each task should add one new thing."),
        (4, "Task 5 does not say what changed from Task 4."),
    ]
    # With our fields required, the missing one is a format finding instead of a second (b) finding.
    required = check_sequence(own, require_own_fields=True)
    assert [f.task_index for f in _only(required, "b")] == [3]
    assert [f.location for f in _only(required, "format")] == ["Task 5 › Step up from the last task"]


# --- (c) -------------------------------------------------------------------------------------


def test_c_first_task_must_be_mastery(seq: Sequence) -> None:
    broken = seq.model_copy(deep=True)
    broken.tasks[0].sources = [Source.VICARIOUS, Source.MASTERY]
    findings = _only(check_sequence(broken), "c")
    assert [(f.task_index, f.location) for f in findings] == [(0, "Task 1 › Why this builds efficacy")]


def test_c_most_tasks_must_be_mastery(seq: Sequence) -> None:
    broken = seq.model_copy(deep=True)
    for task in broken.tasks[1:4]:
        task.sources = [Source.PERSUASION]
    broken.tasks[4].sources = []
    messages = [f.message for f in _only(check_sequence(broken), "c")]
    assert messages == [
        "Task 5 does not say which source of self-efficacy it builds.",
        "Only 1 of 5 tasks are mainly mastery experiences; at least 3 should be.",
    ]


# --- (d) -------------------------------------------------------------------------------------


def test_d_script_must_credit_effort_or_strategy_and_the_task(seq: Sequence) -> None:
    broken = seq.model_copy(deep=True)
    broken.tasks[1].teacher_script = "Lovely, thank you."
    broken.tasks[2].teacher_script = "Your plan worked."
    findings = _only(check_sequence(broken), "d")
    assert [(f.task_index, f.message.split(";")[0].split(" (")[0]) for f in findings] == [
        (1, "The teacher script does not credit the student's effort or strategy"),
        (1, "The teacher script does not refer to this task"),
        (2, "The teacher script does not refer to this task"),
    ]
    assert findings[0].evidence == "Lovely, thank you."


def test_d_script_crediting_ability_or_luck_fails(seq: Sequence) -> None:
    broken = seq.model_copy(deep=True)
    broken.tasks[3].teacher_script += " You were lucky with this text, and you're a natural writer."
    findings = [f for f in check_sequence(broken) if f.check in ("d", "e")]
    # Luck and ability praise both credit what the student cannot control (d). Both must be fixed.
    assert {(f.check, f.message.split("(“")[1].split("”")[0]) for f in findings} == {
        ("d", "lucky"), ("d", "you're a natural")}
    assert {f.location for f in findings} == {"Task 4 › Teacher script after success"}
    assert {f.severity for f in findings} == {"must_fix"}


@pytest.mark.parametrize(
    "contrast",
    [
        "That wasn't luck: it was your plan.",
        "It had nothing to do with luck; you planned it out loud.",
        "That worked because you used the method, not because you're clever.",
        "It isn't talent, it's the plan you made.",
    ],
)
def test_d_script_that_rules_out_ability_or_luck_passes(seq: Sequence, contrast: str) -> None:
    """Natural attribution coaching names luck or ability in order to deny it; that is the point."""
    fine = seq.model_copy(deep=True)
    fine.tasks[3].teacher_script += " " + contrast
    assert _only(check_sequence(fine), "d") == []


def test_d_phrases_to_use_must_not_credit_ability(seq: Sequence) -> None:
    broken = seq.model_copy(deep=True)
    broken.phrases_to_use[1] = Phrase(text="You're clever, so this sentence came easily.")
    findings = _only(check_sequence(broken), "d")
    # Ability praise and an ability explanation of the success, both in the same phrase.
    assert {f.location for f in findings} == {"Attribution Coaching Guide › Phrases to USE › 2"}
    assert {f.message.split(" (")[0] for f in findings} == {"Ability praise", "This explains the success by ability"}


# --- (e) -------------------------------------------------------------------------------------


def test_e_generic_praise_comparison_and_rewards_are_found_where_they_are(seq: Sequence) -> None:
    broken = seq.model_copy(deep=True)
    broken.tasks[1].teacher_script = "Great job! " + broken.tasks[1].teacher_script
    broken.tasks[3].if_struggles += " Show them that the rest of the class managed it."
    broken.long_term_plan += "\n\nGive a sticker for every paragraph, and say: you can do it!"
    findings = _only(check_sequence(broken), "e")
    assert [(f.location, f.task_index, f.message.split(" (")[0]) for f in findings] == [
        ("Task 2 › Teacher script after success", 1, "Generic praise"),
        ("Task 4 › If the student struggles", 3, "Comparison with others"),
        ("Long-Term Plan", None, "Empty encouragement"),
        ("Long-Term Plan", None, "An extrinsic reward"),
    ]
    assert findings[0].evidence is not None and findings[0].evidence.startswith("Great job!")
    assert findings[3].evidence == "Give a sticker for every paragraph, and say: you can do it!"


def test_e_phrases_to_avoid_may_be_full_of_banned_phrases(seq: Sequence) -> None:
    fine = seq.model_copy(deep=True)
    fine.phrases_to_avoid += [
        Phrase(text="Well done, you're so smart!", why="generic and ability praise"),
        Phrase(text="Just try harder, believe in yourself.", why="empty encouragement"),
        Phrase(text="Be more like the others.", why="comparison"),
        Phrase(text="Finish and you get house points and sweets.", why="extrinsic rewards"),
    ]
    assert check_sequence(fine) == []


def test_e_negated_advice_is_not_a_recommendation(seq: Sequence) -> None:
    fine = seq.model_copy(deep=True)
    fine.long_term_plan += (
        "\n\nNever use stickers or a reward chart for this. Avoid saying great job on its own; "
        "there should be no prizes."
    )
    fine.cautions.append("Do not compare the student with the rest of the class.")
    assert check_sequence(fine) == []


def test_e_credible_persuasion_and_self_comparison_are_fine(seq: Sequence) -> None:
    fine = seq.model_copy(deep=True)
    fine.tasks[2].teacher_script += " You can do this because you already wrote one sentence."
    fine.phrases_to_use.append(Phrase(text="This paragraph is better than your last one because you planned it."))
    assert check_sequence(fine) == []


def test_e_negation_does_not_reach_across_sentences(seq: Sequence) -> None:
    broken = seq.model_copy(deep=True)
    broken.long_term_plan += "\n\nNever rush. Offer stickers for each paragraph."
    assert [f.evidence for f in _only(check_sequence(broken), "e")] == ["Offer stickers for each paragraph."]


# --- (f) -------------------------------------------------------------------------------------


def test_f_sequence_that_stops_short_of_the_target_fails(seq: Sequence) -> None:
    short = seq.model_copy(deep=True)
    short.tasks = short.tasks[:4]
    short.tasks[3].name = "Talk It, Write Four Sentences"
    short.tasks[3].student_does = "Talks through an answer, then writes four sentences from keyword notes."
    short.tasks[3].success_looks_like = "Four sentences on the page."
    findings = _only(check_sequence(short), "f")
    assert [(f.task_index, f.location) for f in findings] == [(3, "Task 4")]
    assert "Write an extended response" in findings[0].message


def test_f_last_task_near_the_target_without_a_marker_passes(seq: Sequence) -> None:
    near = seq.model_copy(deep=True)
    near.tasks[4].name = "Write a Developed Paragraph"
    assert _only(check_sequence(near), "f") == []
    request = SequenceRequest(target_skill="Write a persuasive speech", student_level="Year 8",
                              current_avoidance="Stops after one line.")
    near.tasks[4].student_does = "Writes a persuasive speech, planned aloud."
    near.tasks[4].success_looks_like = "A speech."
    near.target_skill = "Something else entirely"
    assert _only(check_sequence(near), "f") != []
    assert _only(check_sequence(near, request), "f") == []


# --- summaries -------------------------------------------------------------------------------


def test_summaries_group_by_check_and_by_task(seq: Sequence) -> None:
    broken = seq.model_copy(deep=True)
    broken.tasks[1].teacher_script = "Amazing, thank you."
    broken.long_term_plan += "\n\nUse a sticker chart."
    findings = check_sequence(broken)
    grouped = summarise(findings)
    assert list(grouped) == list(CHECKS)
    assert [f.check for f in grouped["d"]] == ["d", "d"]
    assert len(grouped["e"]) == 2 and grouped["a"] == []
    assert passed_checks(findings) == ["format", "a", "b", "c", "f"]
    assert {f.check for f in findings_for_task(findings, 1)} == {"d", "e"}
    assert findings_for_task(findings, 0) == []


# --- lexicons and matching -------------------------------------------------------------------


def test_matching_is_case_insensitive_word_bounded_and_handles_wildcards() -> None:
    matcher = PhraseMatcher(("smart", "sticker*", "you can do it!", "you're a star"))
    assert [m.phrase for m in matcher.find_all("SMART kids. Smartphones. STICKERS! You’re a star")] == [
        "smart", "stickers", "you're a star"
    ]
    assert [m.phrase for m in matcher.find_all("Yes, you can do it! ok")] == ["you can do it!"]
    assert matcher.find_all("outsmart the sticky test") == []


def test_negation_window_is_a_few_words_in_the_same_clause() -> None:
    rewards = PhraseMatcher(("prizes",))
    assert find_unnegated("Do not hand out stickers, points or prizes.", rewards) == []
    assert find_unnegated("No, and after the long and careful lesson hand out prizes.", rewards) != []


def test_lexicons_load_from_yaml_and_are_cached() -> None:
    assert load_lexicon("banned") is load_lexicon("banned")
    assert "sticker*" in lexicon_list("banned", "extrinsic_rewards")
    with pytest.raises(LexiconError):
        lexicon_list("banned", "no_such_list")
    with pytest.raises(LexiconError):
        load_lexicon("no_such_file")


def test_every_lexicon_file_is_a_mapping_of_string_lists() -> None:
    """YAML turns bare `no`/`on` into booleans; the loader must have rejected any such entry."""
    names = sorted(p.stem for p in LEXICON_DIR.glob("*.yaml"))
    assert {"attribution", "banned", "sources", "stopwords", "student_voice", "task_signals"} <= set(names)
    for name in names:
        lists = load_lexicon(name)
        assert lists and all(isinstance(v, str) and v for values in lists.values() for v in values)
    assert "no" in lexicon_list("banned", "negations")
    assert "on" in lexicon_list("stopwords", "stopwords")
