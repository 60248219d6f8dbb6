"""The issue's classes of checker mistakes, each on the Year 8 fixture: scope, placement, credit, demand."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tool.cli import main
from tool.generation.checker import check_sequence, must_fix
from tool.generation.checks.language import credits_strategy
from tool.generation.document import parse_markdown, render_markdown
from tool.generation.model import Finding, Sequence

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "year8_writing.md"


@pytest.fixture
def seq() -> Sequence:
    return parse_markdown(FIXTURE.read_text(encoding="utf-8"))


def _script(seq: Sequence, text: str, index: int = 2) -> list[Finding]:
    seq.tasks[index].teacher_script += " " + text
    return must_fix(check_sequence(seq))


def test_fixture_has_no_must_fix_finding(seq: Sequence) -> None:
    assert must_fix(check_sequence(seq)) == []


@pytest.mark.parametrize(
    "text",
    ["Don't worry, you're so clever.", "No need to panic — you're a bright boy.",
     "Never doubt yourself again: you were born to write."],
)
def test_a_negation_governs_only_its_own_clause(seq: Sequence, text: str) -> None:
    assert [f.check for f in _script(seq, text)] == ["d"]


@pytest.mark.parametrize(
    "text", ["This isn't about being clever: you planned it.", "That wasn't luck; it was your plan."]
)
def test_denying_ability_or_luck_is_fine(seq: Sequence, text: str) -> None:
    assert _script(seq, text) == []


def test_placement_decides_meaning(seq: Sequence) -> None:
    seq.diagnostic.primary_barrier += " A sticker chart for having a go did not change the behaviour."
    seq.cautions.append("Praise like “Come on, you can do it!” has already failed with this student.")
    assert must_fix(check_sequence(seq)) == []
    seq.long_term_plan += "\n\nKeep a sticker chart: five stickers and she chooses the Friday class game."
    assert {f.check for f in must_fix(check_sequence(seq))} == {"e"}


def test_topic_words_are_rewards_only_when_contingent(seq: Sequence) -> None:
    seq.tasks[0].student_does += " The question is about le temps libre — free time."
    assert must_fix(check_sequence(seq)) == []
    seq.tasks[1].student_does += " If she finishes, she can earn five minutes of free time."
    assert [f.location for f in must_fix(check_sequence(seq))] == ["Task 2 › What the student does"]


@pytest.mark.parametrize(
    "script",
    ["You saw there weren't enough ones and swapped a ten before taking away — that's the move that cracks these.",
     "Every word on that screen came from you. You made a point, picked the moment, and kept it short."],
)
def test_a_second_person_account_credits_strategy(script: str) -> None:
    assert credits_strategy(script)


def test_the_other_rules_of_the_source(seq: Sequence) -> None:
    findings = _script(seq, "Remember when you used to copy off Jade? Look at you now!")
    assert {f.check for f in findings} == {"e"}
    seq2 = parse_markdown(FIXTURE.read_text(encoding="utf-8"))
    seq2.tasks[3].if_struggles = "Writing just isn't everyone's strength, so give her the answers to copy."
    assert {f.check for f in must_fix(check_sequence(seq2))} == {"d", "e"}


def test_first_task_that_is_the_target_reworded_fails(seq: Sequence) -> None:
    seq.tasks[0].name = "Warm-up"
    seq.tasks[0].student_does = "As a warm-up, writes an extended response in English: one developed paragraph."
    assert [f.check for f in must_fix(check_sequence(seq))] == ["a"]


def test_last_task_below_the_target_setting_fails(seq: Sequence) -> None:
    seq.target_skill = "Read a developed paragraph aloud to the class"
    seq.tasks[4].student_does = "Writes a developed paragraph and reads it aloud to the teacher, one to one."
    assert [f.check for f in must_fix(check_sequence(seq))] == ["f"]


def test_talk_instead_of_tasks_is_found(seq: Sequence) -> None:
    seq.tasks[2].student_does = "Watches a growth mindset video about famous writers who struggled."
    assert [f.check for f in check_sequence(seq)] == ["c"]


def test_check_exits_1_only_on_must_fix_and_strict_on_any(seq: Sequence, tmp_path: Path) -> None:
    runner = CliRunner()
    consider = seq.model_copy(deep=True)
    consider.tasks[1].teacher_script = "Lovely, that sentence is on the page."
    path = tmp_path / "consider.md"
    path.write_text(render_markdown(consider))
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 0 and "worth a look" in result.output
    assert runner.invoke(main, ["check", "--strict", str(path)]).exit_code == 1
    consider.tasks[1].teacher_script += " You're so clever!"
    path.write_text(render_markdown(consider))
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 1 and "must fix" in result.output
