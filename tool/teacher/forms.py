"""The teacher's forms: what each field means, and turning posted data into models.

Validation is pydantic's (``SequenceRequest``, ``Sequence``); this module only maps
its errors back onto form fields so each message appears next to its input and
the teacher's text is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from tool.generation.ladders.library import family_by_id
from tool.generation.model import Phrase, Sequence, SequenceRequest, Source


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    help: str
    example: str
    required: bool = False
    multiline: bool = True


# Help text in our own words; examples describe a made-up student without naming them.
REQUEST_FIELDS: tuple[Field, ...] = (
    Field(
        "target_skill",
        "Target skill",
        "The specific thing the student believes they cannot do.",
        "Writing a developed paragraph in response to a text",
        required=True,
        multiline=False,
    ),
    Field(
        "student_level",
        "Student level",
        "Year group, grade or age, so tasks are pitched right.",
        "Year 8",
        required=True,
        multiline=False,
    ),
    Field(
        "current_avoidance",
        "Current avoidance",
        "What the student does instead of the skill, as you have seen it.",
        "Writes a sentence, rubs it out, then stops and says they have nothing to write.",
        required=True,
    ),
    Field(
        "subject_area",
        "Subject area",
        "Leave empty to let it be inferred from the skill.",
        "English",
        multiline=False,
    ),
    Field(
        "student_profile",
        "Student profile",
        "Anything that helps calibrate the steps: interests, confidence elsewhere, needs. "
        "Avoid names: they are removed before the text is sent for drafting.",
        "Confident in practical subjects; anxious when work will be marked.",
    ),
    Field(
        "previous_attempts",
        "Previous attempts",
        "What has been tried already and how it went. Empty means ordinary encouragement.",
        "Sentence starters helped for one lesson; praise made no difference.",
    ),
    Field(
        "student_strengths",
        "Student strengths",
        "What the student already does well; the first task starts there. "
        "Empty means the early tasks will look for strengths.",
        "Explains ideas clearly and in detail when talking in class.",
    ),
)
# The skill ladder picker sits with the request fields: "" = best match, "none" = build from my starting point.
LADDER_FIELD = "ladder_family"
REQUEST_FIELD_NAMES = (*(f.name for f in REQUEST_FIELDS), LADDER_FIELD)

TASK_FIELDS: tuple[Field, ...] = (
    Field("name", "Task name", "", "", required=True, multiline=False),
    Field("student_does", "What the student does", "", "", required=True),
    Field("why_it_builds_efficacy", "Why it builds confidence", "", "", required=True),
    Field("success_looks_like", "Success looks like", "", "", required=True),
    Field(
        "teacher_script", "What to say when it goes well", "Your words; the student never sees this.", "", required=True
    ),
    Field("if_struggles", "If the student struggles", "For you; the student never sees this.", "", required=True),
    Field(
        "student_instructions",
        "What the student sees",
        'The only text the student reads for this step; write to them ("you").',
        "",
    ),
    Field("increment", "One step up from the last", "", ""),
)
OVERVIEW_FIELDS: tuple[Field, ...] = (
    Field("title_skill", "Heading skill", "", "", required=True, multiline=False),
    Field("target_skill", "Target skill", "", "", required=True),
    Field("current_avoidance", "What they do instead", "", "", required=True),
    Field("student_level", "For", "", "", required=True, multiline=False),
)
DIAGNOSTIC_FIELDS: tuple[Field, ...] = (
    Field("primary_barrier", "What holds them back", "", "", required=True),
    Field("starting_point", "What they can already do", "", "", required=True),
    Field("sequence_strategy", "How the steps build confidence", "", "", required=True),
)
SOURCES = tuple(Source)


def request_values(form: MultiDict[str, str] | dict[str, Any]) -> dict[str, str]:
    return {name: str(form.get(name) or "") for name in REQUEST_FIELD_NAMES}


def plain_message(item: Any) -> str:
    """Pydantic's message for one error, in words a teacher reads without a manual."""
    kind = item["type"]
    ctx = item.get("ctx") or {}
    given = item.get("input")
    blank = kind == "missing" or (isinstance(given, str) and not given.strip())
    if blank and kind in ("missing", "string_too_short"):
        return "This field is required."
    if kind == "string_too_short":
        return f"Please write a little more (at least {ctx.get('min_length')} characters)."
    if kind == "string_too_long":
        return f"Please shorten this to {ctx.get('max_length')} characters or fewer (it has {len(str(given))})."
    if kind == "enum":
        return "Pick one of the choices offered."
    return str(item["msg"])


def errors_by_field(error: ValidationError, prefix: tuple[Any, ...] = ()) -> dict[str, str]:
    """Errors keyed by the form field they belong to (first message wins), in plain words."""
    errors: dict[str, str] = {}
    for item in error.errors():
        loc = tuple(item["loc"])[len(prefix) :] if tuple(item["loc"])[: len(prefix)] == prefix else item["loc"]
        key = ".".join(str(part) for part in loc) or "__all__"
        errors.setdefault(key, plain_message(item))
    return errors


def parse_request(form: MultiDict[str, str]) -> tuple[SequenceRequest | None, dict[str, str], dict[str, str]]:
    """(request or None, errors by field, the values to show again)."""
    values = request_values(form)
    try:
        parsed = SequenceRequest.model_validate(values)
    except ValidationError as exc:
        return None, errors_by_field(exc), values
    pick = parsed.ladder_family
    if pick and pick != "none" and family_by_id(pick) is None:
        return None, {LADDER_FIELD: "Pick one of the ladders offered."}, values
    return parsed, {}, values


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _phrases(text: str) -> list[Phrase]:
    """One phrase a line; an optional reason after " | "."""
    phrases = []
    for line in _lines(text):
        phrase, _, why = line.partition(" | ")
        phrases.append(Phrase(text=phrase.strip(), why=why.strip() or None))
    return phrases


def phrases_text(phrases: list[Phrase]) -> str:
    return "\n".join(f"{p.text} | {p.why}" if p.why else p.text for p in phrases)


def section_names(sequence: Sequence) -> list[str]:
    return ["overview", "diagnostic", *(f"task-{i}" for i in range(len(sequence.tasks))), "coaching", "plan"]


def apply_edit(sequence: Sequence, section: str, form: MultiDict[str, str]) -> Sequence:
    """A new Sequence with ``section`` replaced from the form; raises ValidationError or KeyError."""
    data = sequence.model_dump(mode="json")
    if section == "overview":
        data.update({f.name: form.get(f.name, "") for f in OVERVIEW_FIELDS})
    elif section == "diagnostic":
        data["diagnostic"].update({f.name: form.get(f.name, "") for f in DIAGNOSTIC_FIELDS})
        data["diagnostic"]["primary_barrier_source"] = form.get("primary_barrier_source") or None
    elif section.startswith("task-") and section[5:].isdigit() and int(section[5:]) < len(sequence.tasks):
        index = int(section[5:])
        task = data["tasks"][index]
        for f in TASK_FIELDS:
            value = form.get(f.name, "").strip()
            task[f.name] = value if (value or f.required) else None
        task["sources"] = form.getlist("sources")
    elif section == "coaching":
        data["phrases_to_use"] = [p.model_dump() for p in _phrases(form.get("phrases_to_use", ""))]
        data["phrases_to_avoid"] = [p.model_dump() for p in _phrases(form.get("phrases_to_avoid", ""))]
    elif section == "plan":
        data["long_term_plan"] = form.get("long_term_plan", "")
        data["cautions"] = _lines(form.get("cautions", ""))
    else:
        raise KeyError(section)
    edited = Sequence.model_validate(data)
    _require_text(edited, section)
    return edited


def _require_text(sequence: Sequence, section: str) -> None:
    """Required fields must not be blank (the model allows empty strings; the teacher may not)."""
    fields: list[tuple[str, str]] = []
    if section == "overview":
        fields = [(f.name, getattr(sequence, f.name)) for f in OVERVIEW_FIELDS]
    elif section == "diagnostic":
        fields = [(f.name, getattr(sequence.diagnostic, f.name)) for f in DIAGNOSTIC_FIELDS]
    elif section.startswith("task-"):
        task = sequence.tasks[int(section[5:])]
        fields = [(f.name, getattr(task, f.name)) for f in TASK_FIELDS if f.required]
        if not task.sources:
            fields.append(("sources", ""))
    elif section == "plan":
        fields = [("long_term_plan", sequence.long_term_plan)]
    blank = [name for name, value in fields if not str(value or "").strip()]
    if blank:
        raise ValidationError.from_exception_data(
            "Sequence",
            [{"type": "missing", "loc": (name,), "input": ""} for name in blank],
        )
