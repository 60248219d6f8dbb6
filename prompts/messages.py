"""Chat messages for the LLM generators, built from the versioned templates.

Layout, chosen for prompt caching and for safety:

1. the system message: a static prefix (role, principles, output contract,
   self-check), byte-identical for every request of a given response format;
2. the user message: the teacher's fields last, each labelled inside a
   ``<teacher_input>`` block, with "not provided" for empty optional fields.

Teacher text is data: it travels only inside the delimited blocks, never in
an instruction (a task is named by its number, not by the name the teacher
may have edited). Anything in it that looks like one of our delimiters, drawn
with any look-alike bracket, or like a chat-template control token, is
defused so it cannot close the block early and pose as instructions.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from prompts import PROMPT_VERSION, load, render
from tool.generation.ladders.schema import Family
from tool.generation.model import Finding, Sequence, SequenceRequest

NOT_PROVIDED = "not provided"

# Labels in the order the teacher form asks for them.
FIELD_LABELS: tuple[tuple[str, str], ...] = (
    ("target_skill", "Target skill"),
    ("student_level", "Student level"),
    ("current_avoidance", "Current avoidance"),
    ("subject_area", "Subject area"),
    ("student_profile", "Student profile"),
    ("previous_attempts", "Previous attempts"),
    ("student_strengths", "Student strengths"),
)

_OUR_TAGS = (
    "teacher_input|reference_ladder|field|validation_error|findings|current_sequence|previous_task|next_task|sequence"
)
# "<" and its look-alikes that NFKC leaves alone (angle brackets, single guillemet, modifier and Canadian signs).
_OPENERS = "<‹〈⟨❮˂ᐸ＜﹤"
_TAG_LIKE = re.compile(rf"[{_OPENERS}](\s*/?\s*(?:{_OUR_TAGS})\b)", re.IGNORECASE)
# Chat-template control tokens of common model families: ChatML and Llama 3 (<|im_start|>, <|eot_id|>),
# Llama 2 / Mistral ([INST], <<SYS>>, <s>), Gemma (<start_of_turn>), Phi and Zephyr (<|user|>).
_CONTROL_TOKENS = re.compile(
    r"<\|[^<>|\n]{0,40}\|>|\[/?INST\]|<</?SYS>>|</?s>|<(?:start|end)_of_turn>|<\|(?:begin|end)_of_text\|>",
    re.IGNORECASE,
)

Message = dict[str, str]


_INERT = str.maketrans("<>[]|", "‹›()¦")


def _inert_token(match: re.Match[str]) -> str:
    """A control token spelled so no tokenizer reads it as one: its brackets become look-alikes."""
    return match.group(0).translate(_INERT)


def defuse(text: str) -> str:
    """``text`` made safe to quote inside one of our data blocks.

    NFKC first, so full-width and compatibility forms (``＜／teacher_input＞``) read as what they
    look like; then our delimiter tags, however their ``<`` is drawn, lose it (``‹``), and
    chat-template control tokens lose their brackets.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL_TOKENS.sub(_inert_token, text)
    return _TAG_LIKE.sub(r"‹\1", text)


def _compact(schema: dict[str, Any]) -> str:
    return json.dumps(schema, separators=(",", ":"))


def system_prompt(response_format: str, schema: dict[str, Any] | None = None, version: str = PROMPT_VERSION) -> str:
    """The static system prefix.

    In ``json_object`` mode the server cannot enforce our schema, so the schema
    is appended to the prefix (still static: it never varies per request).
    """
    text = load("system", version)
    if response_format == "json_object" and schema is not None:
        text += "\n# JSON schema of the answer\n\n" + _compact(schema) + "\n"
    return text


def teacher_fields(request: SequenceRequest) -> str:
    """The labelled teacher fields, one ``<field>`` each, values defused."""
    lines = []
    for name, label in FIELD_LABELS:
        value = getattr(request, name) or NOT_PROVIDED
        lines.append(f'<field name="{name}" label="{label}">\n{defuse(value)}\n</field>')
    return "\n".join(lines)


NO_REFERENCE = (
    "No ladder in our library fits this skill closely enough: design the steps from scratch, from the student's "
    "starting point to the target."
)


def reference_ladder(family: Family | None) -> str:
    """An expert ladder for the skill from our library, for the model to adapt (or a note that none fits).

    It comes after the static system prefix, so the prefix stays cacheable.
    """
    if family is None:
        return NO_REFERENCE
    steps = []
    for number, step in enumerate(family.steps, start=1):
        change = f" [one change: {step.increment.dimension.value}: {step.increment.text}]" if step.increment else ""
        steps.append(f"{number}. {step.name}: {step.does} Success: {step.success}{change}")
    body = "\n".join(steps)
    return (
        f'<reference_ladder family="{family.id}">\n'
        f"An expert ladder for this skill ({family.name}; follows {family.progression}). Adapt it to this "
        "student: start from their stated strength, keep one change per step and end at the target at its real "
        "scale. Do not copy it where it does not fit, and keep any slot in braces out of your answer.\n"
        f"{body}\n</reference_ladder>"
    )


def user_prompt(request: SequenceRequest, version: str = PROMPT_VERSION, family: Family | None = None) -> str:
    return render("user", version, teacher_fields=teacher_fields(request), reference_ladder=reference_ladder(family))


def sequence_messages(system: str, request: SequenceRequest, family: Family | None = None) -> list[Message]:
    return [{"role": "system", "content": system}, {"role": "user", "content": user_prompt(request, family=family)}]


def regenerate_task_messages(
    system: str,
    request: SequenceRequest,
    sequence: Sequence,
    task_index: int,
    response_format: str,
    schema: dict[str, Any],
) -> list[Message]:
    """The teacher's fields, then the instruction to rewrite one task (with the task's schema
    in ``json_object`` mode, where the server cannot enforce it)."""
    instruction = user_prompt(request) + "\n\n" + regenerate_task_prompt(sequence, task_index)
    if response_format == "json_object":
        instruction += "\n\nJSON schema of the task: " + _compact(schema)
    return [{"role": "system", "content": system}, {"role": "user", "content": instruction}]


def invalid_output_repair(error: str, version: str = PROMPT_VERSION) -> str:
    # Cap the error: a validation dump of a huge answer should not blow the context.
    return render("repair_invalid", version, error=defuse(error[:4000]))


def format_findings(findings: list[Finding]) -> str:
    """One line per finding: check id, location, message and quoted evidence."""
    lines = []
    for finding in findings:
        line = f"- check ({finding.check}) at {finding.location}: {finding.message}"
        if finding.evidence:
            line += f' Evidence: "{finding.evidence}"'
        lines.append(defuse(line))
    return "\n".join(lines)


def findings_repair(findings: list[Finding], subject: str = "sequence", version: str = PROMPT_VERSION) -> str:
    return render("repair", version, findings=format_findings(findings), subject=subject)


def regenerate_task_prompt(sequence: Sequence, task_index: int, version: str = PROMPT_VERSION) -> str:
    """Instruction to rewrite one task, with the whole sequence and its neighbours quoted."""
    tasks = sequence.tasks

    def dump(index: int) -> str:
        if 0 <= index < len(tasks):
            return defuse(tasks[index].model_dump_json())
        return "none: this is the " + ("first" if index < 0 else "last") + " task"

    return render(
        "regenerate_task",
        version,
        sequence=defuse(sequence.model_dump_json()),
        task_number=str(task_index + 1),
        previous_task=dump(task_index - 1),
        next_task=dump(task_index + 1),
    )


def judge_messages(sequence: Sequence, response_format: str, schema: dict[str, Any] | None) -> list[Message]:
    system = load("judge")
    if response_format == "json_object" and schema is not None:
        system += "\nJSON schema of the answer: " + _compact(schema) + "\n"
    user = render("judge_user", sequence=defuse(sequence.model_dump_json(indent=1)))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
