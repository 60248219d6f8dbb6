"""The seed-format Markdown and JSON: round trips, tolerance, and errors with line numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tool.generation.checker import check_sequence
from tool.generation.document import (
    ParseError,
    parse_document,
    parse_json,
    parse_markdown,
    render_json,
    render_markdown,
)
from tool.generation.model import Phrase, Sequence, Source

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "year8_writing.md"


@pytest.fixture
def text() -> str:
    return FIXTURE.read_text(encoding="utf-8")


@pytest.fixture
def seq(text: str) -> Sequence:
    return parse_markdown(text)


def test_year8_fixture_renders_back_byte_for_byte(text: str, seq: Sequence) -> None:
    assert render_markdown(seq) == text


def test_year8_fixture_reads_every_part_of_the_seed_format(seq: Sequence) -> None:
    assert seq.title_skill == "Extended Writing"
    assert seq.student_level == "Year 8 English"
    assert seq.target_skill.startswith("Write an extended response")
    assert [t.name for t in seq.tasks] == [
        "Talk It, See It",
        "Talk It, Write One Sentence",
        "Talk It, Write Three Sentences",
        "Write a Paragraph With a Verbal Plan",
        "Write a Paragraph Independently (Target)",
    ]
    assert seq.tasks[0].sources == [Source.MASTERY, Source.VICARIOUS, Source.PHYSIOLOGICAL]
    assert seq.tasks[2].sources == [Source.MASTERY, Source.PERSUASION]
    # The sources prefix is stripped from the why text, which starts with its own prose.
    assert seq.tasks[0].why_it_builds_efficacy.startswith("The student succeeds")
    assert seq.diagnostic.primary_barrier_source == Source.MASTERY
    assert len(seq.phrases_to_use) == 5 and len(seq.phrases_to_avoid) == 6
    assert seq.phrases_to_avoid[0] == Phrase(
        text="You're so clever!", why="praises ability, which the student cannot control"
    )
    assert seq.long_term_plan.count("\n\n") == 3  # four paragraphs
    assert len(seq.cautions) == 3
    # A seed-format document carries none of our own fields.
    assert all(t.student_instructions is None and t.increment is None for t in seq.tasks)


def _with_own_fields(seq: Sequence) -> Sequence:
    out = seq.model_copy(deep=True)
    for i, task in enumerate(out.tasks):
        task.student_instructions = f"Tell your teacher your answer first.\nThen write part {i + 1}."
        task.increment = None if i == 0 else f"Now step {i + 1} adds more writing."
    out.phrases_to_use.append(Phrase(text="You kept going with the plan."))
    # The prose names mastery first, so this source must be written out explicitly.
    out.diagnostic.primary_barrier_source = Source.PHYSIOLOGICAL
    out.cautions = []
    return out


def test_model_round_trips_through_markdown_with_our_own_fields(seq: Sequence) -> None:
    original = _with_own_fields(seq)
    rendered = render_markdown(original)
    assert "- **Student instructions:** Tell your teacher your answer first.\n  Then write part 1." in rendered
    assert "- **Step up from the last task:** Now step 2 adds more writing." in rendered
    assert "**Primary barrier:** Physiological and emotional state — Mastery experience is" in rendered
    assert '- "You kept going with the plan."\n' in rendered
    assert "### Cautions" not in rendered
    assert parse_markdown(rendered) == original


def test_our_fields_come_after_the_seed_five(seq: Sequence) -> None:
    rendered = render_markdown(_with_own_fields(seq))
    task2 = rendered.split("**Task 2:")[1].split("**Task 3:")[0]
    labels = [line.split(":**")[0] for line in task2.splitlines() if line.startswith("- **")]
    assert labels == [
        "- **What the student does",
        "- **Why this builds efficacy",
        "- **Success looks like",
        "- **Teacher script after success",
        "- **If the student struggles",
        "- **Student instructions",
        "- **Step up from the last task",
    ]


def test_crlf_line_endings_parse_the_same(text: str, seq: Sequence) -> None:
    assert parse_markdown(text.replace("\n", "\r\n")) == seq


def test_star_bullets_other_heading_levels_and_task_dashes_parse_the_same(text: str, seq: Sequence) -> None:
    variant = (
        text.replace("\n- ", "\n* ")
        .replace("## Self-Efficacy Sequence:", "# Self-Efficacy Sequence:")
        .replace("### ", "## ")
        .replace("**Task 1: Talk It, See It**", "#### Task 1 — Talk It, See It")
        .replace("**Task 2: Talk It, Write One Sentence**", "**Task 2:** Talk It, Write One Sentence")
        .replace("**Phrases to USE:**", "#### Phrases to USE")
        .replace("**Primary barrier:** ", "#### Primary barrier\n")
        .replace("\n\n", "\n\n\n")
    )
    assert variant != text
    assert parse_markdown(variant) == seq


def test_preamble_and_code_fence_around_the_document_are_ignored(text: str, seq: Sequence) -> None:
    wrapped = "Here is the sequence you asked for.\n\n```markdown\n" + text + "```\n"
    assert parse_markdown(wrapped) == seq


def test_phrases_listed_one_per_line_without_bullets(text: str, seq: Sequence) -> None:
    use = text.split("**Phrases to USE:**\n")[1].split("\n\n")[0]
    unbulleted = text.replace(use, use.replace("- \"", "\""))
    assert unbulleted != text
    assert parse_markdown(unbulleted) == seq


def test_deleting_or_cutting_any_line_never_crashes(text: str) -> None:
    """Whatever a teacher deletes, the result is a sequence (checkable) or a ParseError; nothing else."""
    lines = text.splitlines(keepends=True)
    outcomes = {"parsed": 0, "error": 0}
    for i in range(len(lines)):
        for variant in ("".join(lines[:i] + lines[i + 1 :]), "".join(lines[:i])):
            try:
                parsed = parse_markdown(variant)
            except ParseError as exc:
                assert exc.line is None or 1 <= exc.line <= max(1, len(variant.splitlines()))
                outcomes["error"] += 1
            else:
                check_sequence(parsed, require_own_fields=True)
                outcomes["parsed"] += 1
    assert outcomes["parsed"] > len(lines)  # most deletions leave a readable document


def test_sources_are_inferred_from_prose_without_our_prefix(text: str) -> None:
    teacher_wrote = text.replace(
        "Mastery experience (+ verbal persuasion) — Three sentences",
        "A genuine success, with a peer model shown first. Three sentences",
    ).replace("Mastery experience is the missing source.", "They have had encouragement so often; no vicarious")
    parsed = parse_markdown(teacher_wrote)
    assert parsed.tasks[2].sources == [Source.MASTERY, Source.VICARIOUS]
    assert parsed.tasks[2].why_it_builds_efficacy.startswith("A genuine success")
    assert parsed.diagnostic.primary_barrier_source == Source.PERSUASION  # "encouragement" comes first


def test_a_missing_field_parses_empty_and_the_checker_reports_it(text: str) -> None:
    lines = [line for line in text.splitlines(keepends=True) if "**Teacher script after success:**" not in line
             or "yourself" not in line]
    parsed = parse_markdown("".join(lines))
    assert parsed.tasks[4].teacher_script == ""
    findings = check_sequence(parsed)
    assert [(f.check, f.location, f.task_index) for f in findings] == [
        ("format", "Task 5 › Teacher script after success", 4)
    ]


def test_a_missing_section_parses_empty(text: str) -> None:
    without_plan = text.split("### Long-Term Plan")[0] + "### Cautions" + text.split("### Cautions")[1]
    parsed = parse_markdown(without_plan)
    assert parsed.long_term_plan == ""
    assert any(f.check == "format" and f.location == "Long-Term Plan" for f in check_sequence(parsed))


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "marker", "message"),
    [
        ("### Efficacy Diagnostic", "### Efficacy Notes", "### Efficacy Notes", "unknown section 'Efficacy Notes'"),
        ("- **Success looks like:** One complete", "- **Materials:** One complete", "**Materials:**",
         "unknown field 'Materials'"),
        ("**Task 3: Talk It, Write Three Sentences**", "**Task 4: Talk It, Write Three Sentences**",
         "**Task 4: Talk It, Write Three", "expected Task 3 here, found Task 4"),
        ("### Task Sequence\n", "### Task Sequence\n\nSome notes first.\n", "Some notes first.",
         "unexpected text; expected a task heading"),
        ("### Cautions", "### Long-Term Plan", "### Long-Term Plan\n", "appears a second time"),
        ("**Phrases to USE:**\n", "- \"Stray phrase\"\n**Phrases to USE:**\n", "Stray phrase",
         "before the first phrase"),
    ],
)
def test_broken_documents_raise_parse_error_with_the_line(
    text: str, old: str, new: str, marker: str, message: str
) -> None:
    assert old in text
    broken = text.replace(old, new, 1)
    with pytest.raises(ParseError) as caught:
        parse_markdown(broken)
    expected_line = (
        _line_of(broken, marker.strip()) if marker != "### Long-Term Plan\n"
        else [i for i, line in enumerate(broken.splitlines(), 1) if line == "### Long-Term Plan"][1]
    )
    assert caught.value.line == expected_line
    assert message in caught.value.message
    assert str(caught.value).startswith(f"Line {expected_line}: ")


def test_a_document_without_a_title_says_what_was_expected() -> None:
    with pytest.raises(ParseError) as caught:
        parse_markdown("\n\nJust some notes about a student.\nNothing else.\n")
    assert caught.value.line == 3
    assert "## Self-Efficacy Sequence: <skill>" in caught.value.message


def test_a_field_before_the_title_is_an_error() -> None:
    with pytest.raises(ParseError) as caught:
        parse_markdown("**Target skill:** reading\n## Self-Efficacy Sequence: Reading\n")
    assert caught.value.line == 1


# --- JSON ------------------------------------------------------------------------------------


def test_json_round_trip(seq: Sequence) -> None:
    original = _with_own_fields(seq)
    rendered = render_json(original)
    assert rendered.endswith("}\n")
    assert parse_json(rendered) == original
    assert parse_json(json.dumps({"sequence": json.loads(rendered)})) == original


def test_invalid_json_reports_its_line() -> None:
    with pytest.raises(ParseError) as caught:
        parse_json('{\n  "title_skill": "x",\n  oops\n}')
    assert caught.value.line == 3
    assert "not valid JSON" in caught.value.message


def test_json_schema_errors_name_the_fields(seq: Sequence) -> None:
    data = json.loads(render_json(seq))
    del data["tasks"][1]["teacher_script"]
    data["tasks"][2]["sources"] = ["telepathy"]
    with pytest.raises(ParseError) as caught:
        parse_json(json.dumps(data))
    assert "tasks[2].teacher_script: Field required" in caught.value.message
    assert "tasks[3].sources[1]" in caught.value.message


def test_parse_document_sniffs_json_and_markdown(text: str, seq: Sequence) -> None:
    assert parse_document(text) == seq
    assert parse_document(render_json(seq)) == seq
    assert parse_document("```json\n" + render_json(seq) + "```\n") == seq
    with pytest.raises(ParseError):
        parse_document("[1, 2, 3]")
