"""Checks about the teacher's language: (d) attribution coaching, (e) no praise, pressure or rewards."""

from __future__ import annotations

from tool.generation import labels as L
from tool.generation.checks.fields import all_fields, finding, phrase_location
from tool.generation.model import Finding, Sequence, Task
from tool.generation.textmatch import content_words, excerpt, find_unnegated, matcher

# (e) categories, each a list in config/lexicons/banned.yaml, with what is wrong with it.
BANNED = {
    "generic_praise": "Generic praise (“{}”) tells the student nothing they can repeat.",
    "ability_praise": "Praise for ability (“{}”) points at something the student cannot control.",
    "empty_encouragement": "Empty encouragement (“{}”) has no evidence behind it.",
    "comparison": "Comparison with other students (“{}”) undermines self-efficacy.",
    "extrinsic_rewards": "An extrinsic reward (“{}”) makes the task about the reward, not the success.",
}


def _task_words(task: Task) -> set[str]:
    own = " ".join(t or "" for t in (task.name, task.student_does, task.success_looks_like,
                                      task.why_it_builds_efficacy, task.student_instructions))
    return content_words(own)


def _script(index: int, task: Task) -> list[Finding]:
    script = task.teacher_script
    location = L.task_location(index, "teacher_script")
    out: list[Finding] = []
    if matcher("attribution", "effort_strategy").search(script) is None:
        out.append(finding("d", "The teacher script does not credit the student's effort or strategy "
                           "(say what they did that worked).", location, excerpt(script), index))
    if not content_words(script) & _task_words(task):
        out.append(finding("d", "The teacher script does not refer to this task; tie it to what the student "
                           "just did so the credit is believable.", location, excerpt(script), index))
    for hit in find_unnegated(script, matcher("attribution", "ability_luck")):
        out.append(finding("d", f"The teacher script credits ability or luck (“{hit.phrase}”) instead of "
                           "effort or strategy.", location, excerpt(script, hit), index))
    return out


def check_d(seq: Sequence) -> list[Finding]:
    """(d) Every teacher script credits effort/strategy, refers to its task, never ability or luck;
    phrases to use never credit ability or luck, and at least one credits effort or strategy."""
    out: list[Finding] = []
    for index, task in enumerate(seq.tasks):
        if task.teacher_script.strip():  # an empty script is a format finding
            out += _script(index, task)
    credits_strategy = False
    for number, phrase in enumerate(seq.phrases_to_use, start=1):
        if matcher("attribution", "effort_strategy").search(phrase.text):
            credits_strategy = True
        for hit in find_unnegated(phrase.text, matcher("attribution", "ability_luck")):
            out.append(finding("d", f"This phrase credits ability or luck (“{hit.phrase}”).",
                               phrase_location(L.PHRASES_USE, number), excerpt(phrase.text, hit)))
    if seq.phrases_to_use and not credits_strategy:
        out.append(finding("d", "None of the phrases to use credits the student's effort or strategy.",
                           L.COACHING_SECTION + L.SEPARATOR + L.PHRASES_USE))
    return out


def check_e(seq: Sequence) -> list[Finding]:
    """(e) No generic or ability praise, empty encouragement, comparison or extrinsic reward anywhere
    except inside "Phrases to AVOID"; negated advice ("no stickers") is fine."""
    out: list[Finding] = []
    for text_field in all_fields(seq):
        if text_field.in_phrases_to_avoid or not text_field.text:
            continue
        for category, message in BANNED.items():
            for hit in find_unnegated(text_field.text, matcher("banned", category)):
                out.append(finding("e", message.format(hit.phrase), text_field.location,
                                   excerpt(text_field.text, hit), text_field.task_index))
    return out

